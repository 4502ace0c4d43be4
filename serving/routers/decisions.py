"""Decisions on stored shortlists and the divergence report (thin handlers)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from features.errors import NotFoundError
from serving import decisions, exports, shortlists
from serving.routers.deps import Caller, Current, Database, ShortlistId
from serving.runtime import Runtime
from serving.schemas import IsoDate

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
    shortlist_id: ShortlistId, body: DecisionIn, who: Caller, db: Database, current: Current
) -> Any:
    """Record a decision (committed before the answer); off-list selections need a reason."""
    engine = current.engine
    known = None
    if engine is not None:
        nips = set(engine.export.employees["nip"])
        known = nips.__contains__
    return decisions.record(
        db,
        who,
        shortlist_id,
        nip=body.nip,
        decision=body.decision,
        reason=body.reason,
        reviewer=body.reviewer,
        justification=body.justification,
        known_employee=known,
    )


@router.get("/v1/shortlists/{shortlist_id}/decisions", response_model=DecisionHistory)
def decision_history(shortlist_id: ShortlistId, who: Caller, db: Database) -> Any:
    """Every decision, oldest first, and each candidate's current state."""
    return decisions.history(db, who, shortlist_id)


@router.get("/v1/reports/divergence")
def divergence(
    who: Caller,
    db: Database,
    agency_id: Annotated[str | None, Query(max_length=64)] = None,
    start: Annotated[IsoDate | None, Query(alias="from")] = None,
    end: Annotated[IsoDate | None, Query(alias="to")] = None,
) -> Any:
    """How often and why committees chose off the recommendation, by agency and month."""
    return decisions.divergence_report(db, who, agency_id, start, end)


def _title(current: Runtime, position_id: str) -> str:
    if current.engine is None:
        return position_id
    try:
        return str(current.engine.position(position_id)["title"])
    except NotFoundError:  # an inline position has no title in the export
        return position_id


@router.get("/v1/shortlists/{shortlist_id}/export.csv", response_class=Response)
def export_csv(shortlist_id: ShortlistId, who: Caller, db: Database) -> Response:
    """The shortlist with its latest decisions as CSV."""
    body = shortlists.read(db, who, shortlist_id)
    history = decisions.history(db, who, shortlist_id)
    headers = {"Content-Disposition": f'attachment; filename="shortlist-{shortlist_id}.csv"'}
    return Response(
        exports.to_csv(body, history), media_type="text/csv; charset=utf-8", headers=headers
    )


@router.get("/v1/shortlists/{shortlist_id}/export.pdf", response_class=Response)
def export_pdf(shortlist_id: ShortlistId, who: Caller, db: Database, current: Current) -> Response:
    """The shortlist with its decisions as a PDF for the committee's minutes."""
    body = shortlists.read(db, who, shortlist_id)
    history = decisions.history(db, who, shortlist_id)
    pdf = exports.to_pdf(body, history, _title(current, body["position_id"]))
    headers = {"Content-Disposition": f'attachment; filename="shortlist-{shortlist_id}.pdf"'}
    return Response(pdf, media_type="application/pdf", headers=headers)
