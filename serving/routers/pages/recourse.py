"""The employee's data, decisions and objections (``/me/data``, ``/me/decisions``), and the
committee's inbox (``/inbox``).

Every page asks the one policy: ``self.read``/``self.write`` for the caller's own record,
``inbox.read`` for the inbox, ``objection.answer`` (committee) and ``correction.answer``
(admin) for the answers, through the services. The employee sees only their own part of a
shortlist: never another candidate's name, score or rank. Forms work without JavaScript.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

import pandas as pd
from fastapi import Form
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, StringConstraints

from features import i18n
from features.errors import JobfitError, NotFoundError
from serving import considered, corrections, employees, inbox, objections
from serving.considered import Refused, Twice
from serving.engine import Engine
from serving.routers.pages.kit import Page, SignedIn, SignInRequired, page_router

router = page_router()
ItemId = Annotated[str, PathParam(min_length=1, max_length=36)]
Text = Annotated[str, StringConstraints(max_length=4000)]
Short = Annotated[str, StringConstraints(max_length=64)]
RECORD_TABLES = ("competencies", "performance", "trainings", "position_history", "discipline")
"""The export's tables held about a person (besides the employee row), shown back in full."""


class ObjectionForm(BaseModel):
    """An objection as posted."""

    model_config = ConfigDict(extra="ignore")
    shortlist_id: Annotated[str, StringConstraints(max_length=36)] = ""
    kind: Short = ""
    text: Text = ""


class CorrectionForm(BaseModel):
    """A correction request as posted."""

    model_config = ConfigDict(extra="ignore")
    field: Short = ""
    wrong: Text = ""
    should_be: Text = ""


class AnswerForm(BaseModel):
    """An answer (to an objection or a correction request) as posted."""

    model_config = ConfigDict(extra="ignore")
    verdict: Short = ""
    text: Text = ""


def _words(page: Page) -> Mapping[str, str]:
    return i18n.section("recourse", page.lang)


def _render(page: Page, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A template with these pages' words as ``r`` and the employee pages' (bands) as ``m``."""
    return page.render(name, status, r=_words(page), m=i18n.section("me", page.lang), **context)


def _engine(page: Page) -> Engine:
    if page.engine is None:
        raise SignInRequired
    return page.engine


def _error(page: Page, error: JobfitError) -> str:
    """The refusal in the page's language (by its code), else the service's message."""
    code = getattr(error, "code", None)
    return _words(page).get(f"err_{code}", str(error)) if code else str(error)


def _title(engine: Engine, position_id: str) -> str:
    try:
        return str(engine.position(position_id)["title"])
    except NotFoundError:
        return position_id


def _plain(value: Any) -> Any:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else value


def _records(engine: Engine, nip: str) -> dict[str, list[dict[str, Any]]]:
    """The employee row and every row of the export's tables about ``nip``, as held."""
    export, out = engine.export, {}
    for name in ("employees", *RECORD_TABLES):
        frame = getattr(export, name)
        rows = frame.loc[frame["nip"].astype(str) == nip].drop(columns="nip")
        out[name] = [{k: _plain(v) for k, v in r.items()} for r in rows.to_dict("records")]
    return out


def _derived(engine: Engine, nip: str, person: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    """The features the model reads about ``nip``, against their current post (its words)."""
    try:
        post = engine.position(str(person.get("current_position_id", "")))
        fit = engine.fit(nip, post, lang)
    except NotFoundError:
        return []
    return [c for c in fit["contributions"] if c.get("says")]


def _data_page(page: Page, status: int = 200, error: str | None = None) -> HTMLResponse:
    engine, nip = _engine(page), considered.own(page.who)
    records = _records(engine, nip)
    person = records["employees"][0] if records["employees"] else {}
    used = [
        {"on": a.created_at.date(), "title": _title(engine, a.position_id), "listed": a.listed}
        for a in considered.appearances(page.db, page.who)
    ]
    return _render(
        page,
        "me_data.html",
        status,
        error=error,
        person=person,
        records={k: v for k, v in records.items() if k != "employees"},
        derived=_derived(engine, nip, person, page.lang),
        used=used,
        requests=corrections.mine(page.db, page.who),
        fields=[k for k in person if k != "name"],
        done=page.request.query_params.get("done"),
    )


@router.get("/me/data", response_class=HTMLResponse)
def me_data(page: SignedIn) -> HTMLResponse:
    """My data: the records held about me, the derived features, when my data was used, and
    my correction requests."""
    return _data_page(page)


@router.post("/me/corrections")
def me_correction(page: SignedIn, form: Annotated[CorrectionForm, Form()]) -> Response:
    """Ask for a correction of my data (UU 27/2022 Pasal 6): to the agency admin's queue."""
    try:
        corrections.request(page.db, page.who, form.field, form.wrong, form.should_be)
    except Refused as error:
        return _data_page(page, 422, _error(page, error))
    return RedirectResponse("/me/data?done=correction", status_code=303)


def _band(engine: Engine, nip: str, position_id: str) -> str | None:
    """Where I stood on the post, as my-fit's band (the served export's pool)."""
    try:
        return employees.standing(engine, nip, engine.position(position_id))
    except NotFoundError:
        return None


def _view(page: Page, engine: Engine, item: considered.Outcome, nip: str) -> dict[str, Any]:
    seen, open_ = item.appearance, False
    if item.decided_at is not None:
        window = item.decided_at + pd.Timedelta(days=objections.WINDOW_DAYS)
        open_ = pd.Timestamp.now(tz="UTC") <= window
    return {
        "outcome": item,
        "title": _title(engine, seen.position_id),
        "band": _band(engine, nip, seen.position_id) if item.kind == "not_chosen" else None,
        "can_object": open_,
        "until": (item.decided_at + pd.Timedelta(days=objections.WINDOW_DAYS)).date()
        if item.decided_at
        else None,
    }


def _decisions_page(page: Page, status: int = 200, error: str | None = None) -> HTMLResponse:
    engine, nip = _engine(page), considered.own(page.who)
    items = [_view(page, engine, o, nip) for o in considered.outcomes(page.db, page.who)]
    mine = objections.mine(page.db, page.who)
    titles = {o.position_id: _title(engine, o.position_id) for o in mine}
    return _render(
        page,
        "me_decisions.html",
        status,
        error=error,
        items=items,
        objections=mine,
        titles=titles,
        window=objections.WINDOW_DAYS,
        answer_days=objections.ANSWER_DAYS,
        done=page.request.query_params.get("done"),
    )


@router.get("/me/decisions", response_class=HTMLResponse)
def me_decisions(page: SignedIn) -> HTMLResponse:
    """The final decisions on the posts I was considered for, as they concerned me, and my
    objections with the committee's answers."""
    return _decisions_page(page)


@router.post("/me/objections")
def me_object(page: SignedIn, form: Annotated[ObjectionForm, Form()]) -> Response:
    """Object to a decision or my exclusion (keberatan; UU 27/2022 Pasal 10)."""
    try:
        objections.file(page.db, page.who, form.shortlist_id, form.kind, form.text)
    except (Refused, Twice) as error:
        return _decisions_page(page, error.status, _error(page, error))
    return RedirectResponse("/me/decisions?done=objection#objections", status_code=303)


def _inbox_page(page: Page, status: int = 200, error: str | None = None) -> HTMLResponse:
    box = inbox.read(page.db, page.who)
    engine = page.engine
    ids = {i["position_id"] for i in box.interests} | {o.position_id for o in box.objections}
    titles = {p: _title(engine, p) if engine else p for p in ids}
    return _render(
        page,
        "inbox.html",
        status,
        error=error,
        box=box,
        titles=titles,
        can_answer_objections=page.who.role == "committee",
        can_answer_corrections=page.who.role == "admin",
        outcomes=objections.OUTCOMES,
        statuses=corrections.STATUSES,
        done=page.request.query_params.get("done"),
    )


@router.get("/inbox", response_class=HTMLResponse)
def inbox_page(page: SignedIn) -> HTMLResponse:
    """The committee's inbox: interest, move requests, objections, correction requests."""
    return _inbox_page(page)


@router.post("/inbox/objections/{objection_id}")
def answer_objection(
    page: SignedIn, objection_id: ItemId, form: Annotated[AnswerForm, Form()]
) -> Response:
    """The committee's answer to an objection."""
    try:
        objections.answer(page.db, page.who, objection_id, form.verdict, form.text)
    except (Refused, Twice) as error:
        return _inbox_page(page, error.status, _error(page, error))
    return RedirectResponse("/inbox?done=objection", status_code=303)


@router.post("/inbox/corrections/{correction_id}")
def answer_correction(
    page: SignedIn, correction_id: ItemId, form: Annotated[AnswerForm, Form()]
) -> Response:
    """The admin's answer to a correction request."""
    try:
        corrections.answer(page.db, page.who, correction_id, form.verdict, form.text)
    except (Refused, Twice) as error:
        return _inbox_page(page, error.status, _error(page, error))
    return RedirectResponse("/inbox?done=correction", status_code=303)
