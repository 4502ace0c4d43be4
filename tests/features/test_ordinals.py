"""Ordinals and bands: one definition for the whole project."""

from __future__ import annotations

import pandas as pd

from features.ordinals import EDUCATION_ORDINAL, RANK_SCALE, age_bands, age_in_years


def test_d4_equals_s1_and_levels_ascend():
    assert EDUCATION_ORDINAL["D4"] == EDUCATION_ORDINAL["S1"]
    assert EDUCATION_ORDINAL["D3"] < EDUCATION_ORDINAL["D4"] < EDUCATION_ORDINAL["S2"]


def test_pppk_and_pns_share_one_scale():
    assert RANK_SCALE["I/a"] == RANK_SCALE["I"] == 0.0
    assert RANK_SCALE["IV/e"] == RANK_SCALE["XVII"] == 16.0


def test_age_counts_completed_years_and_bands_have_edges():
    as_of = pd.Timestamp("2026-11-01")
    birth = pd.Series(pd.to_datetime(["1996-11-01", "1996-11-02", "1976-11-01", "2000-01-01"]))
    assert age_in_years(birth, as_of).tolist() == [30.0, 29.0, 50.0, 26.0]
    assert age_bands(birth, as_of).tolist() == ["30-39", "<30", "50+", "<30"]
    assert age_bands(pd.Series([pd.NaT]), as_of).tolist() == ["UNKNOWN"]
