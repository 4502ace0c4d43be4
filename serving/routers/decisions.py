"""Decisions on stored shortlists and the divergence report (thin handlers)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from fastapi import Path as PathParam
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from features.errors import NotFoundError
from serving import decisions, exports, integrity, shortlists
from serving.routers.deps import Allowed, Current, Database, Lang, ShortlistId
from serving.runtime import Runtime
from serving.schemas import IsoDate

router = APIRouter(tags=["decisions"])
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
LongText = Annotated[str, StringConstraints(max_length=4000)]
Nip = Annotated[str, Field(pattern=r"^\d{18}$")]
RuleId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]


class DecisionIn(BaseModel):
    """One decision on one candidate; the person deciding is the one signed in."""

    model_config = ConfigDict(extra="forbid")

    nip: Nip
    decision: Literal["SHORTLISTED", "SELECTED", "REJECTED", "NEEDS_INFO"]
    reason: Text
    justification: LongText | None = None
    warning_answers: Annotated[dict[RuleId, LongText], Field(max_length=32)] = {}
    supersedes_reason: LongText | None = None
    override_basis: LongText | None = None
    minister_letter_number: Annotated[str, StringConstraints(max_length=128)] | None = None
    minister_letter_date: IsoDate | None = None


class OverrideOut(BaseModel):
    override_id: int
    legal_basis: str
    approved: bool
    approver_name: str | None


class DecisionOut(BaseModel):
    decision_id: int
    nip: str
    decision: str
    reason: str
    justification: str | None
    divergent: bool
    reviewer: str
    user_id: str | None
    decided_at: str
    rank: int | None
    warning_answers: dict[str, str]
    supersedes: list[int]
    supersedes_reason: str | None
    freeze: bool
    minister_letter_number: str | None
    minister_letter_date: str | None
    override: OverrideOut | None


class DecisionHistory(BaseModel):
    shortlist_id: str
    decisions: list[DecisionOut]
    current: dict[str, str]


class DeclarationIn(BaseModel):
    """A member's conflict-of-interest declaration on a shortlist (PP 11/2017 Pasal 190(5))."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["none", "relation", "recused"]
    related_nips: Annotated[list[Nip], Field(max_length=100)] = []
    statement: LongText | None = None


class DeclarationOut(BaseModel):
    declaration_id: int
    user_id: str
    name: str
    kind: str
    related_nips: list[str]
    statement: str | None
    declared_at: str


@router.post("/v1/shortlists/{shortlist_id}/decisions", response_model=DecisionOut, status_code=201)
def record_decision(
    shortlist_id: ShortlistId,
    body: DecisionIn,
    access: Allowed,
    db: Database,
    current: Current,
) -> Any:
    """Record a decision (committed before the answer), checked as the page checks it."""
    access.require("decision.record", shortlists.agency_of(db, shortlist_id), "shortlist")
    proposal = decisions.Proposal(**body.model_dump())
    return decisions.record(db, current.engine, access.who, shortlist_id, proposal)


@router.post(
    "/v1/shortlists/{shortlist_id}/declarations", response_model=DeclarationOut, status_code=201
)
def declare(shortlist_id: ShortlistId, body: DeclarationIn, access: Allowed, db: Database) -> Any:
    """Declare no relation, a relation to named candidates, or recuse, before deciding."""
    access.require("decision.declare", shortlists.agency_of(db, shortlist_id), "shortlist")
    return decisions.declare(
        db, access.who, shortlist_id, body.kind, body.related_nips, body.statement
    )


@router.get("/v1/shortlists/{shortlist_id}/declarations", response_model=list[DeclarationOut])
def declarations(shortlist_id: ShortlistId, access: Allowed, db: Database) -> Any:
    """Every declaration on the shortlist, oldest first."""
    access.require("decision.read", shortlists.agency_of(db, shortlist_id), "shortlist")
    return decisions.declarations_of(db, access.who, shortlist_id)


@router.post("/v1/overrides/{override_id}/approve", response_model=DecisionOut)
def approve_override(
    override_id: Annotated[int, PathParam(ge=1, le=2**31 - 1)], access: Allowed, db: Database
) -> Any:
    """A PPK (not the requester) approves an exception to a hard rule; the selection stands.

    The policy allows the role; the service keeps another agency's override as missing.
    """
    access.allowed("decision.approve")
    return decisions.approve_override(db, access.who, override_id)


@router.get("/v1/shortlists/{shortlist_id}/decisions", response_model=DecisionHistory)
def decision_history(shortlist_id: ShortlistId, access: Allowed, db: Database) -> Any:
    """Every decision, oldest first, and each candidate's current state."""
    access.require("decision.read", shortlists.agency_of(db, shortlist_id), "shortlist")
    return decisions.history(db, access.who, shortlist_id)


@router.get("/v1/reports/divergence")
def divergence(
    access: Allowed,
    db: Database,
    agency_id: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    start: Annotated[IsoDate | None, Query(alias="from")] = None,
    end: Annotated[IsoDate | None, Query(alias="to")] = None,
) -> Any:
    """How often and why committees chose off the recommendation, by agency and month."""
    agency_id = access.report_agency("report.read", agency_id)
    return decisions.divergence_report(db, access.who, agency_id, start, end)


@router.get("/v1/reports/integrity")
def integrity_report(
    access: Allowed,
    db: Database,
    agency_id: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    start: Annotated[IsoDate | None, Query(alias="from")] = None,
    end: Annotated[IsoDate | None, Query(alias="to")] = None,
    threshold: Annotated[int, Query(ge=1, le=1000)] = integrity.DEFAULT_THRESHOLD,
) -> Any:
    """Divergence by reviewer, selections in an election freeze, overrides, repeated origins."""
    agency_id = access.report_agency("integrity.read", agency_id)
    return integrity.report(db, access.who, agency_id, start, end, threshold)


@router.get("/v1/reports/integrity/{section}.csv", response_class=Response)
def integrity_csv(
    section: Literal[
        "divergence_by_reviewer",
        "freeze_selections",
        "overrides",
        "repeated_origins",
        "jpt_late_results",
        "jpt_not_first",
        "jpt_repeated_panel",
        "jpt_time_to_appointment",
    ],
    access: Allowed,
    db: Database,
    lang: Lang,
    agency_id: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    start: Annotated[IsoDate | None, Query(alias="from")] = None,
    end: Annotated[IsoDate | None, Query(alias="to")] = None,
    threshold: Annotated[int, Query(ge=1, le=1000)] = integrity.DEFAULT_THRESHOLD,
) -> Response:
    """One section of the integrity report as CSV (headings in the caller's language)."""
    agency_id = access.report_agency("integrity.read", agency_id)
    body = integrity.report(db, access.who, agency_id, start, end, threshold)
    headers = {"Content-Disposition": f'attachment; filename="integrity-{section}.csv"'}
    return Response(
        integrity.to_csv(body, section, lang),
        media_type="text/csv; charset=utf-8",
        headers=headers,
    )


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
