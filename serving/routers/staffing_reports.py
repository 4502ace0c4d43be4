"""Who is due for rotation, and the oversight summaries, over HTTP (one agency at a time).

Every route asks the one policy: ``rotation.read`` and ``oversight.read`` (committee, PPK,
admin and auditor, inside the agencies they reach). Another agency's NIP answers like a
missing one.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel

from features.errors import NotFoundError
from serving import oversight, rotation
from serving.campaigns.storage import recent_campaigns
from serving.policy import MISSING
from serving.routers.api import agency_of_nip
from serving.routers.deps import Allowed, Database, Ready, Settings
from serving.tables import campaigns as campaign_table

router = APIRouter(prefix="/v1", tags=["staffing"])

AgencyId = Annotated[str | None, Query(min_length=1, max_length=64)]
UnitId = Annotated[str | None, Query(min_length=1, max_length=128)]
Family = Annotated[str | None, Query(min_length=1, max_length=128)]
Nip = Annotated[str, Query(pattern=r"^\d{18}$")]
Reason = Literal["past_five_years", "jpt_term_end", "two_year_mark"]


class DuePerson(BaseModel):
    """One person due for rotation, why, and since when."""

    reason: Reason
    nip: str
    name: str
    unit_id: str
    unit_name: str
    position_id: str
    title: str
    position_type: str
    job_family: str
    position_since: date | None
    years_in_post: float
    due_on: date | None


class RotationDue(BaseModel):
    """Who is due on the reference date (the agency's next rotation window, else today)."""

    agency_id: str | None
    as_of: date
    reference_date: date
    window_months: list[int]
    counts: dict[str, int]
    in_post: int
    people: list[DuePerson]


class BestPost(BaseModel):
    """An open vacancy of the person's agency they are eligible for, by the engine's score."""

    position_id: str
    title: str
    unit_id: str
    unit_name: str
    position_type: str
    job_family: str
    score: float


class LongOpen(BaseModel):
    position_id: str
    vacant_since: date
    months_open: int


class LongOpenSummary(BaseModel):
    months: int
    vacant: int
    open_longer: int
    unknown_since: int
    positions: list[LongOpen]


class FilledSummary(BaseModel):
    lookback_months: int
    filled: int
    from_pool: int
    from_outside: int
    unknown: int
    pool_share: float | None


class CampaignGap(BaseModel):
    campaign_id: str
    created_at: datetime
    vacancies: int
    filled: int
    gap_closed: int | None
    abs_gap_before: int | None
    abs_gap_after: int | None


class Oversight(BaseModel):
    """The Indeks Sistem Merit figures of one agency (talent management, promotion and moves)."""

    agency_id: str | None
    as_of: date
    talent_boxes: dict[str, int]
    in_pool: int
    pool_share: float | None
    long_open: LongOpenSummary
    filled: FilledSummary
    campaigns: list[CampaignGap]


def _csv(text: str, name: str) -> Response:
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/rotation/due", response_model=RotationDue)
def rotation_due(
    access: Allowed,
    current: Ready,
    settings: Settings,
    agency_id: AgencyId = None,
    unit_id: UnitId = None,
    job_family: Family = None,
) -> Any:
    """Who has passed five years in post, JPT holders at the end of their term, and who is at
    the two-year mark (PP 11/2017 Pasal 190(3)), counted to the agency's next rotation window."""
    agency = access.report_agency("rotation.read", agency_id)
    filters = {"unit_id": unit_id, "job_family": job_family}
    return rotation.report(
        current.export,
        current.as_of,
        rotation.windows_of(settings.rotation_months),
        agency,
        filters,
    )


@router.get("/rotation/due.csv", response_class=Response)
def rotation_due_csv(
    access: Allowed,
    current: Ready,
    settings: Settings,
    agency_id: AgencyId = None,
    unit_id: UnitId = None,
    job_family: Family = None,
) -> Response:
    """The due list as CSV (headers only when nobody is due)."""
    agency = access.report_agency("rotation.read", agency_id)
    filters = {"unit_id": unit_id, "job_family": job_family}
    body = rotation.report(
        current.export,
        current.as_of,
        rotation.windows_of(settings.rotation_months),
        agency,
        filters,
    )
    return _csv(rotation.to_csv(body), rotation.csv_name(agency))


@router.get("/rotation/posts", response_model=list[BestPost])
def rotation_posts(
    nip: Nip, access: Allowed, current: Ready, k: Annotated[int, Query(ge=1, le=20)] = 5
) -> Any:
    """The open vacancies of the person's agency that fit them best (rules, then ranker)."""
    agency = agency_of_nip(current, nip)
    if agency is None:
        raise NotFoundError(MISSING["candidate"])
    access.require("rotation.read", agency, "candidate")
    return rotation.best_posts(current, nip, k)


@router.get("/oversight", response_model=Oversight)
def oversight_summary(
    access: Allowed,
    current: Ready,
    db: Database,
    agency_id: AgencyId = None,
    months: Annotated[int, Query(ge=1, le=120)] = 6,
    lookback_months: Annotated[int, Query(ge=1, le=120)] = 12,
) -> Any:
    """Talent boxes, vacancies open ``months`` or longer, posts filled from the pool in the
    last ``lookback_months``, and the gaps the last campaigns closed."""
    agency = access.report_agency("oversight.read", agency_id)
    stored = recent_campaigns(db, agency, 10, campaign_table)
    return oversight.summary(current, agency, stored, months, lookback_months)


@router.get("/oversight.csv", response_class=Response)
def oversight_csv(
    access: Allowed,
    current: Ready,
    db: Database,
    agency_id: AgencyId = None,
    months: Annotated[int, Query(ge=1, le=120)] = 6,
    lookback_months: Annotated[int, Query(ge=1, le=120)] = 12,
) -> Response:
    """The oversight figures as ``section,item,value`` CSV."""
    agency = access.report_agency("oversight.read", agency_id)
    stored = recent_campaigns(db, agency, 10, campaign_table)
    body = oversight.summary(current, agency, stored, months, lookback_months)
    return _csv(oversight.to_csv(body), oversight.csv_name(agency))
