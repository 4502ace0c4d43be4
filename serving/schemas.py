"""Typed request and response bodies of the HTTP API."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from features.vocabulary import EDUCATION_LEVELS, FUNCTIONAL_LEVELS, PNS_RANKS, POSITION_TYPES

Identifier = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)]
Level = Annotated[int, Field(ge=1, le=5)]


def _calendar_date(value: object) -> object:
    if not (isinstance(value, date) or re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(value))):
        raise ValueError("must be a calendar date written YYYY-MM-DD")
    return value


IsoDate = Annotated[date, BeforeValidator(_calendar_date)]
"""A date written YYYY-MM-DD only: ``0`` or a timestamp is refused, never read as 1970."""


def _true_or_false(value: object) -> object:
    if isinstance(value, str) and value not in ("true", "false"):
        raise ValueError("must be true or false")
    return value


TrueOrFalse = Annotated[bool, BeforeValidator(_true_or_false)]
"""A query flag written ``true`` or ``false`` only (not ``0``, ``yes`` or ``on``)."""


class InlinePosition(BaseModel):
    """A vacancy not (yet) in the export, with the contract's position fields."""

    model_config = ConfigDict(extra="forbid")

    position_id: Identifier = "INLINE"
    title: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    agency_id: Identifier
    unit_id: Identifier
    unit_name: str = ""
    position_type: Literal[POSITION_TYPES]  # type: ignore[valid-type]
    functional_level: Literal[("", *FUNCTIONAL_LEVELS)] = ""  # type: ignore[valid-type]
    job_family: Identifier
    min_education_level: Literal[EDUCATION_LEVELS]  # type: ignore[valid-type]
    accepted_majors: str = ""
    min_rank: Literal[("", *PNS_RANKS)] = ""  # type: ignore[valid-type]
    min_experience_years: Annotated[int, Field(ge=0, le=40)] = 0
    req_integritas: Level
    req_kerja_sama: Level
    req_komunikasi: Level
    req_orientasi_hasil: Level
    req_pelayanan_publik: Level
    req_pengembangan_diri: Level
    req_mengelola_perubahan: Level
    req_pengambilan_keputusan: Level
    req_perekat_bangsa: Level
    is_vacant: bool = True


class CandidateFilters(BaseModel):
    """Restrict the pool (all optional)."""

    model_config = ConfigDict(extra="forbid")

    agency_id: Identifier | None = None
    unit_id: Identifier | None = None
    job_family: Identifier | None = None


EXACTLY_ONE_POSITION = [
    {
        "title": "A position of the export",
        "required": ["position_id"],
        "properties": {"position_id": {"type": "string"}, "position": {"type": "null"}},
    },
    {
        "title": "An inline position",
        "required": ["position"],
        "properties": {"position": {"type": "object"}, "position_id": {"type": "null"}},
    },
]
"""``position_id`` or ``position``, exactly one (what ``_one_position`` checks), as JSON Schema."""


class ShortlistRequest(BaseModel):
    """Ask for a shortlist for a position of the export or an inline one (exactly one)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"oneOf": EXACTLY_ONE_POSITION})

    position_id: Identifier | None = None
    position: InlinePosition | None = None
    k: Annotated[int, Field(ge=1, description="How many candidates to return.")] = 10
    filters: CandidateFilters = Field(default_factory=CandidateFilters)

    @model_validator(mode="after")
    def _one_position(self) -> ShortlistRequest:
        if (self.position_id is None) == (self.position is None):
            raise ValueError("give either position_id or position, not both and not neither")
        return self


class Contribution(BaseModel):
    """One feature's value and contribution (against the average candidate)."""

    feature: str
    factor: str | None = None
    """Its merit factor (None in shortlists stored before factors)."""
    value: float | None
    contribution: float
    says: str | None = None
    """Its value and standing in words (from the value, never from the sign)."""


class FactorReason(BaseModel):
    """One merit factor: its features' contributions summed, its values in words, and,
    separately, which way it moved the score against the average candidate."""

    factor: str
    label: str
    contribution: float
    says: str
    moves: str
    text: str
    features: list[str]


class RuleCheck(BaseModel):
    rule_id: str
    severity: str
    passed: bool
    message: str
    citation: str


class Reasons(BaseModel):
    """The largest factors that raise (``positive``) and that lower the score, each the
    factor's ``text``."""

    positive: list[str]
    negative: list[str]


class ExplainedCandidate(BaseModel):
    """A candidate's score for a position, explained: what a shortlist row and a fit share."""

    nip: str
    name: str
    unit: str
    score: float
    jpm: float | None
    jpm_band: str | None
    talent_box: int | None
    contributions: list[Contribution]
    factors: list[FactorReason] = []
    """Every merit factor, the largest contribution (either way) first (empty in shortlists
    stored before factors)."""
    reasons: Reasons
    eligibility: list[RuleCheck]


class RankedCandidate(ExplainedCandidate):
    rank: int
    merit_band: int


class ModelRef(BaseModel):
    name: str
    version: str


class VacancyFlagOut(BaseModel):
    flag_id: str
    message: str
    citation: str


class FailedRule(BaseModel):
    rule_id: str
    message: str
    citation: str


class ExcludedCandidate(BaseModel):
    """A candidate of the pool that a hard rule excludes, and every hard rule it fails."""

    nip: str
    name: str
    unit: str
    rules: list[FailedRule]


class Excluded(BaseModel):
    by_rule: dict[str, int]
    total: int
    vacancy_flags: list[VacancyFlagOut]
    candidates: list[ExcludedCandidate] = Field(
        default=[],
        description="Every excluded candidate of the pool with the hard rules it fails "
        "(empty in shortlists stored before the list was kept).",
    )
    warnings_by_rule: dict[str, int] = Field(
        default={},
        description="Per soft rule, how many eligible candidates it warns about; choosing one "
        "of them needs a written answer.",
    )


class PolicyRef(BaseModel):
    """The rules a shortlist was checked against: an agency policy or the national rule set."""

    id: str = Field(description="The agency whose policy file applied, or 'national'.")
    version: str
    extends: str | None = Field(description="The national rule set the policy extends.")
    sha256: str = Field(description="Hash of the rules as evaluated.")


class PanelGroup(BaseModel):
    """One group of the eligible pool that is large enough to show."""

    group: str = Field(description="The group's code; OTHER: smaller groups merged.")
    pool: int = Field(description="People of the group in the eligible pool.")
    expected: float = Field(description="Average count in k people drawn at random from it.")
    actual: int = Field(description="Count in the top k.")
    p_fewer: float = Field(description="Chance that k drawn at random hold as few (exact).")


class PanelWorst(BaseModel):
    group: str
    p_fewer: float
    one_in: int | None = Field(description="1 / p_fewer, rounded: 'only 1 in N draws'.")


class PanelAttribute(BaseModel):
    """One protected attribute of the panel: its groups, its test and what it says."""

    attribute: Literal["gender", "age_band", "religion", "origin_region"]
    status: Literal["usual", "unusual", "cannot_judge"]
    reason: Literal["not_recorded", "whole_pool", "small_groups"] | None = None
    p_value: float | None = Field(
        description="Exact (or permutation) test of the whole composition against the pool."
    )
    method: Literal["exact", "permutation"] | None
    groups: list[PanelGroup]
    merged: bool = Field(description="Groups too small to show were merged or left out.")
    worst: PanelWorst | None
    summary: str | None = Field(
        default=None,
        description="What the row says, in the request's language (campaigns: said on the page).",
    )


class FairnessPanel(BaseModel):
    """Is this top k unusual for its eligible pool? (``docs/fairness.md``, per-shortlist panel)"""

    kind: Literal["shortlist", "campaign"] = "shortlist"
    k: int
    pool: int = Field(description="Eligible candidates the top k was chosen from.")
    min_cell: int = Field(description="No group with fewer people in the pool is shown.")
    alpha: float
    threshold: float = Field(description="An attribute is unusual below this p-value.")
    attributes: list[PanelAttribute]


class RerankPolicy(BaseModel):
    id: str
    version: str


class RerankMove(BaseModel):
    merit_rank: int | None = Field(
        description="Rank in the merit order (1-based); null: came up from below the top k."
    )
    rank: int = Field(description="Rank in the shortlist shown.")


class RerankShortfall(BaseModel):
    reason: str = Field(
        description="A code: band_has_no_candidate_of_group, or one_position_for_several_groups."
    )
    position: int
    group: str
    needed: int
    held: int
    band: int


class Rerank(BaseModel):
    """Re-ranking within merit bands, when the agency's policy turns it on (off by default)."""

    applied: bool
    policy: RerankPolicy
    method: str | None = Field(default=None, description="fair (FA*IR) or detgreedy.")
    attribute: str | None = None
    target: dict[str, str | float | dict[str, float]] | None = Field(
        default=None, description="fair: {protected, p, alpha}; detgreedy: {shares}."
    )
    moved: list[RerankMove] = []
    target_met: bool | None = None
    shortfalls: list[RerankShortfall] = []
    merit_cost_ndcg: float | None = Field(
        default=None, description="NDCG@k of the new order against the merit order (1 = none)."
    )
    before: dict[str, int] = {}
    after: dict[str, int] = {}
    suppressed: bool = Field(
        default=False, description="Counts of groups under the small-cell minimum left out."
    )


class Shortlist(BaseModel):
    shortlist_id: str
    position_id: str
    model: ModelRef
    ruleset_version: str
    policy: PolicyRef | None = None
    data_hash: str
    as_of: str
    base_value: float
    pool_size: int
    eligible_count: int
    candidates: list[RankedCandidate]
    fairness: FairnessPanel | None = Field(
        default=None, description="The fairness panel (None in shortlists stored before it)."
    )
    excluded: Excluded
    rerank: Rerank | None = None


class CandidateFit(ExplainedCandidate):
    position_id: str
    base_value: float
    eligible: bool
    failed_rules: list[RuleCheck]
    warnings: list[RuleCheck]
    recourse: list[str]
    model: ModelRef
    ruleset_version: str


class PositionOut(BaseModel):
    position_id: str
    title: str
    agency_id: str
    unit_id: str
    unit_name: str
    position_type: str
    functional_level: str
    job_family: str
    is_vacant: bool


class ModelInfo(BaseModel):
    name: str
    version: str
    alias: str
    ruleset_version: str
    code_version: str
    data_hash: str
    metrics: dict[str, float]
    features: list[str]
    scoring: Literal["lleaves", "lightgbm"] = Field(
        description="What computes the scores: the compiled copy (checked against LightGBM "
        "within 1e-9 at load) or LightGBM itself; contributions always come from LightGBM."
    )
    trained_at: datetime | None = Field(
        None, description="When the model was trained (UTC); None for a unit that does not say."
    )
    age_days: int | None = Field(None, description="Whole days since training.")
    max_age_days: int = Field(description="The configured maximum (MAX_MODEL_AGE_DAYS).")
    stale: bool = Field(description="Older than the maximum: retrain it.")
    model_card: str = Field(
        description="The model card (Markdown): intended use, data window, features and "
        "exclusions, quality and fairness with intervals, known limits, versions."
    )


class Health(BaseModel):
    """What anyone may know: ready or not, and how old the model in use is (no name, no data)."""

    status: Literal["ready", "not ready"]
    model_age_days: int | None = Field(
        None, description="Days since the model in use was trained (when it says)."
    )
    stale: bool | None = Field(None, description="The model is older than the configured maximum.")


class MonitorOut(BaseModel):
    """The latest drift monitor run (``make monitor``), read at service load and reload."""

    status: str
    """OK, WARN, RETRAIN; or ``none`` when no monitor run exists yet."""
    date: str | None = None
    champion_version: str | None = None
    reasons: list[str] = []
    message: str | None = None


class ServiceStatus(Health):
    """What an admin reads: the model in use, or why the service is not ready; the latest
    drift monitor status."""

    model: ModelRef | None = None
    reason: str | None = None
    monitor: MonitorOut | None = None
    notices: list[str] = Field(
        default_factory=list,
        description="Libraries installed in other versions than the model was trained with.",
    )
