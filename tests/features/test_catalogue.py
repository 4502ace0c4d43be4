"""The feature catalogue: every feature once and in one factor, its directions the training
config's, its words."""

from __future__ import annotations

import string

from features import catalogue, i18n
from features.build import FEATURE_COLUMNS
from training.config import MERIT_DOWN, MERIT_UP, ModelConfig

FIELDS = {"value", "competency", "band", "rating", "steps", "level", "percent", "minimum"}
"""The fields serving.explain fills in a feature's sentence."""


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_the_catalogue_covers_every_feature_column_once_in_order():
    assert tuple(catalogue.CATALOGUE) == FEATURE_COLUMNS
    rows = [row[0] for row in catalogue._TABLE]
    assert sorted(rows) == sorted(FEATURE_COLUMNS)  # no row without its column, none twice
    families = [c for columns in catalogue.FAMILIES.values() for c in columns]
    assert sorted(families) == sorted(FEATURE_COLUMNS)
    for name, feature in catalogue.CATALOGUE.items():
        assert feature.name == name
        assert name in catalogue.FAMILIES[feature.family]
        assert name in catalogue.FACTORS[feature.factor]


def test_every_feature_is_in_exactly_one_merit_factor_each_with_a_headline():
    placed = [c for columns in catalogue.FACTORS.values() for c in columns]
    assert sorted(placed) == sorted(FEATURE_COLUMNS)
    assert tuple(catalogue.FACTORS) == catalogue.FACTOR_NAMES
    words = i18n.catalogue(i18n.DEFAULT_LANGUAGE)
    for factor, columns in catalogue.FACTORS.items():
        assert any(catalogue.CATALOGUE[c].headline for c in columns), factor
        assert f"features.factors.{factor}" in words


def test_the_training_config_directions_are_the_catalogues():
    assert MERIT_UP == catalogue.MERIT_UP
    assert MERIT_DOWN == catalogue.MERIT_DOWN
    config = ModelConfig()
    assert config.monotone_increasing == tuple(
        f.name for f in catalogue.CATALOGUE.values() if f.direction == 1
    )
    assert config.monotone_decreasing == tuple(
        f.name for f in catalogue.CATALOGUE.values() if f.direction == -1
    )
    assert not set(MERIT_UP) & set(MERIT_DOWN)


def test_recourse_offers_what_a_candidate_can_earn_never_seniority():
    assert "years_of_service" not in catalogue.CHANGEABLE
    assert "rank_gap" not in catalogue.CHANGEABLE
    assert {"jpm", "has_required_leadership_training", "perf_mean"} <= set(catalogue.CHANGEABLE)


def _sentences(key: str) -> list[str]:
    """``key`` itself, or the keys of its cases."""
    words = i18n.catalogue(i18n.DEFAULT_LANGUAGE)
    return [key] if key in words else [k for k in words if k.startswith(f"{key}.")]


def test_every_feature_has_its_words_in_the_catalogues():
    words = i18n.catalogue(i18n.DEFAULT_LANGUAGE)
    for feature in catalogue.CATALOGUE.values():
        assert _sentences(feature.says), feature.name
        for sentence in _sentences(feature.says):
            assert _fields(words[sentence]) <= FIELDS, sentence
        assert (feature.missing is None) != (feature.label is None), feature.name
        assert (feature.missing or feature.label) in words, feature.name
        if feature.competency:
            assert f"features.competencies.{feature.competency}" in words
