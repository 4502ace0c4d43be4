"""Eligibility rules as data: versioned rule sets, vectorised evaluation, bilingual messages.

A rule set (``features/rulesets/<version>.yaml``, or an agency's own file) lists rules. Each
rule names the *check* that evaluates it (the code below), its severity (``hard`` excludes a
candidate, ``soft`` warns), the position types it applies to, a regulation citation, message
templates in Indonesian and English, and the parameters that agencies set differently (years,
thresholds, tables). ``evaluate_rules`` runs every enabled rule over a whole candidate pool with
numpy masks and returns an :class:`Eligibility`: who is eligible, why each candidate passes or
fails each rule, counts per rule, and vacancy-level flags (the election freeze).

The birth date is read only inside the age-limit check (JPT), compared with a cutoff date; no age
is computed, stored in the result or written into a message beyond the limit itself ("melebihi
batas usia 56 tahun"). Age is never a feature.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date as Date
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

import numpy as np
import pandas as pd
import yaml
from pydantic import BaseModel, Field, ValidationError, model_validator

from features.errors import JobfitError
from features.ordinals import EDUCATION_ORDINAL, RANK_ORDINAL
from features.rules.context import CandidatesLike, Context, Lookup, Pair
from features.rules.model import (
    Bilingual,
    Check,
    EducationLevel,
    Frozen,
    Lang,
    Messages,
    NoParams,
    PnsRank,
    PositionType,
    Rating,
    Rule,
    SanctionLevel,
    check_placeholders,
)
from features.rules.position import PositionError, parse_position
from features.rules.render import (
    MISSING,
    fill,
    format_value,
    not_applicable,
    open_end,
    rating_term,
    type_label,
)
from features.vocabulary import RATING_SCORES, SANCTION_LEVELS

logger = logging.getLogger(__name__)

RULESET_PACKAGE_DIR = "rulesets"
"""Folder of the built-in rule sets inside the ``features`` package."""


class RuleSetError(JobfitError):
    """A rule file is missing, unreadable or malformed; the message names the rule and field."""


# --------------------------------------------------------------------------------------------
# The rule-set model
# --------------------------------------------------------------------------------------------


_SANCTION_LABELS = np.array([MISSING, *SANCTION_LEVELS], dtype=object)
"""Sanction levels by code (0 none, 1 RINGAN, 2 SEDANG, 3 BERAT), as messages show them."""
_RATING_TERMS = np.array(
    [MISSING, *(rating_term(r) for r in sorted(RATING_SCORES, key=RATING_SCORES.get))],
    dtype=object,
)
"""Rating names by score (0 none, 1 SANGAT_KURANG … 5 SANGAT_BAIK)."""


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
    threshold: float = Field(gt=0, le=100)
    category: Bilingual


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


class FreezeMessages(Frozen):
    before_election: Bilingual
    after_inauguration: Bilingual


class ElectionFreezeParams(Frozen):
    months_before_candidates_set: int = Field(default=6, ge=0, le=36)
    months_after_inauguration: int = Field(default=6, ge=0, le=36)


class ElectionFreezeRule(Frozen):
    """Vacancy-level: replacing officials is frozen around regional elections (UU 10/2016)."""

    PLACEHOLDERS: ClassVar[frozenset[str]] = frozenset(
        {"agency", "window_start", "window_end", "event_date", "months"}
    )

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    check: Literal["election_freeze"]
    enabled: bool = True
    citation: str = Field(min_length=1)
    messages: FreezeMessages
    params: ElectionFreezeParams = ElectionFreezeParams()

    @model_validator(mode="after")
    def _check_messages(self) -> ElectionFreezeRule:
        for key in ("before_election", "after_inauguration"):
            check_placeholders(key, getattr(self.messages, key), self.PLACEHOLDERS)
        return self

    def evaluate(
        self, calendar: pd.DataFrame | None, agency_id: str, as_of: pd.Timestamp
    ) -> list[VacancyFlag]:
        """Flags for every freeze window of ``agency_id`` that contains ``as_of``."""
        if not self.enabled or calendar is None or calendar.empty or not agency_id:
            return []
        own = calendar["agency_id"].to_numpy() == agency_id
        events = calendar["event"].to_numpy()
        when = calendar["date"].to_numpy("datetime64[ns]")
        dates = {
            event: np.sort(when[own & (events == event) & ~np.isnat(when)])
            for event in ("CANDIDATES_SET", "INAUGURATION", "TERM_END")
        }
        flags: list[VacancyFlag] = []
        before = pd.DateOffset(months=self.params.months_before_candidates_set)
        for candidates_set in map(pd.Timestamp, dates["CANDIDATES_SET"]):
            end = _first_on_or_after(dates["TERM_END"], candidates_set)
            if end is None:
                end = _first_on_or_after(dates["INAUGURATION"], candidates_set)
            start = candidates_set - before
            if start <= as_of and (end is None or as_of <= end):
                flags.append(self._flag("before_election", agency_id, candidates_set, start, end))
        after = pd.DateOffset(months=self.params.months_after_inauguration)
        for inauguration in map(pd.Timestamp, dates["INAUGURATION"]):
            end = inauguration + after
            if inauguration <= as_of < end:
                flags.append(
                    self._flag("after_inauguration", agency_id, inauguration, inauguration, end)
                )
        return flags

    def _flag(
        self,
        kind: Literal["before_election", "after_inauguration"],
        agency_id: str,
        event_date: pd.Timestamp,
        start: pd.Timestamp,
        end: pd.Timestamp | None,
    ) -> VacancyFlag:
        months = (
            self.params.months_before_candidates_set
            if kind == "before_election"
            else self.params.months_after_inauguration
        )
        return VacancyFlag(
            id=self.id,
            kind=kind,
            citation=self.citation,
            agency_id=agency_id,
            event_date=event_date,
            window_start=start,
            window_end=end,
            months=months,
            template=getattr(self.messages, kind),
        )


class RuleSet(Frozen):
    """A versioned set of eligibility rules. ``version`` is recorded with models and shortlists."""

    version: str = Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    date: Date
    description: str = ""
    rules: tuple[AnyRule, ...] = Field(min_length=1)
    vacancy_rules: tuple[ElectionFreezeRule, ...] = ()

    @model_validator(mode="after")
    def _unique_ids(self) -> RuleSet:
        seen: set[str] = set()
        for rule in (*self.rules, *self.vacancy_rules):
            if rule.id in seen:
                raise ValueError(f"rule id {rule.id!r} appears more than once")
            seen.add(rule.id)
        return self

    def screening(self) -> RuleSet:
        """The enabled hard rules that read no built features and depend only on a position's
        requirements, and no vacancy rules: a cheap first pass over a whole pool, whose result
        positions with the same requirements share, before features are built for the rows
        that pass it."""
        return self._only(lambda r: not (r.features_read() or r.PER_POSITION))

    def feature_screening(self) -> RuleSet:
        """The enabled hard rules that read built features (see :meth:`features_read`)."""
        return self._only(lambda r: bool(r.features_read()))

    def features_read(self) -> tuple[str, ...]:
        """The built features the enabled rules read, in rule order, once each."""
        names = [f for r in self.rules if r.enabled for f in r.features_read()]
        return tuple(dict.fromkeys(names))

    def _only(self, keep: Callable[[Rule], bool]) -> RuleSet:
        rules = tuple(r for r in self.rules if r.enabled and r.severity == "hard" and keep(r))
        return self.model_copy(update={"rules": rules, "vacancy_rules": ()})

    def rule(self, rule_id: str) -> Rule:
        """Return the candidate rule ``rule_id``."""
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------


def available_rulesets() -> list[str]:
    """The built-in rule-set versions (``features/rulesets/*.yaml``)."""
    folder = resources.files("features").joinpath(RULESET_PACKAGE_DIR)
    return sorted(p.name[: -len(".yaml")] for p in folder.iterdir() if p.name.endswith(".yaml"))


def load_ruleset(version: str | Path = "v1") -> RuleSet:
    """Load a rule set: a built-in version (``"v1"``) or the path of an agency's own file.

    An agency file may hold a whole rule set, or ``extends: <version or path>`` with
    ``overrides: {rule_id: {params: {...}, enabled: false, ...}}`` merged into the base.

    Parameters
    ----------
    version : str or pathlib.Path
        A built-in version name, or a path to a YAML file (anything with a ``/`` or ending in
        ``.yaml``/``.yml`` is taken as a path).

    Returns
    -------
    RuleSet

    Raises
    ------
    RuleSetError
        The file is missing or unreadable, or a rule is malformed (the message names the file,
        the rule and the field).
    """
    raw, source = _read_resolved(version, depth=0)
    return _validate(raw, source)


def _is_path(version: str | Path) -> bool:
    text = str(version)
    return isinstance(version, Path) or "/" in text or text.endswith((".yaml", ".yml"))


def _read_yaml(
    version: str | Path, base_dir: Path | None
) -> tuple[dict[str, Any], str, Path | None]:
    if _is_path(version):
        path = Path(version)
        if base_dir is not None and not path.is_absolute():
            path = base_dir / path
        if not path.is_file():
            raise RuleSetError(f"rule file {path}: not found")
        text, source, folder = path.read_text(encoding="utf-8"), str(path), path.parent
    else:
        resource = resources.files("features").joinpath(RULESET_PACKAGE_DIR, f"{version}.yaml")
        if not resource.is_file():
            raise RuleSetError(
                f"rule set {version!r}: no such built-in version (available: "
                f"{', '.join(available_rulesets())}); pass a path for an agency's own file"
            )
        text, source, folder = resource.read_text(encoding="utf-8"), f"built-in {version}", None
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error)
        raise RuleSetError(f"rule file {source}{where}: not valid YAML ({problem})") from None
    if not isinstance(raw, dict):
        raise RuleSetError(f"rule file {source}: expected a mapping with version, date and rules")
    return raw, source, folder


def _read_resolved(
    version: str | Path, depth: int, base_dir: Path | None = None
) -> tuple[dict[str, Any], str]:
    if depth > 5:
        raise RuleSetError(f"rule file {version}: 'extends' nests more than 5 levels")
    raw, source, folder = _read_yaml(version, base_dir)
    if "extends" not in raw:
        if "overrides" in raw:
            raise RuleSetError(f"rule file {source}: 'overrides' needs 'extends: <base version>'")
        return raw, source
    base, _ = _read_resolved(str(raw.pop("extends")), depth + 1, folder)
    overrides = raw.pop("overrides", None) or {}
    if not isinstance(overrides, dict):
        raise RuleSetError(f"rule file {source}: 'overrides' must map rule ids to changes")
    merged = {**base, **raw}
    merged["rules"] = list(base.get("rules") or [])
    merged["vacancy_rules"] = list(base.get("vacancy_rules") or [])
    index = {
        (rule.get("id") if isinstance(rule, dict) else None): (key, position)
        for key in ("rules", "vacancy_rules")
        for position, rule in enumerate(merged[key])
    }
    for rule_id, change in overrides.items():
        if rule_id not in index:
            raise RuleSetError(
                f"rule file {source}: overrides rule {rule_id!r}, which the base does not have"
            )
        if not isinstance(change, dict) or {"id", "check"} & set(change):
            raise RuleSetError(
                f"rule file {source}: override of rule {rule_id!r} must be a mapping of fields "
                "other than id and check"
            )
        key, position = index[rule_id]
        merged[key][position] = _deep_merge(merged[key][position], change)
    merged.setdefault("description", "")
    return merged, source


def _deep_merge(base: dict[str, Any], change: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in change.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc]
    return ".".join(parts).replace("pass_", "pass") if parts else ""


def _describe(error: ValidationError) -> list[str]:
    lines = []
    for item in error.errors(include_url=False):
        field = _field(item["loc"])
        message = item["msg"].removeprefix("Value error, ")
        lines.append(f"field '{field}': {message}" if field else message)
    return lines


def _validate_rule(raw: Any, key: str, position: int) -> tuple[str, list[str]]:
    if not isinstance(raw, dict):
        return f"{key}[{position}]", ["expected a mapping of rule fields"]
    label = f"rule {raw.get('id')!r}" if raw.get("id") else f"{key}[{position}]"
    check = raw.get("check")
    if key == "vacancy_rules":
        model: type[BaseModel] = ElectionFreezeRule
        if check != "election_freeze":
            return label, [
                f"field 'check': unknown vacancy check {check!r} (known: election_freeze)"
            ]
    else:
        if check not in CHECKS:
            known = ", ".join(sorted(CHECKS))
            return label, [f"field 'check': unknown check {check!r} (known: {known})"]
        model = CHECKS[check]
    try:
        model.model_validate(raw)
    except ValidationError as error:
        return label, _describe(error)
    return label, []


def _validate(raw: dict[str, Any], source: str) -> RuleSet:
    problems: list[str] = []
    for key in ("rules", "vacancy_rules"):
        rules = raw.get(key)
        if rules is None:
            continue
        if not isinstance(rules, list):
            problems.append(f"field '{key}': expected a list of rules")
            continue
        for position, rule in enumerate(rules):
            label, errors = _validate_rule(rule, key, position)
            problems.extend(f"{label}: {line}" for line in errors)
    if problems:
        raise RuleSetError(f"rule file {source}: " + "; ".join(problems))
    try:
        ruleset = RuleSet.model_validate(raw)
    except ValidationError as error:
        raise RuleSetError(f"rule file {source}: " + "; ".join(_describe(error))) from None
    logger.info("loaded eligibility rule set %s (%s)", ruleset.version, source)
    return ruleset


# --------------------------------------------------------------------------------------------
# Evaluation
# --------------------------------------------------------------------------------------------


def _rating_index(scores: np.ndarray) -> np.ndarray:
    index = np.nan_to_num(scores, nan=0.0)
    return np.clip(index, 0, 5).astype(np.int8)


def _first_on_or_after(dates: np.ndarray, when: pd.Timestamp) -> pd.Timestamp | None:
    position = np.searchsorted(dates, when.to_datetime64(), side="left")
    return pd.Timestamp(dates[position]) if position < len(dates) else None


@dataclass(frozen=True)
class RuleOutcome:
    """One rule's verdict on one candidate, ready to show."""

    id: str
    severity: Literal["hard", "soft"]
    applies: bool
    passed: bool
    message: str
    citation: str


@dataclass(frozen=True)
class RuleResult:
    """One rule over the whole pool.

    Attributes
    ----------
    rule : the rule model (id, severity, citation, messages, params)
    applies : bool
        False when the position's type is not covered or the position sets no requirement
        (then every candidate passes).
    passed : numpy.ndarray of bool
    missing : numpy.ndarray of bool
        Failed because the data needed is not recorded (the ``missing`` message explains).
    values : mapping
        Placeholder values: scalars, or per-candidate arrays aligned to the pool.
    """

    rule: Rule
    applies: bool
    passed: np.ndarray
    missing: np.ndarray
    values: Mapping[str, Any]
    position_type: str

    @property
    def id(self) -> str:
        return self.rule.id

    @property
    def failed_count(self) -> int:
        return int(self.passed.size - np.count_nonzero(self.passed))

    def detail(self, i: int, lang: Lang = "id") -> dict[str, str]:
        """The placeholder values for candidate ``i``, formatted as text."""
        out = {"position_type": type_label(self.position_type, lang)}
        for name, value in self.values.items():
            item = value[i] if isinstance(value, (np.ndarray, Lookup, Pair)) else value
            out[name] = format_value(item, lang)
        return out

    def message(self, i: int, lang: Lang = "id") -> str:
        """The message for candidate ``i`` in ``lang``."""
        if not self.applies:
            return not_applicable(self.position_type, lang)
        messages = self.rule.messages
        if self.passed[i]:
            template = messages.pass_
        elif self.missing[i] and messages.missing is not None:
            template = messages.missing
        else:
            template = messages.fail
        return fill(template, lang, self.detail(i, lang))


@dataclass(frozen=True)
class VacancyFlag:
    """A vacancy-level flag (the election freeze): the whole selection needs an approval."""

    id: str
    kind: Literal["before_election", "after_inauguration"]
    citation: str
    agency_id: str
    event_date: pd.Timestamp
    window_start: pd.Timestamp
    window_end: pd.Timestamp | None
    months: int
    template: Bilingual

    def message(self, lang: Lang = "id") -> str:
        """The flag's message in ``lang``."""
        end = open_end(lang) if self.window_end is None else format_value(self.window_end, lang)
        params = {
            "agency": self.agency_id,
            "window_start": format_value(self.window_start, lang),
            "window_end": end,
            "event_date": format_value(self.event_date, lang),
            "months": self.months,
        }
        return fill(self.template, lang, params)


@dataclass(frozen=True)
class Eligibility:
    """The rules' verdict over a pool for one position on one date.

    Attributes
    ----------
    ruleset_version : str
    nips : numpy.ndarray
        The pool's order; every array is aligned to it.
    eligible : numpy.ndarray of bool
        Every hard rule passes.
    results : mapping of rule id to RuleResult, in the rule set's order (enabled rules only)
    vacancy_flags : tuple of VacancyFlag
        Vacancy-level flags; not candidate exclusions.
    """

    ruleset_version: str
    nips: np.ndarray
    eligible: np.ndarray
    results: Mapping[str, RuleResult]
    vacancy_flags: tuple[VacancyFlag, ...]

    def passed(self, rule_id: str) -> np.ndarray:
        """The pass array of ``rule_id``."""
        return self.results[rule_id].passed

    @property
    def excluded_counts(self) -> dict[str, int]:
        """Per hard rule, how many candidates fail it (a candidate can fail several)."""
        return {rid: r.failed_count for rid, r in self.results.items() if r.rule.severity == "hard"}

    @property
    def excluded_total(self) -> int:
        """How many candidates fail at least one hard rule."""
        return int(self.eligible.size - np.count_nonzero(self.eligible))

    @property
    def warning_counts(self) -> dict[str, int]:
        """Per soft rule, how many candidates it warns about."""
        return {rid: r.failed_count for rid, r in self.results.items() if r.rule.severity == "soft"}

    @property
    def frozen(self) -> bool:
        """Whether any vacancy flag (election freeze) is raised."""
        return bool(self.vacancy_flags)

    def as_frame(self) -> pd.DataFrame:
        """Pass/fail per rule (columns, in rule-set order) and ``eligible``, indexed by nip."""
        columns = {rid: r.passed for rid, r in self.results.items()}
        frame = pd.DataFrame(columns, index=pd.Index(self.nips, name="nip"))
        frame["eligible"] = self.eligible
        return frame

    def outcomes_for(self, i: int, lang: Lang = "id") -> list[RuleOutcome]:
        """Every enabled rule's outcome for candidate ``i`` (position in the pool)."""
        if not -len(self.nips) <= i < len(self.nips):
            raise IndexError(f"candidate {i} is outside the pool of {len(self.nips)}")
        return [
            RuleOutcome(
                id=rid,
                severity=r.rule.severity,
                applies=r.applies,
                passed=bool(r.passed[i]),
                message=r.message(i, lang),
                citation=r.rule.citation,
            )
            for rid, r in self.results.items()
        ]


def evaluate_rules(
    candidates: CandidatesLike,
    position: Mapping[str, Any],
    features: pd.DataFrame,
    as_of: Any,
    ruleset: RuleSet,
    election_calendar: pd.DataFrame | None = None,
) -> Eligibility:
    """Evaluate every enabled rule of ``ruleset`` over the whole pool.

    Parameters
    ----------
    candidates : CandidatePool
        The pool (``as_of``, ``nips``, ``employees``, ``active_sanction_level``).
    position : mapping
        A row of the contract's ``positions`` table (or an inline definition).
    features : pandas.DataFrame
        ``build_features(candidates, position, as_of)``: indexed by nip in the pool's order.
    as_of : date-like
        The decision date; must equal ``candidates.as_of``.
    ruleset : RuleSet
    election_calendar : pandas.DataFrame or None
        The export's ``election_calendar`` table (``agency_id``, ``event``, ``date``).

    Returns
    -------
    Eligibility

    Raises
    ------
    PositionError
        The position's type, minimum education or minimum rank is not in the contract.
    """
    as_of = pd.Timestamp(as_of).normalize()
    nips = np.asarray(candidates.nips)
    _check_alignment(candidates, features, nips, as_of)
    spec = parse_position(position)
    codes = getattr(candidates, "column_codes", None)
    ctx = Context(
        employees=candidates.employees,
        features=features,
        sanction_level=np.asarray(candidates.active_sanction_level),
        as_of=as_of,
        position=spec,
        coded=None if codes is None else (codes, candidates.column_labels),  # type: ignore[attr-defined]
    )
    size = len(nips)
    everyone = _read_only(np.ones(size, dtype=bool))
    nobody = _read_only(np.zeros(size, dtype=bool))
    eligible = everyone.copy()
    results: dict[str, RuleResult] = {}
    for rule in ruleset.rules:
        if not rule.enabled:
            continue
        check = rule.evaluate(ctx) if rule.covers(spec.position_type) else None
        if check is None:
            results[rule.id] = RuleResult(rule, False, everyone, nobody, {}, spec.position_type)
            continue
        passed = _read_only(np.asarray(check.passed, dtype=bool))
        missing = _read_only(check.missing & ~passed)
        results[rule.id] = RuleResult(rule, True, passed, missing, check.values, spec.position_type)
        if rule.severity == "hard":
            eligible &= passed
    flags = [
        flag
        for vacancy_rule in ruleset.vacancy_rules
        for flag in vacancy_rule.evaluate(election_calendar, spec.agency_id, as_of)
    ]
    logger.debug(
        "rules %s: %d of %d eligible, %d vacancy flags",
        ruleset.version, int(eligible.sum()), size, len(flags),
    )  # fmt: skip
    return Eligibility(ruleset.version, nips, _read_only(eligible), results, tuple(flags))


def _read_only(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


def _check_alignment(
    candidates: CandidatesLike, features: pd.DataFrame, nips: np.ndarray, as_of: pd.Timestamp
) -> None:
    if pd.Timestamp(candidates.as_of).normalize() != as_of:
        raise ValueError(
            f"the pool was prepared for {pd.Timestamp(candidates.as_of).date()}, not {as_of.date()}"
        )
    if len(candidates.employees) != len(nips) or len(candidates.active_sanction_level) != len(nips):
        raise ValueError("the pool's employees and sanctions are not aligned to its nips")
    if len(features) != len(nips) or not np.array_equal(features.index.to_numpy(), nips):
        raise ValueError("the features frame is not indexed by the pool's nips in pool order")


__all__ = [
    "AgeLimitParams",
    "AgeLimitRule",
    "AnyRule",
    "Bilingual",
    "CHECKS",
    "CandidatesLike",
    "EducationByTypeParams",
    "EducationByTypeRule",
    "EducationLevel",
    "EducationMinimumRule",
    "ElectionFreezeParams",
    "ElectionFreezeRule",
    "Eligibility",
    "EmploymentTypeParams",
    "EmploymentTypeRule",
    "EselonRange",
    "ExperienceByTypeParams",
    "ExperienceByTypeRule",
    "ExperienceRequirement",
    "FreezeMessages",
    "JpmFloorParams",
    "JpmFloorRule",
    "Lang",
    "MaxYearsInPositionRule",
    "Messages",
    "MinYearsInPositionRule",
    "NotCurrentHolderRule",
    "PerformanceParams",
    "PerformanceRule",
    "PnsRank",
    "PositionError",
    "PositionMinExperienceRule",
    "PositionType",
    "RULESET_PACKAGE_DIR",
    "RankMinimumRule",
    "RankRangeParams",
    "RankRangeRule",
    "Rating",
    "RuleOutcome",
    "RuleResult",
    "RuleSet",
    "RuleSetError",
    "SanctionLevel",
    "SanctionParams",
    "SanctionRule",
    "StatusActiveParams",
    "StatusActiveRule",
    "VacancyFlag",
    "YearsParams",
    "available_rulesets",
    "evaluate_rules",
    "load_ruleset",
]
