"""The committee's review page: server-rendered, signed in with an API key kept in a cookie.

One module a concern: ``kit`` (templates, cookies, rendering), ``forms`` (posted forms parsed),
``home`` (vacancies, sign-in), ``shortlists``, ``campaigns``, ``staffing`` (gaps).
"""

from __future__ import annotations

from fastapi import APIRouter

from serving.routers.pages import (
    approvals,
    campaigns,
    home,
    me,
    meetings,
    model,
    recourse,
    selections,
    shortlists,
    staffing,
    staffing_reports,
)
from serving.routers.pages import jpt_rotation as jpt_rotation_page
from serving.routers.pages import talent as talent_pages

router = APIRouter(include_in_schema=False)
router.include_router(home.router)
router.include_router(shortlists.router)
router.include_router(campaigns.router)
router.include_router(model.router)
router.include_router(staffing.router)
router.include_router(talent_pages.router)
router.include_router(staffing_reports.router)
router.include_router(meetings.router)
router.include_router(approvals.router)
router.include_router(selections.router)
router.include_router(me.router)
router.include_router(recourse.router)
router.include_router(jpt_rotation_page.router)
