"""The due-for-rotation and oversight pages: the API's figures, filters and a CSV link.

The figures come from :mod:`serving.rotation` and :mod:`serving.oversight` (the API's own);
the talent-box plot is inline SVG drawn here, so the pages need no script.
"""

from __future__ import annotations

from typing import Annotated, Any

import pandas as pd
from fastapi import Query, Response
from fastapi.responses import HTMLResponse

from features import i18n
from features.errors import JobfitError
from serving import oversight, rotation
from serving.campaigns.storage import recent_campaigns
from serving.routers.deps import settings as settings_of
from serving.routers.pages.kit import Page, SignedIn, page_router
from serving.tables import campaigns as campaign_table

router = page_router()
AgencyId = Annotated[str | None, Query(min_length=1, max_length=64)]
Text = Annotated[str | None, Query(max_length=128)]
"""A filter of a page's form: an empty choice ("all") comes as an empty string."""
BOX_WIDTH = 360
"""The longest bar of the talent-box plot (px)."""


def _agencies(page: Page, action: str) -> list[str]:
    """The agencies the caller may choose between (empty for one bound to its own)."""
    if page.engine is None or page.access.scope(action) is not None:
        return []
    return sorted(set(page.engine.export.positions["agency_id"].astype(str)))


def _refuse(page: Page, error: JobfitError | None, message: str) -> HTMLResponse:
    """The message page: not allowed (``error``) or not ready (``None``)."""
    if error is None:
        title = i18n.text("page.not_ready", page.lang)
        return page.render("message.html", status=503, title=title, message=title)
    title = i18n.text("page.not_found", page.lang)
    return page.render("message.html", status=error.status, title=title, message=message)


@router.get("/rotation", response_class=HTMLResponse)
def rotation_page(
    page: SignedIn, agency_id: AgencyId = None, unit_id: Text = None, job_family: Text = None
) -> Response:
    """Who is due, per reason, with filters by unit and job family."""
    words = i18n.section("staffing.rotation", page.lang)
    unit_id, job_family = unit_id or None, job_family or None
    try:
        agency = page.access.report_agency("rotation.read", agency_id)
    except JobfitError as error:
        return _refuse(page, error, words["not_found"])
    if page.engine is None:
        return _refuse(page, None, "")
    engine = page.engine
    windows = rotation.windows_of(settings_of(page.request).rotation_months)
    filters = {"unit_id": unit_id, "job_family": job_family}
    body = rotation.report(engine.export, engine.as_of, windows, agency, filters)
    staff = rotation.in_post(engine.export, agency)
    units = staff.drop_duplicates("unit_id").sort_values("unit_name")
    return page.render(
        "rotation.html",
        r=words,
        body=body,
        agency=agency,
        agencies=_agencies(page, "rotation.read"),
        unit_id=unit_id,
        job_family=job_family,
        units=list(zip(units["unit_id"], units["unit_name"], strict=True)),
        families=sorted(staff["job_family"].astype(str).unique()),
        groups={r: [p for p in body["people"] if p["reason"] == r] for r in rotation.REASONS},
    )


@router.get("/rotation/due.csv")
def rotation_csv(
    page: SignedIn, agency_id: AgencyId = None, unit_id: Text = None, job_family: Text = None
) -> Response:
    """The page's due list as the API's CSV."""
    unit_id, job_family = unit_id or None, job_family or None
    try:
        agency = page.access.report_agency("rotation.read", agency_id)
    except JobfitError as error:
        return Response(status_code=error.status)
    if page.engine is None:
        return Response(status_code=503)
    windows = rotation.windows_of(settings_of(page.request).rotation_months)
    filters = {"unit_id": unit_id, "job_family": job_family}
    body = rotation.report(page.engine.export, page.engine.as_of, windows, agency, filters)
    return Response(
        rotation.to_csv(body),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{rotation.csv_name(agency)}"'},
    )


@router.get("/rotation/{nip}", response_class=HTMLResponse)
def rotation_posts_page(page: SignedIn, nip: str) -> Response:
    """The open posts that fit one person best (another agency's NIP: like a missing one)."""
    words = i18n.section("staffing.rotation", page.lang)
    if page.engine is None:
        return _refuse(page, None, "")
    engine = page.engine
    rows = engine.pool.employees[engine.pool.employees["nip"] == nip]
    agency = str(rows["agency_id"].iat[0]) if len(rows) else None
    try:
        if agency is None:
            raise JobfitError("no such employee")
        page.access.require("rotation.read", agency, "candidate")
    except JobfitError:
        title = i18n.text("page.not_found", page.lang)
        return page.render("message.html", status=404, title=title, message=words["not_found"])
    posts = rotation.best_posts(engine, nip, 10)
    return page.render(
        "rotation_posts.html", r=words, nip=nip, person=str(rows["name"].iat[0]), posts=posts
    )


def box_bars(counts: dict[str, int]) -> list[dict[str, Any]]:
    """One bar per box 1-9 and unknown: label, count and width in px."""
    largest = max(counts.values(), default=0) or 1
    return [
        {"label": k, "count": v, "width": round(BOX_WIDTH * v / largest)} for k, v in counts.items()
    ]


@router.get("/oversight", response_class=HTMLResponse)
def oversight_page(
    page: SignedIn,
    agency_id: AgencyId = None,
    months: Annotated[int, Query(ge=1, le=120)] = 6,
) -> Response:
    """The oversight figures of one agency, with the talent-box plot."""
    words = i18n.section("staffing.oversight", page.lang)
    try:
        agency = page.access.report_agency("oversight.read", agency_id)
    except JobfitError as error:
        return _refuse(page, error, words["not_allowed"])
    if page.engine is None:
        return _refuse(page, None, "")
    stored = recent_campaigns(page.db, agency, 10, campaign_table)
    body = oversight.summary(page.engine, agency, stored, months)
    return page.render(
        "oversight.html",
        o=words,
        body=body,
        agency=agency,
        agencies=_agencies(page, "oversight.read"),
        bars=box_bars(body["talent_boxes"]),
        width=BOX_WIDTH,
        share=_percent(body["pool_share"]),
        filled_share=_percent(body["filled"]["pool_share"]),
    )


def _percent(share: float | None) -> str:
    return "-" if share is None or pd.isna(share) else f"{100 * share:.0f}%"


@router.get("/oversight.csv")
def oversight_csv(
    page: SignedIn, agency_id: AgencyId = None, months: Annotated[int, Query(ge=1, le=120)] = 6
) -> Response:
    """The page's figures as the API's CSV."""
    try:
        agency = page.access.report_agency("oversight.read", agency_id)
    except JobfitError as error:
        return Response(status_code=error.status)
    if page.engine is None:
        return Response(status_code=503)
    stored = recent_campaigns(page.db, agency, 10, campaign_table)
    body = oversight.summary(page.engine, agency, stored, months)
    return Response(
        oversight.to_csv(body),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{oversight.csv_name(agency)}"'},
    )
