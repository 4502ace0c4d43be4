"""The talent pages: pools per family and level, key posts' succession lists, development plans.

The figures come from :mod:`serving.talent` through the API's own helpers; every page asks the
one policy (``talent.read``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query, Response
from fastapi.responses import HTMLResponse

from features import i18n
from features.errors import JobfitError
from serving import talent
from serving.routers.api import agency_of_nip
from serving.routers.pages.kit import Page, SignedIn, page_router
from serving.routers.talent import attachment, file_name, key_post, key_posts_of

router = page_router()
AgencyId = Annotated[str | None, Query(min_length=1, max_length=64)]
Family = Annotated[str | None, Query(min_length=1, max_length=64)]
PositionId = Annotated[str, Path(min_length=1, max_length=128)]
Nip = Annotated[str, Path(pattern=r"^\d{18}$")]


def _message(page: Page, status: int, key: str) -> HTMLResponse:
    title = i18n.text(key, page.lang)
    words = i18n.section("talent.page", page.lang)
    text = words["not_allowed"] if status in (403, 404) else title
    return page.render("message.html", status=status, title=title, message=text)


def _agencies(page: Page) -> list[str]:
    """The agencies the caller may choose between (empty for one bound to its own)."""
    if page.engine is None or page.access.scope("talent.read") is not None:
        return []
    return sorted(set(page.engine.export.positions["agency_id"].astype(str)))


@router.get("/talent", response_class=HTMLResponse)
def talent_page(page: SignedIn, agency_id: AgencyId = None, job_family: Family = None) -> Response:
    """Pools per job family and level, their members with readiness, and the key posts."""
    try:
        agency = page.access.report_agency("talent.read", agency_id)
    except JobfitError as error:
        return _message(page, error.status, "page.not_found")
    if page.engine is None:
        return _message(page, 503, "page.not_ready")
    members = talent.pools(page.engine, page.lang, agency, job_family)
    families = sorted(set(talent.pools(page.engine, page.lang, agency)["job_family"]))
    return page.render(
        "talent.html",
        w=i18n.section("talent.page", page.lang),
        standing=i18n.section("talent.standing", page.lang),
        readiness=i18n.section("talent.readiness", page.lang),
        competency=i18n.section("talent.competency", page.lang),
        agency=agency,
        agencies=_agencies(page),
        family=job_family,
        families=families,
        pools=talent.summary(members),
        members=members.to_dict("records"),
        keys=key_posts_of(page.engine, agency, page.lang),
        no_pool=i18n.text("talent.status.no_pool", page.lang),
    )


@router.get("/talent/pools.csv")
def talent_csv(page: SignedIn, agency_id: AgencyId = None, job_family: Family = None) -> Response:
    """The page's pool members as the API's CSV."""
    try:
        agency = page.access.report_agency("talent.read", agency_id)
    except JobfitError as error:
        return Response(status_code=error.status)
    if page.engine is None:
        return Response(status_code=503)
    csv = talent.to_csv(talent.pools(page.engine, page.lang, agency, job_family))
    return attachment(csv, "text/csv; charset=utf-8", file_name("pools", agency, "csv"))


@router.get("/talent/succession/{position_id}", response_class=HTMLResponse)
def succession_page(page: SignedIn, position_id: PositionId) -> Response:
    """A key post's succession list: ready now and ready later, with the rules still failed."""
    if page.engine is None:
        return _message(page, 503, "page.not_ready")
    try:
        position = key_post(page.engine, page.access, position_id)
    except JobfitError as error:
        return _message(page, error.status, "page.not_found")
    return page.render(
        "succession.html",
        w=i18n.section("talent.page", page.lang),
        standing=i18n.section("talent.standing", page.lang),
        readiness=i18n.section("talent.readiness", page.lang),
        body=talent.succession(page.engine, position, page.lang),
    )


@router.get("/talent/succession/{position_id}/export.pdf")
def succession_pdf(page: SignedIn, position_id: PositionId) -> Response:
    """The succession list as a PDF for the leadership, in the page's language."""
    if page.engine is None:
        return Response(status_code=503)
    try:
        position = key_post(page.engine, page.access, position_id)
    except JobfitError as error:
        return Response(status_code=error.status)
    body = talent.succession(page.engine, position, page.lang)
    pdf = talent.succession_pdf(body, page.lang)
    return attachment(pdf, "application/pdf", file_name("succession", position_id, "pdf"))


@router.get("/talent/succession/{position_id}/export.csv")
def succession_csv(page: SignedIn, position_id: PositionId) -> Response:
    """The succession list as CSV."""
    if page.engine is None:
        return Response(status_code=503)
    try:
        position = key_post(page.engine, page.access, position_id)
    except JobfitError as error:
        return Response(status_code=error.status)
    body = talent.succession(page.engine, position, page.lang)
    name = file_name("succession", position_id, "csv")
    return attachment(talent.succession_csv(body), "text/csv; charset=utf-8", name)


@router.get("/talent/development/{nip}", response_class=HTMLResponse)
def development_page(page: SignedIn, nip: Nip) -> Response:
    """One pool member's development plan against the next level."""
    if page.engine is None:
        return _message(page, 503, "page.not_ready")
    try:
        page.access.require("talent.read", agency_of_nip(page.engine, nip), "candidate")
        plan = talent.development(page.engine, nip, page.lang)
    except JobfitError as error:
        return _message(page, error.status, "page.not_found")
    return page.render(
        "development.html",
        w=i18n.section("talent.page", page.lang),
        standing=i18n.section("talent.standing", page.lang),
        readiness=i18n.section("talent.readiness", page.lang),
        competency=i18n.section("talent.competency", page.lang),
        plan=plan,
    )
