"""The employee's pages (``/me``): my agency's open posts, my fit, my aspirations and requests.

An employee signs in like everyone (NIP and password) and lands here. Every page goes through
the one policy: ``post.announced`` for the agency's open posts, ``self.read``/``self.write`` for
the caller's own record (owner: the caller's NIP). Nothing here shows another person's name,
score or rank.
"""

from __future__ import annotations

from typing import Any

from fastapi.responses import HTMLResponse

from features import i18n
from serving.routers.pages.kit import Page, SignedIn, page_router

router = page_router()


def _render(page: Page, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A ``me_*`` template with the employee pages' words as ``m``."""
    return page.render(name, status, m=i18n.section("me", page.lang), **context)


@router.get("/me", response_class=HTMLResponse)
def me_home(page: SignedIn) -> HTMLResponse:
    """The employee's start page: links to open posts, aspirations and requests."""
    who = page.who
    page.access.require("self.read", who.agency_id, "record", who.nip)
    return _render(page, "me_home.html")
