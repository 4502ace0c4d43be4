"""Talent box: the documented 9-box mapping (PermenPANRB 3/2020)."""

from __future__ import annotations

import numpy as np

from features.config import FeatureConfig
from features.talent import talent_box


def test_every_box() -> None:
    # performance axis from the last rating: 5 above, 4 as expected, <= 3 below;
    # potential axis: >= 80 high, >= 68 middle, below low
    rating = np.array([3.0, 4.0, 5.0] * 3)
    potential = np.repeat([50.0, 70.0, 90.0], 3)
    boxes = talent_box(rating, potential, np.full(9, np.nan), FeatureConfig())
    # low potential: 1 2 4; middle: 3 5 7; high: 6 8 9 (7-9 the talent pool)
    assert boxes.tolist() == [1, 2, 4, 3, 5, 7, 6, 8, 9]


def test_jpm_stands_in_for_a_missing_potential_score() -> None:
    boxes = talent_box(
        np.array([5.0, 5.0]), np.array([np.nan, np.nan]), np.array([85.0, np.nan]), FeatureConfig()
    )
    assert boxes[0] == 9.0 and np.isnan(boxes[1])


def test_thresholds_are_configurable() -> None:
    rating, potential = np.array([4.0]), np.array([75.0])
    assert talent_box(rating, potential, potential, FeatureConfig())[0] == 5.0
    strict = FeatureConfig(potential_high=90, potential_middle=78)
    assert talent_box(rating, potential, potential, strict)[0] == 2.0
