"""Aspirations family: stated preferences for the job family or unit, weighted by rank."""

from __future__ import annotations

import pandas as pd
import pytest

from features.aspirations import aspiration_features
from features.candidates import prepare_candidates
from features.config import FeatureConfig
from tests.features.factories import employee, make_export, position

A, B, C = "198001012005031001", "198502022010012002", "199003032015031003"


def test_preferences_weighted_by_rank() -> None:
    def wish(nip, rank, family="", unit="", on="2024-01-01"):
        return {
            "nip": nip,
            "preference_rank": rank,
            "job_family": family,
            "unit_id": unit,
            "submitted_on": on,
        }

    export = make_export(
        employees=[employee(A), employee(B), employee(C)],
        aspirations=[
            wish(A, 1, family="keuangan"),
            wish(A, 2, unit="U7"),
            wish(B, 1, family="kesehatan"),
            wish(B, 3, family="keuangan"),
            wish(C, 2, family="keuangan", unit="U7", on="2024-07-02"),  # after as_of
        ],
    )
    pool = prepare_candidates(export, pd.Timestamp("2024-07-01"))
    out = aspiration_features(pool, position(job_family="keuangan", unit_id="U7"), FeatureConfig())
    # rank 1 -> 1, rank 2 -> 2/3, rank 3 -> 1/3
    assert out["aspires_job_family"] == pytest.approx([1.0, 1 / 3, 0.0])
    assert out["aspires_unit"] == pytest.approx([2 / 3, 0.0, 0.0])
    other = aspiration_features(
        pool, position(job_family="pariwisata", unit_id="U9"), FeatureConfig()
    )
    assert other["aspires_job_family"].tolist() == [0.0] * 3
    assert other["aspires_unit"].tolist() == [0.0] * 3
