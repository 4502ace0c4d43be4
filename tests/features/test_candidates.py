"""prepare_candidates: point-in-time blocks on a three-employee hand-made export."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from features.candidates import prepare_candidates, subset
from tests.features.factories import assessment, employee, make_export

A, B, C = "198001012005031001", "198502022010012002", "199003032015031003"
AS_OF = pd.Timestamp("2024-07-01")


@pytest.fixture
def export():
    return make_export(
        employees=[employee(A), employee(B, employment_type="PPPK", rank="IX"), employee(C)],
        competencies=[
            assessment(A, "2021-05-01", 2.0, 50.0),
            assessment(A, "2023-05-01", 3.0, 70.0),
            assessment(A, "2024-07-02", 5.0, 99.0),  # the day after as_of: not known yet
            assessment(B, "2024-07-01", 4.0),  # on as_of: known
        ],
        performance=[
            {"nip": A, "year": 2023, "rating": "SANGAT_BAIK"},
            {"nip": A, "year": 2022, "rating": "BAIK"},
            {"nip": A, "year": 2021, "rating": "KURANG"},
            {"nip": A, "year": 2020, "rating": "BAIK"},  # four years back: outside the window
            {"nip": A, "year": 2024, "rating": "SANGAT_KURANG"},  # known from 2025-01-01
        ],
        discipline=[
            {"nip": A, "level": "RINGAN", "decided_on": "2024-01-01", "ends_on": ""},
            {"nip": A, "level": "SEDANG", "decided_on": "2023-01-01", "ends_on": "2024-01-01"},
            {"nip": B, "level": "SEDANG", "decided_on": "2024-03-01", "ends_on": "2025-03-01"},
            {"nip": B, "level": "BERAT", "decided_on": "2018-03-01", "ends_on": "2019-03-01"},
            {"nip": C, "level": "BERAT", "decided_on": "2024-07-02", "ends_on": ""},
        ],
        position_history=[
            {"nip": A, "position_id": "", "title": "Analis Anggaran", "position_type": "PELAKSANA",
             "job_family": "keuangan", "unit_id": "U1", "start_date": "2014-07-01",
             "end_date": "2019-07-01"},
            {"nip": A, "position_id": "", "title": "Kasubbag Anggaran",
             "position_type": "PENGAWAS", "job_family": "keuangan", "unit_id": "U1",
             "start_date": "2019-07-01", "end_date": ""},
            {"nip": C, "position_id": "", "title": "Kasi Gizi", "position_type": "PENGAWAS",
             "job_family": "kesehatan", "unit_id": "U2", "start_date": "2025-01-01",
             "end_date": ""},
        ],
    )  # fmt: skip


def test_pool_keeps_the_given_order_and_refuses_strangers(export) -> None:
    pool = prepare_candidates(export, AS_OF, nips=[C, A])
    assert list(pool.nips) == [C, A]
    assert list(pool.employees["nip"]) == [C, A]
    assert isinstance(pool.employees.index, pd.RangeIndex)
    assert len(prepare_candidates(export, AS_OF)) == 3
    with pytest.raises(KeyError):
        prepare_candidates(export, AS_OF, nips=[A, "999999999999999999"])


def test_latest_assessment_on_or_before_the_date(export) -> None:
    pool = prepare_candidates(export, AS_OF, nips=[A, B, C])
    # A: the 2023 assessment (3.0, potential 70); the 2024-07-02 one is after as_of
    assert pool.competency_levels[0].tolist() == [3.0] * 9
    assert pool.potential_score[0] == 70.0
    assert pool.assessed_on[0] == np.datetime64("2023-05-01")
    # B: assessed on as_of itself, no potential score; C: never assessed
    assert pool.competency_levels[1].tolist() == [4.0] * 9 and np.isnan(pool.potential_score[1])
    assert np.isnan(pool.competency_levels[2]).all() and np.isnat(pool.assessed_on[2])


def test_ratings_known_from_the_next_january(export) -> None:
    pool = prepare_candidates(export, AS_OF, nips=[A])
    # as_of 2024: columns are 2023, 2022, 2021 -> 5 (SANGAT_BAIK), 4 (BAIK), 2 (KURANG)
    assert pool.ratings[0].tolist() == [5.0, 4.0, 2.0]
    # on 2025-01-01 the 2024 rating becomes known and 2021 leaves the window
    later = prepare_candidates(export, "2025-01-01", nips=[A])
    assert later.ratings[0].tolist() == [1.0, 5.0, 4.0]


def test_active_sanction_is_the_most_severe_running_one(export) -> None:
    pool = prepare_candidates(export, AS_OF, nips=[A, B, C])
    # A: RINGAN running (1); the SEDANG ended 2024-01-01. B: SEDANG running (2), the BERAT ended.
    # C: the BERAT is decided the day after as_of.
    assert pool.active_sanction_level.tolist() == [1, 2, 0]
    assert pool.active_sanction_level.dtype == np.int8
    # within five years of 2024-07-01: A two, B one (2018-03-01 is older), C none yet
    assert pool.sanctions_5y.tolist() == [2.0, 1.0, 0.0]
    assert prepare_candidates(export, "2024-07-02", nips=[C]).active_sanction_level[0] == 3


def test_career_spans_are_clipped_at_the_date(export) -> None:
    pool = prepare_candidates(export, AS_OF, nips=[A, C])
    keuangan = pool.families["keuangan"]
    # A: 2014-07-01..2024-07-01 in keuangan = 3653 days / 365.25
    assert pool.years_by_family[0, keuangan] == pytest.approx(3653 / 365.25)
    # C's only span starts after as_of: nothing yet, and the current post falls back to
    # position_since (2020-01-01)
    assert pool.years_by_family[1].sum() == 0.0
    assert pool.current_start[0] == np.datetime64("2019-07-01")
    assert pool.current_start[1] == np.datetime64("2020-01-01")


def test_subset_by_mask_and_positions(export) -> None:
    pool = prepare_candidates(export, AS_OF)
    by_mask = subset(pool, np.array([False, True, True]))
    by_rows = subset(pool, [2, 1])
    assert list(by_mask.nips) == [B, C] and list(by_rows.nips) == [C, B]
    assert by_rows.active_sanction_level.tolist() == [0, 2]
    assert list(by_rows.employees["nip"]) == [C, B]
    assert pool.nips.tolist() == [A, B, C]  # the original is untouched
