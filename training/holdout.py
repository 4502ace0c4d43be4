"""Score rankings against a held-back truth (the generator's latent fit of open vacancies).

Pure evaluation: NDCG@k of a served list against the truth's grades, the truth-eligible pool of
each vacancy as feature frames, and scorers (seniority, experiments) over those pools. Serving
every vacancy through the engine, as ``make holdout`` does, lives beside the engine in
:mod:`serving.holdout`.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from features.build import build_features
from features.candidates import prepare_candidates, subset
from features.ranking import top_k
from training.baselines import seniority_scores
from training.dataset import RankingData
from training.evaluation import Estimate
from training.truth import Truth

logger = logging.getLogger(__name__)

PoolScorer = Callable[[pd.DataFrame, pd.DataFrame], np.ndarray]
"""Scores of an eligible pool: (feature frame, keys: position_id, nip, grade, decided_on)."""


def dcg(gains: np.ndarray, k: int) -> float:
    """Discounted cumulative gain of the first ``k`` gains (linear gain, log2 discount)."""
    gains = np.asarray(gains, dtype=np.float64)[:k]
    return float((gains / np.log2(np.arange(2, len(gains) + 2))).sum())


def ndcg_served(served: np.ndarray, pool: np.ndarray, k: int) -> float:
    """NDCG@k of a served list (gains in served order) against every gain of the pool.

    The ideal is the pool's ``k`` best gains; NaN when the pool has no positive gain. Equal to
    ``sklearn.metrics.ndcg_score`` when scores have no ties (tested).
    """
    ideal = dcg(np.sort(np.asarray(pool, dtype=np.float64))[::-1], k)
    if ideal <= 0:
        return float("nan")
    return dcg(served, k) / ideal


@dataclass
class HoldoutResult:
    """What ``make holdout`` prints (built by :func:`serving.holdout.evaluate_holdout`)."""

    model: str
    k: int
    methods: dict[str, Estimate]
    table: pd.DataFrame
    ineligible: int
    outside: int
    meta: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> str:
        """NDCG@k of the served lists and the baselines, and the eligibility check."""
        lines = [
            f"holdout: {self.model} on {len(self.table)} open vacancies "
            f"(truth: latent {self.meta.get('latent', '?')}, as of {self.meta.get('as_of', '?')})",
            f"{'method':<12} NDCG@{self.k} [95% CI]",
        ]
        for method, estimate in self.methods.items():
            lines.append(f"{method:<12} {estimate!s}  ({estimate.rounds} vacancies)")
        lines.append(
            f"ineligible candidates in any served top {self.k}: {self.ineligible}"
            + (f"  (outside the truth: {self.outside})" if self.outside else "")
        )
        return "\n".join(lines)

    def figures(self) -> dict[str, Any]:
        """The same figures as data (``make holdout``'s ``--json``)."""
        return {
            "model": self.model,
            "k": self.k,
            "vacancies": len(self.table),
            "methods": {name: dataclasses.asdict(e) for name, e in self.methods.items()},
            "ineligible": self.ineligible,
            "outside": self.outside,
            "truth": {key: self.meta.get(key) for key in ("latent", "as_of", "seed")},
        }


def pool_frames(
    export: Any, truth: Truth
) -> dict[str, tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]]:
    """Per vacancy: the truth-eligible pool's features, its keys (nip, grade) and the position."""
    as_of = truth.as_of
    eligible = truth.frame[truth.frame["eligible"]]
    nips = sorted(eligible["nip"].unique())
    pool = prepare_candidates(export, as_of, nips=nips)
    index = pd.Index(np.asarray(pool.nips).astype(str))
    positions = export.positions.set_index("position_id", drop=False)
    out = {}
    for position_id, rows in eligible.groupby("position_id", sort=True):
        position = positions.loc[position_id].to_dict()
        part = subset(pool, index.get_indexer(rows["nip"].to_numpy()))
        features = build_features(part, position, as_of)
        keys = pd.DataFrame({
            "position_id": position_id, "nip": rows["nip"].to_numpy(),
            "grade": rows["grade"].to_numpy(), "decided_on": as_of,
        })  # fmt: skip
        out[position_id] = (features, keys, position)
    return out


def seniority_scorer(employees: pd.DataFrame) -> PoolScorer:
    """The DUK order (training.baselines.seniority_scores) as a pool scorer."""

    def score(features: pd.DataFrame, keys: pd.DataFrame) -> np.ndarray:
        return seniority_scores(RankingData(keys, ()), employees)

    return score


def score_pools(
    pools: dict[str, tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]],
    truth: Truth,
    scorer: PoolScorer,
    k: int,
) -> pd.Series:
    """NDCG@k per vacancy of ``scorer``'s top k over the truth-eligible pool."""
    grades = truth.frame.groupby("position_id")["grade"]
    out = {}
    for position_id, (features, keys, _) in pools.items():
        scores = scorer(features, keys)
        top = top_k(scores, keys["nip"].to_numpy(), k)
        out[position_id] = ndcg_served(
            keys["grade"].to_numpy()[top], grades.get_group(position_id).to_numpy(), k
        )
    return pd.Series(out, dtype=np.float64)


def evaluate_scorers(
    export: Any,
    truth: Truth,
    scorers: dict[str, PoolScorer],
    k: int = 10,
    names: Sequence[str] | None = None,
) -> pd.DataFrame:
    """NDCG@k per vacancy of several scorers on the truth-eligible pools (experiments)."""
    pools = pool_frames(export, truth)
    return pd.DataFrame(
        {name: score_pools(pools, truth, scorer, k) for name, scorer in scorers.items()
         if names is None or name in names}
    )  # fmt: skip
