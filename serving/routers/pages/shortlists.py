"""Shortlist pages: make one, read it with its decisions, decide, compare, download."""

from __future__ import annotations

import contextlib
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from features.errors import JobfitError
from serving import decisions, exports, shortlists
from serving.auth import Principal
from serving.decisions import JustificationRequired
from serving.routers.api import ShortlistId
from serving.routers.pages.kit import (
    Key,
    LangCookie,
    _lang,
    _render,
    _to_login,
    _who,
    current_runtime,
)

router = APIRouter(include_in_schema=False)


@router.post("/shortlists")
def make_shortlist(
    request: Request,
    position_id: Annotated[str, Form(max_length=128)],
    k: Annotated[int, Form(ge=1, le=50)] = 10,
    key: Key = None,
    lang_cookie: LangCookie = None,
) -> Response:
    """Make and store a shortlist, then show it."""
    lang, who = _lang(request, lang_cookie), _who(request, key)
    engine = current_runtime(request).engine
    if who is None or engine is None:
        return _to_login()
    position = engine.position(position_id)
    if not who.may_see_agency(str(position["agency_id"])):
        return _render(request, "login.html", lang, who, status=404, error="404")
    filters = {"agency_id": who.agency_id if who.role == "committee" else None}
    body = shortlists.create(
        request.app.state.db,
        engine,
        who,
        position,
        k,
        lang,
        filters,
        {"position_id": position_id, "k": k, "via": "review page"},
    )
    return RedirectResponse(f"/shortlists/{body['shortlist_id']}", status_code=303)


def _shortlist_page(
    request: Request, who: Principal, lang: str, shortlist_id: str, status: int = 200, **extra: Any
) -> HTMLResponse:
    db = request.app.state.db
    body = shortlists.read(db, who, shortlist_id)
    history = decisions.history(db, who, shortlist_id)
    scores = [c["score"] for c in body["candidates"]] or [0.0]
    low = min(scores) - 0.05 * (abs(min(scores)) + 1)
    engine = current_runtime(request).engine
    title = body["position_id"]
    if engine is not None:
        with contextlib.suppress(JobfitError):
            title = str(engine.position(body["position_id"])["title"])
    return _render(
        request,
        "shortlist.html",
        lang,
        who,
        status=status,
        s=body,
        title=title,
        history=history["decisions"],
        current=history["current"],
        low=low,
        span=max(max(scores) - low, 1e-9),
        **extra,
    )


@router.get("/shortlists/{shortlist_id}", response_class=HTMLResponse)
def show_shortlist(
    request: Request, shortlist_id: ShortlistId, key: Key = None, lang_cookie: LangCookie = None
) -> Response:
    """A stored shortlist with its decisions."""
    who = _who(request, key)
    if who is None:
        return _to_login()
    return _shortlist_page(request, who, _lang(request, lang_cookie), shortlist_id)


@router.post("/shortlists/{shortlist_id}/decisions", response_class=HTMLResponse)
def decide(
    request: Request,
    shortlist_id: ShortlistId,
    nip: Annotated[str, Form(pattern=r"^\d{18}$")],
    decision: Annotated[str, Form(max_length=16)],
    reason: Annotated[str, Form(min_length=1, max_length=2000)],
    reviewer: Annotated[str, Form(min_length=1, max_length=128)],
    justification: Annotated[str, Form(max_length=4000)] = "",
    key: Key = None,
    lang_cookie: LangCookie = None,
) -> Response:
    """Record a decision; an off-list selection without justification shows the prompt."""
    lang, who = _lang(request, lang_cookie), _who(request, key)
    if who is None:
        return _to_login()
    try:
        decisions.record(
            request.app.state.db,
            who,
            shortlist_id,
            nip=nip,
            decision=decision,
            reason=reason,
            reviewer=reviewer,
            justification=justification or None,
        )
    except JustificationRequired:
        form = {"nip": nip, "decision": decision, "reason": reason, "reviewer": reviewer}
        return _shortlist_page(request, who, lang, shortlist_id, status=422, prompt=True, form=form)
    except JobfitError as error:
        return _shortlist_page(request, who, lang, shortlist_id, status=422, error=str(error))
    return RedirectResponse(f"/shortlists/{shortlist_id}#decide", status_code=303)


@router.get("/shortlists/{shortlist_id}/compare", response_class=HTMLResponse)
def compare(
    request: Request,
    shortlist_id: ShortlistId,
    nip: Annotated[list[str], Query(max_length=3)] = [],  # noqa: B006
    key: Key = None,
    lang_cookie: LangCookie = None,
) -> Response:
    """Two or three candidates side by side, feature by feature."""
    lang, who = _lang(request, lang_cookie), _who(request, key)
    if who is None:
        return _to_login()
    body = shortlists.read(request.app.state.db, who, shortlist_id)
    people = [c for c in body["candidates"] if c["nip"] in set(nip)][:3]
    if len(people) < 2:
        people = body["candidates"][:2]
    rows = []
    for i, item in enumerate(people[0]["contributions"]):
        cells = [p["contributions"][i] for p in people]
        delta = cells[0]["contribution"] - cells[1]["contribution"] if len(cells) > 1 else 0.0
        rows.append({"feature": item["feature"], "cells": cells, "delta": delta})
    rows.sort(key=lambda r: -abs(r["delta"]))
    return _render(request, "compare.html", lang, who, s=body, people=people, rows=rows)


@router.get("/shortlists/{shortlist_id}/export.csv")
def page_csv(request: Request, shortlist_id: ShortlistId, key: Key = None) -> Response:
    """CSV download for a signed-in reviewer."""
    who = _who(request, key)
    if who is None:
        return _to_login()
    db = request.app.state.db
    text = exports.to_csv(
        shortlists.read(db, who, shortlist_id), decisions.history(db, who, shortlist_id)
    )
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="shortlist-{shortlist_id}.csv"'},
    )


@router.get("/shortlists/{shortlist_id}/export.pdf")
def page_pdf(request: Request, shortlist_id: ShortlistId, key: Key = None) -> Response:
    """PDF minutes for a signed-in reviewer."""
    who = _who(request, key)
    if who is None:
        return _to_login()
    db = request.app.state.db
    body = shortlists.read(db, who, shortlist_id)
    pdf = exports.to_pdf(body, decisions.history(db, who, shortlist_id), body["position_id"])
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="shortlist-{shortlist_id}.pdf"'},
    )
