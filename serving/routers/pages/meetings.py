"""The meeting page: the meeting as recorded, attendance and closing forms, the berita acara."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from features import i18n
from features.errors import JobfitError
from serving import exports, meetings
from serving.routers.pages.kit import Page, SignedIn, page_router

router = page_router()
MeetingPathId = Annotated[str, Path(pattern=r"^[0-9a-f-]{36}$")]


def _refused(page: Page, error: JobfitError) -> HTMLResponse:
    words = i18n.section("page", page.lang)
    message = words["meeting_not_found"] if error.status == 404 else str(error)
    return page.render(
        "message.html", status=error.status, title=words["meeting_title"], message=message
    )


@router.get("/meetings/{meeting_id}", response_class=HTMLResponse)
def show_meeting(page: SignedIn, meeting_id: MeetingPathId) -> Response:
    """The meeting: roster, attendance, agenda, declarations and considerations."""
    try:
        page.access.require("meeting.read", meetings.agency_of(page.db, meeting_id), "meeting")
        meeting = meetings.minutes(page.db, page.engine, page.who, meeting_id)
    except JobfitError as error:
        return _refused(page, error)
    return page.render("meeting.html", m=meeting)


def _act(page: Page, meeting_id: str, action: str) -> Response:
    try:
        agency = meetings.agency_of(page.db, meeting_id)
        if action == "attend":
            page.access.require("meeting.attend", agency, "meeting")
            meetings.attend(page.db, page.who, meeting_id)
        else:
            page.access.require("meeting.manage", agency, "meeting")
            meetings.close(page.db, page.who, meeting_id)
    except JobfitError as error:
        return _refused(page, error)
    return RedirectResponse(f"/meetings/{meeting_id}", status_code=303)


@router.post("/meetings/{meeting_id}/attendance")
def attend(page: SignedIn, meeting_id: MeetingPathId) -> Response:
    """The signed-in member records their attendance (PRG)."""
    return _act(page, meeting_id, "attend")


@router.post("/meetings/{meeting_id}/close")
def close(page: SignedIn, meeting_id: MeetingPathId) -> Response:
    """The chair closes the meeting (PRG)."""
    return _act(page, meeting_id, "close")


@router.get("/meetings/{meeting_id}/berita-acara.pdf")
def berita_acara(page: SignedIn, meeting_id: MeetingPathId) -> Response:
    """The berita acara in the page's language."""
    try:
        page.access.require("meeting.read", meetings.agency_of(page.db, meeting_id), "meeting")
        pdf = exports.berita_acara(
            meetings.minutes(page.db, page.engine, page.who, meeting_id), page.lang
        )
    except JobfitError as error:
        return _refused(page, error)
    disposition = f'attachment; filename="berita-acara-{meeting_id}.pdf"'
    return Response(pdf, media_type="application/pdf", headers={"Content-Disposition": disposition})
