"""Drift and outcome monitoring: profile an export as the model sees it, compare with the
champion's training export, and say OK / WARN / RETRAIN (``make monitor``).

A *profile* holds, for the candidate rows of every past round (their features built through
the one dataset path, :func:`training.dataset.build_training_data`): each model feature's
binned distribution (bins: the reference's deciles; a bin of its own for a missing value), the
share of candidates without a competency assessment or with a missing rating, the grade
distribution of COMMITTEE and OUTCOME labels, the share of rounds with an outcome, and counts.
``make train`` logs the training export's profile with the run
(``monitor/reference_profile.json``); ``make monitor`` profiles a new export on the same bins.

Drift of one feature is its population stability index (PSI): ``sum((q - p) ln(q / p))`` over
the bins, ``p`` the reference shares, ``q`` the new ones. The usual reading (Siddiqi, *Credit
Risk Scorecards*, 2006; Yurdakul, *Statistical properties of the population stability index*,
2018) is < 0.1 stable, 0.1-0.25 a change worth a look, > 0.25 a shift: the defaults of
:class:`MonitorThresholds`. A numpy PSI is used rather than evidently or nannyml: a dozen lines,
no heavy dependency, and the bins are ours (the reference's, stored in the profile).
"""

from __future__ import annotations

import html
import json
import logging
import math
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import mlflow
import numpy as np
import pandas as pd
import yaml
from mlflow.exceptions import MlflowException
from pydantic import BaseModel, ConfigDict, Field

from features import catalogue
from features.errors import JobfitError
from features.export import Export
from training.config import TrainingConfig
from training.dataset import RankingData

logger = logging.getLogger(__name__)

PROFILE_ARTIFACT = "monitor/reference_profile.json"
"""Where a training run keeps its export's profile."""
PROFILE_VERSION = 1
BINS = 10
"""Quantile bins of the reference (deciles); discrete features get fewer (distinct edges)."""
SMOOTHING = 0.5
"""Pseudo-count added to every bin before shares are taken (an empty bin is not infinite drift)."""
MONITOR_SUFFIX = "-monitor"
"""Monitor runs go to the experiment ``<experiment>-monitor``."""
GRADES: tuple[int, ...] = (0, 1, 2, 3, 4)

Status = Literal["OK", "WARN", "RETRAIN"]
_RANK: dict[str, int] = {"OK": 0, "WARN": 1, "RETRAIN": 2}


class MonitorError(JobfitError):
    """Nothing to compare with (no champion, no reference profile) or an unusable export."""


class MonitorThresholds(BaseModel):
    """When a change is worth a look (WARN) and when it calls for a retrain (RETRAIN)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    psi_warn: float = Field(0.1, gt=0)
    """PSI of one feature: 0.1 is the usual "worth a look"."""
    psi_drift: float = Field(0.25, gt=0)
    """PSI of one feature: 0.25 is the usual "the population has shifted"."""
    drifted_features: int = Field(2, ge=1)
    """Features past ``psi_drift`` that call for a retrain (one alone is a warning)."""
    missing_change: float = Field(0.10, gt=0)
    """Absolute change of a missing share (assessments, ratings) that calls for a retrain."""
    label_psi: float = Field(0.25, gt=0)
    """PSI of the grade distribution (committee or outcome) that calls for a retrain."""


@dataclass(frozen=True)
class FeatureProfile:
    """One feature's bins (upper edges, reference deciles) and the share of rows in each.

    ``shares`` has ``len(edges) + 2`` entries: below the first edge, between edges, from the
    last edge up, and missing (NaN).
    """

    family: str
    edges: list[float]
    shares: list[float]
    mean: float


@dataclass(frozen=True)
class Profile:
    """An export as the model sees it (see the module docstring)."""

    features: dict[str, FeatureProfile]
    missing: dict[str, float]
    labels: dict[str, dict[str, float]]
    outcomes: dict[str, float]
    counts: dict[str, int]
    window: dict[str, str]
    data_hash: str
    version: int = PROFILE_VERSION

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form (the MLflow artefact)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Profile:
        """Read the artefact back."""
        try:
            features = {k: FeatureProfile(**v) for k, v in raw["features"].items()}
            return cls(
                features=features, missing=dict(raw["missing"]), labels=dict(raw["labels"]),
                outcomes=dict(raw["outcomes"]), counts=dict(raw["counts"]),
                window=dict(raw["window"]), data_hash=str(raw["data_hash"]),
                version=int(raw.get("version", PROFILE_VERSION)),
            )  # fmt: skip
        except (KeyError, TypeError) as error:
            raise MonitorError(f"the reference profile is not readable: {error}") from error


def family_of(column: str) -> str:
    """The feature family of a model column (``features.catalogue.FAMILIES``)."""
    for family, columns in catalogue.FAMILIES.items():
        if column in columns:
            return family
    return "other"


def quantile_edges(values: np.ndarray, bins: int = BINS) -> list[float]:
    """Distinct inner quantile edges of the finite values (empty when there are none)."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return []
    cuts = np.quantile(finite, np.linspace(0, 1, bins + 1)[1:-1])
    return sorted({float(c) for c in cuts} | {float(finite.min())})


def bin_shares(values: np.ndarray, edges: Sequence[float]) -> list[float]:
    """Shares of ``values`` per bin of ``edges`` plus a NaN bin (raw, unsmoothed)."""
    finite = np.isfinite(values)
    index = np.searchsorted(np.asarray(edges, dtype=np.float64), values[finite], side="right")
    counts = np.bincount(index, minlength=len(edges) + 1).astype(np.float64)
    counts = np.r_[counts, float((~finite).sum())]
    total = counts.sum()
    return (counts / total).tolist() if total else [0.0] * len(counts)


def psi(reference: Sequence[float], current: Sequence[float], n_ref: int, n_cur: int) -> float:
    """Population stability index of two share vectors over the same bins.

    Shares are turned back into counts and smoothed by :data:`SMOOTHING` per bin, so that an
    empty bin on one side gives a finite index.
    """
    p = np.asarray(reference, dtype=np.float64) * n_ref + SMOOTHING
    q = np.asarray(current, dtype=np.float64) * n_cur + SMOOTHING
    p, q = p / p.sum(), q / q.sum()
    return float(np.sum((q - p) * np.log(q / p)))


def _grades(rounds: pd.DataFrame, source: str) -> dict[str, float]:
    labels = rounds.loc[rounds["label_source"] == source, "label"].astype(int)
    counts = labels.value_counts().reindex(list(GRADES), fill_value=0)
    total = int(counts.sum())
    return {str(g): (float(counts[g]) / total if total else 0.0) for g in GRADES}


def profile_export(
    data: RankingData, export: Export, edges: Mapping[str, Sequence[float]] | None = None
) -> Profile:
    """Profile the candidate rows of ``data`` (an export's past rounds) and its rounds' labels.

    Parameters
    ----------
    data : RankingData
        The export's ranking rows, from :func:`training.dataset.build_training_data`.
    export : Export
        The same export (its rounds table gives the label and outcome rates).
    edges : mapping, optional
        The reference's bin edges per feature; default: this export's own deciles.
    """
    frame = data.frame.loc[data.frame["is_candidate"]]
    if frame.empty:
        raise MonitorError("the export has no candidate rows in its past rounds to profile")
    features: dict[str, FeatureProfile] = {}
    for column in data.feature_columns:
        values = frame[column].to_numpy(dtype=np.float64)
        cuts = list(edges[column]) if edges and column in edges else quantile_edges(values)
        finite = values[np.isfinite(values)]
        features[column] = FeatureProfile(
            family=family_of(column), edges=cuts, shares=bin_shares(values, cuts),
            mean=float(finite.mean()) if finite.size else math.nan,
        )  # fmt: skip
    missing = {
        "assessment": float((frame["assessment_missing"] > 0).mean()),
        "ratings": float((frame["perf_missing_years"] > 0).mean()),
    }
    rounds = export.rounds
    with_outcome = rounds.loc[rounds["label_source"] == "OUTCOME", "round_id"].nunique()
    n_rounds = int(rounds["round_id"].nunique())
    decided = pd.to_datetime(rounds["decided_on"])
    return Profile(
        features=features,
        missing=missing,
        labels={"committee": _grades(rounds, "COMMITTEE"), "outcome": _grades(rounds, "OUTCOME")},
        outcomes={"rounds_with_outcome": float(with_outcome / n_rounds) if n_rounds else 0.0},
        counts={
            "rows": len(frame),
            "rounds": n_rounds,
            "employees": len(export.employees),
            "committee_labels": int((rounds["label_source"] == "COMMITTEE").sum()),
            "outcome_labels": int((rounds["label_source"] == "OUTCOME").sum()),
        },  # fmt: skip
        window={"first": str(decided.min().date()), "last": str(decided.max().date())},
        data_hash=export.snapshot_hash,
    )


def log_reference_profile(data: RankingData, export: Export) -> None:
    """Log the training export's profile with the active MLflow run (``make train``)."""
    mlflow.log_dict(profile_export(data, export).to_dict(), PROFILE_ARTIFACT)


@dataclass(frozen=True)
class Finding:
    """One flagged change: what, how much, and the status it calls for."""

    what: str
    value: float
    status: Status
    reason: str


@dataclass
class Comparison:
    """A new export's profile against the reference: PSI per feature and the flagged changes."""

    feature_psi: dict[str, float]
    families: dict[str, dict[str, float]]
    missing: dict[str, tuple[float, float]]
    label_psi: dict[str, float]
    outcome_rate: tuple[float, float]
    findings: list[Finding] = field(default_factory=list)

    @property
    def status(self) -> Status:
        """The worst status of the findings (OK with none)."""
        worst = max((_RANK[f.status] for f in self.findings), default=0)
        return next(s for s, r in _RANK.items() if r == worst)  # type: ignore[return-value]

    def reasons(self) -> list[str]:
        """Findings' reasons, worst first."""
        ordered = sorted(self.findings, key=lambda f: (-_RANK[f.status], -f.value))
        return [f.reason for f in ordered]

    def metrics(self) -> dict[str, float]:
        """Flat MLflow metrics: ``psi.<feature>``, ``psi.family.<family>.max|mean``, ..."""
        out = {f"psi.{k}": v for k, v in self.feature_psi.items()}
        for family, values in self.families.items():
            out.update({f"psi.family.{family}.{k}": v for k, v in values.items()})
        for what, (ref, cur) in self.missing.items():
            out[f"missing.{what}.reference"], out[f"missing.{what}.current"] = ref, cur
        out.update({f"labels.{k}.psi": v for k, v in self.label_psi.items()})
        out["outcomes.rounds_share.reference"] = self.outcome_rate[0]
        out["outcomes.rounds_share.current"] = self.outcome_rate[1]
        out["status"] = float(_RANK[self.status])
        return out


def compare(reference: Profile, current: Profile, limits: MonitorThresholds) -> Comparison:
    """PSI per feature and family, missing-share and label changes, and the status they call for.

    ``current`` must be profiled on the reference's edges (``profile_export(..., edges=...)``).
    """
    n_ref, n_cur = reference.counts["rows"], current.counts["rows"]
    feature_psi = {
        name: psi(ref.shares, current.features[name].shares, n_ref, n_cur)
        for name, ref in reference.features.items()
        if name in current.features
    }
    families: dict[str, dict[str, float]] = {}
    for name, value in feature_psi.items():
        families.setdefault(reference.features[name].family, {}).setdefault("_", []).append(value)  # type: ignore[arg-type]
    families = {
        fam: {"max": float(np.max(v["_"])), "mean": float(np.mean(v["_"]))}
        for fam, v in families.items()
    }
    missing = {k: (reference.missing[k], current.missing[k]) for k in reference.missing}
    label_psi = {
        source: psi(
            list(reference.labels[source].values()), list(current.labels[source].values()),
            reference.counts[f"{source}_labels"], current.counts[f"{source}_labels"],
        )
        for source in ("committee", "outcome")
        if reference.counts[f"{source}_labels"] and current.counts[f"{source}_labels"]
    }  # fmt: skip
    comparison = Comparison(
        feature_psi=feature_psi, families=families, missing=missing, label_psi=label_psi,
        outcome_rate=(reference.outcomes["rounds_with_outcome"],
                      current.outcomes["rounds_with_outcome"]),
    )  # fmt: skip
    comparison.findings = _findings(comparison, reference, limits)
    return comparison


def _findings(c: Comparison, reference: Profile, limits: MonitorThresholds) -> list[Finding]:
    out: list[Finding] = []
    drifted = [n for n, v in c.feature_psi.items() if v >= limits.psi_drift]
    for name, value in c.feature_psi.items():
        family = reference.features[name].family
        if value >= limits.psi_drift:
            status: Status = "RETRAIN" if len(drifted) >= limits.drifted_features else "WARN"
            out.append(Finding(name, value, status, f"{family}: {name} PSI {value:.2f} >= "
                                                    f"{limits.psi_drift} (shifted)"))  # fmt: skip
        elif value >= limits.psi_warn:
            out.append(Finding(name, value, "WARN", f"{family}: {name} PSI {value:.2f} >= "
                                                    f"{limits.psi_warn} (worth a look)"))  # fmt: skip
    for what, (ref, cur) in c.missing.items():
        if abs(cur - ref) >= limits.missing_change:
            out.append(Finding(f"missing.{what}", abs(cur - ref), "RETRAIN",
                               f"missing {what}: {ref:.1%} -> {cur:.1%}"))  # fmt: skip
    for source, value in c.label_psi.items():
        if value >= limits.label_psi:
            out.append(Finding(f"labels.{source}", value, "RETRAIN",
                               f"{source} grade distribution PSI {value:.2f} >= "
                               f"{limits.label_psi}"))  # fmt: skip
    return out
