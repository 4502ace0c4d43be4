"""The home page (the agency's vacancies, the campaign form, past campaigns), sign-in and -out."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from features import i18n
from serving.auth import Principal
from serving.campaigns import service as campaign_service
from serving.routers.pages.forms import CAMPAIGN_ROLES, CampaignForm, SignInForm
from serving.routers.pages.kit import (
    KEY_COOKIE,
    Key,
    PageLang,
    _render,
    _who,
    current_engine,
    not_ready_reason,
    page_router,
)
from serving.tables import campaigns as campaign_table

router = page_router()
RECENT_CAMPAIGNS = 8
"""How many past campaigns the home page lists."""


@router.get("/", response_class=HTMLResponse)
def home(request: Request, lang: PageLang, key: Key = None) -> Response:
    """Sign-in form, or the agency's vacancies, the campaign form and past campaigns."""
    who = _who(request, key)
    if who is None:
        return _render(request, "login.html", lang, None)
    return _positions_page(request, who, lang)


def _vacancies(request: Request, who: Principal) -> list[dict[str, Any]]:
    """The open positions ``who`` may see (none while the service is not ready)."""
    engine = current_engine(request)
    if engine is None:
        return []
    frame = engine.export.positions
    frame = frame[frame["is_vacant"]]
    if who.role == "committee":
        frame = frame[frame["agency_id"] == who.agency_id]
    return frame.to_dict("records")


def _positions_page(
    request: Request,
    who: Principal,
    lang: str,
    status: int = 200,
    error: str | None = None,
    form: CampaignForm | None = None,
) -> HTMLResponse:
    """The home page: vacancies (with the campaign ticks), the campaign form, past campaigns."""
    positions = _vacancies(request, who)
    form = form or CampaignForm()
    return _render(
        request,
        "positions.html",
        lang,
        who,
        status=status,
        error=error,
        positions=positions,
        agencies=sorted({str(p["agency_id"]) for p in positions}),
        form=form,
        ticked=set(form.position_id),
        may_start=who.role in CAMPAIGN_ROLES,
        campaigns=campaign_service.recent_campaigns(
            request.app.state.db,
            campaign_table,
            who.agency_id if who.role == "committee" else None,
            RECENT_CAMPAIGNS,
        ),
        ready=current_engine(request) is not None,
        reason=not_ready_reason(request),
    )


@router.post("/login")
def login(request: Request, form: Annotated[SignInForm, Form()], lang: PageLang) -> Response:
    """Check the key, then keep it in an HttpOnly, SameSite=Strict cookie."""
    key = form.key.strip()
    if _who(request, key) is None:
        error = i18n.text("page.unknown_key", lang)
        return _render(request, "login.html", lang, None, status=401, error=error)
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(KEY_COOKIE, key, httponly=True, samesite="strict")
    return response


@router.post("/logout")
def logout() -> Response:
    """Forget the key."""
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(KEY_COOKIE)
    return response
