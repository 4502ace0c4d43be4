"""Reasons in words: every feature has its own sentence, every factor its reason (id and en)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from features import competency
from features.build import FEATURE_COLUMNS
from features.config import FeatureConfig
from serving import explain


@pytest.mark.parametrize("feature", FEATURE_COLUMNS)
@pytest.mark.parametrize("value", [0.0, 1.0, 2.0, -1.5, 4.0, 85.0, math.nan])
def test_every_feature_has_its_own_words(feature: str, value: float) -> None:
    for lang in ("id", "en"):
        for minimum in (None, 2.0):
            text = explain.phrase(feature, value, lang, minimum)
            assert text and " = " not in text and "_" not in text, text


def test_sentences_say_the_value_and_its_standing() -> None:
    assert explain.phrase("gap_integritas", -1.0, "id") == (
        "Integritas di bawah standar (-1.0 level)"
    )
    assert explain.phrase("gap_komunikasi", 0.5, "en") == (
        "Communication meets the standard (+0.5 levels)"
    )
    assert explain.phrase("jpm", 85.0, "id") == "JPM 85% (Memenuhi Syarat)"
    assert explain.phrase("jpm", 67.9, "en") == "JPM 68% (below the standard)"
    assert explain.phrase("perf_rating_y1", 5.0, "id") == "Predikat kinerja tahun lalu: Sangat Baik"
    assert explain.phrase("rank_gap", -2.0, "en") == "Rank 2 step(s) below the minimum"
    assert explain.phrase("years_one_level_below", 3.0, "en", 4.0) == (
        "3.0 years one level below (short of the minimum of 4)"
    )
    assert explain.phrase("perf_rating_y2", math.nan, "id") == (
        "Tidak ada penilaian kinerja dua tahun lalu"
    )


def test_the_jpm_band_is_the_features_band() -> None:
    """The words of a JPM and of its band feature come from one band definition."""
    for jpm in (50.0, 67.9, 68.0, 79.9, 80.0, 95.0):
        band = float(competency.jpm_band(np.array([jpm]), FeatureConfig())[0])
        said = explain.phrase("jpm", jpm, "en")
        assert said.endswith(f"({explain.jpm_band_label(band, 'en')})"), (jpm, said)
    # a row's band feature (built with an agency's thresholds, 90/78 say) is the band said
    assert explain.phrase("jpm", 85.0, "id", jpm_band=1.0) == "JPM 85% (Masih Memenuhi Syarat)"
    values = np.array([85.0, 1.0])
    said = explain.described(["jpm", "jpm_band"], values, np.zeros(2), "en")
    assert [s["says"] for s in said] == [
        "JPM 85% (still meets the standard)",
        "JPM category: still meets the standard",
    ]


def test_a_feature_without_words_falls_back_to_its_name() -> None:
    assert explain.phrase("brand_new_feature", 0.25, "en") == "brand new feature = 0.25"
    assert explain.phrase("brand_new_feature", math.nan, "id") == (
        "brand new feature: tidak tercatat"
    )


def test_reasons_are_factors_largest_first_each_way() -> None:
    features = ["jpm", "shortfall_sum", "perf_mean", "years_of_service", "aspires_unit"]
    values = np.array([85.0, 6.6, 4.5, 10.0, 0.0])
    contributions = np.array([-0.2, 0.5, 0.1, -0.05, -0.3])
    got = explain.reasons(features, values, contributions, "id", count=2)
    assert got["positive"] == [
        "Kompetensi: JPM 85% (Memenuhi Syarat); Kekurangan kompetensi total 6.6 level. "
        "Faktor ini menaikkan skor dibanding rata-rata kandidat (+0.300)",
        "Kinerja: Rata-rata predikat tiga tahun 4.5 dari 5 (setara Baik atau lebih). "
        "Faktor ini menaikkan skor dibanding rata-rata kandidat (+0.100)",
    ]
    assert got["negative"] == [
        "Aspirasi: Tidak menyatakan minat pada unit kerja ini. "
        "Faktor ini menurunkan skor dibanding rata-rata kandidat (-0.300)",
        "Pengalaman: Masa kerja 10.0 tahun. "
        "Faktor ini menurunkan skor dibanding rata-rata kandidat (-0.050)",
    ]


def test_a_factor_says_a_missing_assessment_once() -> None:
    features = ["jpm", "gap_integritas", "shortfall_count", "perf_mean"]
    values = np.array([math.nan, math.nan, math.nan, 3.0])
    contributions = np.array([-0.5, -0.4, -0.3, -0.2])
    got = explain.reasons(features, values, contributions, "en", count=3)
    assert got["negative"] == [
        "Competency: No competency assessment on file. "
        "This factor lowers the score against the average candidate (-1.200)",
        "Performance: Mean rating over three years 3.0 of 5 (below Baik (good)). "
        "This factor lowers the score against the average candidate (-0.200)",
    ]
    assert got["positive"] == []


def test_each_feature_keeps_its_own_contribution_and_words() -> None:
    features = ["jpm", "shortfall_sum", "talent_box"]
    values = np.array([85.0, math.nan, 2.0])
    got = explain.described(features, values, np.array([-0.2, 0.5, 0.0]), "en")
    assert got == [
        {"feature": "jpm", "factor": "competency", "value": 85.0, "contribution": -0.2,
         "says": "JPM 85% (meets the standard)"},
        {"feature": "shortfall_sum", "factor": "competency", "value": None, "contribution": 0.5,
         "says": "No competency assessment on file"},
        {"feature": "talent_box", "factor": "talent", "value": 2.0, "contribution": 0.0,
         "says": "Talent box 2 (outside the succession pool)"},
    ]  # fmt: skip


def test_recourse_names_what_can_change_in_the_factors_that_lower_the_score() -> None:
    features = ["jpm", "shortfall_sum", "has_required_leadership_training", "rank_gap"]
    values = np.array([85.0, 0.0, 0.0, -1.0])
    contributions = np.array([-0.4, 0.1, -0.2, -0.5])  # rank: not the candidate's to change
    assert explain.recourse(features, values, contributions, "en") == [
        "Competency: JPM 85% (meets the standard). "
        "This factor lowers the score against the average candidate (-0.300); can be improved",
        "Training: Has not yet had the leadership training the post requires. "
        "This factor lowers the score against the average candidate (-0.200); can be improved",
    ]


BEFORE = json.loads((Path(__file__).parent / "explain_before.json").read_text(encoding="utf-8"))
"""A snapshot of the sentences (per feature and value: Indonesian, English), the reasons and the
recourse of a few rows: a change of words shows here first."""


@pytest.mark.parametrize("feature", sorted(BEFORE["phrases"]))
def test_every_sentence_reads_as_the_snapshot(feature: str) -> None:
    for value, said in BEFORE["phrases"][feature].items():
        now = [explain.phrase(feature, float(value), lang) for lang in ("id", "en")]
        assert now == said, (feature, value)
        assert explain.phrase(feature, float(value), "fr") == said[0]  # else Indonesian


def test_reasons_recourse_and_bands_read_as_the_snapshot() -> None:
    features = BEFORE["features"]
    for case in BEFORE["cases"]:
        values = np.array([float(v) for v in case["values"]])
        contributions = np.array(case["contributions"])
        lang = case["lang"]
        assert explain.recourse(features, values, contributions, lang) == case["recourse"]
        assert explain.reasons(features, values, contributions, lang) == case["reasons"]
    for lang, said in BEFORE["jpm_bands"].items():
        assert [explain.jpm_band_label(b, lang) for b in (0.0, 1.0, 2.0, math.nan)] == said
