"""The candidate checks: each evaluates one kind of requirement over the whole pool at once.

A rule file names a check by its ``check`` (:data:`CHECKS`); the check's ``params`` are what
agencies set differently. Every check returns a :class:`~features.rules.model.Check`: who passes,
who fails for want of data, and the values its messages show.

The birth date is read only inside :class:`AgeLimitRule` (JPT), compared with a cutoff date; no
age is computed, stored in the result or written into a message beyond the limit itself
("melebihi batas usia 56 tahun"). Age is never a feature.
"""

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from features.ordinals import EDUCATION_ORDINAL, RANK_ORDINAL
from features.rules.context import Context, Lookup, Pair
from features.rules.model import (
    Bilingual,
    Check,
    EducationLevel,
    Frozen,
    NoParams,
    PnsRank,
    PositionType,
    Rating,
    Rule,
    SanctionLevel,
)
from features.rules.render import MISSING, proceeding_term, rating_term
from features.vocabulary import RATING_SCORES, SANCTION_LEVELS, SANCTION_STATUSES

_SANCTION_LABELS = np.array([MISSING, *SANCTION_LEVELS], dtype=object)
"""Sanction levels by code (0 none, 1 RINGAN, 2 SEDANG, 3 BERAT), as messages show them."""
_RATING_TERMS = np.array(
    [MISSING, *(rating_term(r) for r in sorted(RATING_SCORES, key=RATING_SCORES.get))],
    dtype=object,
)
"""Rating names by score (0 none, 1 SANGAT_KURANG … 5 SANGAT_BAIK)."""
_PROCEEDING_TERMS = np.array(
    [MISSING, *(proceeding_term(s) for s in SANCTION_STATUSES[1:])], dtype=object
)
"""Open-case stages by code (0 none, 1 UNDER_EXAMINATION, 2 IN_COURT)."""


class StatusActiveParams(Frozen):
    required_status: Literal["ACTIVE", "INACTIVE"] = "ACTIVE"


class StatusActiveRule(Rule):
    """The employee's status is the required one (ACTIVE)."""

    check: Literal["status_active"]
    params: StatusActiveParams = StatusActiveParams()

    def evaluate(self, ctx: Context) -> Check:
        required = self.params.required_status
        values = {"actual": ctx.lookup("status"), "required": required}
        return Check(ctx.equals("status", required), values)


class EmploymentTypeParams(Frozen):
    allowed: tuple[Literal["PNS", "PPPK"], ...] = Field(default=("PNS",), min_length=1)


class EmploymentTypeRule(Rule):
    """The employment type is one of ``allowed`` (PNS for managerial posts)."""

    PLACEHOLDERS = frozenset({"actual", "required"})
    check: Literal["employment_type"]
    params: EmploymentTypeParams = EmploymentTypeParams()

    def evaluate(self, ctx: Context) -> Check:
        passed = ctx.isin("employment_type", self.params.allowed)
        allowed = "/".join(self.params.allowed)
        return Check(passed, {"actual": ctx.lookup("employment_type"), "required": allowed})


class EducationMinimumRule(Rule):
    """Education at least the position's ``min_education_level`` (D4 = S1)."""

    check: Literal["education_minimum"]
    params: NoParams = NoParams()

    def evaluate(self, ctx: Context) -> Check | None:
        required = ctx.position.min_education_level
        if not required:
            return None
        passed = ctx.education_ordinal() >= EDUCATION_ORDINAL[required]
        return Check(passed, {"actual": ctx.lookup("education_level"), "required": required})


class EducationByTypeParams(Frozen):
    minimum_by_type: dict[PositionType, EducationLevel]


class EducationByTypeRule(Rule):
    """Education at least the minimum of the position type (Pengawas D3, Administrator S1 …)."""

    BY_TYPE_TABLE = "minimum_by_type"
    check: Literal["education_by_type"]
    params: EducationByTypeParams

    def evaluate(self, ctx: Context) -> Check | None:
        required = self.params.minimum_by_type.get(ctx.position.position_type)
        if required is None:
            return None
        passed = ctx.education_ordinal() >= EDUCATION_ORDINAL[required]
        return Check(passed, {"actual": ctx.lookup("education_level"), "required": required})


class RankMinimumRule(Rule):
    """A PNS's golongan ruang at least the position's ``min_rank`` (PPPK are not compared)."""

    check: Literal["rank_minimum"]
    params: NoParams = NoParams()

    def evaluate(self, ctx: Context) -> Check | None:
        required = ctx.position.min_rank
        if not required:
            return None
        passed = ~ctx.is_pns() | (ctx.rank_ordinal() >= RANK_ORDINAL[required])
        return Check(passed, {"actual": ctx.lookup("rank"), "required": required})


class EselonRange(Frozen):
    eselon: str = Field(min_length=1)
    low: PnsRank
    high: PnsRank

    @model_validator(mode="after")
    def _ordered(self) -> EselonRange:
        if RANK_ORDINAL[self.low] > RANK_ORDINAL[self.high]:
            raise ValueError(f"low {self.low} is above high {self.high}")
        return self


class RankRangeParams(Frozen):
    range_by_type: dict[PositionType, EselonRange]


class RankRangeRule(Rule):
    """A PNS's rank within the old eselon range of the post (practice: a warning, not a bar)."""

    PLACEHOLDERS = frozenset({"actual", "required", "eselon", "low", "high"})
    BY_TYPE_TABLE = "range_by_type"
    check: Literal["rank_range"]
    params: RankRangeParams

    def evaluate(self, ctx: Context) -> Check | None:
        band = self.params.range_by_type.get(ctx.position.position_type)
        if band is None:
            return None
        rank = ctx.rank_ordinal()
        inside = (rank >= RANK_ORDINAL[band.low]) & (rank <= RANK_ORDINAL[band.high])
        values = {
            "actual": ctx.lookup("rank"),
            "required": f"{band.low}–{band.high}",
            "eselon": band.eselon,
            "low": band.low,
            "high": band.high,
        }
        return Check(~ctx.is_pns() | inside, values)


class SanctionParams(Frozen):
    excluded_levels: tuple[SanctionLevel, ...] = Field(default=("SEDANG", "BERAT"), min_length=1)


class SanctionRule(Rule):
    """No active disciplinary sanction of an excluded level on ``as_of`` (PP 94/2021)."""

    PLACEHOLDERS = frozenset({"actual", "excluded"})
    check: Literal["sanction"]
    params: SanctionParams = SanctionParams()

    def evaluate(self, ctx: Context) -> Check:
        level = ctx.sanction_level
        codes = [SANCTION_LEVELS.index(name) + 1 for name in self.params.excluded_levels]
        values = {
            "actual": Lookup(level, _SANCTION_LABELS),
            "excluded": "/".join(self.params.excluded_levels),
        }
        return Check(~np.isin(level, codes), values)


PendingStatus = Literal[SANCTION_STATUSES[1:]]  # type: ignore[valid-type]


class PendingProceedingsParams(Frozen):
    statuses: tuple[PendingStatus, ...] = Field(
        default=("UNDER_EXAMINATION", "IN_COURT"), min_length=1
    )


class PendingProceedingsRule(Rule):
    """No disciplinary case open on ``as_of`` at one of ``statuses`` (Peraturan BKN 5/2019)."""

    PLACEHOLDERS = frozenset({"actual"})
    check: Literal["pending_proceedings"]
    params: PendingProceedingsParams = PendingProceedingsParams()

    def evaluate(self, ctx: Context) -> Check:
        codes = [SANCTION_STATUSES.index(status) for status in self.params.statuses]
        return Check(
            ~np.isin(ctx.pending, codes), {"actual": Lookup(ctx.pending, _PROCEEDING_TERMS)}
        )


class NotCurrentHolderRule(Rule):
    """The candidate does not already hold this very position."""

    PER_POSITION = True

    PLACEHOLDERS = frozenset()
    check: Literal["not_current_holder"]
    params: NoParams = NoParams()

    def evaluate(self, ctx: Context) -> Check | None:
        if not ctx.position.position_id:
            return None
        return Check(~ctx.equals("current_position_id", ctx.position.position_id), {})


class YearsParams(Frozen):
    years: float = Field(gt=0, le=40)


class MinYearsInPositionRule(Rule):
    """At least ``years`` in the current position (PP 11/2017 Pasal 190(3)); unknown fails."""

    FEATURES = ("years_in_current_position",)

    USES_MISSING = True
    check: Literal["min_years_in_position"]
    params: YearsParams = YearsParams(years=2)

    def evaluate(self, ctx: Context) -> Check:
        years = ctx.feature("years_in_current_position")
        values = {"actual": years, "required": self.params.years}
        return Check(years >= self.params.years, values, missing=np.isnan(years))


class MaxYearsInPositionRule(Rule):
    """More than ``years`` in the current position: a note (due for rotation), never a bar."""

    FEATURES = ("years_in_current_position",)

    check: Literal["max_years_in_position"]
    params: YearsParams = YearsParams(years=5)

    def evaluate(self, ctx: Context) -> Check:
        years = ctx.feature("years_in_current_position")
        return Check(~(years > self.params.years), {"actual": years, "required": self.params.years})


class ExperienceRequirement(Frozen):
    years: float = Field(ge=0, le=40)
    what: Bilingual


class ExperienceByTypeParams(Frozen):
    feature: Literal["years_one_level_below", "years_in_job_family", "years_at_position_type"]
    by_type: dict[PositionType, ExperienceRequirement]


class ExperienceByTypeRule(Rule):
    """At least the years of experience the position type requires, read from one feature."""

    PLACEHOLDERS = frozenset({"actual", "required", "what"})
    USES_MISSING = True
    BY_TYPE_TABLE = "by_type"
    check: Literal["experience_by_type"]
    params: ExperienceByTypeParams

    def features_read(self) -> tuple[str, ...]:
        return (self.params.feature,)

    def evaluate(self, ctx: Context) -> Check | None:
        need = self.params.by_type.get(ctx.position.position_type)
        if need is None:
            return None
        years = ctx.feature(self.params.feature)
        values = {"actual": years, "required": need.years, "what": need.what}
        return Check(years >= need.years, values, missing=np.isnan(years))


class PositionMinExperienceRule(Rule):
    """At least the position's own ``min_experience_years`` in its job family."""

    FEATURES = ("years_in_job_family",)

    PLACEHOLDERS = frozenset({"actual", "required", "job_family"})
    USES_MISSING = True
    check: Literal["position_min_experience"]
    params: NoParams = NoParams()

    def evaluate(self, ctx: Context) -> Check | None:
        required = ctx.position.min_experience_years
        if required <= 0:
            return None
        years = ctx.feature("years_in_job_family")
        values = {"actual": years, "required": required, "job_family": ctx.position.job_family}
        return Check(years >= required, values, missing=np.isnan(years))


class PerformanceParams(Frozen):
    min_rating: Rating = "BAIK"


class PerformanceRule(Rule):
    """A rating of at least ``min_rating`` in each of the last two years; a missing year fails."""

    FEATURES = ("perf_rating_y1", "perf_rating_y2")

    USES_MISSING = True
    check: Literal["performance"]
    params: PerformanceParams = PerformanceParams()

    def evaluate(self, ctx: Context) -> Check:
        floor = RATING_SCORES[self.params.min_rating]
        y1, y2 = ctx.feature("perf_rating_y1"), ctx.feature("perf_rating_y2")
        passed = (y1 >= floor) & (y2 >= floor)
        below = (y1 < floor) | (y2 < floor)
        values = {
            "actual": Pair(Lookup(_rating_index(y1), _RATING_TERMS),
                            Lookup(_rating_index(y2), _RATING_TERMS)),
            "required": rating_term(self.params.min_rating),
        }  # fmt: skip
        return Check(passed, values, missing=~passed & ~below)


class AgeLimitParams(Frozen):
    max_age_by_type: dict[PositionType, int] = Field(min_length=1)

    @model_validator(mode="after")
    def _plausible(self) -> AgeLimitParams:
        for kind, limit in self.max_age_by_type.items():
            if not 18 <= limit <= 70:
                raise ValueError(f"max_age_by_type.{kind}: {limit} is not between 18 and 70")
        return self


class AgeLimitRule(Rule):
    """Age in completed years at most the limit of the position type (JPT only, statutory).

    Only ``birth_date`` is compared with a cutoff date derived from ``as_of``: no age value is
    computed, kept in the result or shown (the messages show only the limit).
    """

    PLACEHOLDERS = frozenset({"limit"})
    USES_MISSING = True
    BY_TYPE_TABLE = "max_age_by_type"
    check: Literal["age_limit"]
    params: AgeLimitParams

    def evaluate(self, ctx: Context) -> Check | None:
        limit = self.params.max_age_by_type.get(ctx.position.position_type)
        if limit is None:
            return None
        # Over the limit means the (limit + 1)th birthday has come: born on or before the
        # cutoff. No age is ever computed or kept.
        cutoff = (ctx.as_of - pd.DateOffset(years=limit + 1)).to_datetime64()
        born = ctx.employees["birth_date"].to_numpy(dtype="datetime64[ns]")
        unknown = np.isnat(born)
        return Check(~unknown & (born > cutoff), {"limit": limit}, missing=unknown)


class JpmFloorParams(Frozen):
    """The JPM bands: at least ``meets`` is Memenuhi Syarat, at least ``threshold`` Masih
    Memenuhi Syarat, below it ``category`` (Kurang Memenuhi Syarat)."""

    threshold: float = Field(gt=0, le=100)
    meets: float = Field(default=80.0, gt=0, le=100)
    category: Bilingual

    @model_validator(mode="after")
    def _ordered(self) -> JpmFloorParams:
        if self.meets < self.threshold:
            raise ValueError(f"meets {self.meets:g} is below threshold {self.threshold:g}")
        return self


class JpmFloorRule(Rule):
    """Job-Person Match (percent) at least ``threshold``; below it, or no assessment, warns."""

    FEATURES = ("jpm",)

    PLACEHOLDERS = frozenset({"actual", "required", "category"})
    USES_MISSING = True
    check: Literal["jpm_floor"]
    params: JpmFloorParams

    def evaluate(self, ctx: Context) -> Check:
        jpm = ctx.feature("jpm")
        values = {
            "actual": jpm,
            "required": self.params.threshold,
            "category": self.params.category,
        }
        return Check(jpm >= self.params.threshold, values, missing=np.isnan(jpm))


AnyRule = Annotated[
    StatusActiveRule
    | EmploymentTypeRule
    | EducationMinimumRule
    | EducationByTypeRule
    | RankMinimumRule
    | RankRangeRule
    | SanctionRule
    | PendingProceedingsRule
    | NotCurrentHolderRule
    | MinYearsInPositionRule
    | MaxYearsInPositionRule
    | ExperienceByTypeRule
    | PositionMinExperienceRule
    | PerformanceRule
    | AgeLimitRule
    | JpmFloorRule,
    Field(discriminator="check"),
]

CHECKS: dict[str, type[Rule]] = {
    cls.model_fields["check"].annotation.__args__[0]: cls  # type: ignore[union-attr]
    for cls in AnyRule.__origin__.__args__  # type: ignore[attr-defined]
}
"""Every candidate check by name: the ``check`` a rule file may use."""


def _rating_index(scores: np.ndarray) -> np.ndarray:
    """Rating scores (1-5, NaN when unknown) as indices into ``_RATING_TERMS``."""
    index = np.nan_to_num(scores, nan=0.0)
    return np.clip(index, 0, 5).astype(np.int8)
