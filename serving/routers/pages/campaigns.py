"""Rotation campaign pages: start one from the home page's form, read it, download it."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from features import i18n
from features.errors import ForbiddenError, JobfitError
from features.ordinals import AGE_BAND_LABELS
from serving import fairness
from serving.campaigns import rendering, service
from serving.campaigns.models import CampaignReport, FairnessGroup
from serving.routers.campaigns import (
    CampaignRequest,
    campaign_download,
    check_create,
    check_read,
)
from serving.routers.pages.forms import (
    CampaignForm,
    CampaignFormError,
    CampaignPathId,
    _campaign_scope,
    campaign_options,
)
from serving.routers.pages.home import _positions_page, _vacancies
from serving.routers.pages.kit import Page, SignedIn, page_router

router = page_router()


@router.post("/campaigns", response_class=HTMLResponse)
def start_campaign(page: SignedIn, form: Annotated[CampaignForm, Form()]) -> Response:
    """Run, store and audit a campaign exactly as ``POST /v1/campaigns``; then show it (PRG).

    Like the other forms it relies on the SameSite=Strict key cookie: a post from another
    site arrives without it and is sent to the sign-in page.
    """
    request, who, lang = page.request, page.who, page.lang
    try:
        try:
            page.access.allowed("campaign.create")
        except ForbiddenError:
            raise CampaignFormError("err_role", status=403) from None
        if page.engine is None:
            raise CampaignFormError("not_ready", status=503)
        options = campaign_options(form)
        position_ids, agency = _campaign_scope(who, form, _vacancies(request, who))
        scope = CampaignRequest(position_ids=position_ids, agency_id=agency)
        check_create(page.access, page.runtime, scope)
        report = service.create_and_store(page.runtime, page.db, who, position_ids, agency, options)
    except CampaignFormError as error:
        return _positions_page(
            request, who, lang, status=error.status, error=error.message(lang), form=form
        )
    except JobfitError as error:
        message = i18n.text("page.err_campaign", lang) + ": " + str(error)
        return _positions_page(request, who, lang, status=error.status, error=message, form=form)
    return RedirectResponse(f"/campaigns/{report.campaign_id}", status_code=303)


@router.get("/campaigns")
def campaigns_home(request: Request) -> Response:
    """The campaign form lives on the home page (a language link on a refused form lands here)."""
    lang = request.query_params.get("lang")
    return RedirectResponse(f"/?lang={lang}" if lang in i18n.LANGUAGES else "/", status_code=303)


def _campaign_error(page: Page, error: JobfitError) -> HTMLResponse:
    """A page saying why a campaign cannot be shown (404 also for another agency's)."""
    text, status = i18n.section("page", page.lang), error.status
    if status == 404:
        message = text["campaign_not_found"]
    elif status == 503:
        message = f"{text['not_ready']}: {page.runtime.reason or ''}".rstrip(": ")
    else:
        message = str(error)
    title = text["not_found"] if status == 404 else text["err_campaign"]
    return page.render("message.html", status=status, title=title, message=message)


def _names(page: Page) -> tuple[dict[str, str], dict[str, str]]:
    """Position titles and unit names by id (empty while the service is not ready)."""
    if page.engine is None:
        return {}, {}
    frame = page.engine.export.positions
    titles = dict(zip(frame["position_id"], frame["title"], strict=True))
    units = dict(zip(frame["unit_id"], frame["unit_name"], strict=True))
    return titles, units


def _chain_links(report: CampaignReport, titles: dict[str, str]) -> list[list[dict[str, str]]]:
    """Each vacancy chain's links with the titles of the positions and the names of the people."""
    names = {p.nip: p.name for p in report.placements}
    return [
        [
            {
                "position": link.position_id,
                "nip": link.nip,
                "title": titles.get(link.position_id, link.position_id),
                "name": names.get(link.nip, ""),
                "origin": origin,
                "origin_title": titles.get(origin, origin),
            }
            for link in chain
            for origin in [link.origin_position_id or ""]
        ]
        for chain in report.chains
    ]


def _fairness_rows(report: CampaignReport, min_cell: int) -> list[FairnessGroup]:
    """The fairness groups, age bands youngest first; none of fewer than ``min_cell`` people
    (small cells re-identify people: serving.fairness)."""
    order = {label: i for i, label in enumerate(AGE_BAND_LABELS)}
    shown = [g for g in report.fairness if g.considered >= min_cell]
    return sorted(shown, key=lambda g: (g.attribute != "gender", order.get(g.group, 99), g.group))


def _panels(page: Page, report: CampaignReport) -> list[dict]:
    """The campaign's fairness panels per agency, in words for the page."""
    return [
        fairness.view(p.panel.model_dump(), page.lang, agency_id=p.agency_id)
        for p in report.fairness_panels
    ]


def _read_campaign(page: Page, campaign_id: str) -> CampaignReport | HTMLResponse:
    """The campaign the signed-in reviewer may read; else the page saying why not."""
    try:
        check_read(page.access, page.runtime, page.db, campaign_id)
        return service.read_campaign(page.runtime, page.db, page.who, campaign_id)
    except JobfitError as error:
        return _campaign_error(page, error)


@router.get("/campaigns/{campaign_id}", response_class=HTMLResponse)
def show_campaign(page: SignedIn, campaign_id: CampaignPathId) -> Response:
    """A stored campaign: the proposal, chains, open vacancies, baselines, units, fairness."""
    report = _read_campaign(page, campaign_id)
    if isinstance(report, Response):
        return report
    titles, units = _names(page)
    lang = page.lang
    return page.render(
        "campaign.html",
        c=report,
        titles=titles,
        units=units,
        scope=rendering.scope_words(report.scope, lang, heading=True),
        chains=_chain_links(report, titles),
        said=lambda said: rendering.say(said, lang),
        english_only=lang == "id" and rendering.in_english_only(report),
        fairness=_fairness_rows(report, page.runtime.ready().panel_rules.min_cell),
        panels=_panels(page, report),
    )


@router.get("/campaigns/{campaign_id}/export.csv")
def campaign_csv(page: SignedIn, campaign_id: CampaignPathId) -> Response:
    """A campaign's CSV (one line a position, PROPOSED or OPEN with why)."""
    report = _read_campaign(page, campaign_id)
    return report if isinstance(report, Response) else campaign_download(report, "csv")


@router.get("/campaigns/{campaign_id}/export.pdf")
def campaign_pdf(page: SignedIn, campaign_id: CampaignPathId) -> Response:
    """A campaign's readable report as PDF."""
    report = _read_campaign(page, campaign_id)
    return report if isinstance(report, Response) else campaign_download(report, "pdf")
