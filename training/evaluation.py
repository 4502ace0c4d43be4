"""Ranking metrics per round (one vacancy), averaged, with bootstrap confidence intervals.

The truth is the export's graded label (``raw_label``, 0-4); sampled non-candidates count as 0.
A candidate is *relevant* for MAP and recall when its label is at least ``RELEVANT_LABEL``.
Rounds with a single row or no relevant-graded row say nothing about order and are skipped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import ndcg_score

from training.dataset import RankingData

RELEVANT_LABEL = 3
METRICS: tuple[str, ...] = ("ndcg@5", "ndcg@10", "map@10", "recall@10")


@dataclass(frozen=True)
class Estimate:
    """A mean over rounds and its bootstrap confidence interval."""

    mean: float
    low: float
    high: float
    rounds: int

    def __str__(self) -> str:
        return f"{self.mean:.3f} [{self.low:.3f}, {self.high:.3f}]"


def _ap_at(relevant: np.ndarray, k: int) -> float:
    hits = relevant[:k]
    total = int(relevant.sum())
    if total == 0:
        return float("nan")
    precision = np.cumsum(hits) / (np.arange(len(hits)) + 1)
    return float((precision * hits).sum() / min(total, k))


def round_metrics(truth: np.ndarray, scores: np.ndarray, ks: Sequence[int] = (5, 10)) -> dict:
    """NDCG@k, MAP@10 and recall@10 of one round (NaN where undefined)."""
    out: dict[str, float] = {}
    defined = len(truth) > 1 and truth.max() > 0
    for k in ks:
        out[f"ndcg@{k}"] = (
            float(ndcg_score(truth[None, :], scores[None, :], k=k)) if defined else float("nan")
        )
    order = np.argsort(-scores, kind="stable")
    relevant = (truth[order] >= RELEVANT_LABEL).astype(np.float64)
    out["map@10"] = _ap_at(relevant, 10)
    total = relevant.sum()
    out["recall@10"] = float(relevant[:10].sum() / total) if total else float("nan")
    return out


def per_round(data: RankingData, scores: np.ndarray, ks: Sequence[int] = (5, 10)) -> pd.DataFrame:
    """One row per round: its slices (position type, agency), size and metrics."""
    frame = data.frame
    if len(scores) != len(frame):
        raise ValueError("one score per row expected")
    truth = frame["raw_label"].to_numpy(dtype=np.float64)
    rows = []
    start = 0
    for size in data.groups:
        stop = start + int(size)
        first = frame.iloc[start]
        rows.append({
            "round_id": first["round_id"], "position_type": first["position_type"],
            "agency_id": first["agency_id"], "size": int(size),
            **round_metrics(truth[start:stop], np.asarray(scores[start:stop], float), ks),
        })  # fmt: skip
        start = stop
    return pd.DataFrame(rows)


def bootstrap(values: np.ndarray, samples: int, seed: int, level: float = 0.95) -> Estimate:
    """Mean of ``values`` (NaN dropped) with a percentile bootstrap interval over rounds."""
    values = np.asarray(values, dtype=np.float64)
    values = values[~np.isnan(values)]
    if len(values) == 0:
        return Estimate(float("nan"), float("nan"), float("nan"), 0)
    rng = np.random.default_rng(seed)
    means = values[rng.integers(0, len(values), size=(samples, len(values)))].mean(axis=1)
    alpha = (1 - level) / 2
    low, high = np.quantile(means, [alpha, 1 - alpha])
    return Estimate(float(values.mean()), float(low), float(high), len(values))


def summarize(table: pd.DataFrame, samples: int, seed: int) -> dict[str, Estimate]:
    """Every metric of a per-round table, averaged with its interval."""
    return {m: bootstrap(table[m].to_numpy(), samples, seed) for m in METRICS if m in table}


def slices(table: pd.DataFrame, by: str, metric: str = "ndcg@10") -> pd.DataFrame:
    """Mean ``metric`` and round count per value of ``by`` (position_type or agency_id)."""
    return (
        table.groupby(by)[metric].agg(["mean", "count"]).rename(columns={"count": "rounds"})
        .reset_index()
    )  # fmt: skip


CURVE_KS: tuple[int, ...] = (1, 2, 3, 5, 7, 10, 15, 20)


def ndcg_curve(data: RankingData, scores: np.ndarray, ks: Sequence[int] = CURVE_KS) -> pd.Series:
    """Mean NDCG@k over rounds for each k (index: k)."""
    table = per_round(data, scores, tuple(ks))
    return pd.Series([np.nanmean(table[f"ndcg@{k}"]) for k in ks], index=list(ks))
