"""Behaviour of the trained ranker on edited candidates (metamorphic tests of merit).

Twins of the small export's past candidates are made by editing their prepared records and
scored through ``build_features`` (training/behaviour.py); the ranker is the session's
few-tree ``ranker``.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from features.build import build_features
from features.candidates import CandidatePool, prepare_candidates
from features.competency import required_levels
from features.export import PROTECTED_ATTRIBUTES, Export
from training.behaviour import Behaviour, band_twins, check_pools, dominating_twins, round_pools
from training.bundle import RankerBundle

BAND_AND_SENIORITY = (
    "gap_", "jpm", "shortfall_", "surplus_", "assessment_missing", "years_since_assessment",
    "talent_box", "years_of_service", "rank_gap", "years_in_current_position",
)  # fmt: skip
"""Columns band twins may differ in: the competency block (and the talent box it feeds, an
unassessed candidate being assessed in both twins) and seniority."""


@pytest.fixture(scope="module")
def pools(small_export: Export) -> list[tuple[CandidatePool, dict]]:
    """Every past round's candidates on its date, with its position."""
    return round_pools(small_export, list(small_export.rounds["round_id"].unique()))


@pytest.fixture(scope="module")
def checked(ranker: RankerBundle, pools) -> Behaviour:
    """The session ranker's dominance and band checks over every round's twins."""
    return check_pools(ranker.predict, pools, seed=3)


def test_a_dominating_twin_is_at_least_as_good_on_every_merit_feature(pools):
    pool, position = pools[0]
    base = build_features(pool, position, pool.as_of)
    twin = build_features(dominating_twins(pool, position, np.random.default_rng(1)),
                          position, pool.as_of)  # fmt: skip
    for column, sign in (("jpm", 1), ("shortfall_sum", -1), ("perf_mean", 1),
                         ("education_level_gap", 1), ("major_match", 1),
                         ("years_in_job_family", 1), ("technical_hours_in_family", 1),
                         ("sanction_count_5y", -1)):  # fmt: skip
        delta = sign * (twin[column].fillna(-99) - base[column].fillna(-99))
        assert (delta >= -1e-9).all(), column
    assert (twin.to_numpy() != base.to_numpy()).any(axis=1).mean() > 0.5
    for free in ("surplus_sum", "perf_trend", "years_of_service", "rank_gap", "training_hours_3y"):
        pd.testing.assert_series_equal(twin[free], base[free])


def test_a_candidate_who_dominates_on_merit_is_never_ranked_below(checked):
    assert checked.dominance_pairs > 500
    assert checked.dominance_violations == 0


def test_band_twins_differ_only_in_jpm_band_and_seniority(pools):
    pool, position = pools[0]
    required = required_levels(position)
    for merit, senior in band_twins(pool, position):
        high = build_features(merit, position, pool.as_of)
        low = build_features(senior, position, pool.as_of)
        assert (high["jpm_band"] == low["jpm_band"] + 1).all()
        assert (low["years_of_service"] - high["years_of_service"]).round(6).eq(10).all()
        assert (low["rank_gap"] - high["rank_gap"]).dropna().eq(1).all()
        assert merit.competency_levels.sum(axis=1).max() <= required.sum()
        same = [c for c in high.columns if not c.startswith(BAND_AND_SENIORITY)]
        pd.testing.assert_frame_equal(high[same], low[same])


def test_seniority_never_reverses_the_jpm_band_order(checked, pools):
    """Time served never ranks (model.unranked), so a senior twin one JPM band lower never
    scores above its merit twin (0.089 of pairs while seniority was a free feature); the
    seniority (DUK) order reverses every pair, so the measure can fail."""
    assert checked.band_pairs > 500
    assert checked.seniority_reversal_rate == 0.0
    duk = check_pools(
        lambda f: (f["rank_gap"].fillna(0) * 100 + f["years_of_service"]).to_numpy(), pools[:5]
    )
    assert duk.seniority_reversal_rate == 1.0  # the measure sees seniority order


def test_protected_attributes_are_inert(ranker, small_export, pools):
    pool, position = pools[1]
    nips = list(pool.nips)
    rng = np.random.default_rng(5)
    employees = small_export.employees.copy()
    edited = employees["nip"].isin(nips)
    for column in ("gender", "religion", "ethnicity", "origin_region", "marital_status",
                   "disability"):  # fmt: skip
        if column in employees:
            values = employees[column].dropna().unique()
            employees.loc[edited, column] = rng.choice(values, size=int(edited.sum()))
    employees.loc[edited, "birth_date"] = employees.loc[edited, "birth_date"] - pd.Timedelta(
        days=3650
    )
    changed = dataclasses.replace(small_export, employees=employees)
    assert set(PROTECTED_ATTRIBUTES) & set(employees.columns) >= {"gender", "birth_date"}
    before = build_features(pool, position, pool.as_of)
    after_pool = prepare_candidates(changed, pool.as_of, nips=nips)
    after = build_features(after_pool, position, pool.as_of)
    assert not after_pool.employees.equals(pool.employees)
    pd.testing.assert_frame_equal(before, after)
    np.testing.assert_array_equal(ranker.predict(before), ranker.predict(after))
