"""Competency family on hand-made assessments (JPM, bands, gaps, missing)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from features.candidates import prepare_candidates
from features.competency import COLUMNS, competency_features
from features.config import FeatureConfig
from features.vocabulary import COMPETENCIES
from tests.features.factories import assessment, employee, make_export, position

A, B, C = "198001012005031001", "198502022010012002", "199003032015031003"
AS_OF = pd.Timestamp("2024-07-01")


@pytest.fixture
def pool():
    export = make_export(
        employees=[employee(A), employee(B), employee(C)],
        competencies=[
            # A: integritas 4, perekat_bangsa 2, the rest 3
            assessment(A, "2023-07-01", 3.0, 75.0, integritas=4.0, perekat_bangsa=2.0),
            # B: integritas 3, the rest 2
            assessment(B, "2024-01-01", 2.0, integritas=3.0),
        ],
    )
    return prepare_candidates(export, AS_OF)


def test_jpm_gaps_and_summaries(pool) -> None:
    out = competency_features(pool, position(), FeatureConfig())
    assert set(out) == set(COLUMNS)
    # required 3 x 9 = 27. A: 4 + 3 x 7 + 2 = 27 -> JPM 100; B: 3 + 2 x 8 = 19 -> 70.37
    assert out["jpm"][:2] == pytest.approx([100.0, 19 / 27 * 100])
    assert out["jpm_band"][:2].tolist() == [2.0, 1.0]  # 100 >= 80 MS; 68 <= 70.4 < 80 MMS
    assert out["gap_integritas"][:2].tolist() == [1.0, 0.0]
    assert out["gap_perekat_bangsa"][:2].tolist() == [-1.0, -1.0]
    # A: one shortfall of 1, one surplus of 1; B: eight shortfalls of 1
    assert out["shortfall_count"][:2].tolist() == [1.0, 8.0]
    assert out["shortfall_sum"][:2].tolist() == [1.0, 8.0]
    assert out["surplus_sum"][:2].tolist() == [1.0, 0.0]
    # A assessed 2023-07-01: 366 days before as_of
    assert out["years_since_assessment"][0] == pytest.approx(366 / 365.25)
    assert out["potential_score"][0] == 75.0 and np.isnan(out["potential_score"][1])
    assert out["assessment_missing"].tolist() == [0.0, 0.0, 1.0]


def test_unassessed_candidate_is_nan_not_zero(pool) -> None:
    out = competency_features(pool, position(), FeatureConfig())
    for column in COLUMNS:
        if column != "assessment_missing":
            assert np.isnan(out[column][2]), column


def test_capping_per_competency(pool) -> None:
    capped = competency_features(pool, position(), FeatureConfig(jpm_cap_per_competency=True))
    # A capped: min(4,3) + 3 x 7 + 2 = 26 -> 96.30; B has no surplus: unchanged
    assert capped["jpm"][:2] == pytest.approx([26 / 27 * 100, 19 / 27 * 100])


def test_bands_follow_the_agency_thresholds(pool) -> None:
    strict = competency_features(pool, position(), FeatureConfig(jpm_ms=90, jpm_mms=78))
    assert strict["jpm_band"][:2].tolist() == [2.0, 0.0]  # 70.4 < 78: KMS


def test_required_levels_change_jpm(pool) -> None:
    # required 4 everywhere (sum 36): A 27/36 = 75 -> MMS
    out = competency_features(
        pool,
        position(**{f"req_{c}": 4 for c in COMPETENCIES}),
        FeatureConfig(),
    )
    assert out["jpm"][0] == pytest.approx(75.0) and out["jpm_band"][0] == 1.0
