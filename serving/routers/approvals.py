"""The PPK's answers, draft decrees, announcements and the SIASN file (thin handlers)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from fastapi import Path as PathParam
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from serving import announcements, approvals, decrees, offices
from serving.routers.deps import Allowed, Current, Database, Settings

router = APIRouter(tags=["approvals"])
Key = Annotated[str, PathParam(pattern=r"^[cd][1-9][0-9]{0,9}$", description="c<id> or d<id>.")]
ObjectId = Annotated[str, PathParam(pattern=r"^[0-9a-f-]{36}$")]
AgencyId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._-]{1,64}$")]


class AnswerIn(BaseModel):
    """The PPK's answer to one recommendation."""

    model_config = ConfigDict(extra="forbid")

    verdict: Literal["APPROVED", "RETURNED"]
    note: Annotated[str, StringConstraints(max_length=4000)] = ""
    approve_exception: bool = False


class DraftIn(BaseModel):
    """The agency whose approved moves go into a new draft decree."""

    model_config = ConfigDict(extra="forbid")

    agency_id: AgencyId


class PublishIn(BaseModel):
    """The agency (and optionally the meeting) whose approved moves are published."""

    model_config = ConfigDict(extra="forbid")

    agency_id: AgencyId
    meeting_id: Annotated[str, Field(pattern=r"^[0-9a-f-]{36}$")] | None = None


@router.get("/v1/recommendations")
def list_recommendations(
    access: Allowed,
    db: Database,
    settings: Settings,
    agency_id: Annotated[str | None, Query(pattern=r"^[A-Za-z0-9._-]{1,64}$")] = None,
) -> list[dict[str, Any]]:
    """The agency's recommendations: stage, the PPK's answer, due date, overdue."""
    agency = agency_id or access.who.agency_id
    access.require("decision.read", agency, "agency")
    deadlines = offices.deadlines_of(settings.decree_config, str(agency))
    found = approvals.listing(db, access.who, str(agency), deadlines, datetime.now(UTC))
    return [r.as_dict() for r in found]


@router.post("/v1/recommendations/{key}/answer")
def answer(key: Key, body: AnswerIn, access: Allowed, db: Database) -> dict[str, Any]:
    """The PPK approves or returns a recommendation (with the exception, when it needs one)."""
    access.allowed("decision.approve")
    done = approvals.answer(
        db, access.who, key, body.verdict, body.note, approve_exception=body.approve_exception
    )
    return done.as_dict()


@router.post("/v1/decrees", status_code=201)
def draft(
    body: DraftIn, access: Allowed, db: Database, current: Current, settings: Settings
) -> dict[str, Any]:
    """Draft the agency's decree of every approved move not yet in one."""
    access.require("decree.draft", body.agency_id, "agency")
    office = offices.require_office(settings.decree_config, body.agency_id)
    today = datetime.now(UTC).date()
    return decrees.draft(db, current.ready(), access.who, body.agency_id, office, today)


@router.get("/v1/decrees/{decree_id}")
def read_decree(decree_id: ObjectId, access: Allowed, db: Database) -> dict[str, Any]:
    """A draft decree as stored."""
    return decrees.require(db, access.who, decree_id, "decree.read")


@router.get("/v1/decrees/{decree_id}/siasn.csv", response_class=Response)
def siasn(decree_id: ObjectId, access: Allowed, db: Database) -> Response:
    """The decree's moves for the SIASN operator (docs/siasn-export.md)."""
    decree = decrees.require(db, access.who, decree_id, "siasn.export")
    return Response(
        decrees.to_siasn_csv(decree),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="siasn-{decree_id}.csv"'},
    )


@router.post("/v1/announcements", status_code=201)
def publish(body: PublishIn, access: Allowed, db: Database, current: Current) -> dict[str, Any]:
    """Publish the agency's approved moves not yet announced."""
    access.require("announcement.publish", body.agency_id, "agency")
    return announcements.publish(db, current.engine, access.who, body.agency_id, body.meeting_id)


@router.get("/v1/announcements/{announcement_id}")
def read_announcement(announcement_id: ObjectId, access: Allowed, db: Database) -> dict[str, Any]:
    """One announcement: names and posts only."""
    return announcements.read(db, access.who, announcement_id)
