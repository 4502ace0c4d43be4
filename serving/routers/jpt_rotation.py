"""The job-fit rotation of an agency's JPT holders over the API (a thin handler).

``GET /v1/jpt-rotation``: the optimal placement of every JPT holder of the agency, each with its
reason and options; optionally with a job-fit selection's panel results as a constraint or a
weight. Read-only; the one policy's ``jpt_rotation.read`` inside the agencies the caller reaches.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel

from features.errors import InputError
from serving import jpt_rotation
from serving.routers.deps import Access, Allowed, Database, Lang, Ready
from serving.selections import service as selections

router = APIRouter(prefix="/v1/jpt-rotation", tags=["jpt-rotation"])
AgencyId = Annotated[str | None, Query(min_length=1, max_length=64)]
SelectionId = Annotated[str | None, Query(pattern=r"^[0-9a-f-]{36}$")]
Mode = Literal["constraint", "weight"]
Years = Annotated[float, Query(ge=0, le=40)]
PanelWeight = Annotated[float, Query(ge=0, le=100)]
ACTION = "jpt_rotation.read"


class Option(BaseModel):
    """One JPT post for one holder: fit, hard rules, whether the solve may use it."""

    position_id: str
    title: str
    fit: float
    weight: float
    eligible: bool
    usable: bool
    panel_passed: bool
    chosen: bool
    home: bool


class PlacementOut(BaseModel):
    """Where one holder goes, the fit there and at home, and why (code and words)."""

    nip: str
    name: str
    home: str
    home_title: str
    post: str
    post_title: str
    stays: bool
    reason: str
    reason_text: str
    fit: float
    stay_fit: float
    gain: float
    weight: float
    tenure_years: float | None
    options: list[Option]
    appointed: dict[str, Any] | None
    """The past selection that appointed the holder to the current post (export history)."""


class RotationOut(BaseModel):
    """The agency's optimal rotation: every holder placed once, at the highest total fit."""

    agency_id: str
    as_of: str
    limits: dict[str, float]
    panel: dict[str, Any] | None
    method: str
    total_fit: float
    stay_total: float
    moves: int
    posts: list[dict[str, Any]]
    placements: list[PlacementOut]


def agency_for(access: Access, agency_id: str | None) -> str:
    """The agency asked for if reached (another is a missing one), else the caller's own."""
    agency = access.report_agency(ACTION, agency_id)
    if agency is None:
        raise InputError("agency_id is required for a caller who reaches every agency")
    return agency


def panel_of(
    access: Access, db: Any, agency: str, selection_id: str | None, mode: str, weight: float
) -> jpt_rotation.PanelInput | None:
    """The panel's results of ``selection_id`` (None: without), checked through the policy."""
    if selection_id is None:
        return None
    access.require(ACTION, selections.agency_of(db, selection_id), "selection")
    whole = selections.load(db, access.who, selection_id)
    return jpt_rotation.panel_input(whole, agency, mode, weight)


@router.get("", response_model=RotationOut)
def rotation(
    access: Allowed,
    db: Database,
    engine: Ready,
    lang: Lang,
    agency_id: AgencyId = None,
    selection_id: SelectionId = None,
    panel: Mode = "constraint",
    panel_weight: PanelWeight = 1.0,
    min_years: Years = 2.0,
    max_years: Years = 5.0,
) -> Any:
    """Every JPT holder of the agency placed once at the highest total fit; staying is always
    an option and each placement says why."""
    agency = agency_for(access, agency_id)
    limits = jpt_rotation.TenureLimits(min_years=min_years, max_years=max_years)
    limits.check_statutory()
    panel_input = panel_of(access, db, agency, selection_id, panel, panel_weight)
    return jpt_rotation.report(engine, agency, limits, panel_input, lang, selection_id)
