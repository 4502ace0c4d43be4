"""Training family: required leadership training by post, technical hours in the family."""

from __future__ import annotations

import pandas as pd
import pytest

from features.candidates import prepare_candidates
from features.config import FeatureConfig
from features.trainings import training_features
from tests.features.factories import employee, make_export, position

A, B = "198001012005031001", "198502022010012002"


@pytest.fixture
def pool():
    def course(nip, kind, on, hours, family=""):
        return {
            "nip": nip,
            "name": kind,
            "kind": kind,
            "job_family": family,
            "completed_on": on,
            "hours": hours,
        }

    export = make_export(employees=[employee(A), employee(B)], trainings=[
        course(A, "PKA", "2022-01-01", 200),
        course(A, "TECHNICAL", "2023-01-01", 40, "keuangan"),
        course(A, "TECHNICAL", "2020-01-01", 20, "keuangan"),
        course(A, "TECHNICAL", "2024-01-01", 30, "kesehatan"),
        course(A, "PKN_II", "2024-07-02", 300),  # after as_of
        course(B, "PKP", "2015-01-01", 100),
    ])  # fmt: skip
    return prepare_candidates(export, pd.Timestamp("2024-07-01"))


def test_administrator_post(pool) -> None:
    out = training_features(pool, position(position_type="ADMINISTRATOR"), FeatureConfig())
    # PKA is level 2 (PKP 1, PKA 2, PKN II 3, PKN I 4); B only has PKP
    assert out["has_required_leadership_training"].tolist() == [1.0, 0.0]
    assert out["leadership_level"].tolist() == [2.0, 1.0]
    # keuangan: 40 + 20 hours in two trainings
    assert out["technical_hours_in_family"].tolist() == [60.0, 0.0]
    assert out["trainings_in_family_count"].tolist() == [2.0, 0.0]
    # completed after 2021-07-01: 200 + 40 + 30 = 270; B's PKP is older
    assert out["training_hours_3y"].tolist() == [270.0, 0.0]


def test_required_level_by_post(pool) -> None:
    def required(ptype: str) -> list[float]:
        out = training_features(pool, position(position_type=ptype), FeatureConfig())
        return out["has_required_leadership_training"].tolist()

    assert required("PENGAWAS") == [1.0, 1.0]
    assert required("JPT_PRATAMA") == [0.0, 0.0]  # the PKN II is not yet completed
    assert required("FUNGSIONAL") == [1.0, 1.0]  # non-managerial: nothing required
    assert required("PELAKSANA") == [1.0, 1.0]


def test_unknown_family_has_no_hours(pool) -> None:
    out = training_features(pool, position(job_family="pariwisata"), FeatureConfig())
    assert out["technical_hours_in_family"].tolist() == [0.0, 0.0]
