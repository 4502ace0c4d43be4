"""The loaded champion and the precomputed pool: computes explained, rule-checked shortlists.

An :class:`Engine` is immutable. It is built once at start-up (export loaded, candidate blocks
prepared for the serving date, champion loaded) and swapped whole on reload, so a request in
flight keeps the engine it started with. Nothing here knows HTTP.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from features.build import FEATURE_COLUMNS, build_features
from features.candidates import CandidatePool, prepare_candidates, subset
from features.errors import JobfitError
from features.export import Export
from features.loader import load_export
from features.rules import RuleSet, evaluate_rules, load_ruleset
from serving import explain
from training.registry import RankerBundle, load_champion
from training.settings import Settings

logger = logging.getLogger(__name__)


class NotFoundError(JobfitError):
    """A position, candidate or stored object that does not exist (or may not be seen): 404."""


class InputError(JobfitError):
    """A request that is well-formed but cannot be served as asked: 422."""


@dataclass(frozen=True)
class Engine:
    """Everything a shortlist needs, loaded once."""

    export: Export
    pool: CandidatePool
    bundle: RankerBundle
    ruleset: RuleSet
    as_of: pd.Timestamp
    family_of_position: dict[str, str]

    @classmethod
    def load(cls, settings: Settings, data_dir: Path) -> Engine:
        """Load the export, prepare the active employees' blocks and load the champion."""
        export = load_export(data_dir)
        return cls.build(export, load_champion(settings), settings)

    @classmethod
    def build(cls, export: Export, bundle: RankerBundle, settings: Settings) -> Engine:
        """An engine over an already loaded export and model."""
        unknown = sorted(set(bundle.feature_columns) - set(FEATURE_COLUMNS))
        if unknown:
            raise JobfitError(
                f"model {bundle.name} v{bundle.version} uses features this code "
                f"does not build ({', '.join(unknown)}): retrain with make train"
            )
        as_of = pd.Timestamp(settings.as_of or pd.Timestamp.today()).normalize()
        active = export.employees.loc[export.employees["status"] == "ACTIVE", "nip"]
        pool = prepare_candidates(export, as_of, nips=list(active))
        families = dict(
            zip(export.positions["position_id"], export.positions["job_family"], strict=True)
        )
        logger.info(
            "engine ready: %d active candidates as of %s, model %s v%s",
            len(pool),
            as_of.date(),
            bundle.name,
            bundle.version,
        )
        return cls(
            export, pool, bundle, load_ruleset(bundle.ruleset_version or "v1"), as_of, families
        )

    def with_bundle(self, bundle: RankerBundle) -> Engine:
        """The same data with another model (reload)."""
        return Engine(
            self.export,
            self.pool,
            bundle,
            load_ruleset(bundle.ruleset_version or "v1"),
            self.as_of,
            self.family_of_position,
        )

    # -- positions ---------------------------------------------------------------------------
    def position(self, position_id: str) -> dict[str, Any]:
        """The position's contract fields, or NotFoundError."""
        rows = self.export.positions[self.export.positions["position_id"] == position_id]
        if rows.empty:
            raise NotFoundError(f"no position {position_id!r}")
        return rows.iloc[0].to_dict()

    # -- shortlists --------------------------------------------------------------------------
    def _candidates(self, filters: Mapping[str, str | None]) -> CandidatePool:
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

    def shortlist(
        self, position: Mapping[str, Any], k: int, lang: str, filters: Mapping[str, str | None]
    ) -> dict[str, Any]:
        """Rank the eligible candidates for ``position``; explain the top ``k``."""
        pool = self._candidates(filters)
        features = build_features(pool, position, self.as_of)
        verdict = evaluate_rules(
            pool, position, features, self.as_of, self.ruleset, self.export.election_calendar
        )
        columns = list(self.bundle.feature_columns)
        matrix = features[columns].to_numpy(dtype=np.float64)
        eligible = np.flatnonzero(np.asarray(verdict.eligible, dtype=bool))
        scores = _predict(self.bundle, matrix[eligible])
        top = _top_k(scores, pool.nips[eligible], k)
        rows = eligible[top]
        contrib = _predict(self.bundle, matrix[rows], contributions=True)
        spread = float(np.std(scores)) if len(scores) > 1 else 0.0
        bands = explain.merit_bands(contrib.sum(axis=1), spread)
        candidates = [
            self._candidate(
                pool, features, verdict, row, contrib[i], rank=i + 1, band=int(bands[i]), lang=lang
            )
            for i, row in enumerate(rows)
        ]
        return {
            "position_id": str(position["position_id"]),
            "model": {"name": self.bundle.name, "version": str(self.bundle.version)},
            "ruleset_version": self.ruleset.version,
            "data_hash": self.export.snapshot_hash,
            "as_of": self.as_of.date().isoformat(),
            "base_value": float(contrib[0, -1]) if len(rows) else _base_value(self.bundle, matrix),
            "pool_size": len(pool),
            "eligible_count": int(len(eligible)),
            "candidates": candidates,
            "excluded": {
                "by_rule": {str(k_): int(v) for k_, v in verdict.excluded_counts.items()},
                "total": int(len(pool) - len(eligible)),
                "vacancy_flags": [_flag(f, lang) for f in verdict.vacancy_flags],
            },
        }

    def _candidate(
        self,
        pool: CandidatePool,
        features: pd.DataFrame,
        verdict: Any,
        row: int,
        contrib: np.ndarray,
        rank: int,
        band: int,
        lang: str,
    ) -> dict[str, Any]:
        columns = list(self.bundle.feature_columns)
        values = features[columns].to_numpy(dtype=np.float64)[row]
        employee = pool.employees.iloc[row]
        jpm_band = float(features["jpm_band"].iloc[row])
        talent = float(features["talent_box"].iloc[row])
        return {
            "rank": rank,
            "nip": str(employee["nip"]),
            "name": str(employee["name"]),
            "unit": str(employee["unit_id"]),
            "score": float(contrib.sum()),
            "merit_band": band,
            "jpm": _finite(features["jpm"].iloc[row]),
            "jpm_band": explain.jpm_band_label(jpm_band, lang),
            "talent_box": None if np.isnan(talent) else int(talent),
            "contributions": [
                {"feature": name, "value": _finite(values[j]), "contribution": float(contrib[j])}
                for j, name in enumerate(columns)
            ],
            "reasons": explain.reasons(columns, values, contrib[:-1], lang),
            "eligibility": [_outcome(o) for o in verdict.outcomes_for(row, lang=lang) if o.applies],
        }

    def fit(self, nip: str, position: Mapping[str, Any], lang: str) -> dict[str, Any]:
        """One candidate for one position, explained in full, with recourse."""
        matches = np.flatnonzero(self.pool.nips == nip)
        if len(matches) == 0:
            raise NotFoundError("no active employee with that NIP")
        pool = subset(self.pool, matches[:1])
        features = build_features(pool, position, self.as_of)
        verdict = evaluate_rules(
            pool, position, features, self.as_of, self.ruleset, self.export.election_calendar
        )
        columns = list(self.bundle.feature_columns)
        matrix = features[columns].to_numpy(dtype=np.float64)
        contrib = np.asarray(self.bundle.booster.predict(matrix, pred_contrib=True))[0]
        detail = self._candidate(pool, features, verdict, 0, contrib, rank=0, band=0, lang=lang)
        detail.pop("rank")
        detail.pop("merit_band")
        detail["eligible"] = bool(np.asarray(verdict.eligible)[0])
        failed = [e for e in detail["eligibility"] if not e["passed"]]
        detail["failed_rules"] = [e for e in failed if e["severity"] == "hard"]
        detail["warnings"] = [e for e in failed if e["severity"] != "hard"]
        detail["recourse"] = explain.recourse(columns, matrix[0], contrib[:-1], lang)
        detail["position_id"] = str(position["position_id"])
        detail["base_value"] = float(contrib[-1])
        detail["model"] = {"name": self.bundle.name, "version": str(self.bundle.version)}
        detail["ruleset_version"] = self.ruleset.version
        return detail


def _predict(bundle: RankerBundle, matrix: np.ndarray, contributions: bool = False) -> np.ndarray:
    """Scores (or contributions plus base value) of the rows; an empty matrix gives no rows."""
    if len(matrix) == 0:
        return np.zeros((0, matrix.shape[1] + 1) if contributions else 0, dtype=np.float64)
    return np.asarray(bundle.booster.predict(matrix, pred_contrib=contributions), dtype=np.float64)


def _top_k(scores: np.ndarray, nips: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k best scores, best first; ties broken by NIP for a stable order."""
    if len(scores) > 4 * k:
        candidates = np.argpartition(-scores, k)[: min(len(scores), 2 * k)]
    else:
        candidates = np.arange(len(scores))
    order = np.lexsort((nips[candidates].astype(str), -scores[candidates]))
    return candidates[order][:k]


def _base_value(bundle: RankerBundle, matrix: np.ndarray) -> float:
    if len(matrix) == 0:
        return 0.0
    return float(np.asarray(bundle.booster.predict(matrix[:1], pred_contrib=True))[0, -1])


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


def _flag(flag: Any, lang: str) -> dict[str, Any]:
    return {"flag_id": flag.id, "message": flag.message(lang), "citation": flag.citation}
