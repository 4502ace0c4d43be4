"""Plain-language reasons from the booster's own contributions (Indonesian and English).

The words are in the message catalogues (``features/locales/<lang>/features.yaml``) and which
ones a feature has is in the feature catalogue (:mod:`features.catalogue`); here is only the
small logic that picks a sentence's case for a value and fills its fields.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from features import i18n
from features.candidates import LEADERSHIP_LEVEL
from features.catalogue import CATALOGUE, Feature
from features.vocabulary import RATING_SCORES, SANCTION_LEVELS

Lang = str
Fields = dict[str, Any]
Case = Callable[[Feature, float, Lang], tuple[str | None, Fields]]
"""Which case of a feature's sentence a value reads as (None: the sentence has no cases), and the
sentence's fields."""

_JPM_BANDS: dict[float, str] = {2.0: "MS", 1.0: "MMS", 0.0: "KMS"}
"""The JPM category of the ``jpm_band`` feature's values."""
_RATINGS: dict[int, str] = {score: code for code, score in RATING_SCORES.items()}
_LEADERSHIP: dict[int, str] = {level: code for code, level in LEADERSHIP_LEVEL.items()}
_SANCTIONS: dict[int, str] = dict(enumerate(SANCTION_LEVELS, start=1))


def _name(section: str, code: str | None, lang: Lang, unknown: str) -> str:
    """The word for ``code`` in ``features.<section>``; ``unknown`` for a value without one."""
    return unknown if code is None else i18n.text(f"features.{section}.{code}", lang)


def _value(feature: Feature, v: float, lang: Lang) -> tuple[str | None, Fields]:
    return None, {"value": v}


def _none_or_some(feature: Feature, v: float, lang: Lang) -> tuple[str | None, Fields]:
    return ("none" if v == 0 else "some"), {"value": v}


def _gap(feature: Feature, v: float, lang: Lang) -> tuple[str | None, Fields]:
    name = i18n.text(f"features.competencies.{feature.competency}", lang)
    return ("meets" if v >= 0 else "below"), {"competency": name, "value": v}


def _jpm_band(feature: Feature, v: float, lang: Lang) -> tuple[str | None, Fields]:
    return None, {"band": _name("jpm_bands", _JPM_BANDS.get(v), lang, "-")}


def _rating(feature: Feature, v: float, lang: Lang) -> tuple[str | None, Fields]:
    code = _RATINGS.get(round(v))
    if code is None:
        return None, {"rating": "-"}
    name = i18n.text(f"common.rating.{code}", lang)
    return None, {"rating": i18n.text(f"features.ratings.{code}", lang, name=name)}


def _trend(feature: Feature, v: float, lang: Lang) -> tuple[str | None, Fields]:
    return ("up" if v > 0 else "down" if v < 0 else "steady"), {}


def _any(feature: Feature, v: float, lang: Lang) -> tuple[str | None, Fields]:
    return ("some" if v else "none"), {}


def _rank_gap(feature: Feature, v: float, lang: Lang) -> tuple[str | None, Fields]:
    return ("at" if v == 0 else "above" if v > 0 else "below"), {"steps": abs(v)}


def _sanction(feature: Feature, v: float, lang: Lang) -> tuple[str | None, Fields]:
    if v == 0:
        return "none", {"level": ""}
    return "some", {"level": _name("sanction_levels", _SANCTIONS.get(round(v)), lang, "")}


def _leadership(feature: Feature, v: float, lang: Lang) -> tuple[str | None, Fields]:
    if v == 0:
        return "none", {"level": ""}
    return "some", {"level": _name("leadership_levels", _LEADERSHIP.get(round(v)), lang, "-")}


_CASES: dict[str, Case] = {
    "jpm_band": _jpm_band,
    **{name: _gap for name, feature in CATALOGUE.items() if feature.competency},
    "shortfall_count": _none_or_some,
    "shortfall_sum": _none_or_some,
    "perf_rating_y1": _rating,
    "perf_rating_y2": _rating,
    "perf_rating_y3": _rating,
    "perf_trend": _trend,
    "perf_below_baik_last2": _any,
    "perf_missing_years": _none_or_some,
    "rank_gap": _rank_gap,
    "sanction_active": _sanction,
    "leadership_level": _leadership,
}
"""Features whose sentence has cases or fields other than ``value``."""


def _generic(feature: str, value: float, positive: bool, lang: Lang) -> str:
    """The fallback for a feature without words of its own (a new feature, say)."""
    label = feature.replace("_", " ")
    if math.isnan(value):
        return i18n.text("features.fallback.not_recorded", lang, label=label)
    side = "raises" if positive else "lowers"
    return i18n.text(f"features.fallback.{side}", lang, label=label, value=value)


def phrase(feature: str, value: float, positive: bool, lang: Lang) -> str:
    """One reason sentence for a feature's contribution (English for ``en``, else Indonesian)."""
    lang = i18n.language(lang)
    entry = CATALOGUE.get(feature)
    if entry is None:
        return _generic(feature, value, positive, lang)
    if math.isnan(value):
        if entry.missing is not None:
            return i18n.text(entry.missing, lang)
        label = i18n.text(str(entry.label), lang)
        return i18n.text("features.fallback.not_recorded", lang, label=label)
    case, fields = _CASES.get(feature, _value)(entry, value, lang)
    key = entry.positive if positive else entry.negative
    return i18n.text(key if case is None else f"{key}.{case}", lang, **fields)


def reasons(
    features: list[str], values: np.ndarray, contributions: np.ndarray, lang: Lang, count: int = 3
) -> dict[str, list[str]]:
    """The main positive and negative factors of one candidate, in plain language.

    Contributions are against the average candidate (the base value), so a modest shortfall can
    raise a score and a small surplus lower it; the sentence states the value, its side says
    which way it moved the score. Factors that read the same (several features of one missing
    assessment) are said once.
    """
    order = np.argsort(contributions)

    def sentences(indices: np.ndarray, positive: bool) -> list[str]:
        out: list[str] = []
        for i in indices:
            if (contributions[i] > 0) != positive or contributions[i] == 0:
                break
            text = phrase(features[i], float(values[i]), positive, lang)
            if text not in out:
                out.append(text)
            if len(out) == count:
                break
        return out

    return {"positive": sentences(order[::-1], True), "negative": sentences(order, False)}


def jpm_band_label(band: float, lang: Lang) -> str | None:
    """MS / MMS / KMS in words, or None when there is no assessment."""
    if math.isnan(band):
        return None
    return i18n.text(f"features.jpm_bands.{_JPM_BANDS[float(band)]}", i18n.language(lang))


def recourse(
    features: list[str], values: np.ndarray, contributions: np.ndarray, lang: Lang
) -> list[str]:
    """What would improve the standing: the changeable factors that now pull the score down."""
    out = []
    for i in np.argsort(contributions):
        entry = CATALOGUE.get(features[i])
        if contributions[i] >= 0 or entry is None or not entry.changeable:
            continue
        reason = phrase(features[i], float(values[i]), False, lang)
        out.append(i18n.text("features.recourse", i18n.language(lang), reason=reason))
    return out[:5]


def merit_bands(scores: np.ndarray, spread: float) -> np.ndarray:
    """Band numbers (1 = best) for scores sorted best first.

    A new band starts where the score drops by more than a quarter of the eligible pool's
    score spread (standard deviation): candidates within that distance cannot be told apart.
    """
    if len(scores) == 0:
        return np.zeros(0, dtype=int)
    threshold = 0.25 * spread if spread > 0 else 0.0
    drops = np.diff(scores) < -threshold
    return np.concatenate([[1], 1 + np.cumsum(drops)]).astype(int)
