"""The employee's pages (``/me``): my agency's open posts, my fit, my aspirations and requests.

An employee signs in like everyone (NIP and password) and lands here. Every page goes through
the one policy: ``post.announced`` for the agency's open posts, ``self.read``/``self.write`` for
the caller's own record (owner: the caller's NIP). Nothing here shows another person's name,
score or rank. Forms are plain HTML forms with the CSRF field (no JavaScript needed).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from features import i18n
from features.errors import NotFoundError
from serving import employees
from serving.employees import FieldError, Preferences
from serving.engine import Engine
from serving.policy import MISSING
from serving.routers.pages.kit import Page, SignedIn, SignInRequired, page_router

router = page_router()
PositionId = Annotated[str, PathParam(min_length=1, max_length=128)]
Short = Annotated[str, StringConstraints(max_length=128)]


class PreferencesForm(BaseModel):
    """The career preferences form as posted (checked by the service)."""

    model_config = ConfigDict(extra="ignore")

    job_family: list[Short] = Field(default_factory=list, max_length=10)
    unit_id: list[Short] = Field(default_factory=list, max_length=10)
    region: list[Short] = Field(default_factory=list, max_length=10)
    willing_to_move: Short = ""


class MoveForm(BaseModel):
    """The request to be moved as posted."""

    model_config = ConfigDict(extra="ignore")

    reason: Annotated[str, StringConstraints(max_length=4000)] = ""


def _render(page: Page, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A ``me_*`` template with the employee pages' words as ``m``."""
    return page.render(name, status, m=i18n.section("me", page.lang), **context)


def _engine(page: Page) -> Engine:
    """The engine, or a message page while the service is not ready (sign in again later)."""
    if page.engine is None:
        raise SignInRequired
    return page.engine


def _own(page: Page, action: str) -> None:
    """Allow ``action`` on the caller's own record."""
    page.access.require(action, page.who.agency_id, "record", page.who.nip)


def _post(page: Page, engine: Engine, position_id: str) -> dict[str, Any]:
    """An open post the caller may see: another agency's is a missing one."""
    agency = employees.post_agency(engine, position_id)
    page.access.require("post.announced", agency, "position")
    try:
        return employees.open_post(engine, str(agency), position_id)
    except NotFoundError:
        raise NotFoundError(MISSING["position"]) from None


@router.get("/me", response_class=HTMLResponse)
def me_home(page: SignedIn) -> HTMLResponse:
    """The employee's start page: links to open posts, aspirations and requests."""
    _own(page, "self.read")
    return _render(page, "me_home.html")


@router.get("/me/posts", response_class=HTMLResponse)
def me_posts(page: SignedIn) -> HTMLResponse:
    """The agency's open posts: unit, requirements in words with citations, closing date."""
    page.access.require("post.announced", page.who.agency_id, "position")
    engine = _engine(page)
    posts = employees.open_posts(engine, str(page.who.agency_id))
    return _render(
        page,
        "me_posts.html",
        posts=[{**p, "requirements": employees.requirements(engine, p, page.lang)} for p in posts],
        closes=employees.closing_date(engine),
        mine=employees.my_interests(page.db, str(page.who.nip)),
    )


@router.get("/me/posts/{position_id}", response_class=HTMLResponse)
def me_post(page: SignedIn, position_id: PositionId) -> HTMLResponse:
    """My fit for one open post: rules passed and failed, my band, recourse, development."""
    engine = _engine(page)
    post = _post(page, engine, position_id)
    _own(page, "self.read")
    return _render(
        page,
        "me_post.html",
        post=post,
        requirements=employees.requirements(engine, post, page.lang),
        fit=employees.my_fit(engine, str(page.who.nip), post, page.lang),
        closes=employees.closing_date(engine),
        open=_interest_open(page, engine),
        mine=position_id in employees.my_interests(page.db, str(page.who.nip)),
        done=page.request.query_params.get("done"),
    )


def _interest_open(page: Page, engine: Engine) -> bool:
    today = employees.service_today(page.request.app.state.settings.as_of)
    return today <= employees.closing_date(engine)


@router.post("/me/posts/{position_id}/interest")
def me_interest(page: SignedIn, position_id: PositionId) -> Response:
    """Express interest in an open post (once), while interest is taken."""
    engine = _engine(page)
    post = _post(page, engine, position_id)
    _own(page, "self.write")
    if not _interest_open(page, engine):
        return _render(page, "message.html", 409, title=post["title"], message=_m(page, "closed"))
    employees.express_interest(page.db, page.who, post)
    return RedirectResponse(f"/me/posts/{position_id}?done=interest", status_code=303)


def _m(page: Page, key: str) -> str:
    return i18n.section("me", page.lang)[key]


def _choices(engine: Engine, agency: str) -> dict[str, list[dict[str, str]]]:
    """What the preferences form offers: the job families, and the agency's units by name."""
    posts = engine.export.positions
    units = posts.loc[posts["agency_id"].astype(str) == agency, ["unit_id", "unit_name"]]
    units = units.drop_duplicates("unit_id").sort_values("unit_name")
    families = sorted(set(posts["job_family"].astype(str)) - {""})
    return {
        "families": [{"id": f, "name": f} for f in families],
        "units": [{"id": str(u), "name": str(n)} for u, n in units.itertuples(index=False)],
    }


def _aspirations_page(
    page: Page, status: int = 200, error: str | None = None, done: str | None = None
) -> HTMLResponse:
    engine = _engine(page)
    return _render(
        page,
        "me_aspirations.html",
        status,
        error=error,
        done=done or page.request.query_params.get("done"),
        choices=_choices(engine, str(page.who.agency_id)),
        history=employees.history(page.db, str(page.who.nip)),
        willing=employees.WILLING,
        slots=range(employees.MAX_PREFERENCES),
    )


@router.get("/me/aspirations", response_class=HTMLResponse)
def me_aspirations(page: SignedIn) -> HTMLResponse:
    """My career preferences and move requests: the forms and my history."""
    _own(page, "self.read")
    return _aspirations_page(page)


def _today(page: Page) -> Any:
    return employees.service_today(page.request.app.state.settings.as_of)


@router.post("/me/aspirations")
def me_state_preferences(page: SignedIn, form: Annotated[PreferencesForm, Form()]) -> Response:
    """State my career preferences (a new dated statement; the old ones stay in history)."""
    _own(page, "self.write")
    engine = _engine(page)
    prefs = Preferences(
        tuple(form.job_family), tuple(form.unit_id), tuple(form.region), form.willing_to_move
    )
    try:
        prefs = employees.check_preferences(engine, str(page.who.agency_id), prefs)
    except FieldError as error:
        return _aspirations_page(page, 422, error=_m(page, f"err_{error.field}"))
    employees.state_preferences(page.db, page.who, prefs, _today(page))
    employees.refresh_aspirations(page.db, page.request.app.state.runtime)
    return RedirectResponse("/me/aspirations?done=preferences", status_code=303)


@router.post("/me/move-requests")
def me_request_move(page: SignedIn, form: Annotated[MoveForm, Form()]) -> Response:
    """Ask to be moved at my own request (PP 11/2017 Pasal 190), with a reason."""
    _own(page, "self.write")
    try:
        employees.request_move(page.db, page.who, form.reason, _today(page))
    except FieldError as error:
        return _aspirations_page(page, 422, error=_m(page, f"err_{error.field}"))
    return RedirectResponse("/me/aspirations?done=move", status_code=303)
