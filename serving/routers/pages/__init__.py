"""The committee's review page: server-rendered, signed in with an API key kept in a cookie.

One module a concern: ``kit`` (templates, cookies, rendering), ``forms`` (posted forms parsed),
``home`` (vacancies, sign-in), ``shortlists``, ``campaigns``, ``staffing`` (gaps).
"""

from __future__ import annotations

from fastapi import APIRouter

from serving.routers.pages import campaigns, home, model, selections, shortlists, staffing
from serving.routers.pages import jpt_rotation as jpt_rotation_page

router = APIRouter(include_in_schema=False)
router.include_router(home.router)
router.include_router(shortlists.router)
router.include_router(campaigns.router)
router.include_router(model.router)
router.include_router(staffing.router)
router.include_router(selections.router)
router.include_router(jpt_rotation_page.router)
