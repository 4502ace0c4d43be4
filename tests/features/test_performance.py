"""Performance family: the last three ratings known on the date, as scores 5..1."""

from __future__ import annotations

import numpy as np
import pandas as pd

from features.candidates import prepare_candidates
from features.config import FeatureConfig
from features.performance import COLUMNS, performance_features
from tests.features.factories import employee, make_export, position

A, B, C = "198001012005031001", "198502022010012002", "199003032015031003"


def _features() -> dict[str, np.ndarray]:
    ratings = [
        (A, 2023, "SANGAT_BAIK"), (A, 2022, "BAIK"), (A, 2021, "KURANG"),
        (B, 2022, "BUTUH_PERBAIKAN"), (B, 2021, "BAIK"),
        (C, 2024, "SANGAT_BAIK"),  # not known on 2024-07-01
    ]  # fmt: skip
    export = make_export(
        employees=[employee(A), employee(B), employee(C)],
        performance=[{"nip": n, "year": y, "rating": r} for n, y, r in ratings],
    )
    pool = prepare_candidates(export, pd.Timestamp("2024-07-01"))
    return performance_features(pool, position(), FeatureConfig())


def test_scores_of_the_last_three_years() -> None:
    out = _features()
    assert set(out) == set(COLUMNS)
    # A: 2023 SB 5, 2022 B 4, 2021 K 2
    assert [out[f"perf_rating_y{i}"][0] for i in (1, 2, 3)] == [5.0, 4.0, 2.0]
    assert out["perf_mean"][0] == 11 / 3  # (5 + 4 + 2) / 3
    assert out["perf_trend"][0] == 2.0  # 5 - mean(4, 2)
    assert out["perf_sangat_baik_count"][0] == 1.0
    assert out["perf_below_baik_last2"][0] == 0.0  # 5 and 4
    assert out["perf_missing_years"][0] == 0.0


def test_missing_years_stay_nan() -> None:
    out = _features()
    # B: 2023 missing, 2022 BP 3, 2021 B 4
    assert np.isnan(out["perf_rating_y1"][1])
    assert out["perf_mean"][1] == 3.5  # (3 + 4) / 2
    assert np.isnan(out["perf_trend"][1])
    assert out["perf_below_baik_last2"][1] == 1.0  # 3 < 4 in 2022
    assert out["perf_missing_years"][1] == 1.0
    # C: only a 2024 rating, not yet known
    assert np.isnan(out["perf_mean"][2]) and out["perf_missing_years"][2] == 3.0
