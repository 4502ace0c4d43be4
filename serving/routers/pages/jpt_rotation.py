"""The JPT rotation page: the optimal job-fit placement of an agency's JPT holders.

The figures are the API's own (:func:`serving.jpt_rotation.report`); the page adds the choice of
agency, of a job-fit selection whose panel results enter, and of how they enter.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Query, Response
from fastapi.responses import HTMLResponse

from features import i18n
from features.errors import JobfitError
from serving import jpt_rotation
from serving.routers.jpt_rotation import ACTION, agency_for, panel_of
from serving.routers.pages.kit import Page, SignedIn, page_router
from serving.selections import service as selections

router = page_router()
AgencyId = Annotated[str | None, Query(max_length=64)]
SelectionId = Annotated[str | None, Query(pattern=r"^([0-9a-f-]{36})?$")]


def _agencies(page: Page) -> list[str]:
    """The agencies the caller may choose between (empty for one bound to its own)."""
    if page.engine is None or page.access.scope(ACTION) is not None:
        return []
    return sorted(set(page.engine.export.positions["agency_id"].astype(str)))


def _jobfit(page: Page, agency: str) -> list[dict[str, Any]]:
    """The agency's job-fit selections the caller reaches, newest first."""
    rows = selections.listing(page.db, page.who)
    return [r for r in rows if r["kind"] == "jobfit" and r["agency_id"] == agency]


@router.get("/jpt-rotation", response_class=HTMLResponse)
def rotation_page(
    page: SignedIn,
    agency_id: AgencyId = None,
    selection_id: SelectionId = None,
    panel: Literal["constraint", "weight"] = "constraint",
) -> Response:
    """The plan, each holder's reason, and the fit of every holder for every JPT post."""
    words = i18n.section("rotation.page", page.lang)
    limits = jpt_rotation.TenureLimits()
    if page.engine is None:
        title = i18n.text("page.not_ready", page.lang)
        return page.render("message.html", status=503, title=title, message=title)
    try:
        agency = agency_for(page.access, agency_id or None)
        chosen = selection_id or None
        panel_input = panel_of(page.access, page.db, agency, chosen, panel, 1.0)
        body = jpt_rotation.report(page.engine, agency, limits, panel_input, page.lang, chosen)
    except JobfitError as error:
        return page.render(
            "jpt_rotation.html", status=error.status, w=words, body=None, error=str(error),
            agency=None, agencies=_agencies(page), jobfit=[], panel=panel,
            selection_id=None, help=_help(words, limits),
        )  # fmt: skip
    summary = i18n.fill(
        words["summary"], moves=body["moves"], holders=len(body["placements"]),
        total=f"{body['total_fit']:.3f}", stay=f"{body['stay_total']:.3f}",
    )  # fmt: skip
    if panel_input is not None and panel_input.mode == "weight":
        summary = i18n.fill(words["summary_panel"], summary=summary)
    return page.render(
        "jpt_rotation.html", w=words, body=body, error=None, agency=agency,
        agencies=_agencies(page), jobfit=_jobfit(page, agency), panel=panel,
        selection_id=chosen, help=_help(words, limits), summary=summary,
    )  # fmt: skip


def _help(words: Any, limits: jpt_rotation.TenureLimits) -> str:
    return i18n.fill(
        words["help"], min_years=f"{limits.min_years:g}", max_years=f"{limits.max_years:g}"
    )
