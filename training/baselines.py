"""What the ranker must beat, scored on the same held-out rounds.

- ``seniority``: the DUK order (daftar urut kepangkatan): rank, then time in rank, then length
  of service, read from the employees table at the round's date (not from the model features);
- ``jpm``: the Job-Person Match feature alone;
- ``pointwise``: a scikit-learn HistGradientBoostingRegressor on the same features and labels.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.pipeline import Pipeline
from threadpoolctl import threadpool_limits

from features.ordinals import RANK_SCALE
from training.dataset import RankingData


def seniority_scores(data: RankingData, employees: pd.DataFrame) -> np.ndarray:
    """DUK order as a score: rank ordinal, then years in rank, then years of service.

    When the current rank was reached after the round's date, the person held the rank below
    then (one step lower, time in rank unknown: 0).
    """
    emp = employees.set_index("nip")
    nips = data.frame["nip"].to_numpy()
    when = pd.to_datetime(data.frame["decided_on"]).to_numpy()
    rank = emp["rank"].reindex(nips).map(RANK_SCALE).fillna(0.0).to_numpy(dtype=np.float64)
    rank_since = emp["rank_since"].reindex(nips).to_numpy()
    service = emp["service_start"].reindex(nips).to_numpy()
    later = rank_since > when
    rank = np.where(later, rank - 1, rank)
    years_in_rank = np.where(later, 0.0, (when - rank_since) / np.timedelta64(1, "D") / 365.25)
    years_service = (when - service) / np.timedelta64(1, "D") / 365.25
    years_in_rank = np.clip(np.nan_to_num(years_in_rank), 0, 99)
    years_service = np.clip(np.nan_to_num(years_service), 0, 99)
    return rank * 1e4 + np.floor(years_in_rank * 12) * 1e1 + years_service / 10


def jpm_column(feature_columns: tuple[str, ...]) -> str:
    """The JPM feature's name (``jpm`` or the first column naming it)."""
    for name in feature_columns:
        if name == "jpm" or name.startswith("jpm"):
            return name
    for name in feature_columns:
        if "jpm" in name:
            return name
    raise KeyError("no JPM feature among the model features")


def jpm_scores(data: RankingData) -> np.ndarray:
    """The JPM feature alone (missing assessments rank last)."""
    column = jpm_column(data.feature_columns)
    return np.nan_to_num(data.frame[column].to_numpy(dtype=np.float64), nan=-1.0)


class _KnownColumns(TransformerMixin, BaseEstimator):
    """Drops the columns with no known value in training (scikit-learn's binning fails on them;
    they carry nothing to learn from)."""

    def fit(self, X: np.ndarray, y: Any = None) -> _KnownColumns:
        self.keep_ = ~np.isnan(X).all(axis=0)
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        return X[:, self.keep_]


def fit_pointwise(train: RankingData, seed: int, threads: int = 1) -> Pipeline:
    """A pointwise regressor on the same features, labels and weights as the ranker.

    OpenMP is held to ``threads``: left to take every core, scikit-learn's histogram boosting
    spins against anything else running (measured: 0.8 s alone, 37 s on a busy 2-core box).
    """
    regressor = HistGradientBoostingRegressor(max_iter=200, learning_rate=0.1, random_state=seed)
    model = Pipeline([("known", _KnownColumns()), ("regressor", regressor)])
    with threadpool_limits(limits=threads, user_api="openmp"):
        model.fit(train.X, train.y, regressor__sample_weight=train.frame["weight"].to_numpy())
    return model
