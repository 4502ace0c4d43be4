"""Rotation campaign pages: start one from the home page's form, read it, download it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from features.errors import JobfitError
from features.ordinals import AGE_BAND_LABELS
from serving.auth import Principal
from serving.campaigns import rendering, service
from serving.campaigns.models import CampaignReport, FairnessGroup
from serving.routers.campaigns import campaign_download
from serving.routers.pages.forms import (
    CAMPAIGN_ROLES,
    CampaignForm,
    CampaignFormError,
    CampaignPathId,
    _campaign_scope,
    campaign_options,
)
from serving.routers.pages.home import _positions_page, _vacancies
from serving.routers.pages.kit import (
    TEXT,
    Key,
    LangCookie,
    _lang,
    _render,
    _to_login,
    _who,
    current_runtime,
)

router = APIRouter(include_in_schema=False)


@router.post("/campaigns", response_class=HTMLResponse)
def start_campaign(
    request: Request,
    form: Annotated[CampaignForm, Form()],
    key: Key = None,
    lang_cookie: LangCookie = None,
) -> Response:
    """Run, store and audit a campaign exactly as ``POST /v1/campaigns``; then show it (PRG).

    Like the other forms it relies on the SameSite=Strict key cookie: a post from another
    site arrives without it and is sent to the sign-in page.
    """
    lang, who = _lang(request, lang_cookie), _who(request, key)
    if who is None:
        return _to_login()
    runtime = current_runtime(request)  # one runtime for the whole request
    try:
        if who.role not in CAMPAIGN_ROLES:
            raise CampaignFormError("err_role", status=403)
        if runtime.engine is None:
            raise CampaignFormError("not_ready", status=503)
        options = campaign_options(form)
        position_ids, agency = _campaign_scope(who, form, _vacancies(request, who))
        report = service.create_and_store(
            runtime, request.app.state.db, who, position_ids, agency, options
        )
    except CampaignFormError as error:
        return _positions_page(
            request, who, lang, status=error.status, error=error.message(lang), form=form
        )
    except JobfitError as error:
        message = TEXT[lang]["err_campaign"] + ": " + str(error)
        return _positions_page(request, who, lang, status=error.status, error=message, form=form)
    return RedirectResponse(f"/campaigns/{report.campaign_id}", status_code=303)


@router.get("/campaigns")
def campaigns_home(request: Request) -> Response:
    """The campaign form lives on the home page (a language link on a refused form lands here)."""
    lang = request.query_params.get("lang")
    return RedirectResponse(f"/?lang={lang}" if lang in TEXT else "/", status_code=303)


def _campaign_error(
    request: Request, who: Principal, lang: str, error: JobfitError
) -> HTMLResponse:
    """A page saying why a campaign cannot be shown (404 also for another agency's)."""
    text, status = TEXT[lang], error.status
    if status == 404:
        message = text["campaign_not_found"]
    elif status == 503:
        message = f"{text['not_ready']}: {current_runtime(request).reason or ''}".rstrip(": ")
    else:
        message = str(error)
    title = text["not_found"] if status == 404 else text["err_campaign"]
    return _render(request, "message.html", lang, who, status=status, title=title, message=message)


def _names(request: Request) -> tuple[dict[str, str], dict[str, str]]:
    """Position titles and unit names by id (empty while the service is not ready)."""
    engine = current_runtime(request).engine
    if engine is None:
        return {}, {}
    frame = engine.export.positions
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


def _fairness_rows(report: CampaignReport) -> list[FairnessGroup]:
    """The fairness groups, age bands youngest first."""
    order = {label: i for i, label in enumerate(AGE_BAND_LABELS)}
    return sorted(
        report.fairness, key=lambda g: (g.attribute != "gender", order.get(g.group, 99), g.group)
    )


def _read_campaign(
    request: Request, campaign_id: str, key: str | None, lang_cookie: str | None
) -> tuple[str, Principal, CampaignReport] | Response:
    """The language, the signed-in reviewer and the campaign; else the page to answer with."""
    lang, who = _lang(request, lang_cookie), _who(request, key)
    if who is None:
        return _to_login()
    try:
        report = service.read_campaign(
            current_runtime(request), request.app.state.db, who, campaign_id
        )
    except JobfitError as error:
        return _campaign_error(request, who, lang, error)
    return lang, who, report


@router.get("/campaigns/{campaign_id}", response_class=HTMLResponse)
def show_campaign(
    request: Request, campaign_id: CampaignPathId, key: Key = None, lang_cookie: LangCookie = None
) -> Response:
    """A stored campaign: the proposal, chains, open vacancies, baselines, units, fairness."""
    read = _read_campaign(request, campaign_id, key, lang_cookie)
    if isinstance(read, Response):
        return read
    lang, who, report = read
    titles, units = _names(request)
    return _render(
        request,
        "campaign.html",
        lang,
        who,
        c=report,
        titles=titles,
        units=units,
        scope=rendering.scope_words(report.scope, lang, heading=True),
        chains=_chain_links(report, titles),
        said=lambda said: rendering.say(said, lang),
        english_only=lang == "id" and rendering.in_english_only(report),
        fairness=_fairness_rows(report),
    )


def _campaign_download(
    request: Request, campaign_id: str, key: str | None, lang_cookie: str | None, kind: str
) -> Response:
    """The CSV or PDF of a stored campaign for a signed-in reviewer (the API's renderers)."""
    read = _read_campaign(request, campaign_id, key, lang_cookie)
    if isinstance(read, Response):
        return read
    return campaign_download(read[2], kind)


@router.get("/campaigns/{campaign_id}/export.csv")
def campaign_csv(
    request: Request, campaign_id: CampaignPathId, key: Key = None, lang_cookie: LangCookie = None
) -> Response:
    """A campaign's CSV (one line a position, PROPOSED or OPEN with why)."""
    return _campaign_download(request, campaign_id, key, lang_cookie, "csv")


@router.get("/campaigns/{campaign_id}/export.pdf")
def campaign_pdf(
    request: Request, campaign_id: CampaignPathId, key: Key = None, lang_cookie: LangCookie = None
) -> Response:
    """A campaign's readable report as PDF."""
    return _campaign_download(request, campaign_id, key, lang_cookie, "pdf")
