"""Committee meetings over HTTP (thin handlers over :mod:`serving.meetings`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from serving import exports, meetings
from serving.routers.deps import Allowed, Current, Database, Lang
from serving.schemas import IsoDate

router = APIRouter(tags=["meetings"])
MeetingId = Annotated[str, Path(pattern=r"^[0-9a-f-]{36}$", description="Meeting id.")]
PostId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
LongText = Annotated[str, StringConstraints(max_length=4000)]


class MeetingIn(BaseModel):
    """A meeting to open: when, where, which posts; the caller chairs it."""

    model_config = ConfigDict(extra="forbid")

    held_on: IsoDate
    place: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
    position_ids: Annotated[list[PostId], Field(min_length=1, max_length=meetings.MAX_AGENDA)]
    number: Annotated[str, StringConstraints(max_length=128)] | None = None


class AttachIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    position_id: PostId
    shortlist_id: Annotated[str, Field(pattern=r"^[0-9a-f-]{36}$")]


class ConsiderationIn(BaseModel):
    """The committee's consideration of one post."""

    model_config = ConfigDict(extra="forbid")

    position_id: PostId
    nip: Annotated[str, Field(pattern=r"^\d{18}$")]
    reason: Text
    justification: LongText | None = None
    override_basis: LongText | None = None


@router.get("/v1/meetings")
def list_meetings(access: Allowed, db: Database) -> Any:
    """The meetings of the caller's agency (every agency for an auditor), newest first."""
    return meetings.list_meetings(db, access.who)


@router.post("/v1/meetings", status_code=201)
def open_meeting(body: MeetingIn, access: Allowed, db: Database, current: Current) -> Any:
    """Open a meeting of the caller's agency: roster taken, the caller in the chair."""
    access.allowed("meeting.manage")
    return meetings.open_meeting(
        db, current.ready(), access.who, body.held_on, body.place, body.position_ids, body.number
    )


@router.get("/v1/meetings/{meeting_id}")
def read_meeting(meeting_id: MeetingId, access: Allowed, db: Database) -> Any:
    """The meeting: roster and attendance, agenda, declarations, considerations."""
    access.require("meeting.read", meetings.agency_of(db, meeting_id), "meeting")
    return meetings.read(db, access.who, meeting_id)


@router.post("/v1/meetings/{meeting_id}/attendance")
def attend(meeting_id: MeetingId, access: Allowed, db: Database) -> Any:
    """The signed-in member records their own attendance."""
    access.require("meeting.attend", meetings.agency_of(db, meeting_id), "meeting")
    return meetings.attend(db, access.who, meeting_id)


@router.post("/v1/meetings/{meeting_id}/shortlists")
def attach(meeting_id: MeetingId, body: AttachIn, access: Allowed, db: Database) -> Any:
    """Attach a stored shortlist of an agenda post."""
    access.require("meeting.manage", meetings.agency_of(db, meeting_id), "meeting")
    return meetings.attach(db, access.who, meeting_id, body.position_id, body.shortlist_id)


@router.post("/v1/meetings/{meeting_id}/considerations", status_code=201)
def consider(
    meeting_id: MeetingId, body: ConsiderationIn, access: Allowed, db: Database, current: Current
) -> Any:
    """Record the committee's consideration of one post (declarations and quorum first)."""
    access.require("meeting.manage", meetings.agency_of(db, meeting_id), "meeting")
    proposal = meetings.Consideration(
        nip=body.nip,
        reason=body.reason,
        justification=body.justification,
        override_basis=body.override_basis,
    )
    return meetings.consider(db, current.engine, access.who, meeting_id, body.position_id, proposal)


@router.post("/v1/meetings/{meeting_id}/close")
def close(meeting_id: MeetingId, access: Allowed, db: Database) -> Any:
    """The chair closes the meeting; it changes no more."""
    access.require("meeting.manage", meetings.agency_of(db, meeting_id), "meeting")
    return meetings.close(db, access.who, meeting_id)


@router.get("/v1/meetings/{meeting_id}/berita-acara.pdf", response_class=Response)
def berita_acara(
    meeting_id: MeetingId, access: Allowed, db: Database, current: Current, lang: Lang
) -> Response:
    """The meeting's berita acara (Indonesian unless the caller prefers English)."""
    access.require("meeting.read", meetings.agency_of(db, meeting_id), "meeting")
    pdf = exports.berita_acara(meetings.minutes(db, current.engine, access.who, meeting_id), lang)
    headers = {"Content-Disposition": f'attachment; filename="berita-acara-{meeting_id}.pdf"'}
    return Response(pdf, media_type="application/pdf", headers=headers)
