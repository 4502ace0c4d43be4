"""Training family: the leadership training the post expects, technical training in its family."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from features.candidates import LEADERSHIP_LEVEL, CandidatePool
from features.config import FeatureConfig

COLUMNS: tuple[str, ...] = (
    "has_required_leadership_training", "leadership_level", "technical_hours_in_family",
    "trainings_in_family_count", "training_hours_3y",
)  # fmt: skip

REQUIRED_LEADERSHIP: dict[str, str] = {
    "PENGAWAS": "PKP", "ADMINISTRATOR": "PKA", "JPT_PRATAMA": "PKN_II",
    "JPT_MADYA": "PKN_I", "JPT_UTAMA": "PKN_I",
}  # fmt: skip
"""Leadership training expected for each managerial post (PKP, PKA, PKN II, PKN I)."""


def training_features(
    pool: CandidatePool, position: Mapping[str, Any], config: FeatureConfig
) -> dict[str, np.ndarray]:
    """Leadership training at or above the post's level; hours in the post's job family."""
    required = REQUIRED_LEADERSHIP.get(str(position["position_type"]))
    needed = LEADERSHIP_LEVEL[required] if required else 0
    family = pool.families.get(str(position.get("job_family", "")))
    zeros = np.zeros(len(pool))
    return {
        "has_required_leadership_training": (pool.leadership_level >= needed).astype(float),
        "leadership_level": pool.leadership_level,
        "technical_hours_in_family": (
            pool.training_hours_by_family[:, family] if family is not None else zeros
        ),
        "trainings_in_family_count": (
            pool.trainings_by_family[:, family] if family is not None else zeros
        ),
        "training_hours_3y": pool.training_hours_3y,
    }
