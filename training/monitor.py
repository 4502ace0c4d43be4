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
:class:`MonitorConfig`. A numpy PSI is used rather than evidently or nannyml: a dozen lines,
no heavy dependency, and the bins are ours (the reference's, stored in the profile).
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import mlflow
import numpy as np
import pandas as pd

from features import catalogue
from features.errors import JobfitError
from features.export import Export
from training.config import MonitorConfig
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
NOISE_SPLITS = 200
"""Random halves of the rounds that measure a reference's sampling noise."""

Status = Literal["OK", "WARN", "RETRAIN"]
_RANK: dict[str, int] = {"OK": 0, "WARN": 1, "RETRAIN": 2}


class MonitorError(JobfitError):
    """Nothing to compare with (no champion, no reference profile) or an unusable export."""


@dataclass(frozen=True)
class Distribution:
    """One quantity's bins and the share of rows in each.

    ``shares`` has ``len(edges) + 2`` entries: below the first edge, one per edge up to the
    next, and missing (NaN). ``n`` is the rows counted; ``noise`` the sampling noise of its
    PSI per unit of ``1/n_ref + 1/n_cur`` (:func:`split_noise`), 0 when not measured.
    """

    group: str
    edges: list[float]
    shares: list[float]
    n: int
    mean: float
    noise: float = 0.0


@dataclass(frozen=True)
class Profile:
    """An export as the model sees it (see the module docstring).

    ``features``: one distribution per model feature (group: its family); ``others``: the
    missing shares (``missing.assessment``, ``missing.ratings``: 0/1 per candidate) and the
    grade distributions (``labels.committee``, ``labels.outcome``: grades 0-4 per label).
    """

    features: dict[str, Distribution]
    others: dict[str, Distribution]
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
            return cls(
                features={k: Distribution(**v) for k, v in raw["features"].items()},
                others={k: Distribution(**v) for k, v in raw["others"].items()},
                counts=dict(raw["counts"]), window=dict(raw["window"]),
                data_hash=str(raw["data_hash"]), version=int(raw["version"]),
            )  # fmt: skip
        except (KeyError, TypeError, ValueError) as error:
            raise MonitorError(f"the reference profile is not readable: {error}") from error

    @property
    def edges(self) -> dict[str, list[float]]:
        """Every distribution's bin edges (to profile another export on the same bins)."""
        return {k: d.edges for k, d in {**self.features, **self.others}.items()}


def family_of(column: str) -> str:
    """The feature family of a model column (``features.catalogue.FAMILIES``)."""
    for family, columns in catalogue.FAMILIES.items():
        if column in columns:
            return family
    return "other"


def quantile_edges(values: np.ndarray, bins: int = BINS) -> list[float]:
    """Distinct inner quantile edges of the finite values, from their minimum (empty if none)."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return []
    cuts = np.quantile(finite, np.linspace(0, 1, bins + 1)[1:-1])
    return sorted({float(c) for c in cuts} | {float(finite.min())})


def bin_counts(values: np.ndarray, edges: Sequence[float]) -> np.ndarray:
    """Rows of ``values`` per bin of ``edges``, plus a last bin of NaN."""
    finite = np.isfinite(values)
    index = np.searchsorted(np.asarray(edges, dtype=np.float64), values[finite], side="right")
    counts = np.bincount(index, minlength=len(edges) + 1).astype(np.float64)
    return np.r_[counts, float((~finite).sum())]


def psi_counts(reference: np.ndarray, current: np.ndarray) -> float:
    """Population stability index of two count vectors over the same bins.

    Each bin gets :data:`SMOOTHING` rows, so that a bin empty on one side stays finite.
    """
    p = np.asarray(reference, dtype=np.float64) + SMOOTHING
    q = np.asarray(current, dtype=np.float64) + SMOOTHING
    p, q = p / p.sum(), q / q.sum()
    return float(np.sum((q - p) * np.log(q / p)))


def psi(reference: Distribution, current: Distribution) -> float:
    """PSI of a distribution against the reference's (same bins)."""
    return psi_counts(
        np.asarray(reference.shares) * reference.n, np.asarray(current.shares) * current.n
    )


def noise_floor(reference: Distribution, current: Distribution) -> float:
    """The PSI that sampling alone reaches (99th percentile) at these two sizes."""
    return reference.noise * (1 / max(reference.n, 1) + 1 / max(current.n, 1))


def split_noise(
    values: np.ndarray, rounds: np.ndarray, edges: Sequence[float], seed: int = 0
) -> float:
    """PSI between random halves of the rounds, per unit of ``1/n1 + 1/n2``: 99th percentile.

    Rows of a round share a position and a pool, so they are not independent draws: halves of
    whole rounds measure the noise a PSI has between two exports of the same population. PSI
    under no change grows as ``1/n1 + 1/n2`` (Yurdakul 2018), hence the unit.
    """
    ids = np.unique(rounds)
    if len(ids) < 4:
        return 0.0
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(NOISE_SPLITS):
        half = np.isin(rounds, rng.permutation(ids)[: len(ids) // 2])
        n1, n2 = int(half.sum()), int((~half).sum())
        if n1 and n2:
            a, b = bin_counts(values[half], edges), bin_counts(values[~half], edges)
            out.append(psi_counts(a, b) / (1 / n1 + 1 / n2))
    return float(np.quantile(out, 0.99)) if out else 0.0


def distribution(
    group: str,
    values: np.ndarray,
    rounds: np.ndarray,
    edges: Sequence[float] | None,
) -> Distribution:
    """Bin ``values`` on ``edges`` (default: their own deciles, with their noise measured)."""
    own = edges is None
    cuts = quantile_edges(values) if own else list(edges)  # type: ignore[arg-type]
    counts = bin_counts(values, cuts)
    finite = values[np.isfinite(values)]
    return Distribution(
        group=group, edges=cuts, shares=(counts / max(counts.sum(), 1)).tolist(),
        n=len(values), mean=float(finite.mean()) if finite.size else math.nan,
        noise=split_noise(values, rounds, cuts) if own else 0.0,
    )  # fmt: skip


def profile_export(
    data: RankingData, export: Export, edges: Mapping[str, Sequence[float]] | None = None
) -> Profile:
    """Profile the candidate rows of ``data`` (an export's past rounds) and its rounds' labels.

    Parameters
    ----------
    data : RankingData
        The export's ranking rows, from :func:`training.dataset.build_training_data`.
    export : Export
        The same export (its rounds table gives the grade distributions and outcome share).
    edges : mapping, optional
        The reference's bin edges (``Profile.edges``); default: this export's own deciles,
        and the sampling noise is measured (a reference profile).
    """
    frame = data.frame.loc[data.frame["is_candidate"]]
    if frame.empty:
        raise MonitorError("the export has no candidate rows in its past rounds to profile")
    rid = frame["round_id"].to_numpy()
    features = {
        c: distribution(family_of(c), frame[c].to_numpy(np.float64), rid, _get(edges, c))
        for c in data.feature_columns
    }
    others = {
        "missing.assessment": (frame["assessment_missing"] > 0).to_numpy(np.float64),
        "missing.ratings": (frame["perf_missing_years"] > 0).to_numpy(np.float64),
    }
    profile_others = {
        k: distribution("missing", v, rid, _get(edges, k) if edges else [0.0, 1.0])
        for k, v in others.items()
    }
    rounds = export.rounds
    for source in ("COMMITTEE", "OUTCOME"):
        rows = rounds.loc[rounds["label_source"] == source]
        key = f"labels.{source.lower()}"
        profile_others[key] = distribution(
            "labels", rows["label"].to_numpy(np.float64), rows["round_id"].to_numpy(),
            _get(edges, key) if edges else [float(g) for g in GRADES],
        )  # fmt: skip
    if edges is None:  # the fixed bins above are a reference's too: measure their noise
        profile_others = {
            k: _with_noise(d, others.get(k), rid, rounds, k) for k, d in profile_others.items()
        }
    n_rounds = int(rounds["round_id"].nunique())
    with_outcome = rounds.loc[rounds["label_source"] == "OUTCOME", "round_id"].nunique()
    decided = pd.to_datetime(rounds["decided_on"])
    return Profile(
        features=features,
        others=profile_others,
        counts={
            "rows": len(frame),
            "rounds": n_rounds,
            "rounds_with_outcome": int(with_outcome),
            "employees": len(export.employees),
        },  # fmt: skip
        window={"first": str(decided.min().date()), "last": str(decided.max().date())},
        data_hash=export.snapshot_hash,
    )


def _get(edges: Mapping[str, Sequence[float]] | None, key: str) -> Sequence[float] | None:
    if edges is None:
        return None
    if key not in edges:
        raise MonitorError(f"the reference profile has no bins for {key}")
    return edges[key]


def _with_noise(
    d: Distribution, values: np.ndarray | None, rid: np.ndarray, rounds: pd.DataFrame, key: str
) -> Distribution:
    if values is None:
        source = key.removeprefix("labels.").upper()
        rows = rounds.loc[rounds["label_source"] == source]
        values, rid = rows["label"].to_numpy(np.float64), rows["round_id"].to_numpy()
    return dataclasses.replace(d, noise=split_noise(values, rid, d.edges))


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
    """A new export's profile against the reference: PSI, noise floors, flagged changes."""

    psi: dict[str, float]
    floor: dict[str, float]
    groups: dict[str, str]
    missing: dict[str, tuple[float, float]]
    outcome_rounds: tuple[float, float]
    findings: list[Finding] = field(default_factory=list)

    @property
    def status(self) -> Status:
        """The worst status of the findings (OK with none)."""
        worst = max((_RANK[f.status] for f in self.findings), default=0)
        return next(s for s, r in _RANK.items() if r == worst)  # type: ignore[return-value]

    def reasons(self) -> list[str]:
        """The findings' reasons, worst first."""
        ordered = sorted(self.findings, key=lambda f: (-_RANK[f.status], -f.value))
        return [f.reason for f in ordered]

    def families(self) -> dict[str, dict[str, float]]:
        """Max and mean PSI of each feature family (and of the missing shares and labels)."""
        out: dict[str, list[float]] = {}
        for key, value in self.psi.items():
            out.setdefault(self.groups[key], []).append(value)
        return {g: {"max": float(np.max(v)), "mean": float(np.mean(v))} for g, v in out.items()}

    def metrics(self) -> dict[str, float]:
        """Flat MLflow metrics: ``psi.<key>``, ``psi.family.<family>.max|mean``, shares, status."""
        out = {f"psi.{k}": v for k, v in self.psi.items()}
        for family, values in self.families().items():
            out.update({f"psi.family.{family}.{k}": v for k, v in values.items()})
        for what, (ref, cur) in self.missing.items():
            out[f"{what}.reference"], out[f"{what}.current"] = ref, cur
        out["outcome_rounds.reference"], out["outcome_rounds.current"] = self.outcome_rounds
        out["status"] = float(_RANK[self.status])
        return out


def _share_of_ones(d: Distribution) -> float:
    return float(d.shares[2]) if len(d.shares) > 2 else 0.0


def compare(reference: Profile, current: Profile, limits: MonitorConfig) -> Comparison:
    """PSI of every distribution against the reference's, its noise floor, and the findings.

    ``current`` must be profiled on the reference's bins (``profile_export(..., edges=...)``).
    """
    ref_all = {**reference.features, **reference.others}
    cur_all = {**current.features, **current.others}
    keys = [k for k in ref_all if k in cur_all and ref_all[k].n and cur_all[k].n]
    comparison = Comparison(
        psi={k: psi(ref_all[k], cur_all[k]) for k in keys},
        floor={k: noise_floor(ref_all[k], cur_all[k]) for k in keys},
        groups={k: ref_all[k].group for k in keys},
        missing={
            k: (_share_of_ones(reference.others[k]), _share_of_ones(current.others[k]))
            for k in reference.others
            if k.startswith("missing.")
        },  # fmt: skip
        outcome_rounds=(
            reference.counts["rounds_with_outcome"] / max(reference.counts["rounds"], 1),
            current.counts["rounds_with_outcome"] / max(current.counts["rounds"], 1),
        ),
    )
    comparison.findings = _findings(comparison, limits)
    return comparison


def _findings(c: Comparison, limits: MonitorConfig) -> list[Finding]:
    """Distributions whose PSI beyond the noise floor reaches the thresholds."""
    out: list[Finding] = []
    for key, value in c.psi.items():
        excess = value - c.floor[key]
        if excess < limits.psi_warn:
            continue
        status: Status = "RETRAIN" if excess >= limits.psi_drift else "WARN"
        shift = ""
        if key in c.missing:
            ref, cur = c.missing[key]
            shift = f" ({ref:.1%} -> {cur:.1%})"
        out.append(Finding(key, excess, status, f"{c.groups[key]}: {key}{shift} PSI {value:.2f}, "
                           f"{excess:.2f} beyond sampling noise {c.floor[key]:.2f}"))  # fmt: skip
    return out
