"""Plain-language reasons from the booster's own contributions (Indonesian and English).

Reasons are given per merit factor (:data:`features.catalogue.FACTORS`): a factor's contribution
is the sum of its features' TreeSHAP contributions (they are additive), so correlated features
of one factor never read as one plus and one minus. Each factor's sentence states the
candidate's values and their standing against the post's standard, chosen from the VALUE; which
way the factor moved the score against the average candidate is said separately, from the sign.

The words are in the message catalogues (``features/locales/<lang>/features.yaml`` and
``reasons.yaml``) and which ones a feature has is in the feature catalogue
(:mod:`features.catalogue`); here is only the small logic that picks a sentence's case for a
value and fills its fields.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, NamedTuple

import numpy as np

from features import i18n
from features.candidates import LEADERSHIP_LEVEL, CandidatePool
from features.catalogue import CATALOGUE, MAJOR_MATCHES, Feature
from features.competency import jpm_band as band_of_jpm
from features.config import FeatureConfig
from features.legacy import SKP_SCORE
from features.vocabulary import RATING_SCORES, SANCTION_LEVELS

Lang = str
Fields = dict[str, Any]
Standards = Mapping[str, float]
"""The post's standard of a feature that has one, by feature: the minimum years (years one
level below, say); for ``has_required_leadership_training`` the leadership level the post
requires (0: none)."""


class Setting(NamedTuple):
    """What a value is said against: the language, the post's minimum of the feature (None: the
    post sets none) and the candidate's JPM band feature (NaN: not in the row)."""

    lang: Lang
    minimum: float | None = None
    jpm_band: float = math.nan


Case = Callable[[Feature, float, Setting], tuple[str | None, Fields]]
"""Which case of a feature's sentence a value reads as (None: the sentence has no cases) and the
sentence's fields."""

_CONFIG = FeatureConfig()
"""The thresholds the features are built with (the JPM bands and potential axis among them)."""
_JPM_BANDS: dict[float, str] = {2.0: "MS", 1.0: "MMS", 0.0: "KMS"}
"""The JPM category of the ``jpm_band`` feature's values."""
_RATINGS: dict[int, str] = {score: code for code, score in RATING_SCORES.items()}
_GOOD = "BAIK"
"""The rating a mean is read against (the performance rule's minimum each year)."""
_LEADERSHIP: dict[int, str] = {level: code for code, level in LEADERSHIP_LEVEL.items()}
_SANCTIONS: dict[int, str] = dict(enumerate(SANCTION_LEVELS, start=1))
_TALENT_POOL = 7.0
"""Talent boxes 7-9 are the succession pool (features.talent, PermenPANRB 3/2020)."""
_EXTRA = 2
"""A factor's sentence states its headline features and this many others, the weightiest."""


def _name(section: str, code: str | None, lang: Lang, unknown: str) -> str:
    """The word for ``code`` in ``features.<section>``; ``unknown`` for a value without one."""
    return unknown if code is None else i18n.text(f"features.{section}.{code}", lang)


def _band_of(jpm: float) -> float:
    """The band of a JPM by the features' own band definition (when the row has no band)."""
    return float(band_of_jpm(np.array([jpm]), _CONFIG)[0])


def _rating_word(code: str, lang: Lang) -> str:
    name = i18n.text(f"common.rating.{code}", lang)
    return i18n.text(f"features.ratings.{code}", lang, name=name)


def _value(feature: Feature, v: float, at: Setting) -> tuple[str | None, Fields]:
    return None, {"value": v}


def _none_or_some(feature: Feature, v: float, at: Setting) -> tuple[str | None, Fields]:
    return ("none" if v == 0 else "some"), {"value": v}


def _gap(feature: Feature, v: float, at: Setting) -> tuple[str | None, Fields]:
    name = i18n.text(f"features.competencies.{feature.competency}", at.lang)
    return ("meets" if v >= 0 else "below"), {"competency": name, "value": v}


def _jpm(feature: Feature, v: float, at: Setting) -> tuple[str | None, Fields]:
    band = at.jpm_band if at.jpm_band in _JPM_BANDS else _band_of(v)
    return None, {"value": v, "band": _name("jpm_bands", _JPM_BANDS.get(band), at.lang, "-")}


def _jpm_band(feature: Feature, v: float, at: Setting) -> tuple[str | None, Fields]:
    return None, {"band": _name("jpm_bands", _JPM_BANDS.get(v), at.lang, "-")}


def _on_file(feature: Feature, v: float, at: Setting) -> tuple[str | None, Fields]:
    return ("none" if v else "on_file"), {}


def _potential(feature: Feature, v: float, at: Setting) -> tuple[str | None, Fields]:
    level = "high" if v >= _CONFIG.potential_high else "middle"
    return (level if v >= _CONFIG.potential_middle else "low"), {"value": v}


def _steps(feature: Feature, v: float, at: Setting) -> tuple[str | None, Fields]:
    return ("at" if v == 0 else "above" if v > 0 else "below"), {"steps": abs(v)}


def _match(feature: Feature, v: float, at: Setting) -> tuple[str | None, Fields]:
    return ("matches" if v >= MAJOR_MATCHES else "differs"), {"percent": 100.0 * v}


def _rating(feature: Feature, v: float, at: Setting) -> tuple[str | None, Fields]:
    code = _RATINGS.get(round(v))
    return None, {"rating": "-" if code is None else _rating_word(code, at.lang)}


def _mean(feature: Feature, v: float, at: Setting) -> tuple[str | None, Fields]:
    case = "at_least" if v >= RATING_SCORES[_GOOD] else "below"
    return case, {"value": v, "rating": _rating_word(_GOOD, at.lang)}


def _trend(feature: Feature, v: float, at: Setting) -> tuple[str | None, Fields]:
    return ("up" if v > 0 else "down" if v < 0 else "steady"), {}


def _any(feature: Feature, v: float, at: Setting) -> tuple[str | None, Fields]:
    return ("some" if v else "none"), {}


def _years(feature: Feature, v: float, at: Setting) -> tuple[str | None, Fields]:
    if at.minimum is None:
        return "plain", {"value": v}
    return ("meets" if v >= at.minimum else "below"), {"value": v, "minimum": at.minimum}


def _sanction(feature: Feature, v: float, at: Setting) -> tuple[str | None, Fields]:
    if v == 0:
        return "none", {"level": ""}
    return "some", {"level": _name("sanction_levels", _SANCTIONS.get(round(v)), at.lang, "")}


def _done(feature: Feature, v: float, at: Setting) -> tuple[str | None, Fields]:
    """The post's required leadership training, when known (its level is the minimum)."""
    case = "done" if v else "not_done"
    if at.minimum is None:
        return case, {}
    if at.minimum == 0:
        return "none_required", {}
    level = _name("leadership_levels", _LEADERSHIP.get(round(at.minimum)), at.lang, "-")
    return f"{case}_level", {"level": level}


def _leadership(feature: Feature, v: float, at: Setting) -> tuple[str | None, Fields]:
    if v == 0:
        return "none", {"level": ""}
    return "some", {"level": _name("leadership_levels", _LEADERSHIP.get(round(v)), at.lang, "-")}


def _talent(feature: Feature, v: float, at: Setting) -> tuple[str | None, Fields]:
    return ("pool" if v >= _TALENT_POOL else "other"), {"value": v}


def _asked(feature: Feature, v: float, at: Setting) -> tuple[str | None, Fields]:
    return ("asked" if v else "not_asked"), {}


_CASES: dict[str, Case] = {
    "jpm": _jpm,
    "jpm_band": _jpm_band,
    **{name: _gap for name, feature in CATALOGUE.items() if feature.competency},
    "shortfall_count": _none_or_some,
    "shortfall_sum": _none_or_some,
    "surplus_sum": _none_or_some,
    "assessment_missing": _on_file,
    "potential_score": _potential,
    "education_level_gap": _steps,
    "major_match": _match,
    "major_family_match": _match,
    "perf_rating_y1": _rating,
    "perf_rating_y2": _rating,
    "perf_rating_y3": _rating,
    "perf_mean": _mean,
    "perf_trend": _trend,
    "perf_sangat_baik_count": _none_or_some,
    "perf_below_baik_last2": _any,
    "perf_missing_years": _none_or_some,
    "years_in_job_family": _years,
    "years_one_level_below": _years,
    "years_in_current_position": _years,
    "rank_gap": _steps,
    "sanction_count_5y": _none_or_some,
    "sanction_active": _sanction,
    "has_required_leadership_training": _done,
    "leadership_level": _leadership,
    "technical_hours_in_family": _none_or_some,
    "trainings_in_family_count": _none_or_some,
    "talent_box": _talent,
    "aspires_job_family": _asked,
    "aspires_unit": _asked,
}
"""Features whose sentence has cases or fields other than ``value``."""


@dataclass(frozen=True)
class Mapped:
    """A value of a candidate's record held in an old scale and mapped to today's
    (features.legacy): the feature that states it, the rating's year (None for a training),
    the value as the export holds it and today's code it was mapped to."""

    feature: str
    year: int | None
    original: str
    today: str


def mapped_values(pool: CandidatePool, row: int) -> tuple[Mapped, ...]:
    """The values of pool row ``row`` that its features read from an old scale."""
    out = []
    for j, original in enumerate(pool.ratings_mapped_from[row]):
        if original:
            code = _RATINGS.get(round(float(pool.ratings[row, j])), "")
            out.append(Mapped(f"perf_rating_y{j + 1}", pool.as_of.year - 1 - j, original, code))
    original = pool.leadership_mapped_from[row]
    if original:
        code = _LEADERSHIP.get(round(float(pool.leadership_level[row])), "")
        out.append(Mapped("leadership_level", None, str(original), code))
    return tuple(out)


def _mapped_note(mapped: Mapped, lang: Lang) -> str:
    """That a value was mapped from an old scale, and from what."""
    if mapped.year is None:
        level = _name("leadership_levels", mapped.today or None, lang, "-")
        return i18n.text("reasons.mapped.training", lang, level=level, old=mapped.original)
    if SKP_SCORE.match(mapped.original):
        return i18n.text("reasons.mapped.score", lang, year=mapped.year, value=mapped.original)
    old = i18n.text(f"reasons.old_ratings.{mapped.original}", lang)
    return i18n.text("reasons.mapped.rating", lang, year=mapped.year, old=old)


def _notes(features: Sequence[str], mapped: Sequence[Mapped], lang: Lang) -> list[str]:
    """The notes of the values mapped that these features state."""
    return [_mapped_note(m, lang) for m in mapped if m.feature in features]


def phrase(
    feature: str,
    value: float,
    lang: Lang,
    minimum: float | None = None,
    jpm_band: float = math.nan,
) -> str:
    """The sentence that states a feature's value and its standing (English for ``en``, else
    Indonesian). It depends on the value (the post's ``minimum`` and the row's ``jpm_band``, the
    band the features gave the JPM), never on a contribution.
    """
    lang = i18n.language(lang)
    entry = CATALOGUE.get(feature)
    if entry is None:
        label = feature.replace("_", " ")
        if math.isnan(value):
            return i18n.text("features.fallback.not_recorded", lang, label=label)
        return i18n.text("features.fallback.says", lang, label=label, value=value)
    if math.isnan(value):
        if entry.missing is not None:
            return i18n.text(entry.missing, lang)
        label = i18n.text(str(entry.label), lang)
        return i18n.text("features.fallback.not_recorded", lang, label=label)
    at = Setting(lang, minimum, jpm_band)
    case, fields = _CASES.get(feature, _value)(entry, value, at)
    return i18n.text(entry.says if case is None else f"{entry.says}.{case}", lang, **fields)


def _phrase_at(
    features: Sequence[str], values: np.ndarray, i: int, lang: Lang, standards: Standards
) -> str:
    """The sentence of the row's feature ``i`` (its JPM said in the row's own band)."""
    band = float(values[list(features).index("jpm_band")]) if "jpm_band" in features else math.nan
    return phrase(features[i], float(values[i]), lang, standards.get(features[i]), band)


@dataclass(frozen=True)
class FactorReason:
    """One merit factor of one candidate's score, in words.

    Attributes
    ----------
    factor : str
        ``competency``, ``education`` ... (:data:`features.catalogue.FACTOR_NAMES`).
    label : str
        The factor's name in the language asked for.
    contribution : float
        The sum of its features' contributions (against the average candidate).
    says : str
        Its values and their standing against the post's standard (from the values).
    moves : str
        Which way it moved the score, with the signed contribution (from the sign).
    text : str
        The whole reason: label, ``says`` and ``moves``.
    features : list of str
        Its features, in feature order.
    """

    factor: str
    label: str
    contribution: float
    says: str
    moves: str
    text: str
    features: list[str]

    def as_dict(self) -> dict[str, Any]:
        """The API's shape of it."""
        return asdict(self)


def _factor_of(feature: str) -> str:
    entry = CATALOGUE.get(feature)
    return feature if entry is None else entry.factor


def _factor_label(factor: str, lang: Lang) -> str:
    key = f"features.factors.{factor}"
    return i18n.text(key, lang) if i18n.has(key) else factor.replace("_", " ")


def _moves(contribution: float, lang: Lang) -> str:
    side = "raises" if contribution > 0 else "lowers" if contribution < 0 else "neutral"
    return i18n.text(f"reasons.moves.{side}", lang, contribution=contribution)


def _statements(
    members: list[int], features: Sequence[str], values: np.ndarray, contributions: np.ndarray,
    lang: Lang, standards: Standards,
) -> str:  # fmt: skip
    """A factor's headline values, then its weightiest others (each sentence said once)."""
    headline = [i for i in members if _headline(features[i])]
    others = [i for i in members if not _headline(features[i]) and contributions[i] != 0]
    others.sort(key=lambda i: -abs(contributions[i]))
    said: list[str] = []
    for i in [*headline, *others[:_EXTRA]]:
        text = _phrase_at(features, values, i, lang, standards)
        if text not in said:
            said.append(text)
    return "; ".join(said)


def _headline(feature: str) -> bool:
    entry = CATALOGUE.get(feature)
    return entry is None or entry.headline


def _groups(features: Sequence[str]) -> dict[str, list[int]]:
    """Feature indices by factor, factors in order of first appearance."""
    out: dict[str, list[int]] = {}
    for i, name in enumerate(features):
        out.setdefault(_factor_of(name), []).append(i)
    return out


def factors(
    features: Sequence[str],
    values: np.ndarray,
    contributions: np.ndarray,
    lang: Lang,
    standards: Standards | None = None,
    mapped: Sequence[Mapped] = (),
) -> list[FactorReason]:
    """Every merit factor of one candidate's score, the largest contribution (either way) first.

    ``contributions`` has one value per feature (without the base value); a factor whose
    features read a value ``mapped`` from an old scale says so (:func:`mapped_values`).
    """
    lang = i18n.language(lang)
    standards = standards or {}
    out = []
    for factor, members in _groups(features).items():
        total = float(sum(contributions[i] for i in members))
        label = _factor_label(factor, lang)
        says = _statements(members, features, values, contributions, lang, standards)
        notes = _notes([features[i] for i in members], mapped, lang)
        says = "; ".join(text for text in [says, *notes] if text)
        moves = _moves(total, lang)
        text = i18n.text("reasons.factor", lang, factor=label, says=says, moves=moves)
        names = [features[i] for i in members]
        out.append(FactorReason(factor, label, total, says, moves, text, names))
    out.sort(key=lambda f: -abs(f.contribution))
    return out


def reasons(
    features: Sequence[str],
    values: np.ndarray,
    contributions: np.ndarray,
    lang: Lang,
    count: int = 3,
    standards: Standards | None = None,
    mapped: Sequence[Mapped] = (),
) -> dict[str, list[str]]:
    """The main factors that raise and that lower one candidate's score, in plain language.

    Contributions are against the average candidate (the base value): a candidate who meets
    the standard can still sit below the average of a strong pool. Each sentence states the
    values (their standing from the values) and says separately which way the factor moved.
    """
    return sides(factors(features, values, contributions, lang, standards, mapped), count)


def sides(said: Sequence[FactorReason], count: int = 3) -> dict[str, list[str]]:
    """The reasons of the ``count`` largest factors that raise and that lower the score."""
    return {
        "positive": [f.text for f in said if f.contribution > 0][:count],
        "negative": [f.text for f in said if f.contribution < 0][:count],
    }


def described(
    features: Sequence[str],
    values: np.ndarray,
    contributions: np.ndarray,
    lang: Lang,
    standards: Standards | None = None,
    mapped: Sequence[Mapped] = (),
) -> list[dict[str, Any]]:
    """Per feature: its factor, value, contribution and the sentence that states its value
    (with, for a value mapped from an old scale, the note that says so)."""
    standards = standards or {}
    return [
        {
            "feature": name,
            "factor": _factor_of(name),
            "value": None if math.isnan(values[j]) else float(values[j]),
            "contribution": float(contributions[j]),
            "says": "; ".join(
                [_phrase_at(features, values, j, lang, standards), *_notes([name], mapped, lang)]
            ),
        }
        for j, name in enumerate(features)
    ]


def jpm_band_label(band: float, lang: Lang) -> str | None:
    """MS / MMS / KMS in words, or None when there is no assessment."""
    if math.isnan(band):
        return None
    return i18n.text(f"features.jpm_bands.{_JPM_BANDS[float(band)]}", i18n.language(lang))


def recourse(
    features: Sequence[str],
    values: np.ndarray,
    contributions: np.ndarray,
    lang: Lang,
    standards: Standards | None = None,
) -> list[str]:
    """What would improve the standing: the factors that lower the score and that the
    candidate can change, each with the values of its changeable features (from the values)."""
    lang = i18n.language(lang)
    standards = standards or {}
    out = []
    for factor in factors(features, values, contributions, lang, standards):
        if factor.contribution >= 0:
            continue
        members = [features.index(name) for name in factor.features if _changeable(name)]
        if not members:
            continue
        members.sort(key=lambda i: contributions[i])
        said = [_phrase_at(features, values, i, lang, standards) for i in members[:_EXTRA]]
        says = "; ".join(dict.fromkeys(said))
        out.append(
            i18n.text("reasons.recourse", lang, factor=factor.label, says=says, moves=factor.moves)
        )
    return out[:5]


def _changeable(feature: str) -> bool:
    entry = CATALOGUE.get(feature)
    return entry is not None and entry.changeable


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
