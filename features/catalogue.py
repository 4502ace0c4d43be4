"""The feature catalogue: for every model feature, its family, merit factor, direction, words.

One entry per column of :data:`features.build.FEATURE_COLUMNS`, in that order:

- ``family``: the feature module that computes it (``competency``, ``education`` ...);
- ``factor``: the merit factor its contribution is reported under (:data:`FACTORS`). This is the
  one place that says which factor a feature belongs to: a factor's contribution is the sum of
  its features' TreeSHAP contributions, so correlated features of one factor (JPM, gaps,
  surplus) are said together, never one as a plus and the other as a minus;
- ``direction``: the monotone constraint the ranker trains with: ``+1`` more is merit (never
  ranks a candidate lower), ``-1`` more is a shortfall, a sanction or missing data (never ranks
  higher), ``0`` free (seniority, aspirations, the talent box);
- ``changeable``: whether a candidate can change it (recourse: a competency assessment, a
  training, performance); never a protected attribute or seniority;
- ``headline``: whether its factor's sentence always states it (the JPM and its band, the last
  rating, years against the minimum, education against the minimum, the post's training,
  aspirations); the factor's other features are stated when they weigh most;
- its words, as keys into the message catalogues (``features/locales/<lang>/features.yaml``):
  one sentence (``says``, with cases such as ``meets``/``below``) that states the value and its
  standing against the post's standard, chosen from the VALUE, never from the sign of its
  contribution; the text for a value not recorded (``missing``), or else the feature's plain
  name (``label``).

``training.config`` (monotone constraints) and ``serving.explain`` (reasons, recourse) read it.
Which case and which fields a value gives is decided where the sentence is said
(``serving.explain``).
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

Factor = Literal[
    "competency", "education", "performance", "experience", "integrity", "training", "talent",
    "aspirations",
]  # fmt: skip
FACTOR_NAMES: tuple[Factor, ...] = (
    "competency", "education", "performance", "experience", "integrity", "training", "talent",
    "aspirations",
)  # fmt: skip
"""The merit factors reasons are given by (their names: ``features.factors.<factor>``)."""
Unrecorded = Literal["own", "assessment", "label"]
"""For a value not recorded: a text of its own; "no competency assessment"; or its label."""

MAJOR_MATCHES = 0.8
"""The fuzzy match score (0-1) from which a field of study reads as matching."""

_GAPS = tuple(f"gap_{c}" for c in COMPETENCIES)

# Directions: +1 merit (measured: +0.03-0.06 served NDCG@10 on three held-back truths,
# docs/training.md); -1 shortfalls, sanctions and missing records; 0 free: seniority, aspirations
# and the talent box. Changeable: an assessment, a training, a rating a candidate can still earn.
_TABLE: tuple[tuple[str, Factor, Direction, bool, bool, Unrecorded], ...] = (
    # feature                          factor        direction changeable headline not recorded
    ("jpm",                              "competency",   1, True,  True,  "assessment"),
    ("jpm_band",                         "competency",   1, False, False, "assessment"),
    *((gap,                              "competency",   1, False, False, "assessment")
      for gap in _GAPS),
    ("shortfall_count",                  "competency",  -1, False, True,  "assessment"),
    ("shortfall_sum",                    "competency",  -1, False, False, "assessment"),
    ("surplus_sum",                      "competency",   0, False, False, "assessment"),
    ("years_since_assessment",           "competency",   0, True,  False, "assessment"),
    ("assessment_missing",               "competency",  -1, True,  False, "label"),
    ("potential_score",                  "talent",       1, False, True,  "own"),
    ("education_level_gap",              "education",    1, False, True,  "label"),
    ("major_match",                      "education",    1, False, True,  "label"),
    ("major_family_match",               "education",    1, False, False, "label"),
    ("perf_rating_y1",                   "performance",  1, True,  True,  "own"),
    ("perf_rating_y2",                   "performance",  1, False, False, "own"),
    ("perf_rating_y3",                   "performance",  1, False, False, "own"),
    ("perf_mean",                        "performance",  1, True,  True,  "own"),
    ("perf_trend",                       "performance",  0, False, False, "own"),
    ("perf_sangat_baik_count",           "performance",  1, True,  False, "label"),
    ("perf_below_baik_last2",            "performance", -1, False, False, "label"),
    ("perf_missing_years",               "performance", -1, False, False, "label"),
    ("years_in_job_family",              "experience",   1, False, True,  "label"),
    ("years_at_position_type",           "experience",   0, False, False, "label"),
    ("years_one_level_below",            "experience",   1, False, True,  "label"),
    ("years_in_current_position",        "experience",   0, False, False, "own"),
    ("years_of_service",                 "experience",   0, False, False, "label"),
    ("rank_gap",                         "experience",   0, False, True,  "own"),
    ("sanction_count_5y",                "integrity",   -1, False, True,  "label"),
    ("sanction_active",                  "integrity",   -1, False, True,  "label"),
    ("has_required_leadership_training", "training",     1, True,  True,  "label"),
    ("leadership_level",                 "training",     1, False, False, "label"),
    ("technical_hours_in_family",        "training",     1, True,  True,  "label"),
    ("trainings_in_family_count",        "training",     1, True,  False, "label"),
    ("training_hours_3y",                "training",     0, True,  False, "label"),
    ("talent_box",                       "talent",       1, False, True,  "own"),
    ("aspires_job_family",               "aspirations",  0, True,  True,  "label"),
    ("aspires_unit",                     "aspirations",  0, False, True,  "label"),
)  # fmt: skip
"""One row a feature; a new feature adds its row here and its words to features.yaml."""


@dataclass(frozen=True)
class Feature:
    """One model feature: where it comes from, its factor, how it may push the score, its words.

    The words are message-catalogue keys (``features.<...>``); a key with cases (``rank_gap``)
    is the prefix of ``<key>.<case>``.
    """

    name: str
    family: str
    factor: Factor
    direction: Direction
    changeable: bool
    headline: bool
    """Whether its factor's sentence always states it."""
    says: str
    """The sentence that states the value and its standing (the same whatever its sign)."""
    missing: str | None
    """What to say when the value is not recorded; None: say ``label`` is not recorded."""
    label: str | None
    """The feature's plain name (set when ``missing`` is None)."""
    competency: str | None = None
    """For a competency gap, the competency (its name is ``features.competencies.<it>``)."""


def _entry(
    name: str,
    factor: Factor,
    direction: Direction,
    changeable: bool,
    headline: bool,
    unrecorded: Unrecorded,
) -> Feature:
    gap = name in _GAPS
    missing = {"own": f"features.{name}.missing", "assessment": "features.no_assessment"}
    return Feature(
        name=name,
        family=_FAMILY_OF[name],
        factor=factor,
        direction=direction,
        changeable=changeable,
        headline=headline,
        says="features.competency_gap" if gap else f"features.{name}.says",
        missing=missing.get(unrecorded),
        label=f"features.{name}.label" if unrecorded == "label" else None,
        competency=name.removeprefix("gap_") if gap else None,
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
SENIORITY: tuple[str, ...] = (
    "years_of_service", "rank_gap", "years_in_current_position", "years_at_position_type",
    "years_one_level_below",
)  # fmt: skip
"""Time served: rules check it against the post's minimums and reasons state it, but it never
moves a score. Merit comes before seniority (UU 20/2023; the DUK order is what the merit reform
replaces), and past committee grades carry a seniority bias that a ranker would learn through
these features (measured: docs/training.md). Related experience ranks through
``years_in_job_family``."""

FACTORS: dict[Factor, tuple[str, ...]] = {
    factor: tuple(f.name for f in CATALOGUE.values() if f.factor == factor)
    for factor in FACTOR_NAMES
}
"""Each merit factor and its features, in feature order (every feature in exactly one)."""
