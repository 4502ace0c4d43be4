"""Performance family: the last three yearly SKP ratings known on the date."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from features.candidates import CandidatePool
from features.config import FeatureConfig
from features.vocabulary import RATING_SCORES

COLUMNS: tuple[str, ...] = (
    "perf_rating_y1", "perf_rating_y2", "perf_rating_y3", "perf_mean", "perf_trend",
    "perf_sangat_baik_count", "perf_below_baik_last2", "perf_missing_years",
)  # fmt: skip

BAIK = RATING_SCORES["BAIK"]


def _mean_known(ratings: np.ndarray) -> np.ndarray:
    """Mean of each row's known ratings, NaN when none is known (no warning: thread-safe)."""
    known = (~np.isnan(ratings)).sum(axis=1)
    total = np.nansum(ratings, axis=1)
    return np.divide(total, known, out=np.full(len(ratings), np.nan), where=known > 0)


def performance_features(
    pool: CandidatePool, position: Mapping[str, Any], config: FeatureConfig
) -> dict[str, np.ndarray]:
    """Ratings as scores 5 (Sangat Baik) .. 1; y1 is last year, known from 1 January."""
    ratings = pool.ratings
    mean, older = _mean_known(ratings), _mean_known(ratings[:, 1:])
    last_two = ratings[:, :2]
    return {
        "perf_rating_y1": ratings[:, 0],
        "perf_rating_y2": ratings[:, 1],
        "perf_rating_y3": ratings[:, 2],
        "perf_mean": mean,
        "perf_trend": ratings[:, 0] - older,
        "perf_sangat_baik_count": (ratings == RATING_SCORES["SANGAT_BAIK"])
        .sum(axis=1)
        .astype(float),
        "perf_below_baik_last2": (last_two < BAIK).any(axis=1).astype(float),
        "perf_missing_years": np.isnan(ratings).sum(axis=1).astype(float),
    }
