"""HTTP edge of rotation campaigns: run one, read it back, export it (CSV, PDF).

Thin: parse and check the request, authorise, call :mod:`serving.campaigns`, store, answer.
User errors become 4xx problem bodies that name what is wrong without echoing personal data.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from serving import audit
from serving import campaigns as service

logger = logging.getLogger(__name__)

Identifier = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
CampaignId = Annotated[str, Path(pattern=r"^[0-9a-f-]{36}$", description="Campaign id (UUID).")]


class CampaignRequest(BaseModel):
    """Either ``position_ids`` or ``agency_id``, plus options."""

    model_config = ConfigDict(extra="forbid")

    position_ids: list[Identifier] | None = Field(
        None, min_length=1, max_length=service.MAX_VACANCIES, description="Vacant positions."
    )
    agency_id: Identifier | None = Field(None, description="Every open vacancy of this agency.")
    options: service.CampaignOptions = Field(default_factory=service.CampaignOptions)

    @model_validator(mode="after")
    def _one_scope(self) -> CampaignRequest:
        if (self.position_ids is None) == (self.agency_id is None):
            raise ValueError("give either position_ids or agency_id, not both and not neither")
        return self


def _problem(error: service.CampaignError) -> Response:
    """A problem+json body for a user error (the message names ids, never people)."""
    import json

    status = getattr(error, "status_code", 422)
    titles = {403: "Forbidden", 404: "Not Found", 422: "Unprocessable Content",
              503: "Service Unavailable"}  # fmt: skip
    body = {"type": "about:blank", "title": titles.get(status, "Bad Request"),
            "status": status, "detail": str(error)}  # fmt: skip
    return Response(json.dumps(body), status_code=status, media_type="application/problem+json")


class CampaignUnavailable(service.CampaignError):
    """No champion or export is loaded yet (HTTP 503)."""

    status_code = 503


def _runtime(request: Request) -> service.CampaignRuntime:
    """The campaign runtime over the engine in use now (rebuilt if the engine was swapped)."""
    state = request.app.state
    runtime = getattr(state, "campaigns", None)
    current = getattr(state, "engine", None)
    if runtime is None:
        reason = getattr(state, "engine_error", None) or "no champion is loaded"
        raise CampaignUnavailable(f"the service is not ready: {reason}")
    scorer = runtime.scorer
    if current is not None and getattr(scorer, "bundle", None) is not current.bundle:
        scorer = service.RankerScorer(
            current.export, current.bundle, current.ruleset, current.as_of, pool=current.pool
        )
        runtime = service.CampaignRuntime(
            export=current.export,
            scorer=scorer,
            model=f"{current.bundle.name} v{current.bundle.version}",
            db=runtime.db,
            table=runtime.table,
        )
        state.campaigns = runtime
    return runtime


def _audit_detail(report: service.CampaignReport) -> dict[str, Any]:
    """What the audit log keeps of a campaign: scope, model, options and the proposal."""
    return {
        "scope": report.scope,
        "model": report.model,
        "options": report.options.model_dump(),
        "vacancies": report.vacancies,
        "placements": [[p.position_id, p.nip] for p in report.placements],
        "open": [o.position_id for o in report.open_vacancies],
    }


def build_router(principal_dependency: Any) -> APIRouter:
    """The campaigns router, authenticated by ``principal_dependency``.

    Parameters
    ----------
    principal_dependency : callable
        A FastAPI dependency returning the caller, with ``role`` ("admin", "committee",
        "auditor"), ``agency_id`` (or ``None``) and ``key_id`` attributes.
    """
    api = APIRouter(prefix="/v1/campaigns", tags=["campaigns"])
    caller = Depends(principal_dependency)  # a default, not an annotation: this is a closure

    @api.post("", status_code=201, response_model=service.CampaignReport)
    def create_campaign(body: CampaignRequest, request: Request, who: Any = caller) -> Any:
        """Assign the vacancies optimally, store the proposal and return it."""
        try:
            runtime = _runtime(request)
            ids = service.resolve_vacancies(
                runtime.export.positions, body.position_ids, body.agency_id
            )
            agency = service.authorize_scope(who.role, who.agency_id, ids, runtime.export.positions)
            report = service.run_campaign(
                runtime.export,
                runtime.scorer,
                position_ids=ids if body.agency_id is None else None,
                agency_id=body.agency_id,
                options=body.options,
                model=runtime.model,
            )
            with runtime.db.begin() as connection:  # stored and audited in one transaction
                stored = service.save_campaign(
                    connection, runtime.table, report, agency, str(who.key_id)
                )
                audit.append(
                    connection, who, "campaign.create", stored.campaign_id, _audit_detail(stored)
                )
        except service.CampaignError as error:
            return _problem(error)
        logger.info("campaign %s stored: %d vacancies", stored.campaign_id, len(ids))
        return stored

    def _read(campaign_id: str, request: Request, who: Any) -> service.CampaignReport:
        runtime = _runtime(request)
        with runtime.db.connect() as connection:
            report, agency = service.load_campaign(connection, runtime.table, campaign_id)
        if who.role == "committee" and agency != who.agency_id:  # admins, auditors: any
            raise service.CampaignNotFound(f"no campaign {campaign_id!r}")
        return report

    @api.get("/{campaign_id}", response_model=service.CampaignReport)
    def get_campaign(campaign_id: CampaignId, request: Request, who: Any = caller) -> Any:
        """A stored campaign (admins and auditors: any; a committee: its agency's)."""
        try:
            return _read(campaign_id, request, who)
        except service.CampaignError as error:
            return _problem(error)

    @api.get("/{campaign_id}/csv", response_class=Response)
    def get_campaign_csv(campaign_id: CampaignId, request: Request, who: Any = caller) -> Response:
        """A stored campaign as CSV: one line a position, PROPOSED or OPEN with why."""
        try:
            report = _read(campaign_id, request, who)
        except service.CampaignError as error:
            return _problem(error)
        headers = {"Content-Disposition": f'attachment; filename="campaign-{campaign_id}.csv"'}
        return Response(report.to_csv(), media_type="text/csv; charset=utf-8", headers=headers)

    @api.get("/{campaign_id}/pdf", response_class=Response)
    def get_campaign_pdf(campaign_id: CampaignId, request: Request, who: Any = caller) -> Response:
        """A stored campaign's report as PDF."""
        try:
            report = _read(campaign_id, request, who)
        except service.CampaignError as error:
            return _problem(error)
        headers = {"Content-Disposition": f'attachment; filename="campaign-{campaign_id}.pdf"'}
        return Response(service.render_pdf(report), media_type="application/pdf", headers=headers)

    return api
