"""Rotation campaign pages: start one from the home page's form, read it, download it."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from features import i18n
from serving import campaigns as campaign_service
from serving.auth import Principal
from serving.routers import campaigns as campaign_api
from serving.routers.pages.forms import (
    CAMPAIGN_ROLES,
    CampaignForm,
    CampaignFormError,
    CampaignPathId,
    _campaign_scope,
    campaign_options,
)
from serving.routers.pages.home import _positions_page, _vacancies
from serving.routers.pages.kit import Key, LangCookie, _lang, _render, _to_login, _who

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
    try:
        if who.role not in CAMPAIGN_ROLES:
            raise CampaignFormError("err_role", status=403)
        if request.app.state.engine is None:
            raise CampaignFormError("not_ready", status=503)
        options = campaign_options(form)
        position_ids, agency = _campaign_scope(who, form, _vacancies(request, who))
        report = campaign_api.create_and_store(request, who, position_ids, agency, options)
    except CampaignFormError as error:
        return _positions_page(
            request, who, lang, status=error.status, error=error.message(lang), form=form
        )
    except campaign_service.CampaignError as error:
        status = int(getattr(error, "status_code", 422))
        message = i18n.text("page.err_campaign", lang) + ": " + str(error)
        return _positions_page(request, who, lang, status=status, error=message, form=form)
    return RedirectResponse(f"/campaigns/{report.campaign_id}", status_code=303)


@router.get("/campaigns")
def campaigns_home(request: Request) -> Response:
    """The campaign form lives on the home page (a language link on a refused form lands here)."""
    lang = request.query_params.get("lang")
    return RedirectResponse(f"/?lang={lang}" if lang in i18n.LANGUAGES else "/", status_code=303)


def _campaign_error(
    request: Request, who: Principal, lang: str, error: campaign_service.CampaignError
) -> HTMLResponse:
    """A page saying why a campaign cannot be shown (404 also for another agency's)."""
    text, status = i18n.section("page", lang), int(getattr(error, "status_code", 422))
    if status == 404:
        message = text["campaign_not_found"]
    elif status == 503:
        message = f"{text['not_ready']}: {request.app.state.engine_error or ''}".rstrip(": ")
    else:
        message = str(error)
    title = text["not_found"] if status == 404 else text["err_campaign"]
    return _render(request, "message.html", lang, who, status=status, title=title, message=message)


def _names(request: Request) -> tuple[dict[str, str], dict[str, str]]:
    """Position titles and unit names by id (empty while the service is not ready)."""
    engine = request.app.state.engine
    if engine is None:
        return {}, {}
    frame = engine.export.positions
    titles = dict(zip(frame["position_id"], frame["title"], strict=True))
    units = dict(zip(frame["unit_id"], frame["unit_name"], strict=True))
    return titles, units


CHAIN_LINK = re.compile(r"^(?P<position>\S+) <- (?P<nip>\S+) from (?P<origin>\S+)$")
SCOPE_AGENCY = re.compile(r"^agency (?P<agency>.+)$")
SCOPE_LISTED = re.compile(r"^(?P<n>\d+) listed position\(s\)$")


def _scope_text(scope: str, lang: str) -> str:
    """The report's scope ("agency X", "N listed position(s)") in ``lang``."""
    if match := SCOPE_AGENCY.match(scope):
        return i18n.text("page.scope_of_agency", lang, **match.groupdict())
    if match := SCOPE_LISTED.match(scope):
        return i18n.text("page.scope_listed", lang, **match.groupdict())
    return scope


def _chain_links(
    report: campaign_service.CampaignReport, titles: dict[str, str]
) -> list[list[dict[str, str]]]:
    """Each vacancy chain as links with titles and names (the raw text when it does not parse)."""
    names = {p.nip: p.name for p in report.placements}
    chains = []
    for chain in report.chains:
        links = []
        for link in chain:
            match = CHAIN_LINK.match(link)
            if match is None:
                links.append({"raw": link})
                continue
            part = match.groupdict()
            links.append(
                {
                    **part,
                    "title": titles.get(part["position"], part["position"]),
                    "name": names.get(part["nip"], ""),
                    "origin_title": titles.get(part["origin"], part["origin"]),
                }
            )
        chains.append(links)
    return chains


def _fairness_rows(
    report: campaign_service.CampaignReport,
) -> list[campaign_service.FairnessGroup]:
    """The fairness groups, age bands youngest first."""
    bands = [label for _, label in campaign_service.AGE_BANDS]
    order = {label: i for i, label in enumerate(bands)}
    return sorted(
        report.fairness, key=lambda g: (g.attribute != "gender", order.get(g.group, 99), g.group)
    )


def _read_campaign(
    request: Request, campaign_id: str, key: str | None, lang_cookie: str | None
) -> tuple[str, Principal, campaign_service.CampaignReport] | Response:
    """The language, the signed-in reviewer and the campaign; else the page to answer with."""
    lang, who = _lang(request, lang_cookie), _who(request, key)
    if who is None:
        return _to_login()
    try:
        return lang, who, campaign_api.read_campaign(request, who, campaign_id)
    except campaign_service.CampaignError as error:
        return _campaign_error(request, who, lang, error)


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
        scope=_scope_text(report.scope, lang),
        chains=_chain_links(report, titles),
        fairness=_fairness_rows(report),
    )


def _campaign_download(
    request: Request, campaign_id: str, key: str | None, lang_cookie: str | None, kind: str
) -> Response:
    """The CSV or PDF of a stored campaign for a signed-in reviewer (the API's renderers)."""
    read = _read_campaign(request, campaign_id, key, lang_cookie)
    if isinstance(read, Response):
        return read
    report = read[2]
    if kind == "csv":
        body: str | bytes = campaign_service.render_csv(report)
        media = "text/csv; charset=utf-8"
    else:
        body, media = campaign_service.render_pdf(report), "application/pdf"
    disposition = f'attachment; filename="campaign-{report.campaign_id}.{kind}"'
    return Response(body, media_type=media, headers={"Content-Disposition": disposition})


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
