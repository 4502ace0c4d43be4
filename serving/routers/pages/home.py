"""The home page (the agency's vacancies, the campaign form, past campaigns), sign-in and -out."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from features import i18n
from features.errors import AuthError
from serving.auth import (
    Principal,
    check_password,
    close_session,
    key_principal,
    open_session,
)
from serving.campaigns import service as campaign_service
from serving.policy import PERMISSIONS
from serving.routers.deps import access_of, runtime
from serving.routers.pages.forms import CampaignForm, SignInForm
from serving.routers.pages.kit import (
    PRE_COOKIE,
    SESSION_COOKIE,
    PageLang,
    _render,
    _who,
    current_engine,
    not_ready_reason,
    page_router,
    set_cookie,
)
from serving.tables import campaigns as campaign_table

router = page_router()
RECENT_CAMPAIGNS = 8
"""How many past campaigns the home page lists."""


@router.get("/", response_class=HTMLResponse)
def home(request: Request, lang: PageLang) -> Response:
    """Sign-in form, or the agency's vacancies, the campaign form and past campaigns."""
    who = _who(request)
    if who is None:
        return _render(request, "login.html", lang, None)
    if who.role == "employee":
        return RedirectResponse("/me", status_code=303)
    return _positions_page(request, who, lang)


def _vacancies(request: Request, who: Principal) -> list[dict[str, Any]]:
    """The open positions ``who`` may see (none while the service is not ready)."""
    engine = current_engine(request)
    if engine is None:
        return []
    frame = engine.export.positions
    frame = frame[frame["is_vacant"]]
    reach = access_of(request.app.state.db, who).scope("position.read")
    if reach is not None:
        frame = frame[frame["agency_id"].isin(reach)]
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
    access = access_of(request.app.state.db, who)
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
        may_start="campaign.create" in PERMISSIONS[who.role],
        campaigns=campaign_service.recent_campaigns(
            request.app.state.db,
            campaign_table,
            None if access.scope("campaign.read") is None else who.agency_id,
            RECENT_CAMPAIGNS,
        ),
        ready=current_engine(request) is not None,
        reason=not_ready_reason(request),
        show_monitor="admin.status" in PERMISSIONS[who.role],
        monitor=runtime(request).monitor if "admin.status" in PERMISSIONS[who.role] else None,
    )


@router.post("/login")
def login(request: Request, form: Annotated[SignInForm, Form()], lang: PageLang) -> Response:
    """Sign in by name or NIP and password (or one's own API key); open a server-side session.

    The cookie holds the session's random id, never a key. The CSRF token of the form (bound to
    the pre-session cookie) was checked by the page route.
    """
    db = request.app.state.db
    by_key = bool(form.key.strip())
    try:
        if by_key:
            user_id = key_principal(db, form.key.strip()).user_id
        else:
            user_id = check_password(db, form.user.strip(), form.password)
    except AuthError:
        error = i18n.text("page.unknown_key" if by_key else "page.sign_in_failed", lang)
        return _render(request, "login.html", lang, None, status=401, error=error)
    response = RedirectResponse("/", status_code=303)
    set_cookie(request, response, SESSION_COOKIE, open_session(db, str(user_id)))
    response.delete_cookie(PRE_COOKIE)
    return response


@router.post("/logout")
def logout(request: Request) -> Response:
    """Revoke the session and forget its cookie."""
    session_id = request.cookies.get(SESSION_COOKIE)
    if session_id:
        close_session(request.app.state.db, session_id)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response
