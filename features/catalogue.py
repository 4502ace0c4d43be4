"""The feature catalogue: for every model feature, its family, direction, recourse and words.

One entry per column of :data:`features.build.FEATURE_COLUMNS`, in that order:

- ``family``: the feature module that computes it (``competency``, ``education`` ...);
- ``direction``: the monotone constraint the ranker trains with: ``+1`` more is merit (never
  ranks a candidate lower), ``-1`` more is a shortfall, a sanction or missing data (never ranks
  higher), ``0`` free (seniority, aspirations, the talent box);
- ``changeable``: whether a candidate can change it (recourse: a competency assessment, a
  training, performance); never a protected attribute or seniority;
- its words, as keys into the message catalogues (``features/locales/<lang>/features.yaml``):
  the reason when it raises the score (``positive``) and when it lowers it (``negative``); the
  same key both ways when the sentence only states the value (``says``); the text for a value
  not recorded (``missing``), or else the feature's plain name (``label``).

``training.config`` (monotone constraints) and ``serving.explain`` (reasons, recourse) read it.
Some sentences have cases (``rank_gap``: at, above or below the minimum) and fields; which case
and which fields a value gives is decided where the sentence is said (``serving.explain``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from features import aspirations, competency, education, experience, performance, talent, trainings
from features.build import FEATURE_COLUMNS
from features.vocabulary import COMPETENCIES

Direction = Literal[-1, 0, 1]

FAMILIES: dict[str, tuple[str, ...]] = {
    "competency": competency.COLUMNS,
    "education": education.COLUMNS,
    "performance": performance.COLUMNS,
    "experience": experience.COLUMNS,
    "trainings": trainings.COLUMNS,
    "talent": talent.COLUMNS,
    "aspirations": aspirations.COLUMNS,
}
"""Each feature family (module of ``features``) and the columns it adds."""
_FAMILY_OF = {column: family for family, columns in FAMILIES.items() for column in columns}

Sentence = Literal["signed", "says", "gap"]
"""``signed``: one reason when the feature raises the score, another when it lowers it;
``says``: one sentence stating the value either way; ``gap``: the competency-gap sentence."""
Unrecorded = Literal["own", "assessment", "label"]
"""For a value not recorded: a text of its own; "no competency assessment"; or its label."""

_GAPS = tuple(f"gap_{c}" for c in COMPETENCIES)

# Directions: +1 merit (measured: +0.03-0.06 served NDCG@10 on three held-back truths,
# docs/training.md); -1 shortfalls, sanctions and missing records; 0 free: seniority, aspirations
# and the talent box. Changeable: an assessment, a training, a rating a candidate can still earn.
_TABLE: tuple[tuple[str, Direction, bool, Sentence, Unrecorded], ...] = (
    # feature                          direction changeable sentence  not recorded
    ("jpm",                              1,  True,  "signed", "assessment"),
    ("jpm_band",                         1,  False, "says",   "assessment"),
    *((gap,                              1,  False, "gap",    "assessment") for gap in _GAPS),
    ("shortfall_count",                 -1,  False, "says",   "assessment"),
    ("shortfall_sum",                   -1,  False, "says",   "assessment"),
    ("surplus_sum",                      0,  False, "says",   "assessment"),
    ("years_since_assessment",           0,  True,  "says",   "assessment"),
    ("assessment_missing",              -1,  True,  "signed", "label"),
    ("potential_score",                  1,  False, "signed", "own"),
    ("education_level_gap",              1,  False, "signed", "label"),
    ("major_match",                      1,  False, "signed", "label"),
    ("major_family_match",               1,  False, "signed", "label"),
    ("perf_rating_y1",                   1,  True,  "says",   "own"),
    ("perf_rating_y2",                   1,  False, "says",   "own"),
    ("perf_rating_y3",                   1,  False, "says",   "own"),
    ("perf_mean",                        1,  True,  "signed", "own"),
    ("perf_trend",                       0,  False, "says",   "own"),
    ("perf_sangat_baik_count",           1,  True,  "signed", "label"),
    ("perf_below_baik_last2",           -1,  False, "says",   "label"),
    ("perf_missing_years",              -1,  False, "says",   "label"),
    ("years_in_job_family",              1,  False, "signed", "label"),
    ("years_at_position_type",           0,  False, "says",   "label"),
    ("years_one_level_below",            1,  False, "signed", "label"),
    ("years_in_current_position",        0,  False, "says",   "own"),
    ("years_of_service",                 0,  False, "says",   "label"),
    ("rank_gap",                         0,  False, "says",   "own"),
    ("sanction_count_5y",               -1,  False, "signed", "label"),
    ("sanction_active",                 -1,  False, "says",   "label"),
    ("has_required_leadership_training", 1,  True,  "signed", "label"),
    ("leadership_level",                 1,  False, "says",   "label"),
    ("technical_hours_in_family",        1,  True,  "signed", "label"),
    ("trainings_in_family_count",        1,  True,  "says",   "label"),
    ("training_hours_3y",                0,  True,  "says",   "label"),
    ("talent_box",                       0,  False, "signed", "own"),
    ("aspires_job_family",               0,  True,  "signed", "label"),
    ("aspires_unit",                     0,  False, "signed", "label"),
)  # fmt: skip
"""One row a feature; a new feature adds its row here and its words to features.yaml."""


@dataclass(frozen=True)
class Feature:
    """One model feature: where it comes from, how it may push the score, and its words.

    The words are message-catalogue keys (``features.<...>``); a key with cases (``rank_gap``)
    is the prefix of ``<key>.<case>``.
    """

    name: str
    family: str
    direction: Direction
    changeable: bool
    positive: str
    """The reason when the feature raises the score."""
    negative: str
    """The reason when it lowers the score (the same key when the sentence states the value)."""
    missing: str | None
    """What to say when the value is not recorded; None: say ``label`` is not recorded."""
    label: str | None
    """The feature's plain name (set when ``missing`` is None)."""
    competency: str | None = None
    """For a competency gap, the competency (its name is ``features.competencies.<it>``)."""


def _entry(
    name: str, direction: Direction, changeable: bool, sentence: Sentence, unrecorded: Unrecorded
) -> Feature:
    if sentence == "gap":
        positive = negative = "features.competency_gap"
    elif sentence == "says":
        positive = negative = f"features.{name}.says"
    else:
        positive, negative = f"features.{name}.positive", f"features.{name}.negative"
    missing = {"own": f"features.{name}.missing", "assessment": "features.no_assessment"}
    return Feature(
        name=name,
        family=_FAMILY_OF[name],
        direction=direction,
        changeable=changeable,
        positive=positive,
        negative=negative,
        missing=missing.get(unrecorded),
        label=f"features.{name}.label" if unrecorded == "label" else None,
        competency=name.removeprefix("gap_") if sentence == "gap" else None,
    )


_ROWS = {row[0]: row for row in _TABLE}

CATALOGUE: dict[str, Feature] = {name: _entry(*_ROWS[name]) for name in FEATURE_COLUMNS}
"""Every model feature by name, in the canonical feature order (KeyError: a column without
its row)."""

MERIT_UP: tuple[str, ...] = tuple(f.name for f in CATALOGUE.values() if f.direction == 1)
"""Features whose rise may never lower a candidate's score, in feature order."""
MERIT_DOWN: tuple[str, ...] = tuple(f.name for f in CATALOGUE.values() if f.direction == -1)
"""Features whose rise may never raise it, in feature order."""
CHANGEABLE: tuple[str, ...] = tuple(f.name for f in CATALOGUE.values() if f.changeable)
"""Features a candidate can change (recourse), in feature order."""
