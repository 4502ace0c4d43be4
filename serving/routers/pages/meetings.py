"""The meeting pages: the agency's meetings and the form that opens one; a meeting with its
attendance, shortlists, considerations and closing forms; its berita acara.

Thin: every form calls :mod:`serving.meetings` as the API does; the policy check comes first
(another agency's meeting answers like a missing one), a refusal gives the page back with the
service's message.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import Form, Path, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from features import i18n
from features.errors import InputError, JobfitError
from serving import exports, meetings, policy
from serving.routers.pages.kit import Page, SignedIn, page_router

router = page_router()
MeetingPathId = Annotated[str, Path(pattern=r"^[0-9a-f-]{36}$")]
Short = Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)]
Long = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)]
PostId = Annotated[str, StringConstraints(strip_whitespace=True, max_length=128)]


class OpenForm(BaseModel):
    """The form that opens a meeting (text fields: a bad one gives the form back)."""

    model_config = ConfigDict(extra="ignore")

    held_on: Short = ""
    place: Short = ""
    number: Short = ""
    position_id: list[PostId] = Field(default_factory=list, max_length=meetings.MAX_AGENDA)


class AttachForm(BaseModel):
    model_config = ConfigDict(extra="ignore")

    position_id: PostId
    shortlist_id: Annotated[str, StringConstraints(pattern=r"^[0-9a-f-]{36}$")]


class ConsiderForm(BaseModel):
    model_config = ConfigDict(extra="ignore")

    position_id: PostId
    nip: Short = ""
    off_list_nip: Short = ""
    reason: Long = ""
    justification: Long = ""
    override_basis: Long = ""

    def consideration(self) -> meetings.Consideration:
        """The proposal (an off-list NIP, when written, wins over the list's choice)."""
        nip = self.off_list_nip or self.nip
        if not (len(nip) == 18 and nip.isdigit()):
            raise InputError("NIP: choose a candidate or write an 18-digit NIP")
        return meetings.Consideration(
            nip=nip,
            reason=self.reason,
            justification=self.justification or None,
            override_basis=self.override_basis or None,
        )


def _vacancies(page: Page) -> list[dict[str, Any]]:
    """The caller's agency's vacant posts (none while the service is not ready)."""
    if page.engine is None:
        return []
    frame = page.engine.export.positions
    frame = frame[frame["is_vacant"] & (frame["agency_id"] == page.who.agency_id)]
    return frame[["position_id", "title", "unit_name"]].to_dict("records")


def _list_page(page: Page, status: int = 200, error: str | None = None) -> HTMLResponse:
    return page.render(
        "meetings.html",
        status=status,
        error=error,
        meetings=meetings.list_meetings(page.db, page.who),
        posts=_vacancies(page),
        may_open="meeting.manage" in policy.PERMISSIONS[page.who.role],
        today=date.today().isoformat(),
        w=i18n.section("page.meeting", page.lang),
    )


@router.get("/meetings", response_class=HTMLResponse)
def list_meetings(page: SignedIn) -> Response:
    """The agency's meetings, newest first, and the form that opens one."""
    page.access.allowed("meeting.read")
    return _list_page(page)


@router.post("/meetings", response_class=HTMLResponse)
def open_meeting(page: SignedIn, form: Annotated[OpenForm, Form()]) -> Response:
    """Open a meeting (the signed-in member chairs it); then show it (PRG)."""
    page.access.allowed("meeting.manage")
    try:
        try:
            held_on = date.fromisoformat(form.held_on)
        except ValueError:
            raise InputError("held_on: give the meeting's date (YYYY-MM-DD)") from None
        if page.engine is None:
            raise InputError("the service is not ready: no posts to put on the agenda")
        opened = meetings.open_meeting(
            page.db, page.engine, page.who, held_on, form.place, form.position_id, form.number
        )
    except JobfitError as error:
        return _list_page(page, error.status, str(error))
    return RedirectResponse(f"/meetings/{opened['meeting_id']}", status_code=303)


def _meeting_page(
    page: Page, meeting_id: str, status: int = 200, error: str | None = None
) -> HTMLResponse:
    record = meetings.minutes(page.db, page.engine, page.who, meeting_id)
    me = page.who.user_id
    return page.render(
        "meeting.html",
        status=status,
        error=error,
        m=record,
        stored=meetings.shortlists_for(page.db, page.who, meeting_id),
        me=next((m for m in record["members"] if m["user_id"] == me), None),
        declared={
            item["item_id"]: {d["user_id"] for d in item["declarations"]}
            for item in record["items"]
        },
        w=i18n.section("page.meeting", page.lang),
    )


@router.get("/meetings/{meeting_id}", response_class=HTMLResponse)
def show_meeting(page: SignedIn, meeting_id: MeetingPathId) -> Response:
    """The meeting: roster, attendance, agenda, declarations and considerations."""
    page.access.require("meeting.read", meetings.agency_of(page.db, meeting_id), "meeting")
    return _meeting_page(page, meeting_id)


def _acted(page: Page, meeting_id: str, anchor: str, call: Any) -> Response:
    """Run ``call``; back to the meeting (PRG), or the page with the refusal."""
    try:
        call()
    except JobfitError as error:
        return _meeting_page(page, meeting_id, error.status, str(error))
    return RedirectResponse(f"/meetings/{meeting_id}#{anchor}", status_code=303)


@router.post("/meetings/{meeting_id}/attendance", response_class=HTMLResponse)
def attend(page: SignedIn, meeting_id: MeetingPathId) -> Response:
    """The signed-in member records their attendance."""
    page.access.require("meeting.attend", meetings.agency_of(page.db, meeting_id), "meeting")
    return _acted(
        page, meeting_id, "attendance", lambda: meetings.attend(page.db, page.who, meeting_id)
    )


@router.post("/meetings/{meeting_id}/shortlists", response_class=HTMLResponse)
def attach(
    page: SignedIn, meeting_id: MeetingPathId, form: Annotated[AttachForm, Form()]
) -> Response:
    """Attach a stored shortlist of an agenda post."""
    page.access.require("meeting.manage", meetings.agency_of(page.db, meeting_id), "meeting")
    return _acted(
        page,
        meeting_id,
        "agenda",
        lambda: meetings.attach(page.db, page.who, meeting_id, form.position_id, form.shortlist_id),
    )


@router.post("/meetings/{meeting_id}/considerations", response_class=HTMLResponse)
def consider(
    page: SignedIn, meeting_id: MeetingPathId, form: Annotated[ConsiderForm, Form()]
) -> Response:
    """Record the committee's consideration of one post."""
    page.access.require("meeting.manage", meetings.agency_of(page.db, meeting_id), "meeting")
    return _acted(
        page,
        meeting_id,
        "agenda",
        lambda: meetings.consider(
            page.db, page.engine, page.who, meeting_id, form.position_id, form.consideration()
        ),
    )


@router.post("/meetings/{meeting_id}/close", response_class=HTMLResponse)
def close(page: SignedIn, meeting_id: MeetingPathId) -> Response:
    """The chair closes the meeting."""
    page.access.require("meeting.manage", meetings.agency_of(page.db, meeting_id), "meeting")
    return _acted(page, meeting_id, "top", lambda: meetings.close(page.db, page.who, meeting_id))


@router.get("/meetings/{meeting_id}/berita-acara.pdf")
def berita_acara(page: SignedIn, meeting_id: MeetingPathId) -> Response:
    """The berita acara in the page's language."""
    page.access.require("meeting.read", meetings.agency_of(page.db, meeting_id), "meeting")
    minutes = meetings.minutes(page.db, page.engine, page.who, meeting_id)
    disposition = f'attachment; filename="berita-acara-{meeting_id}.pdf"'
    return Response(
        exports.berita_acara(minutes, page.lang),
        media_type="application/pdf",
        headers={"Content-Disposition": disposition},
    )
