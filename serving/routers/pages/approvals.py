"""The PPK's approvals, draft decrees, published results and the SIASN file, as pages.

``/approvals`` lists the agency's recommendations with their stage and what is overdue; the PPK
approves or returns each; committee or PPK draft the decree of every approved move and publish
the results. Every route asks the one policy; the services decide.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Form, Query, Response
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, ConfigDict, StringConstraints

from features import i18n
from features.errors import JobfitError, NotReadyError
from serving import announcements, approvals, decrees, offices
from serving.routers.pages.kit import Page, SignedIn, page_router

router = page_router()
DecreeId = Annotated[str, PathParam(pattern=r"^[0-9a-f-]{36}$")]
RecommendationKey = Annotated[str, PathParam(pattern=r"^[cd][1-9][0-9]{0,9}$")]
AgencyQuery = Annotated[str | None, Query(max_length=64, pattern=r"^[A-Za-z0-9._-]+$")]
ATTACHMENT = 'attachment; filename="{}"'


class AnswerForm(BaseModel):
    """The PPK's answer as posted."""

    model_config = ConfigDict(extra="ignore")

    verdict: Annotated[str, StringConstraints(max_length=16)]
    note: Annotated[str, StringConstraints(max_length=4000)] = ""
    approve_exception: Annotated[str, StringConstraints(max_length=8)] = ""


class AgencyForm(BaseModel):
    """The agency a draft or an announcement is for."""

    model_config = ConfigDict(extra="ignore")

    agency_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    meeting_id: Annotated[str, StringConstraints(max_length=36)] = ""


def _config(page: Page) -> Any:
    return page.request.app.state.settings.decree_config


def _agency(page: Page, agency: str | None) -> str | None:
    return agency or page.who.agency_id


def _approvals_page(
    page: Page, agency: str | None, status: int = 200, **extra: Any
) -> HTMLResponse:
    words = i18n.section("decree", page.lang)
    if agency is None:
        return page.render("approvals.html", status, w=words, agency=None, items=[], **extra)
    page.access.require("decision.read", agency, "agency")
    deadlines = offices.deadlines_of(_config(page), agency)
    found = approvals.listing(page.db, page.who, agency, deadlines, datetime.now(UTC))
    items = [approvals.describe(page.engine, r) for r in found]
    late = {
        stage: sum(1 for i in items if i["overdue"] and i["stage"] == stage)
        for stage in ("approval", "decree")
    }
    return page.render(
        "approvals.html",
        status,
        w=words,
        agency=agency,
        items=items,
        late=late,
        deadlines=deadlines,
        decree_list=decrees.of_agency(page.db, page.who, agency),
        announcement_list=announcements.of_agency(page.db, page.who, agency),
        **extra,
    )


@router.get("/approvals", response_class=HTMLResponse)
def show_approvals(page: SignedIn, agency: AgencyQuery = None) -> Response:
    """The agency's recommendations, their stage and deadlines, with the PPK's forms."""
    page.access.allowed("decision.read")
    return _approvals_page(page, _agency(page, agency))


@router.post("/approvals/{key}", response_class=HTMLResponse)
def answer(page: SignedIn, key: RecommendationKey, form: Annotated[AnswerForm, Form()]) -> Response:
    """The PPK approves or returns one recommendation; a refusal shows its reason."""
    page.access.allowed("decision.approve")
    try:
        item = approvals.answer(
            page.db,
            page.who,
            key,
            form.verdict,
            form.note,
            approve_exception=form.approve_exception == "yes",
        )
    except JobfitError as error:
        return _approvals_page(page, page.who.agency_id, error.status, error=str(error))
    return RedirectResponse(f"/approvals?agency={item.agency_id}#{key}", 303)


@router.post("/decrees", response_class=HTMLResponse)
def draft(page: SignedIn, form: Annotated[AgencyForm, Form()]) -> Response:
    """Draft the agency's decree of every approved move not yet in one."""
    page.access.require("decree.draft", form.agency_id, "agency")
    try:
        if page.engine is None:
            raise NotReadyError("the service is not ready: names and posts are unknown yet")
        office = offices.require_office(_config(page), form.agency_id)
        today = datetime.now(UTC).date()
        made = decrees.draft(page.db, page.engine, page.who, form.agency_id, office, today)
    except JobfitError as error:
        return _approvals_page(page, form.agency_id, error.status, error=str(error))
    return RedirectResponse(f"/decrees/{made['decree_id']}", 303)


@router.get("/decrees/{decree_id}", response_class=HTMLResponse)
def show_decree(page: SignedIn, decree_id: DecreeId) -> Response:
    """A draft decree: its heading, considerations and annex, with its downloads."""
    decree = decrees.require(page.db, page.who, decree_id, "decree.read")
    return page.render("decree.html", w=i18n.section("decree", page.lang), decree=decree)


@router.get("/decrees/{decree_id}/sk.docx")
def decree_docx(page: SignedIn, decree_id: DecreeId) -> Response:
    """The draft decree as DOCX."""
    decree = decrees.require(page.db, page.who, decree_id, "decree.read")
    return Response(
        decrees.to_docx(decree),
        media_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        headers={"Content-Disposition": ATTACHMENT.format(f"sk-{decree_id}.docx")},
    )


@router.get("/decrees/{decree_id}/sk.pdf")
def decree_pdf(page: SignedIn, decree_id: DecreeId) -> Response:
    """The draft decree as PDF."""
    decree = decrees.require(page.db, page.who, decree_id, "decree.read")
    return Response(
        decrees.to_pdf(decree),
        media_type="application/pdf",
        headers={"Content-Disposition": ATTACHMENT.format(f"sk-{decree_id}.pdf")},
    )


@router.get("/decrees/{decree_id}/siasn.csv")
def decree_siasn(page: SignedIn, decree_id: DecreeId) -> Response:
    """The decree's moves for the SIASN operator (docs/siasn-export.md)."""
    decree = decrees.require(page.db, page.who, decree_id, "siasn.export")
    return Response(
        decrees.to_siasn_csv(decree),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": ATTACHMENT.format(f"siasn-{decree_id}.csv")},
    )


@router.post("/announcements", response_class=HTMLResponse)
def publish(page: SignedIn, form: Annotated[AgencyForm, Form()]) -> Response:
    """Publish the agency's approved moves not yet announced."""
    page.access.require("announcement.publish", form.agency_id, "agency")
    try:
        made = announcements.publish(
            page.db, page.engine, page.who, form.agency_id, form.meeting_id or None
        )
    except JobfitError as error:
        return _approvals_page(page, form.agency_id, error.status, error=str(error))
    return RedirectResponse(f"/announcements/{made['announcement_id']}", 303)


@router.get("/announcements", response_class=HTMLResponse)
def list_announcements(page: SignedIn, agency: AgencyQuery = None) -> Response:
    """The agency's published results, newest first."""
    page.access.allowed("announcement.read")
    chosen = _agency(page, agency)
    found = announcements.of_agency(page.db, page.who, chosen) if chosen else []
    return page.render(
        "announcement.html", w=i18n.section("decree", page.lang), items=found, one=None
    )


@router.get("/announcements/{announcement_id}", response_class=HTMLResponse)
def show_announcement(page: SignedIn, announcement_id: DecreeId) -> Response:
    """One announcement: names and posts, never scores."""
    found = announcements.read(page.db, page.who, announcement_id)
    return page.render(
        "announcement.html", w=i18n.section("decree", page.lang), items=[found], one=found
    )


@router.get("/announcements/{announcement_id}/pengumuman.pdf")
def announcement_pdf(page: SignedIn, announcement_id: DecreeId) -> Response:
    """One announcement as PDF."""
    found = announcements.read(page.db, page.who, announcement_id)
    office = offices.office_of(_config(page), found["agency_id"])
    name = office.government if office else found["agency_id"]
    return Response(
        announcements.to_pdf(found, name),
        media_type="application/pdf",
        headers={"Content-Disposition": ATTACHMENT.format(f"pengumuman-{announcement_id}.pdf")},
    )
