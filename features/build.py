"""``build_features``: the one feature path that training and serving both call."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from features import aspirations, competency, education, experience, performance, talent, trainings
from features.candidates import CandidatePool
from features.config import FeatureConfig

FAMILIES = (
    (competency.COLUMNS, competency.competency_features),
    (education.COLUMNS, education.education_features),
    (performance.COLUMNS, performance.performance_features),
    (experience.COLUMNS, experience.experience_features),
    (trainings.COLUMNS, trainings.training_features),
    (aspirations.COLUMNS, aspirations.aspiration_features),
)
FEATURE_COLUMNS: tuple[str, ...] = (
    *competency.COLUMNS, *education.COLUMNS, *performance.COLUMNS, *experience.COLUMNS,
    *trainings.COLUMNS, *talent.COLUMNS, *aspirations.COLUMNS,
)  # fmt: skip
"""The canonical, ordered feature list stored with every model."""


def build_features(
    candidates: CandidatePool,
    position: Mapping[str, Any],
    as_of: Any,
    config: FeatureConfig | None = None,
) -> pd.DataFrame:
    """Features of every candidate of the pool for one position on one date.

    Parameters
    ----------
    candidates : CandidatePool
        Blocks prepared for ``as_of`` by ``prepare_candidates``.
    position : mapping
        The position's contract fields (a ``positions`` row or an inline definition).
    as_of : date-like
        The decision date; must be the pool's date.
    config : FeatureConfig, optional
        Thresholds; defaults follow domain.md.

    Returns
    -------
    pandas.DataFrame
        Index ``nip`` in pool order, columns ``FEATURE_COLUMNS``, float64.
    """
    if pd.Timestamp(as_of).normalize() != candidates.as_of:
        raise ValueError(f"the pool was prepared for {candidates.as_of.date()}, not {as_of}")
    config = config or FeatureConfig()
    values: dict[str, np.ndarray] = {}
    for _, family in FAMILIES:
        values.update(family(candidates, position, config))
    values["talent_box"] = talent.talent_box(
        values["perf_rating_y1"], values["potential_score"], values["jpm"], config
    )
    # one contiguous row per feature, handed to pandas transposed: a single float block, no copy
    matrix = np.empty((len(FEATURE_COLUMNS), len(candidates)), dtype=np.float64)
    for i, column in enumerate(FEATURE_COLUMNS):
        matrix[i] = values[column]
    index = pd.Index(candidates.nips, name="nip")
    return pd.DataFrame(matrix.T, index=index, columns=list(FEATURE_COLUMNS), copy=False)


def build_columns(
    candidates: CandidatePool,
    position: Mapping[str, Any],
    as_of: Any,
    columns: Sequence[str],
    config: FeatureConfig | None = None,
) -> pd.DataFrame:
    """Only the feature families that give ``columns`` (all their columns), for a cheap pass:
    the eligibility rules' features before the whole ``build_features``. Same family
    functions, so the same values as ``build_features`` gives for those columns.

    Raises
    ------
    KeyError
        A column no family gives (the talent box is only built by ``build_features``).
    """
    if pd.Timestamp(as_of).normalize() != candidates.as_of:
        raise ValueError(f"the pool was prepared for {candidates.as_of.date()}, not {as_of}")
    config = config or FeatureConfig()
    wanted = set(columns)
    values: dict[str, np.ndarray] = {}
    for family_columns, family in FAMILIES:
        if wanted & set(family_columns):
            values.update(family(candidates, position, config))
    unknown = sorted(wanted - set(values))
    if unknown:
        raise KeyError(f"no feature family gives {', '.join(unknown)}")
    return pd.DataFrame(values, index=pd.Index(candidates.nips, name="nip"))
