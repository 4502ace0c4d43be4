"""Shortlist pages: make one, read it with its decisions, decide, compare, download."""

from __future__ import annotations

import contextlib
from typing import Annotated, Any

from fastapi import Form, Query, Response
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse

from features import i18n
from features.errors import JobfitError
from serving import decisions, employees, exports, fairness, shortlists
from serving.decisions import JustificationRequired
from serving.routers.api import ShortlistId, pool_filters, visible_position
from serving.routers.pages.forms import DecisionForm, DeclarationForm, ShortlistForm
from serving.routers.pages.kit import Page, SignedIn, SignInRequired, page_router

router = page_router()


@router.post("/shortlists")
def make_shortlist(page: SignedIn, form: Annotated[ShortlistForm, Form()]) -> Response:
    """Make and store a shortlist, then show it (refused exactly as the API refuses)."""
    page.access.allowed("shortlist.create")
    engine, who = page.engine, page.who
    if engine is None:
        raise SignInRequired
    position = visible_position(engine, page.access, "shortlist.create", form.position_id)
    filters = pool_filters(engine, page.access, {"agency_id": None})
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
        d=i18n.section("decide", page.lang),
        declared=decisions.has_declared(page.db, page.who, shortlist_id),
        warning_rules=sorted(
            {
                e["rule_id"]
                for c in body["candidates"]
                for e in c["eligibility"]
                if e["severity"] != "hard" and not e["passed"]
            }
        ),
        current=history["current"],
        panel=fairness.view(body.get("fairness"), page.lang),
        low=low,
        span=max(max(scores) - low, 1e-9),
        interested=employees.interested(page.db, body["position_id"]),
        stated=employees.stated(page.db, [c["nip"] for c in body["candidates"]]),
        m=i18n.section("me", page.lang),
        **extra,
    )


@router.get("/shortlists/{shortlist_id}", response_class=HTMLResponse)
def show_shortlist(page: SignedIn, shortlist_id: ShortlistId) -> Response:
    """A stored shortlist with its decisions."""
    page.access.require("shortlist.read", shortlists.agency_of(page.db, shortlist_id), "shortlist")
    return _shortlist_page(page, shortlist_id)


@router.post("/shortlists/{shortlist_id}/decisions", response_class=HTMLResponse)
def decide(
    page: SignedIn, shortlist_id: ShortlistId, form: Annotated[DecisionForm, Form()]
) -> Response:
    """Record a decision through the API's one service function; a refusal shows its reason."""
    agency = shortlists.agency_of(page.db, shortlist_id)
    page.access.require("decision.record", agency, "shortlist")
    try:
        decisions.record(page.db, page.engine, page.who, shortlist_id, form.proposal())
    except JustificationRequired:
        return _shortlist_page(page, shortlist_id, status=422, prompt=True, form=_again(form))
    except JobfitError as error:
        return _shortlist_page(
            page, shortlist_id, status=error.status, error=str(error), form=_again(form)
        )
    return RedirectResponse(f"/shortlists/{shortlist_id}#decide", status_code=303)


def _again(form: DecisionForm) -> dict[str, Any]:
    """What the form shows again after a refusal (the answers written are kept)."""
    proposal = form.proposal()
    return {
        **form.model_dump(include={"nip", "decision", "reason", "justification"}),
        "answers": dict(proposal.warning_answers),
        "supersedes_reason": form.supersedes_reason,
        "override_basis": form.override_basis,
    }


@router.post("/shortlists/{shortlist_id}/declarations", response_class=HTMLResponse)
def declare(
    page: SignedIn, shortlist_id: ShortlistId, form: Annotated[DeclarationForm, Form()]
) -> Response:
    """Record the signed-in member's declaration on this shortlist."""
    agency = shortlists.agency_of(page.db, shortlist_id)
    page.access.require("decision.declare", agency, "shortlist")
    try:
        decisions.declare(page.db, page.who, shortlist_id, form.kind, form.nips(), form.statement)
    except JobfitError as error:
        return _shortlist_page(page, shortlist_id, status=error.status, error=str(error))
    return RedirectResponse(f"/shortlists/{shortlist_id}#decide", status_code=303)


@router.post(
    "/shortlists/{shortlist_id}/overrides/{override_id}/approve", response_class=HTMLResponse
)
def approve(
    page: SignedIn,
    shortlist_id: ShortlistId,
    override_id: Annotated[int, PathParam(ge=1, le=2**31 - 1)],
) -> Response:
    """The PPK approves an exception shown on the shortlist's page."""
    agency = shortlists.agency_of(page.db, shortlist_id)
    page.access.require("decision.approve", agency, "shortlist")
    try:
        decisions.approve_override(page.db, page.who, override_id, shortlist_id)
    except JobfitError as error:
        return _shortlist_page(page, shortlist_id, status=error.status, error=str(error))
    return RedirectResponse(f"/shortlists/{shortlist_id}#history", status_code=303)


@router.get("/shortlists/{shortlist_id}/compare", response_class=HTMLResponse)
def compare(
    page: SignedIn,
    shortlist_id: ShortlistId,
    nip: Annotated[list[str], Query(max_length=3)] = [],  # noqa: B006
) -> Response:
    """Two or three candidates side by side, feature by feature."""
    page.access.require("shortlist.read", shortlists.agency_of(page.db, shortlist_id), "shortlist")
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
    page.access.require("shortlist.read", shortlists.agency_of(page.db, shortlist_id), "shortlist")
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
    page.access.require("shortlist.read", shortlists.agency_of(page.db, shortlist_id), "shortlist")
    body = shortlists.read(page.db, page.who, shortlist_id)
    pdf = exports.to_pdf(
        body, decisions.history(page.db, page.who, shortlist_id), body["position_id"]
    )
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="shortlist-{shortlist_id}.pdf"'},
    )
