"""What a campaign is made of: its options, its report, and the errors a request can cause.

The report holds no prose of its own: scopes, vacancy chains, why a vacancy stays open and
which unit cap binds are codes with parameters, put into words by :mod:`.rendering` (and the
review page) through the message catalogue. Only the reasons of a placement's score are words,
as the scorer gives them (the shortlist's reasons, in the scorer's language).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from features.errors import JobfitError, NotFoundError
from serving import assignment as asg
from serving.schemas import FairnessPanel

MAX_VACANCIES = 1000
"""Largest campaign accepted in one request."""

SCHEMA_VERSION = 1
"""Version of the stored report's shape (reports stored before it carry none: version 0)."""


class CampaignError(JobfitError):
    """A campaign request that cannot be run as asked (422)."""


class CampaignNotFound(CampaignError, NotFoundError):
    """A position, agency or stored campaign that does not exist (404)."""


class CampaignOptions(BaseModel):
    """Options of one campaign (request body fields next to the scope)."""

    model_config = ConfigDict(extra="forbid")

    top_n: int = Field(50, ge=1, le=500, description="Candidates kept per vacancy (best first).")
    max_unit_share: float | None = Field(
        None, gt=0, le=1, description="Largest share of a unit's staff that may leave it."
    )
    min_tenure_years: float | None = Field(
        None, ge=0, le=40, description="People with less time in their post stay."
    )
    aspiration_mode: Literal["off", "tiebreak", "weighted"] = "tiebreak"
    aspiration_weight: float = Field(
        0.0, ge=0, le=100, description="Fit units a full aspiration match is worth (weighted)."
    )
    chain_depth: int = Field(0, ge=0, le=5, description="Rounds refilling opened positions.")
    fill_priority: bool = Field(
        True, description="Fill as many vacancies as possible first, then maximise fit."
    )

    def solver_options(self) -> asg.AssignmentOptions:
        """The pure solver's options."""
        return asg.AssignmentOptions(
            aspiration_mode=self.aspiration_mode,
            aspiration_weight=self.aspiration_weight,
            min_tenure_years=self.min_tenure_years,
            fill_priority=self.fill_priority,
        )


class AgencyScope(BaseModel):
    """Every open vacancy of one agency."""

    kind: Literal["agency"] = "agency"
    agency_id: str


class ListedScope(BaseModel):
    """The vacancies listed in the request."""

    kind: Literal["listed"] = "listed"
    count: int


Scope = Annotated[AgencyScope | ListedScope, Field(discriminator="kind")]
"""What a campaign was asked to cover (words: ``campaign.scope.<kind>``)."""


class Said(BaseModel):
    """Something the report says, as a message code and its parameters.

    ``code`` names a message of the catalogue (``campaign.<code>``); ``parts``, when present,
    are said one after the other in its ``{parts}`` field. The code ``legacy`` carries the words
    of a report stored before reports said things in codes: ``text`` (English) and ``text_id``
    (Indonesian, empty when that report had none).
    """

    code: str
    params: dict[str, str | int | float] = {}
    parts: list[Said] = []


class ChainLink(BaseModel):
    """One move of a vacancy chain: ``nip`` fills ``position_id``, leaving ``origin``."""

    position_id: str
    nip: str
    origin_position_id: str | None = None


class Placement(BaseModel):
    """One proposed move."""

    round: int
    position_id: str
    position_title: str
    position_unit_id: str
    nip: str
    name: str
    from_position_id: str | None
    from_unit_id: str | None
    fit: float
    rank_on_shortlist: int
    aspiration_match: float
    reasons: list[str] = []


class OpenVacancy(BaseModel):
    """A vacancy the campaign leaves unfilled, and why (``campaign.open.<code>``)."""

    round: int
    position_id: str
    position_title: str
    reason: Said


class Baselines(BaseModel):
    """The optimum against the greedy baseline and independent top-1 (campaign vacancies)."""

    optimal_filled: int
    optimal_total_fit: float
    greedy_filled: int
    greedy_total_fit: float
    top1_filled: int
    top1_total_fit: float
    top1_double_booked_people: int
    top1_conflicts: int


class UnitLine(BaseModel):
    """A unit's staffing before and after, and its move cap."""

    unit_id: str
    staff_before: int
    leaving: int
    arriving: int
    staff_after: int
    cap: int | None = None
    wanted: int | None = None


class FairnessGroup(BaseModel):
    """Selection rate of one group among the candidates considered."""

    attribute: str
    group: str
    considered: int
    selected: int
    selection_rate: float


class AgencyPanel(BaseModel):
    """The fairness panel of one agency's proposed moves against its candidates considered."""

    agency_id: str
    panel: FairnessPanel


class CampaignReport(BaseModel):
    """A whole campaign: the proposal and everything that explains it."""

    schema_version: int = SCHEMA_VERSION
    campaign_id: str | None = None
    scope: Scope
    as_of: str
    options: CampaignOptions
    model: str
    vacancies: list[str]
    placements: list[Placement]
    open_vacancies: list[OpenVacancy]
    chains: list[list[ChainLink]]
    baselines: Baselines
    units: list[UnitLine]
    binding_constraints: list[Said] = Field(
        default_factory=list, description="Unit caps that bind (``campaign.binding.<code>``)."
    )
    fairness: list[FairnessGroup]
    fairness_max_gap: dict[str, float]
    fairness_panels: list[AgencyPanel] = Field(
        default_factory=list,
        description="Per agency: is the proposal unusual for the candidates on its lists? "
        "(serving.fairness; empty in reports stored before it)",
    )
    solver: str
    timings_s: dict[str, float]
