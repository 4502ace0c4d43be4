"""Experience family: careers clipped at the date, the ladder one step below, rank, sanctions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from features.candidates import prepare_candidates
from features.config import FeatureConfig
from features.experience import experience_features
from tests.features.factories import employee, make_export, position

A, B, C = "198001012005031001", "198502022010012002", "199003032015031003"
AS_OF = pd.Timestamp("2024-07-01")


def span(nip, ptype, title, family, start, end=""):
    return {
        "nip": nip,
        "position_id": "",
        "title": title,
        "position_type": ptype,
        "job_family": family,
        "unit_id": "U1",
        "start_date": start,
        "end_date": end,
    }


@pytest.fixture
def pool():
    export = make_export(
        employees=[
            employee(A, rank="III/c", rank_since="2018-04-01"),
            employee(B, employment_type="PPPK", rank="IX"),
            # C reached III/d only after as_of: on as_of it was one step lower (III/c)
            employee(C, rank="III/d", rank_since="2025-04-01", position_since="2021-01-01"),
        ],
        position_history=[
            span(A, "PELAKSANA", "Analis Anggaran", "keuangan", "2014-07-01", "2019-07-01"),
            span(A, "PENGAWAS", "Kasubbag Anggaran", "keuangan", "2019-07-01"),
            span(
                B,
                "FUNGSIONAL",
                "Analis Kebijakan Ahli Muda",
                "pemerintahan",
                "2016-07-01",
                "2020-07-01",
            ),
            span(B, "FUNGSIONAL", "Analis Kebijakan Ahli Madya", "pemerintahan", "2020-07-01"),
            span(C, "PENGAWAS", "Kasi Gizi", "kesehatan", "2021-01-01", "2030-01-01"),
        ],
        discipline=[
            {"nip": A, "level": "SEDANG", "decided_on": "2022-01-01", "ends_on": "2025-01-01"}
        ],
    )
    return prepare_candidates(export, AS_OF)


def test_administrator_keuangan(pool) -> None:
    out = experience_features(
        pool,
        position(position_type="ADMINISTRATOR", job_family="keuangan", min_rank="III/d"),
        FeatureConfig(),
    )
    # A: 2014-07-01..2024-07-01 in keuangan (3653 days); PENGAWAS 2019-07-01..as_of (1827 days)
    assert out["years_in_job_family"][0] == pytest.approx(3653 / 365.25)
    assert out["years_at_position_type"][0] == 0.0
    assert out["years_one_level_below"][0] == pytest.approx(1827 / 365.25)
    assert out["years_in_current_position"][0] == pytest.approx(1827 / 365.25)
    # service from 2005-03-01: 7062 days
    assert out["years_of_service"][0] == pytest.approx(7062 / 365.25)
    # III/c - III/d = -1; PPPK has no PNS rank: NaN; C counted at III/c on as_of: -1
    assert out["rank_gap"][0] == -1.0 and np.isnan(out["rank_gap"][1])
    assert out["rank_gap"][2] == -1.0
    # C's span is open on as_of (ends 2030): 2021-01-01..2024-07-01 = 1277 days
    assert out["years_in_current_position"][2] == pytest.approx(1277 / 365.25)
    assert out["sanction_count_5y"].tolist() == [1.0, 0.0, 0.0]
    assert out["sanction_active"].tolist() == [2.0, 0.0, 0.0]


def test_functional_ladder(pool) -> None:
    madya = experience_features(
        pool,
        position(
            position_type="FUNGSIONAL", functional_level="AHLI_MADYA", job_family="pemerintahan"
        ),
        FeatureConfig(),
    )
    # B: Ahli Muda 2016-07-01..2020-07-01 (1461 days), Ahli Madya 2020-07-01..as_of (1461 days)
    assert madya["years_one_level_below"][1] == pytest.approx(1461 / 365.25)
    assert madya["years_at_position_type"][1] == pytest.approx(1461 / 365.25)
    assert madya["years_in_job_family"][1] == pytest.approx(2922 / 365.25)
    # JPT Pratama: one step below is Administrator or Ahli Madya
    jpt = experience_features(pool, position(position_type="JPT_PRATAMA"), FeatureConfig())
    assert jpt["years_one_level_below"][1] == pytest.approx(1461 / 365.25)
    assert jpt["years_one_level_below"][0] == 0.0


def test_no_min_rank_gives_nan(pool) -> None:
    out = experience_features(pool, position(min_rank=""), FeatureConfig())
    assert np.isnan(out["rank_gap"]).all()
