"""Aspirations family: the candidate asked for this job family or unit."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from features.candidates import CandidatePool
from features.config import FeatureConfig

COLUMNS: tuple[str, ...] = ("aspires_job_family", "aspires_unit")


def aspiration_features(
    pool: CandidatePool, position: Mapping[str, Any], config: FeatureConfig
) -> dict[str, np.ndarray]:
    """Weight of the strongest matching preference (rank 1: 1, rank 2: 2/3, rank 3: 1/3)."""
    family = pool.families.get(str(position.get("job_family", "")))
    by_family = pool.aspired_family[:, family].copy() if family is not None else np.zeros(len(pool))
    by_unit = np.zeros(len(pool))
    units = pool.aspired_units
    wanted = units[units["unit_id"] == position.get("unit_id")]
    np.maximum.at(by_unit, wanted["row"].to_numpy(int), wanted["weight"].to_numpy(float))
    return {"aspires_job_family": by_family, "aspires_unit": by_unit}
