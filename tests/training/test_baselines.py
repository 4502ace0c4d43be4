"""Baselines: the pointwise regressor copes with what a small export gives it."""

from __future__ import annotations

import numpy as np

from training.baselines import fit_pointwise
from training.dataset import RankingData


def test_pointwise_fits_when_a_feature_is_never_known(training_data) -> None:
    """A young export has no rating three years back: the column is all missing in training."""
    train = training_data.part("train")
    frame = train.frame.copy()
    frame["perf_rating_y3"] = np.nan
    empty = RankingData(frame, train.feature_columns)
    model = fit_pointwise(empty, seed=1)
    test = training_data.part("test")
    scores = model.predict(test.X)
    assert scores.shape == (len(test.frame),) and np.isfinite(scores).all()
    known = fit_pointwise(train, seed=1).predict(test.X)
    assert np.corrcoef(scores, known)[0, 1] > 0.5  # still a useful baseline
