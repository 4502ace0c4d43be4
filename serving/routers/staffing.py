"""Staffing gaps over HTTP: needed against filled per unit and class, from the export's job map.

Every route asks the one policy (``staffing.read``: committee, PPK, admin and auditor, inside
the agencies they reach). An export without the job map answers 200 with ``status: no_data``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel

from features import i18n
from serving import staffing
from serving.routers.api import agency_of_nip, visible_position
from serving.routers.deps import Allowed, Lang, Ready

router = APIRouter(prefix="/v1/staffing", tags=["staffing"])

Level = Literal["class", "unit", "agency", "job_family", "position_type"]
AgencyId = Annotated[str | None, Query(min_length=1, max_length=64)]
UnitId = Annotated[str | None, Query(min_length=1, max_length=128)]
Status = Literal["ok", "no_data", "not_covered"]


class GapRow(BaseModel):
    """Needed against filled for one group on one date; ``gap`` = filled - needed (over > 0)."""

    agency_id: str
    unit_id: str | None = None
    unit_name: str | None = None
    position_type: str | None = None
    job_family: str | None = None
    as_of: date
    needed: int
    filled: int
    gap: int
    over: int
    under: int


class VacancyNeed(BaseModel):
    """An open vacancy with the shortfall of its class and of its unit."""

    position_id: str
    title: str
    agency_id: str
    unit_id: str
    unit_name: str
    position_type: str
    job_family: str
    gap: int | None
    shortfall: int
    unit_shortfall: int


class StaffingGaps(BaseModel):
    """Gaps now (the latest job-map date on or before the serving date) and over time."""

    status: Status
    message: str
    agency_id: str | None
    unit_id: str | None
    level: Level
    as_of: date | None
    dates: list[date]
    now: list[GapRow]
    trend: list[GapRow]
    vacancies: list[VacancyNeed]


class SideGap(BaseModel):
    """One unit's class before and after a move (None: the job map does not cover it)."""

    agency_id: str
    unit_id: str
    position_type: str
    job_family: str
    needed: int | None
    gap_before: int | None
    gap_after: int | None
    unit_gap_before: int | None
    unit_gap_after: int | None


class MoveGap(BaseModel):
    """The gaps a move opens or closes: the unit left (None: no post held) and the one joined."""

    status: Status
    message: str
    as_of: date | None
    leaving: SideGap | None
    joining: SideGap


@router.get("/gaps", response_model=StaffingGaps)
def gaps(
    access: Allowed,
    current: Ready,
    lang: Lang,
    agency_id: AgencyId = None,
    unit_id: UnitId = None,
    level: Level = "unit",
) -> Any:
    """Needed against filled per ``level``, now and on every job-map date, with the open
    vacancies ordered by need (the caller's own agency unless it reaches others)."""
    agency_id = access.report_agency("staffing.read", agency_id)
    body = staffing.report(current.export, current.as_of, agency_id, unit_id, level)
    return body | {"message": i18n.text(f"staffing.status.{body['status']}", lang)}


@router.get("/gaps.csv", response_class=Response)
def gaps_csv(
    access: Allowed,
    current: Ready,
    agency_id: AgencyId = None,
    unit_id: UnitId = None,
    level: Level = "unit",
) -> Response:
    """The gaps per ``level`` on every job-map date as CSV (headers only without data)."""
    agency_id = access.report_agency("staffing.read", agency_id)
    name = staffing.csv_name(agency_id, level)
    return Response(
        staffing.to_csv(current.export, agency_id, unit_id, level),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/move", response_model=MoveGap)
def move(
    nip: Annotated[str, Query(pattern=r"^\d{18}$")],
    position_id: Annotated[str, Query(min_length=1, max_length=128)],
    access: Allowed,
    current: Ready,
    lang: Lang,
) -> Any:
    """The gap a move of ``nip`` to ``position_id`` would open in the unit left and close in
    the unit joined (another agency's NIP or post answers like a missing one)."""
    position = visible_position(current, access, "staffing.read", position_id)
    access.require("candidate.read", agency_of_nip(current, nip), "candidate")
    body = staffing.move(current.export, current.as_of, nip, position)
    return body | {"message": i18n.text(f"staffing.status.{body['status']}", lang)}
