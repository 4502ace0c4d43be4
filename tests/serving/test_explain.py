"""Reasons in words: every feature has its own sentence, in Indonesian and English."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from features.build import FEATURE_COLUMNS
from serving import explain


@pytest.mark.parametrize("feature", FEATURE_COLUMNS)
@pytest.mark.parametrize("value", [0.0, 1.0, 2.0, -1.5, 4.0, 85.0, math.nan])
def test_every_feature_has_its_own_words(feature: str, value: float) -> None:
    for lang in ("id", "en"):
        for positive in (True, False):
            text = explain.phrase(feature, value, positive, lang)
            assert text and " = " not in text and "_" not in text, text


def test_value_describing_sentences_say_the_value_not_the_direction() -> None:
    assert explain.phrase("gap_integritas", -1.0, True, "id") == (
        "Integritas di bawah standar (-1.0 level)"
    )
    assert explain.phrase("gap_komunikasi", 0.5, False, "en") == (
        "Communication meets the standard (+0.5 levels)"
    )
    assert explain.phrase("perf_rating_y1", 5.0, True, "id") == (
        "Predikat kinerja tahun lalu: Sangat Baik"
    )
    assert explain.phrase("rank_gap", -2.0, False, "en") == "Rank 2 step(s) below the minimum"
    assert explain.phrase("perf_rating_y2", math.nan, False, "id") == (
        "Tidak ada penilaian kinerja dua tahun lalu"
    )


def test_a_feature_without_words_falls_back_to_its_name() -> None:
    assert explain.phrase("brand_new_feature", 0.25, True, "en") == (
        "brand new feature = 0.25 raises the score"
    )
    assert explain.phrase("brand_new_feature", math.nan, True, "id") == (
        "brand new feature: tidak tercatat"
    )


def test_reasons_pick_the_largest_contributions_each_way() -> None:
    features = ["jpm", "perf_mean", "years_of_service", "aspires_unit"]
    values = np.array([92.0, 4.5, 10.0, 0.0])
    contributions = np.array([0.8, 0.1, -0.05, -0.3])
    got = explain.reasons(features, values, contributions, "id", count=2)
    assert got["positive"] == [
        "Kompetensi memenuhi standar jabatan (JPM 92%)",
        "Kinerja tiga tahun terakhir baik (rata-rata 4.5 dari 5)",
    ]
    assert got["negative"] == [
        "Tidak menyatakan minat pada unit kerja ini",
        "Masa kerja 10.0 tahun",
    ]


def test_the_same_sentence_is_said_once() -> None:
    features = ["jpm", "gap_integritas", "shortfall_sum", "perf_mean"]
    values = np.array([math.nan, math.nan, math.nan, 3.0])
    contributions = np.array([-0.5, -0.4, -0.3, -0.2])
    got = explain.reasons(features, values, contributions, "en", count=3)
    assert got["negative"] == [
        "No competency assessment on file",
        "Performance not outstanding over three years (mean 3.0 of 5)",
    ]
    assert got["positive"] == []


BEFORE = json.loads((Path(__file__).parent / "explain_before.json").read_text(encoding="utf-8"))
"""The sentences as the phrase tables said them before the words moved to the catalogues."""


@pytest.mark.parametrize("feature", sorted(BEFORE["phrases"]))
def test_every_sentence_reads_as_before_the_catalogues(feature: str) -> None:
    for value, said in BEFORE["phrases"][feature].items():
        now = [
            explain.phrase(feature, float(value), positive, lang)
            for positive in (True, False)
            for lang in ("id", "en")
        ]
        assert now == said, (feature, value)
        assert explain.phrase(feature, float(value), True, "fr") == said[0]  # else Indonesian


def test_reasons_recourse_and_bands_read_as_before_the_catalogues() -> None:
    features = BEFORE["features"]
    for case in BEFORE["cases"]:
        values = np.array([float(v) for v in case["values"]])
        contributions = np.array(case["contributions"])
        lang = case["lang"]
        assert explain.recourse(features, values, contributions, lang) == case["recourse"]
        assert explain.reasons(features, values, contributions, lang) == case["reasons"]
    for lang, said in BEFORE["jpm_bands"].items():
        assert [explain.jpm_band_label(b, lang) for b in (0.0, 1.0, 2.0, math.nan)] == said
