"""HTTP edge of rotation campaigns: run one, read it back, export it (CSV, PDF).

Thin: parse the request, call :mod:`serving.campaigns.service` with the runtime in use and the
database, answer. User errors are raised as they are and answered by the app's one handler
(``serving.errors``): problem bodies that name what is wrong without echoing personal data.
"""

from __future__ import annotations

from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Path, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from serving.campaigns import rendering, service
from serving.campaigns.models import MAX_VACANCIES, CampaignOptions, CampaignReport
from serving.routers.deps import Access, Current, Database, access_of
from serving.runtime import Runtime
from serving.tables import campaigns

Identifier = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
CampaignId = Annotated[str, Path(pattern=r"^[0-9a-f-]{36}$", description="Campaign id (UUID).")]


class CampaignRequest(BaseModel):
    """Either ``position_ids`` or ``agency_id``, plus options."""

    model_config = ConfigDict(extra="forbid")

    position_ids: list[Identifier] | None = Field(
        None, min_length=1, max_length=MAX_VACANCIES, description="Vacant positions."
    )
    agency_id: Identifier | None = Field(None, description="Every open vacancy of this agency.")
    options: CampaignOptions = Field(default_factory=CampaignOptions)

    @model_validator(mode="after")
    def _one_scope(self) -> CampaignRequest:
        if (self.position_ids is None) == (self.agency_id is None):
            raise ValueError("give either position_ids or agency_id, not both and not neither")
        return self


def campaign_download(report: CampaignReport, kind: str) -> Response:
    """The CSV or PDF of a campaign as an attachment (the API's and the page's downloads)."""
    if kind == "csv":
        body: str | bytes = rendering.render_csv(report)
        media = "text/csv; charset=utf-8"
    else:
        body, media = rendering.render_pdf(report), "application/pdf"
    disposition = f'attachment; filename="campaign-{report.campaign_id}.{kind}"'
    return Response(body, media_type=media, headers={"Content-Disposition": disposition})


def check_create(access: Access, current: Runtime, body: CampaignRequest) -> None:
    """The policy on a campaign's scope: another agency's position or agency is a missing one."""
    access.allowed("campaign.create")
    positions = current.ready().export.positions
    agency_of = dict(zip(positions["position_id"], positions["agency_id"].astype(str), strict=True))
    for position_id in body.position_ids or ():
        access.require("campaign.create", agency_of.get(position_id), "position")
    if body.agency_id is not None:
        known = body.agency_id in set(agency_of.values())
        access.require("campaign.create", body.agency_id if known else None, "agency")


def check_read(access: Access, current: Runtime, db: sa.Engine, campaign_id: str) -> None:
    """The policy on a stored campaign: another agency's answers like a missing one."""
    current.ready()  # not ready is 503 before anything else, as for every campaign request
    with db.connect() as connection:
        agency = connection.execute(
            sa.select(campaigns.c.agency_id).where(campaigns.c.campaign_id == campaign_id)
        ).scalar_one_or_none()
    access.require("campaign.read", agency, "campaign")


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

    @api.post("", status_code=201, response_model=CampaignReport)
    def create_campaign(
        body: CampaignRequest, current: Current, db: Database, who: Any = caller
    ) -> CampaignReport:
        """Assign the vacancies optimally, store the proposal and return it."""
        check_create(access_of(db, who), current, body)
        return service.create_and_store(
            current, db, who, body.position_ids, body.agency_id, body.options
        )

    @api.get("/{campaign_id}", response_model=CampaignReport)
    def get_campaign(
        campaign_id: CampaignId, current: Current, db: Database, who: Any = caller
    ) -> CampaignReport:
        """A stored campaign (admins and auditors: any; a committee: its agency's)."""
        check_read(access_of(db, who), current, db, campaign_id)
        return service.read_campaign(current, db, who, campaign_id)

    @api.get("/{campaign_id}/csv", response_class=Response)
    def get_campaign_csv(
        campaign_id: CampaignId, current: Current, db: Database, who: Any = caller
    ) -> Response:
        """A stored campaign as CSV: one line a position, PROPOSED or OPEN with why."""
        check_read(access_of(db, who), current, db, campaign_id)
        return campaign_download(service.read_campaign(current, db, who, campaign_id), "csv")

    @api.get("/{campaign_id}/pdf", response_class=Response)
    def get_campaign_pdf(
        campaign_id: CampaignId, current: Current, db: Database, who: Any = caller
    ) -> Response:
        """A stored campaign's report as PDF."""
        check_read(access_of(db, who), current, db, campaign_id)
        return campaign_download(service.read_campaign(current, db, who, campaign_id), "pdf")

    return api
