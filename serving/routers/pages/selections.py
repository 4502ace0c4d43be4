"""The JPT selection pages: the list and opening form, and one selection's page.

Every form calls the API's own service functions under the same policy; a refusal shows the
page again with its reason. The model's fit is shown beside the panel's ranking, never in it.
"""

from __future__ import annotations

from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import Form, Response
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from features import i18n
from features.errors import InputError, JobfitError, NotFoundError
from serving.routers.pages.kit import Page, SignedIn, SignInRequired, page_router
from serving.routers.selections import minutes
from serving.selections import documents, fit, rules, service
from serving.tables import users

router = page_router()
SelectionId = Annotated[str, PathParam(pattern=r"^[0-9a-f-]{36}$")]
Short = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
Long = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)]


class OpenForm(BaseModel):
    model_config = ConfigDict(extra="ignore")

    kind: Short = "open"
    title: Short = ""
    position_id: list[Short] = Field(default_factory=list, max_length=20)
    panel: list[Short] = Field(default_factory=list, max_length=15)
    chair: Short = ""


class CandidateForm(BaseModel):
    model_config = ConfigDict(extra="ignore")

    nip: Short = ""
    position_id: Short = ""


class DeclareForm(BaseModel):
    model_config = ConfigDict(extra="ignore")

    kind: Short = "none"
    related: Long = ""
    statement: Long = ""


class ResultForm(BaseModel):
    model_config = ConfigDict(extra="ignore")

    nip: Short = ""
    stage: Short = ""
    score: Short = ""
    note: Long = ""


class StageForm(BaseModel):
    model_config = ConfigDict(extra="ignore")

    stage: Short = ""


class ProposeForm(BaseModel):
    model_config = ConfigDict(extra="ignore")

    position_id: Short = ""
    nip: list[Short] = Field(default_factory=list, max_length=3)
    reason: list[Long] = Field(default_factory=list, max_length=3)
    divergence_reason: Long = ""


class AnswerForm(BaseModel):
    model_config = ConfigDict(extra="ignore")

    outcome: Short = "chosen"
    nip: Short = ""
    note: Long = ""


def _words(page: Page) -> Any:
    return i18n.section("selection.page", page.lang)


def _missing(page: Page) -> HTMLResponse:
    title = _words(page)["not_found"]
    return page.render("message.html", status=404, title=title, message=title)


def _panel_users(page: Page) -> list[dict[str, str]]:
    """The agency's active panel users (for the opening form)."""
    with page.db.connect() as connection:
        rows = connection.execute(
            sa.select(users.c.user_id, users.c.name)
            .where(users.c.role == "panel", users.c.agency_id == page.who.agency_id)
            .where(users.c.active.is_(True))
            .order_by(users.c.name)
        )
        return [{"user_id": r.user_id, "name": r.name} for r in rows]


def _jpt_posts(page: Page) -> list[dict[str, str]]:
    if page.engine is None or page.who.agency_id is None:
        return []
    p = page.engine.export.positions
    rows = p[(p["agency_id"] == page.who.agency_id) & p["position_type"].isin(service.JPT_TYPES)]
    return [
        {"position_id": str(r["position_id"]), "title": str(r["title"])}
        for r in rows.to_dict("records")
    ]


def _can(page: Page, action: str) -> bool:
    try:
        page.access.allowed(action)
    except JobfitError:
        return False
    return True


@router.get("/selections", response_class=HTMLResponse)
def selections_page(page: SignedIn) -> Response:
    """The selections the caller reaches, and (for a PPK or admin) the opening form."""
    return _list(page, service.listing(page.db, page.who))  # a role that may never read: 403


def _list(page: Page, found: list[dict[str, Any]], status: int = 200, **extra: Any) -> HTMLResponse:
    return page.render(
        "selections.html",
        status=status,
        w=_words(page),
        selections=found,
        can_open=_can(page, "selection.manage") and page.who.agency_id is not None,
        posts=_jpt_posts(page),
        panel_users=_panel_users(page),
        label=lambda kind, key: i18n.text(f"selection.{kind}.{key}", page.lang),
        **extra,
    )


@router.post("/selections", response_class=HTMLResponse)
def open_selection(page: SignedIn, form: Annotated[OpenForm, Form()]) -> Response:
    """Open a selection from the form (refused exactly as the API refuses)."""
    page.access.allowed("selection.manage")
    if page.engine is None:
        raise SignInRequired
    opening = service.Opening(form.kind, form.title, form.position_id, form.panel, form.chair)
    try:
        whole = service.open_selection(
            page.db,
            page.who,
            opening,
            fit.positions_of(page.engine, form.position_id),
            page.engine.as_of.date(),
            page.request.app.state.settings.policy_dir,
        )
    except JobfitError as error:
        found = service.listing(page.db, page.who)
        return _list(page, found, status=error.status, error=str(error), form=form)
    return RedirectResponse(f"/selections/{whole['selection_id']}", status_code=303)


def _selection_page(page: Page, selection_id: str, status: int = 200, **extra: Any) -> HTMLResponse:
    whole = service.load(page.db, page.who, selection_id)
    engine = page.engine
    nips = [c["nip"] for c in whole["candidates"]]
    names = fit.names_of(engine, nips) if engine else {}
    fits = fit.model_fit(engine, whole, page.lang) if engine else {}
    sides = {
        p["position_id"]: fit.side_by_side(whole, fits, p["position_id"]) for p in whole["posts"]
    }
    stage = service.current_stage(whole)
    posts = [p["position_id"] for p in whole["posts"]]
    pid = service.person(page.who)[0]
    member = next((m for m in whole["panel"] if m["user_id"] == pid), None)
    declared = [d for d in whole["declarations"] if d["user_id"] == pid]
    return page.render(
        "selection.html",
        status=status,
        w=_words(page),
        x=whole,
        names=names,
        fits=fits,
        sides=sides,
        stage=stage,
        running=service.in_running(whole, stage) if stage else [],
        latest=service.latest_results(whole),
        member=member,
        declared=declared[-1] if declared else None,
        can_manage=_can(page, "selection.manage"),
        can_choose=_can(page, "selection.choose"),
        pending={p: service.pending_proposal(whole, p) for p in posts},
        chosen={p: service.chosen(whole, p) for p in posts},
        answered={c["proposal_id"]: c for c in whole["choices"]},
        stage_label=lambda s: i18n.text(f"selection.stages.{s}", page.lang),
        label=lambda kind, key: i18n.text(f"selection.{kind}.{key}", page.lang),
        **extra,
    )  # fmt: skip


@router.get("/selections/{selection_id}", response_class=HTMLResponse)
def selection_page(page: SignedIn, selection_id: SelectionId) -> Response:
    """One selection: stages, candidates, results, announcements, the model's fit, the names."""
    try:
        page.access.require("selection.read", service.agency_of(page.db, selection_id), "selection")
    except NotFoundError:  # a role that may never read: 403, not 404
        return _missing(page)
    return _selection_page(page, selection_id)


def _act(page: Page, selection_id: str, action: str, anchor: str, call: Any) -> Response:
    """Check the action, run ``call``; a refusal shows the page again with its reason."""
    try:
        page.access.require(action, service.agency_of(page.db, selection_id), "selection")
    except NotFoundError:
        return _missing(page)
    try:
        call()
    except JobfitError as error:
        return _selection_page(page, selection_id, status=error.status, error=str(error))
    return RedirectResponse(f"/selections/{selection_id}#{anchor}", status_code=303)


@router.post("/selections/{selection_id}/candidates", response_class=HTMLResponse)
def register(page: SignedIn, selection_id: SelectionId,
             form: Annotated[CandidateForm, Form()]) -> Response:  # fmt: skip
    """Register a candidate for one post."""
    if page.engine is None:
        raise SignInRequired
    employee = fit.employee_of(page.engine, form.nip)
    return _act(page, selection_id, "selection.manage", "candidates", lambda: service.register(
        page.db, page.who, selection_id, form.nip, form.position_id, employee))  # fmt: skip


@router.post("/selections/{selection_id}/declarations", response_class=HTMLResponse)
def declare(page: SignedIn, selection_id: SelectionId,
            form: Annotated[DeclareForm, Form()]) -> Response:  # fmt: skip
    """The signed-in panel member's declaration."""
    related = [n.strip() for n in form.related.replace(";", ",").split(",") if n.strip()]
    return _act(page, selection_id, "selection.score", "declare", lambda: service.declare(
        page.db, page.who, selection_id, form.kind, related, form.statement))  # fmt: skip


def _score(text: str) -> float:
    try:
        return float(text.replace(",", "."))
    except ValueError:
        raise InputError("score: a number from 0 to 100") from None


@router.post("/selections/{selection_id}/results", response_class=HTMLResponse)
def enter_result(page: SignedIn, selection_id: SelectionId,
                 form: Annotated[ResultForm, Form()]) -> Response:  # fmt: skip
    """A panel member's score for a candidate at the running stage."""
    return _act(page, selection_id, "selection.score", "results", lambda: service.enter_result(
        page.db, page.who, selection_id, form.nip, form.stage, _score(form.score),
        form.note))  # fmt: skip


@router.post("/selections/{selection_id}/announcements", response_class=HTMLResponse)
def announce(page: SignedIn, selection_id: SelectionId,
             form: Annotated[StageForm, Form()]) -> Response:  # fmt: skip
    """Announce the running stage."""
    return _act(page, selection_id, "selection.score", "announcements", lambda: service.announce(
        page.db, page.who, selection_id, form.stage))  # fmt: skip


@router.post("/selections/{selection_id}/proposals", response_class=HTMLResponse)
def propose(page: SignedIn, selection_id: SelectionId,
            form: Annotated[ProposeForm, Form()]) -> Response:  # fmt: skip
    """The chair proposes the three names of a post."""
    if page.engine is None:
        raise SignInRequired
    engine = page.engine

    def call() -> None:
        whole = service.load(page.db, page.who, selection_id)
        fits = fit.model_fit(engine, whole, page.lang)
        order = fit.model_order(fits, form.position_id)
        reasons = dict(zip(form.nip, form.reason, strict=False))
        failed = fit.failed_hard(fits, form.position_id)
        service.propose(page.db, page.who, selection_id, form.position_id, reasons, order,
                        form.divergence_reason, failed)  # fmt: skip

    return _act(page, selection_id, "selection.score", "proposals", call)


@router.post("/selections/{selection_id}/proposals/{proposal_id}/answer",
             response_class=HTMLResponse)  # fmt: skip
def answer(page: SignedIn, selection_id: SelectionId,
           proposal_id: Annotated[int, PathParam(ge=1, le=2**31 - 1)],
           form: Annotated[AnswerForm, Form()]) -> Response:  # fmt: skip
    """The PPK chooses one of the three names, or returns the list."""
    nip = form.nip or None if form.outcome == "chosen" else None
    return _act(page, selection_id, "selection.choose", "ppk", lambda: service.answer(
        page.db, page.who, selection_id, proposal_id, form.outcome, nip, form.note))  # fmt: skip


def _pdf(body: bytes, name: str) -> Response:
    return Response(body, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip


@router.get("/selections/{selection_id}/announcements/{stage}.pdf")
def announcement_pdf(page: SignedIn, selection_id: SelectionId, stage: str) -> Response:
    """A stage's announcement (who passes) as PDF."""
    try:
        page.access.require("selection.read", service.agency_of(page.db, selection_id), "selection")
        whole = service.load(page.db, page.who, selection_id)
    except NotFoundError:  # a role that may never read: 403, not 404
        return _missing(page)
    if (
        stage not in rules.STAGE_IDS
        or page.engine is None
        or stage not in {a["stage"] for a in whole["announcements"]}
    ):
        return _missing(page)
    names = fit.names_of(page.engine, [c["nip"] for c in whole["candidates"]])
    return _pdf(documents.announcement(whole, stage, names, page.lang), f"pengumuman-{stage}.pdf")


@router.get("/selections/{selection_id}/announcements/{stage}", response_class=HTMLResponse)
def announcement_page(page: SignedIn, selection_id: SelectionId, stage: str) -> Response:
    """A stage's announcement: who passes per post, never a score."""
    try:
        page.access.require("selection.read", service.agency_of(page.db, selection_id), "selection")
        whole = service.load(page.db, page.who, selection_id)
    except NotFoundError:  # a role that may never read: 403, not 404
        return _missing(page)
    made = next((a for a in whole["announcements"] if a["stage"] == stage), None)
    if made is None or page.engine is None:
        return _missing(page)
    names = fit.names_of(page.engine, [c["nip"] for c in whole["candidates"]])
    return page.render(
        "selection_announcement.html",
        w=_words(page),
        x=whole,
        made=made,
        names=names,
        stage_name=i18n.text(f"selection.stages.{stage}", page.lang),
        p=i18n.section("selection.pdf", page.lang),
    )


@router.get("/selections/{selection_id}/berita-acara.pdf")
def minutes_pdf(page: SignedIn, selection_id: SelectionId) -> Response:
    """The panel's berita acara as PDF."""
    try:
        page.access.require("selection.read", service.agency_of(page.db, selection_id), "selection")
        whole = service.load(page.db, page.who, selection_id)
    except NotFoundError:  # a role that may never read: 403, not 404
        return _missing(page)
    if not whole["proposals"] or page.engine is None:
        return _missing(page)
    return _pdf(minutes(page.engine, whole, page.lang), "berita-acara-seleksi.pdf")
