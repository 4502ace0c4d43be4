"""Shortlist pages: make one, read it with its decisions, decide, compare, download."""

from __future__ import annotations

import contextlib
from typing import Annotated, Any

from fastapi import Form, Query, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from features.errors import JobfitError
from serving import decisions, exports, shortlists
from serving.decisions import JustificationRequired
from serving.routers.api import ShortlistId
from serving.routers.pages.forms import DecisionForm, ShortlistForm
from serving.routers.pages.kit import Page, SignedIn, SignInRequired, page_router

router = page_router()


@router.post("/shortlists")
def make_shortlist(page: SignedIn, form: Annotated[ShortlistForm, Form()]) -> Response:
    """Make and store a shortlist, then show it."""
    engine, who = page.engine, page.who
    if engine is None:
        raise SignInRequired
    position = engine.position(form.position_id)
    if not who.may_see_agency(str(position["agency_id"])):
        return page.render("login.html", status=404, error="404")
    filters = {"agency_id": who.agency_id if who.role == "committee" else None}
    body = shortlists.create(
        page.db,
        engine,
        who,
        position,
        form.k,
        page.lang,
        filters,
        {"position_id": form.position_id, "k": form.k, "via": "review page"},
    )
    return RedirectResponse(f"/shortlists/{body['shortlist_id']}", status_code=303)


def _shortlist_page(page: Page, shortlist_id: str, status: int = 200, **extra: Any) -> HTMLResponse:
    body = shortlists.read(page.db, page.who, shortlist_id)
    history = decisions.history(page.db, page.who, shortlist_id)
    scores = [c["score"] for c in body["candidates"]] or [0.0]
    low = min(scores) - 0.05 * (abs(min(scores)) + 1)
    title = body["position_id"]
    if page.engine is not None:
        with contextlib.suppress(JobfitError):
            title = str(page.engine.position(body["position_id"])["title"])
    return page.render(
        "shortlist.html",
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
def show_shortlist(page: SignedIn, shortlist_id: ShortlistId) -> Response:
    """A stored shortlist with its decisions."""
    return _shortlist_page(page, shortlist_id)


@router.post("/shortlists/{shortlist_id}/decisions", response_class=HTMLResponse)
def decide(
    page: SignedIn, shortlist_id: ShortlistId, form: Annotated[DecisionForm, Form()]
) -> Response:
    """Record a decision; an off-list selection without justification shows the prompt."""
    try:
        decisions.record(
            page.db,
            page.who,
            shortlist_id,
            nip=form.nip,
            decision=form.decision,
            reason=form.reason,
            reviewer=form.reviewer,
            justification=form.justification or None,
        )
    except JustificationRequired:
        again = form.model_dump(include={"nip", "decision", "reason", "reviewer"})
        return _shortlist_page(page, shortlist_id, status=422, prompt=True, form=again)
    except JobfitError as error:
        return _shortlist_page(page, shortlist_id, status=422, error=str(error))
    return RedirectResponse(f"/shortlists/{shortlist_id}#decide", status_code=303)


@router.get("/shortlists/{shortlist_id}/compare", response_class=HTMLResponse)
def compare(
    page: SignedIn,
    shortlist_id: ShortlistId,
    nip: Annotated[list[str], Query(max_length=3)] = [],  # noqa: B006
) -> Response:
    """Two or three candidates side by side, feature by feature."""
    body = shortlists.read(page.db, page.who, shortlist_id)
    people = [c for c in body["candidates"] if c["nip"] in set(nip)][:3]
    if len(people) < 2:
        people = body["candidates"][:2]
    rows = []
    for i, item in enumerate(people[0]["contributions"] if people else []):
        cells = [p["contributions"][i] for p in people]
        delta = cells[0]["contribution"] - cells[1]["contribution"] if len(cells) > 1 else 0.0
        rows.append({"feature": item["feature"], "cells": cells, "delta": delta})
    rows.sort(key=lambda r: -abs(r["delta"]))
    return page.render("compare.html", s=body, people=people, rows=rows)


@router.get("/shortlists/{shortlist_id}/export.csv")
def page_csv(page: SignedIn, shortlist_id: ShortlistId) -> Response:
    """CSV download for a signed-in reviewer."""
    text = exports.to_csv(
        shortlists.read(page.db, page.who, shortlist_id),
        decisions.history(page.db, page.who, shortlist_id),
    )
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="shortlist-{shortlist_id}.csv"'},
    )


@router.get("/shortlists/{shortlist_id}/export.pdf")
def page_pdf(page: SignedIn, shortlist_id: ShortlistId) -> Response:
    """PDF minutes for a signed-in reviewer."""
    body = shortlists.read(page.db, page.who, shortlist_id)
    pdf = exports.to_pdf(
        body, decisions.history(page.db, page.who, shortlist_id), body["position_id"]
    )
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="shortlist-{shortlist_id}.pdf"'},
    )
