"""Talent box: the 9-box of performance x potential (PermenPANRB 3/2020)."""

from __future__ import annotations

import numpy as np

from features.config import FeatureConfig

COLUMNS: tuple[str, ...] = ("talent_box",)

BOXES = np.array([[1, 2, 4], [3, 5, 7], [6, 8, 9]], dtype=float)
"""BOXES[potential, performance]: rows low/middle/high potential, columns below/as/above
expectation. Boxes 7-9 form the talent pool, 4-6 rotation or development, 1 performance action."""


def talent_box(
    last_rating: np.ndarray, potential: np.ndarray, jpm: np.ndarray, config: FeatureConfig
) -> np.ndarray:
    """Box 1-9 from the last rating and the potential score (else JPM); NaN if unknown."""
    performance = np.select([last_rating >= 5, last_rating >= 4], [2, 1], 0)
    axis = np.where(np.isnan(potential), jpm, potential)
    level = np.select([axis >= config.potential_high, axis >= config.potential_middle], [2, 1], 0)
    box = BOXES[level, performance]
    return np.where(np.isnan(last_rating) | np.isnan(axis), np.nan, box)
