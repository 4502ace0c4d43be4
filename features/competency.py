"""Competency family: the latest assessment against the position's required levels."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from features.candidates import CandidatePool
from features.config import FeatureConfig
from features.vocabulary import COMPETENCIES, REQUIRED_COMPETENCY_COLUMNS

COLUMNS: tuple[str, ...] = (
    "jpm", "jpm_band", *(f"gap_{c}" for c in COMPETENCIES), "shortfall_count", "shortfall_sum",
    "surplus_sum", "years_since_assessment", "assessment_missing", "potential_score",
)  # fmt: skip


def required_levels(position: Mapping[str, Any]) -> np.ndarray:
    """The position's nine required levels (PermenPANRB 38/2017)."""
    return np.array([float(position[c]) for c in REQUIRED_COMPETENCY_COLUMNS])


def jpm_band(jpm: np.ndarray, config: FeatureConfig) -> np.ndarray:
    """2 Memenuhi Syarat, 1 Masih Memenuhi Syarat, 0 Kurang Memenuhi Syarat, NaN unassessed."""
    band = np.select([jpm >= config.jpm_ms, jpm >= config.jpm_mms], [2.0, 1.0], 0.0)
    return np.where(np.isnan(jpm), np.nan, band)


def competency_features(
    pool: CandidatePool, position: Mapping[str, Any], config: FeatureConfig
) -> dict[str, np.ndarray]:
    """JPM = sum of assessed levels / sum of required levels x 100, gaps and their summaries."""
    required = required_levels(position)
    levels = pool.competency_levels
    counted = np.minimum(levels, required) if config.jpm_cap_per_competency else levels
    jpm = counted.sum(axis=1) / required.sum() * 100.0
    gaps = levels - required
    missing = np.isnan(levels).all(axis=1)
    age = (pool.as_of.to_datetime64() - pool.assessed_on) / np.timedelta64(1, "D") / 365.25
    out = {"jpm": jpm, "jpm_band": jpm_band(jpm, config)}
    out.update({f"gap_{c}": gaps[:, i] for i, c in enumerate(COMPETENCIES)})
    nan_if_missing = np.where(missing, np.nan, 1.0)
    out["shortfall_count"] = (gaps < 0).sum(axis=1) * nan_if_missing
    out["shortfall_sum"] = np.where(gaps < 0, -gaps, 0.0).sum(axis=1) * nan_if_missing
    out["surplus_sum"] = np.where(gaps > 0, gaps, 0.0).sum(axis=1) * nan_if_missing
    out["years_since_assessment"] = np.where(np.isnat(pool.assessed_on), np.nan, age)
    out["assessment_missing"] = missing.astype(float)
    out["potential_score"] = pool.potential_score
    return out
