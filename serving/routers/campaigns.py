"""HTTP edge of rotation campaigns: run one, read it back, export it (CSV, PDF).

Thin: parse and check the request, authorise, call :mod:`serving.campaigns`, store, answer.
User errors become 4xx problem bodies that name what is wrong without echoing personal data.
"""

from __future__ import annotations

import json
import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from features.errors import NotReadyError
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

    status = getattr(error, "status_code", None) or error.status
    titles = {403: "Forbidden", 404: "Not Found", 422: "Unprocessable Content",
              503: "Service Unavailable"}  # fmt: skip
    body = {"type": "about:blank", "title": titles.get(status, "Bad Request"),
            "status": status, "detail": str(error)}  # fmt: skip
    return Response(json.dumps(body), status_code=status, media_type="application/problem+json")


def _runtime(request: Request) -> service.CampaignRuntime:
    """The campaign runtime over the runtime in use now (503 when the service is not ready)."""
    from serving.tables import campaigns as campaign_table

    current = request.app.state.runtime.current
    return service.CampaignRuntime(
        export=current.ready().export,
        scorer=current.ready_scorer(),
        model=current.model,
        db=request.app.state.db,
        table=campaign_table,
    )


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


def create_and_store(
    request: Request,
    who: Any,
    position_ids: list[str] | None,
    agency_id: str | None,
    options: service.CampaignOptions,
) -> service.CampaignReport:
    """Run a campaign for ``who``, then store and audit it in one transaction.

    The one path of ``POST /v1/campaigns`` and of the review page's campaign form.

    Parameters
    ----------
    request : fastapi.Request
        The request (its app holds the campaign runtime).
    who : Principal
        The caller (``role``, ``agency_id``, ``key_id``).
    position_ids, agency_id : list of str or None, str or None
        The scope: exactly one of them.
    options : CampaignOptions

    Returns
    -------
    CampaignReport
        The stored report, with its ``campaign_id``.

    Raises
    ------
    CampaignError
        Bad scope (422), unknown ids (404), a role or agency that may not (403), no champion
        loaded (503).
    """
    runtime = _runtime(request)
    ids = service.resolve_vacancies(runtime.export.positions, position_ids, agency_id)
    agency = service.authorize_scope(who.role, who.agency_id, ids, runtime.export.positions)
    report = service.run_campaign(
        runtime.export,
        runtime.scorer,
        position_ids=ids if agency_id is None else None,
        agency_id=agency_id,
        options=options,
        model=runtime.model,
    )
    with runtime.db.begin() as connection:  # stored and audited in one transaction
        stored = service.save_campaign(connection, runtime.table, report, agency, str(who.key_id))
        audit.append(connection, who, "campaign.create", stored.campaign_id, _audit_detail(stored))
    logger.info("campaign %s stored: %d vacancies", stored.campaign_id, len(ids))
    return stored


def read_campaign(request: Request, who: Any, campaign_id: str) -> service.CampaignReport:
    """A stored campaign ``who`` may read (admins and auditors: any; a committee: its agency's).

    Raises
    ------
    CampaignNotFound
        No such campaign, or another agency's (the same answer, so ids do not leak).
    CampaignUnavailable
        No champion is loaded.
    """
    runtime = _runtime(request)
    with runtime.db.connect() as connection:
        report, agency = service.load_campaign(connection, runtime.table, campaign_id)
    if who.role == "committee" and agency != who.agency_id:  # admins, auditors: any
        raise service.CampaignNotFound(f"no campaign {campaign_id!r}")
    return report


def recent_campaigns(
    db: Any, table: Any, agency_id: str | None, limit: int = 5
) -> list[dict[str, Any]]:
    """The most recent stored campaigns, newest first (one agency's, or all with ``None``).

    Returns
    -------
    list of dict
        ``campaign_id``, ``created_at``, ``agency_id``, ``vacancies``, ``filled`` and
        ``scope`` of each.
    """
    query = table.select().order_by(table.c.created_at.desc()).limit(limit)
    if agency_id is not None:
        query = query.where(table.c.agency_id == agency_id)
    with db.connect() as connection:
        rows = connection.execute(query).all()
    out = []
    for row in rows:  # plain JSON, so that a report stored by an older version still lists
        report = json.loads(row.report_json)
        out.append(
            {
                "campaign_id": row.campaign_id,
                "created_at": row.created_at,
                "agency_id": row.agency_id,
                "vacancies": row.vacancies,
                "filled": (report.get("baselines") or {}).get("optimal_filled", "?"),
                "scope": str(report.get("scope", "")),
            }
        )
    return out


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
            return create_and_store(request, who, body.position_ids, body.agency_id, body.options)
        except (service.CampaignError, NotReadyError) as error:
            return _problem(error)

    def _read(campaign_id: str, request: Request, who: Any) -> service.CampaignReport:
        return read_campaign(request, who, campaign_id)

    @api.get("/{campaign_id}", response_model=service.CampaignReport)
    def get_campaign(campaign_id: CampaignId, request: Request, who: Any = caller) -> Any:
        """A stored campaign (admins and auditors: any; a committee: its agency's)."""
        try:
            return _read(campaign_id, request, who)
        except (service.CampaignError, NotReadyError) as error:
            return _problem(error)

    @api.get("/{campaign_id}/csv", response_class=Response)
    def get_campaign_csv(campaign_id: CampaignId, request: Request, who: Any = caller) -> Response:
        """A stored campaign as CSV: one line a position, PROPOSED or OPEN with why."""
        try:
            report = _read(campaign_id, request, who)
        except (service.CampaignError, NotReadyError) as error:
            return _problem(error)
        headers = {"Content-Disposition": f'attachment; filename="campaign-{campaign_id}.csv"'}
        return Response(report.to_csv(), media_type="text/csv; charset=utf-8", headers=headers)

    @api.get("/{campaign_id}/pdf", response_class=Response)
    def get_campaign_pdf(campaign_id: CampaignId, request: Request, who: Any = caller) -> Response:
        """A stored campaign's report as PDF."""
        try:
            report = _read(campaign_id, request, who)
        except (service.CampaignError, NotReadyError) as error:
            return _problem(error)
        headers = {"Content-Disposition": f'attachment; filename="campaign-{campaign_id}.pdf"'}
        return Response(service.render_pdf(report), media_type="application/pdf", headers=headers)

    return api
