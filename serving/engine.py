"""The loaded champion and the precomputed pool: computes explained, rule-checked shortlists.

An :class:`Engine` is immutable. It is built once at start-up (export loaded, candidate blocks
prepared for the serving date, champion loaded) and swapped whole on reload, so a request in
flight keeps the engine it started with. Nothing here knows HTTP.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from features import competency
from features.build import FEATURE_COLUMNS, build_features
from features.candidates import LEADERSHIP_LEVEL, CandidatePool, prepare_candidates, subset
from features.errors import JobfitError, NotFoundError
from features.export import Export, reference_date
from features.loader import load_export
from features.ranking import top_k
from features.rules import (
    DEFAULT_RULESET,
    Eligibility,
    Policies,
    Policy,
    RuleSet,
    evaluate_rules,
    load_policies,
    load_ruleset,
)
from features.trainings import REQUIRED_LEADERSHIP
from serving import explain, fairness, rerank
from serving.predictor import Predictor, make_predictor
from serving.settings import ServiceSettings
from training.bundle import RankerBundle, load_champion

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Scored:
    """One position scored over a pool: features, the rules' verdict and the eligible scores.

    Attributes
    ----------
    pool : CandidatePool
    features : pandas.DataFrame
        ``build_features(pool, position, as_of)``.
    matrix : numpy.ndarray
        The features in the model's column order, every row of the pool.
    verdict : features.rules.Eligibility
    policy : features.rules.Policy
        The rules the verdict applied: the agency's policy, or the national rule set.
    eligible : numpy.ndarray
        Pool rows that pass every hard rule.
    scores : numpy.ndarray
        The ranker's score of each eligible row (aligned to ``eligible``).
    """

    pool: CandidatePool
    features: pd.DataFrame
    matrix: np.ndarray
    verdict: Eligibility
    policy: Policy
    eligible: np.ndarray
    scores: np.ndarray

    def top(self, k: int) -> np.ndarray:
        """Pool rows of the ``k`` best eligible candidates, best first (ties by NIP)."""
        return self.eligible[top_k(self.scores, self.pool.nips[self.eligible], k)]


@dataclass(frozen=True)
class Engine:
    """Everything a shortlist needs, loaded once."""

    export: Export
    pool: CandidatePool
    bundle: RankerBundle
    ruleset: RuleSet
    policies: Policies
    as_of: pd.Timestamp
    family_of_position: dict[str, str]
    predictor: Predictor
    filtered: dict[tuple[str, ...], tuple[CandidatePool, CandidatePool]] = field(
        default_factory=dict, compare=False, repr=False
    )
    """Recent filtered pools (a committee's agency, say), each with the pool it was cut from."""
    panel_rules: fairness.PanelRules = field(
        default_factory=lambda: fairness.PanelRules.from_settings(ServiceSettings())
    )
    """The fairness panel's thresholds (``ASN_JOBFIT_FAIRNESS_*``)."""

    FILTERED_POOLS: ClassVar[int] = 16

    @classmethod
    def load(cls, settings: ServiceSettings, data_dir: Path) -> Engine:
        """Load the export, prepare the active employees' blocks and load the champion."""
        export = load_export(data_dir)
        return cls.build(export, load_champion(settings), settings)

    @classmethod
    def build(cls, export: Export, bundle: RankerBundle, settings: ServiceSettings) -> Engine:
        """An engine over an already loaded export and model."""
        ruleset = _ruleset(bundle)
        policies = load_policies(settings.policy_dir, ruleset)
        as_of = serving_date(export, settings)
        active = export.employees.loc[export.employees["status"] == "ACTIVE", "nip"]
        pool = prepare_candidates(export, as_of, nips=list(active))
        families = dict(
            zip(export.positions["position_id"], export.positions["job_family"], strict=True)
        )
        predictor = _predictor(bundle, settings)
        logger.info(
            "engine ready: %d active candidates as of %s, model %s v%s (%s scores)",
            len(pool),
            as_of.date(),
            bundle.name,
            bundle.version,
            predictor.backend,
        )
        rules = fairness.PanelRules.from_settings(settings)
        return cls(
            export, pool, bundle, ruleset, policies, as_of, families, predictor, panel_rules=rules
        )

    @property
    def export_age_days(self) -> int:
        """Days between the export's date and the clock's."""
        return int((pd.Timestamp.today().normalize() - self.as_of).days)

    def with_bundle(self, bundle: RankerBundle, settings: ServiceSettings) -> Engine:
        """The same data with another model (reload)."""
        ruleset = _ruleset(bundle)
        return replace(
            self,
            bundle=bundle,
            ruleset=ruleset,
            policies=load_policies(settings.policy_dir, ruleset),
            predictor=_predictor(bundle, settings),
        )

    def with_aspirations(self, rows: pd.DataFrame) -> Engine:
        """The same engine with ``rows`` (the contract's aspirations columns, dated) added to the
        export's aspirations and the pool prepared again: features as of a date before a
        row's ``submitted_on`` do not see it (the one feature path filters by date)."""
        export = merge_aspirations(self.export, rows)
        active = export.employees.loc[export.employees["status"] == "ACTIVE", "nip"]
        pool = prepare_candidates(export, self.as_of, nips=list(active))
        return replace(self, export=export, pool=pool, filtered={})

    # -- positions ---------------------------------------------------------------------------
    def position(self, position_id: str) -> dict[str, Any]:
        """The position's contract fields, or NotFoundError."""
        rows = self.export.positions[self.export.positions["position_id"] == position_id]
        if rows.empty:
            raise NotFoundError("no such position")
        return rows.iloc[0].to_dict()

    # -- scoring -----------------------------------------------------------------------------
    def candidates(self, filters: Mapping[str, str | None]) -> CandidatePool:
        """The pool restricted to the filters (agency, unit, job family of the current post).

        Cut once and kept (a committee asks about its own agency again and again).
        """
        key = tuple(str(filters.get(name) or "") for name in ("agency_id", "unit_id", "job_family"))
        cached = self.filtered.get(key)
        if cached is not None and cached[0] is self.pool:
            return cached[1]
        pool = self._filter(filters)
        if len(self.filtered) >= self.FILTERED_POOLS:
            self.filtered.clear()
        self.filtered[key] = (self.pool, pool)
        return pool

    def _filter(self, filters: Mapping[str, str | None]) -> CandidatePool:
        employees = self.pool.employees
        mask = np.ones(len(employees), dtype=bool)
        if filters.get("agency_id"):
            mask &= (employees["agency_id"] == filters["agency_id"]).to_numpy()
        if filters.get("unit_id"):
            mask &= (employees["unit_id"] == filters["unit_id"]).to_numpy()
        if filters.get("job_family"):
            family = employees["current_position_id"].map(self.family_of_position)
            mask &= (family == filters["job_family"]).to_numpy()
        return self.pool if mask.all() else subset(self.pool, mask)

    def score(self, pool: CandidatePool, position: Mapping[str, Any]) -> Scored:
        """Features, hard rules and scores of ``position`` over ``pool``.

        The one scoring path of shortlists, candidate fits and campaigns: features for every
        row, the rules over them, and the ranker's scores for the eligible rows only.
        """
        features = build_features(pool, position, self.as_of, self.ruleset.feature_config())
        policy = self.policies.for_agency(str(position.get("agency_id") or ""))
        verdict = evaluate_rules(
            pool, position, features, self.as_of, policy.ruleset, self.export.election_calendar
        )
        columns = list(self.bundle.feature_columns)
        matrix = features.to_numpy(dtype=np.float64)
        if columns != list(features.columns):
            matrix = features[columns].to_numpy(dtype=np.float64)
        eligible = np.flatnonzero(np.asarray(verdict.eligible, dtype=bool))
        scores = self.predictor.scores(matrix[eligible])
        return Scored(pool, features, matrix, verdict, policy, eligible, scores)

    # -- shortlists --------------------------------------------------------------------------
    def shortlist(
        self, position: Mapping[str, Any], k: int, lang: str, filters: Mapping[str, str | None]
    ) -> dict[str, Any]:
        """Rank the eligible candidates for ``position``; explain the top ``k``."""
        scored = self.score(self.candidates(filters), position)
        rows, reranked_bands, reranked = self._reranked(scored, k)
        contrib = self.predictor.contributions(scored.matrix[rows if len(rows) else slice(0, 1)])
        spread = float(np.std(scored.scores)) if len(scored.scores) > 1 else 0.0
        bands = explain.merit_bands(contrib[: len(rows)].sum(axis=1), spread)
        bands = bands if reranked_bands is None else reranked_bands
        standards = _standards(scored.verdict, position)
        candidates = [
            self._candidate(scored, row, contrib[i], i + 1, int(bands[i]), lang, standards)
            for i, row in enumerate(rows)
        ]
        verdict = scored.verdict
        return {
            "position_id": str(position["position_id"]),
            "model": {"name": self.bundle.name, "version": str(self.bundle.version)},
            "ruleset_version": scored.policy.ruleset.version,
            "policy": scored.policy.ref(),
            "data_hash": self.export.snapshot_hash,
            "as_of": self.as_of.date().isoformat(),
            "base_value": float(contrib[0, -1]) if len(contrib) else 0.0,
            "pool_size": len(scored.pool),
            "eligible_count": int(len(scored.eligible)),
            "candidates": candidates,
            "fairness": self.panel(scored, rows, lang),
            "excluded": {
                "by_rule": {str(k_): int(v) for k_, v in verdict.excluded_counts.items()},
                "total": int(len(scored.pool) - len(scored.eligible)),
                "vacancy_flags": [_flag(f, lang) for f in verdict.vacancy_flags],
                "candidates": _excluded(scored, lang),
                "warnings_by_rule": verdict.eligible_warning_counts,
            },
            "rerank": reranked,
        }

    def panel(self, scored: Scored, rows: np.ndarray, lang: str) -> dict[str, Any]:
        """The fairness panel of the top ``rows`` against the eligible pool (serving.fairness)."""
        employees = scored.pool.employees.iloc[scored.eligible]
        groups = fairness.protected_groups(employees, self.as_of)
        selected = np.isin(scored.eligible, rows)
        return fairness.with_sentences(fairness.panel(groups, selected, self.panel_rules), lang)

    def _reranked(
        self, scored: Scored, k: int
    ) -> tuple[np.ndarray, np.ndarray | None, dict[str, Any]]:
        """The top ``k`` rows, reordered within merit bands when the agency's policy says so,
        the bands of the new order, and what the shortlist records of it."""
        config = scored.policy.fairness_rerank
        if config is None:
            return scored.top(k), None, rerank.not_applied(scored.policy.ref())
        ranked = top_k(scored.scores, scored.pool.nips[scored.eligible], None)
        scores = scored.scores[ranked]
        rows = scored.eligible[ranked]
        groups = rerank.group_labels(scored.pool.employees.iloc[rows], config.attribute, self.as_of)
        spread = float(np.std(scores)) if len(scores) > 1 else 0.0
        bands = explain.merit_bands(scores, spread)
        result = rerank.rerank_within_bands(
            scores, bands, groups, rerank.target_of(config), config.method, k
        )
        recorded = rerank.record(
            config, scored.policy.ref(), result, groups, self.panel_rules.min_cell
        )
        return rows[result.order], result.bands, recorded

    def _candidate(
        self,
        scored: Scored,
        row: int,
        contrib: np.ndarray,
        rank: int,
        band: int,
        lang: str,
        standards: explain.Standards,
    ) -> dict[str, Any]:
        """One explained candidate, its reasons said against the post's ``standards``."""
        columns = list(self.bundle.feature_columns)
        values = scored.matrix[row]
        employees, features = scored.pool.employees, scored.features
        jpm = features["jpm"].to_numpy()[row : row + 1]
        jpm_band = float(competency.jpm_band(jpm, scored.policy.ruleset.feature_config())[0])
        talent = float(features["talent_box"].iat[row])
        mapped = explain.mapped_values(scored.pool, row)
        factors = explain.factors(columns, values, contrib[:-1], lang, standards, mapped)
        return {
            "rank": rank,
            "nip": str(scored.pool.nips[row]),
            "name": str(employees["name"].iat[row]),
            "unit": str(employees["unit_id"].iat[row]),
            "score": float(contrib.sum()),
            "merit_band": band,
            "jpm": _finite(features["jpm"].iat[row]),
            "jpm_band": explain.jpm_band_label(jpm_band, lang),
            "talent_box": None if np.isnan(talent) else int(talent),
            "contributions": explain.described(
                columns, values, contrib[:-1], lang, standards, mapped
            ),
            "factors": [f.as_dict() for f in factors],
            "reasons": explain.sides(factors),
            "eligibility": [
                _outcome(o) for o in scored.verdict.outcomes_for(row, lang=lang) if o.applies
            ],
        }

    def fit(self, nip: str, position: Mapping[str, Any], lang: str) -> dict[str, Any]:
        """One candidate for one position, explained in full, with recourse."""
        matches = np.flatnonzero(self.pool.nips == nip)
        if len(matches) == 0:
            raise NotFoundError("no active employee with that NIP")
        scored = self.score(subset(self.pool, matches[:1]), position)
        contrib = self.predictor.contributions(scored.matrix)[0]
        standards = _standards(scored.verdict, position)
        detail = self._candidate(scored, 0, contrib, 0, 0, lang, standards)
        detail.pop("rank")
        detail.pop("merit_band")
        detail["eligible"] = bool(np.asarray(scored.verdict.eligible)[0])
        failed = [e for e in detail["eligibility"] if not e["passed"]]
        detail["failed_rules"] = [e for e in failed if e["severity"] == "hard"]
        detail["warnings"] = [e for e in failed if e["severity"] != "hard"]
        columns = list(self.bundle.feature_columns)
        detail["recourse"] = explain.recourse(
            columns, scored.matrix[0], contrib[:-1], lang, standards
        )
        detail["position_id"] = str(position["position_id"])
        detail["base_value"] = float(contrib[-1])
        detail["model"] = {"name": self.bundle.name, "version": str(self.bundle.version)}
        detail["ruleset_version"] = scored.policy.ruleset.version
        return detail


def merge_aspirations(export: Export, rows: pd.DataFrame) -> Export:
    """``export`` with ``rows`` added to its aspirations table (repeats dropped)."""
    if rows.empty:
        return export
    merged = pd.concat([export.aspirations, rows], ignore_index=True).drop_duplicates()
    return replace(export, aspirations=merged.reset_index(drop=True))


def serving_date(export: Export, settings: ServiceSettings) -> pd.Timestamp:
    """ "Today" for serving: ``ASN_JOBFIT_AS_OF`` if set, else the export's own date.

    Warns when the export is older than ``stale_after_days``: its tenure and sanctions are
    read as of the day it describes, which a committee should know is not today.
    """
    if settings.as_of is not None:
        return pd.Timestamp(settings.as_of).normalize()
    as_of = reference_date(export)
    age = (pd.Timestamp.today().normalize() - as_of).days
    if age > settings.stale_after_days:
        logger.warning(
            "the export describes %s, %d days ago (more than %d): rules and features are "
            "evaluated as of that day; serve a newer export or set ASN_JOBFIT_AS_OF",
            as_of.date(),
            age,
            settings.stale_after_days,
        )
    return as_of


def _ruleset(bundle: RankerBundle) -> RuleSet:
    """The model's rule set; refuses a model whose features this code does not build."""
    unknown = sorted(set(bundle.feature_columns) - set(FEATURE_COLUMNS))
    if unknown:
        raise JobfitError(
            f"model {bundle.name} v{bundle.version} uses features this code "
            f"does not build ({', '.join(unknown)}): retrain with make train"
        )
    return load_ruleset(bundle.ruleset_version or DEFAULT_RULESET)


_MINIMUM_CHECKS = frozenset(
    {"experience_by_type", "position_min_experience", "min_years_in_position"}
)
"""Rule checks that hold one feature to a minimum the post sets (years against the minimum)."""


def _standards(verdict: Eligibility, position: Mapping[str, Any]) -> dict[str, float]:
    """The post's standards its reasons are said against: the minimum of each feature a rule
    that applies holds to one (the largest), and the leadership level the post requires."""
    required = REQUIRED_LEADERSHIP.get(str(position["position_type"]))
    out = {"has_required_leadership_training": float(LEADERSHIP_LEVEL[required] if required else 0)}
    for result in verdict.results.values():
        features = result.rule.features_read()
        required = result.values.get("required")
        if not result.applies or result.rule.check not in _MINIMUM_CHECKS or len(features) != 1:
            continue
        if isinstance(required, int | float) and not isinstance(required, bool):
            out[features[0]] = max(float(required), out.get(features[0], 0.0))
    return out


def _predictor(bundle: RankerBundle, settings: ServiceSettings) -> Predictor:
    return make_predictor(bundle.booster, settings.compiled_dir, settings.compiled_predictor)


def _finite(value: Any) -> float | None:
    value = float(value)
    return None if np.isnan(value) else value


def _outcome(outcome: Any) -> dict[str, Any]:
    return {
        "rule_id": outcome.id,
        "severity": outcome.severity,
        "passed": bool(outcome.passed),
        "message": outcome.message,
        "citation": outcome.citation,
    }


def _excluded(scored: Scored, lang: str) -> list[dict[str, Any]]:
    """Every candidate of the pool a hard rule excludes, with the hard rules it fails."""
    employees = scored.pool.employees
    return [
        {
            "nip": str(scored.pool.nips[row]),
            "name": str(employees["name"].iat[row]),
            "unit": str(employees["unit_id"].iat[row]),
            "rules": [
                {"rule_id": o.id, "message": o.message, "citation": o.citation} for o in failed
            ],
        }
        for row, failed in scored.verdict.exclusions(lang).items()
    ]


def _flag(flag: Any, lang: str) -> dict[str, Any]:
    return {"flag_id": flag.id, "message": flag.message(lang), "citation": flag.citation}
