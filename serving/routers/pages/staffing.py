"""The staffing gaps page: needed against filled per unit now, the trend, vacancies by need.

The figures come from :mod:`serving.staffing` (the API's own); the plots are inline SVG drawn
from them here, so the page needs no script.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Response
from fastapi.responses import HTMLResponse

from features import i18n
from features.errors import JobfitError
from serving import staffing
from serving.routers.pages.kit import Page, SignedIn, page_router

router = page_router()
AgencyId = Annotated[str | None, Query(min_length=1, max_length=64)]
UnitId = Annotated[str | None, Query(min_length=1, max_length=128)]
BAR_WIDTH = 240
"""Half the width of the gap plot (px): the longest bar, over or short."""


def _agencies(page: Page) -> list[str]:
    """The agencies the caller may choose between (empty for one bound to its own)."""
    if page.engine is None or page.access.scope("staffing.read") is not None:
        return []
    return sorted(set(page.engine.export.positions["agency_id"].astype(str)))


def gap_bars(rows: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    """One diverging bar per row: its label, gap, and x and width in px (0 at BAR_WIDTH)."""
    largest = max((abs(int(r["gap"])) for r in rows), default=0) or 1
    bars = []
    for row in rows:
        gap = int(row["gap"])
        width = round(BAR_WIDTH * abs(gap) / largest)
        x = BAR_WIDTH if gap >= 0 else BAR_WIDTH - width
        bars.append({"label": str(row[key]), "gap": gap, "x": x, "width": width})
    return bars


def trend_bars(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Needed and filled per date as two bar lengths (px) on one scale."""
    largest = max((max(int(r["needed"]), int(r["filled"])) for r in rows), default=0) or 1
    return [
        {
            **r,
            "as_of": str(r["as_of"]),
            "needed": int(r["needed"]),
            "filled": int(r["filled"]),
            "needed_px": round(2 * BAR_WIDTH * int(r["needed"]) / largest),
            "filled_px": round(2 * BAR_WIDTH * int(r["filled"]) / largest),
        }
        for r in rows
    ]


@router.get("/staffing", response_class=HTMLResponse)
def staffing_page(page: SignedIn, agency_id: AgencyId = None, unit_id: UnitId = None) -> Response:
    """Gaps per unit now (plot and table), per class of one unit, the trend, vacancies."""
    words = i18n.section("staffing.page", page.lang)
    try:
        agency = page.access.report_agency("staffing.read", agency_id)
    except JobfitError as error:
        title = i18n.text("page.not_found", page.lang)
        return page.render("message.html", status=error.status, title=title,
                           message=words["not_allowed"])  # fmt: skip
    if page.engine is None:
        title = i18n.text("page.not_ready", page.lang)
        return page.render("message.html", status=503, title=title, message=title)
    engine = page.engine
    gaps = staffing.gaps_of(engine.export, agency, unit_id)
    body = staffing.report(engine.export, engine.as_of, agency, unit_id, "unit", gaps)
    classes = staffing.report(engine.export, engine.as_of, agency, unit_id, "class", gaps)
    totals = staffing.report(engine.export, engine.as_of, agency, unit_id, "agency", gaps)
    families = staffing.report(engine.export, engine.as_of, agency, unit_id, "job_family", gaps)
    types = staffing.report(engine.export, engine.as_of, agency, unit_id, "position_type", gaps)
    return page.render(
        "staffing.html",
        s=words,
        body=body,
        message=i18n.text(f"staffing.status.{body['status']}", page.lang),
        unit_id=unit_id,
        agency=agency,
        agencies=_agencies(page),
        bars=gap_bars(body["now"], "unit_name"),
        class_rows=classes["now"] if unit_id else [],
        class_bars=gap_bars(
            [{**r, "cls": f"{r['position_type']} · {r['job_family']}"} for r in classes["now"]],
            "cls",
        )
        if unit_id
        else [],
        trend=trend_bars(totals["trend"]),
        by_family=families["now"],
        by_type=types["now"],
        width=2 * BAR_WIDTH,
    )


@router.get("/staffing/gaps.csv")
def staffing_csv(page: SignedIn, agency_id: AgencyId = None, unit_id: UnitId = None) -> Response:
    """The page's gaps per unit on every job-map date, as the API's CSV."""
    try:
        agency = page.access.report_agency("staffing.read", agency_id)
    except JobfitError as error:
        return Response(status_code=error.status)
    if page.engine is None:
        return Response(status_code=503)
    text = staffing.to_csv(page.engine.export, agency, unit_id, "unit")
    name = staffing.csv_name(agency, "unit")
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
