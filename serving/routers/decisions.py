"""Decisions on stored shortlists and the divergence report (thin handlers)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from features.errors import NotFoundError
from serving import decisions, exports, shortlists
from serving.routers.deps import Allowed, Current, Database, ShortlistId
from serving.runtime import Runtime

router = APIRouter(tags=["decisions"])
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


class DecisionIn(BaseModel):
    """One reviewer's decision on one candidate."""

    model_config = ConfigDict(extra="forbid")

    nip: Annotated[str, Field(pattern=r"^\d{18}$")]
    decision: Literal["SHORTLISTED", "SELECTED", "REJECTED", "NEEDS_INFO"]
    reason: Text
    reviewer: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)]
    justification: Annotated[str, StringConstraints(max_length=4000)] | None = None


class DecisionOut(BaseModel):
    decision_id: int
    nip: str
    decision: str
    reason: str
    justification: str | None
    divergent: bool
    reviewer: str
    decided_at: str


class DecisionHistory(BaseModel):
    shortlist_id: str
    decisions: list[DecisionOut]
    current: dict[str, str]


@router.post("/v1/shortlists/{shortlist_id}/decisions", response_model=DecisionOut, status_code=201)
def record_decision(
    shortlist_id: ShortlistId, body: DecisionIn, access: Allowed, db: Database, current: Current
) -> Any:
    """Record a decision (committed before the answer); off-list selections need a reason."""
    access.require("decision.record", shortlists.agency_of(db, shortlist_id), "shortlist")
    engine = current.engine
    known = None
    if engine is not None:
        nips = set(engine.export.employees["nip"])
        known = nips.__contains__
    return decisions.record(
        db,
        access.who,
        shortlist_id,
        nip=body.nip,
        decision=body.decision,
        reason=body.reason,
        reviewer=body.reviewer,
        justification=body.justification,
        known_employee=known,
    )


@router.get("/v1/shortlists/{shortlist_id}/decisions", response_model=DecisionHistory)
def decision_history(shortlist_id: ShortlistId, access: Allowed, db: Database) -> Any:
    """Every decision, oldest first, and each candidate's current state."""
    access.require("decision.read", shortlists.agency_of(db, shortlist_id), "shortlist")
    return decisions.history(db, access.who, shortlist_id)


@router.get("/v1/reports/divergence")
def divergence(
    access: Allowed,
    db: Database,
    agency_id: Annotated[str | None, Query(max_length=64)] = None,
    start: Annotated[date | None, Query(alias="from")] = None,
    end: Annotated[date | None, Query(alias="to")] = None,
) -> Any:
    """How often and why committees chose off the recommendation, by agency and month."""
    access.allowed("report.read")
    if agency_id is not None:
        access.require("report.read", agency_id, "agency")
    elif access.scope("report.read") is not None:
        agency_id = access.who.agency_id
    return decisions.divergence_report(db, access.who, agency_id, start, end)


def _title(current: Runtime, position_id: str) -> str:
    if current.engine is None:
        return position_id
    try:
        return str(current.engine.position(position_id)["title"])
    except NotFoundError:  # an inline position has no title in the export
        return position_id


@router.get("/v1/shortlists/{shortlist_id}/export.csv", response_class=Response)
def export_csv(shortlist_id: ShortlistId, access: Allowed, db: Database) -> Response:
    """The shortlist with its latest decisions as CSV."""
    access.require("shortlist.read", shortlists.agency_of(db, shortlist_id), "shortlist")
    who = access.who
    body = shortlists.read(db, who, shortlist_id)
    history = decisions.history(db, who, shortlist_id)
    headers = {"Content-Disposition": f'attachment; filename="shortlist-{shortlist_id}.csv"'}
    return Response(
        exports.to_csv(body, history), media_type="text/csv; charset=utf-8", headers=headers
    )


@router.get("/v1/shortlists/{shortlist_id}/export.pdf", response_class=Response)
def export_pdf(
    shortlist_id: ShortlistId, access: Allowed, db: Database, current: Current
) -> Response:
    """The shortlist with its decisions as a PDF for the committee's minutes."""
    access.require("shortlist.read", shortlists.agency_of(db, shortlist_id), "shortlist")
    who = access.who
    body = shortlists.read(db, who, shortlist_id)
    history = decisions.history(db, who, shortlist_id)
    pdf = exports.to_pdf(body, history, _title(current, body["position_id"]))
    headers = {"Content-Disposition": f'attachment; filename="shortlist-{shortlist_id}.pdf"'}
    return Response(pdf, media_type="application/pdf", headers=headers)
