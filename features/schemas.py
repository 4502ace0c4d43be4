"""Pandera schemas of the data contract's tables, over the raw text of each cell.

Every table is first read as text (CSV as written; Parquet cells rendered the way the contract
writes them), so one set of schemas checks both formats and every error names the value as the
file holds it. Each check carries the contract rule it enforces as its error text.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
import pandera.pandas as pa

from features.legacy import (
    OLD_LEADERSHIP,
    OLD_RATINGS,
    PREDICATES_FROM,
    is_old_rating,
    is_old_training,
)
from features.vocabulary import (
    ASSESSMENT_METHODS,
    COMPETENCIES,
    EDUCATION_LEVELS,
    ELECTION_EVENTS,
    EMPLOYEE_STATUSES,
    EMPLOYMENT_TYPES,
    FUNCTIONAL_LEVELS,
    GENDERS,
    LABEL_SOURCES,
    PNS_RANKS,
    POSITION_TYPES,
    RATINGS_BEST_FIRST,
    REQUIRED_COMPETENCY_COLUMNS,
    SANCTION_LEVELS,
    SANCTION_STATUSES,
    SELECTION_KINDS,
    SELECTION_STAGES,
    TRAINING_KINDS,
)

ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"
INTEGER = r"^-?\d+$"


def _is_iso_date(text: pd.Series) -> pd.Series:
    parsed = pd.to_datetime(
        text.where(text.str.match(ISO_DATE), None), format="%Y-%m-%d", errors="coerce"
    )
    return parsed.notna()


def _number(text: pd.Series) -> pd.Series:
    return pd.to_numeric(text, errors="coerce")


def _text(optional: bool = False, rule: str = "must not be empty") -> pa.Column:
    checks = [] if optional else [pa.Check(lambda s: s.str.strip() != "", error=rule)]
    return pa.Column(str, checks)


def _date(optional: bool = False) -> pa.Column:
    rule = "must be a real date written YYYY-MM-DD" + (" or empty" if optional else "")
    return pa.Column(str, pa.Check(lambda s: _is_iso_date(s) | (optional & (s == "")), error=rule))


def _enum(values: Iterable[str], optional: bool = False) -> pa.Column:
    allowed = list(values) + ([""] if optional else [])
    shown = ", ".join(v for v in allowed if v) + (" or empty" if optional else "")
    return pa.Column(str, pa.Check.isin(allowed, error=f"must be one of {shown}"))


def _boolean(optional: bool = False) -> pa.Column:
    allowed = ["true", "false"] + ([""] if optional else [])
    rule = "must be true or false" + (" or empty" if optional else "")
    return pa.Column(str, pa.Check.isin(allowed, error=rule))


def _integer(low: int | None = None, high: int | None = None, optional: bool = False) -> pa.Column:
    if low is not None and high is not None:
        rule = f"must be a whole number from {low} to {high}"
    else:
        rule = f"must be a whole number of at least {low}"
    hi = float("inf") if high is None else high

    def check(s: pd.Series) -> pd.Series:
        value = _number(s.where(s.str.match(INTEGER), None))
        return value.between(low, hi) | (optional & (s == ""))

    return pa.Column(str, pa.Check(check, error=rule + (" or empty" if optional else "")))


def _decimal(low: float, high: float, optional: bool = False) -> pa.Column:
    rule = f"must be a number from {low:g} to {high:g}" + (" or empty" if optional else "")
    return pa.Column(
        str, pa.Check(lambda s: _number(s).between(low, high) | (optional & (s == "")), error=rule)
    )


def _rating() -> pa.Column:
    """A PermenPANRB 6/2022 predicate, or a value of the old scales (features.legacy)."""
    rule = (
        f"must be one of {', '.join(RATINGS_BEST_FIRST)} (before {PREDICATES_FROM} also an "
        f"SKP score 0-100 or {', '.join(OLD_RATINGS)}, PP 46/2011)"
    )
    return pa.Column(
        str, pa.Check(lambda s: s.isin(RATINGS_BEST_FIRST) | is_old_rating(s), error=rule)
    )


def _training_kind() -> pa.Column:
    """A training kind, or an old leadership training (Diklatpim, features.legacy)."""
    rule = (
        f"must be one of {', '.join(TRAINING_KINDS)} or an old leadership training "
        f"{', '.join(OLD_LEADERSHIP)}"
    )
    return pa.Column(
        str, pa.Check(lambda s: s.isin(TRAINING_KINDS) | is_old_training(s), error=rule)
    )


NIP = pa.Column(str, pa.Check.str_matches(r"^\d{18}$", error="must be 18 digits"))
NIP_UNIQUE = pa.Column(
    str, pa.Check.str_matches(r"^\d{18}$", error="must be 18 digits"), unique=True
)
RANKS = (
    *PNS_RANKS,
    "I",
    "II",
    "III",
    "IV",
    "V",
    "VI",
    "VII",
    "VIII",
    "IX",
    "X",
    "XI",
    "XII",
    "XIII",
    "XIV",
    "XV",
    "XVI",
    "XVII",
)

SCHEMAS: dict[str, pa.DataFrameSchema] = {
    "employees": pa.DataFrameSchema({
        "nip": NIP_UNIQUE,
        "name": _text(),
        "gender": _enum(GENDERS),
        "birth_date": _date(),
        "employment_type": _enum(EMPLOYMENT_TYPES),
        "rank": _enum(RANKS),
        "rank_since": _date(),
        "service_start": _date(),
        "education_level": _enum(EDUCATION_LEVELS),
        "education_major": _text(optional=True),
        "agency_id": _text(),
        "unit_id": _text(),
        "current_position_id": _text(optional=True),
        "position_since": _date(optional=True),
        "status": _enum(EMPLOYEE_STATUSES),
        "religion": _text(optional=True),
        "ethnicity": _text(optional=True),
        "origin_region": _text(optional=True),
        "disability": _boolean(optional=True),
        "marital_status": _text(optional=True),
    }),
    "positions": pa.DataFrameSchema({
        "position_id": pa.Column(str, pa.Check(lambda s: s != "", error="must not be empty"),
                                 unique=True),
        "title": _text(),
        "agency_id": _text(),
        "unit_id": _text(),
        "unit_name": _text(optional=True),
        "position_type": _enum(POSITION_TYPES),
        "functional_level": _enum(FUNCTIONAL_LEVELS, optional=True),
        "job_family": _text(),
        "min_education_level": _enum(EDUCATION_LEVELS),
        "accepted_majors": _text(optional=True),
        "min_rank": _enum(PNS_RANKS, optional=True),
        "min_experience_years": _integer(0),
        **{column: _integer(1, 5) for column in REQUIRED_COMPETENCY_COLUMNS},
        "is_vacant": _boolean(),
    }),
    "competencies": pa.DataFrameSchema({
        "nip": NIP,
        "assessed_on": _date(),
        "method": _enum(ASSESSMENT_METHODS),
        **{column: _decimal(1, 5) for column in COMPETENCIES},
        "potential_score": _decimal(0, 100, optional=True),
    }),
    "performance": pa.DataFrameSchema(
        {"nip": NIP, "year": _integer(1950, 2100), "rating": _rating()},
    ),
    "position_history": pa.DataFrameSchema({
        "nip": NIP,
        "position_id": _text(optional=True),
        "title": _text(),
        "position_type": _enum(POSITION_TYPES),
        "job_family": _text(optional=True),
        "unit_id": _text(optional=True),
        "start_date": _date(),
        "end_date": _date(optional=True),
    }),
    "rounds": pa.DataFrameSchema({
        "round_id": _text(),
        "position_id": _text(),
        "decided_on": _date(),
        "nip": NIP,
        "label": _integer(0, 4),
        "label_source": _enum(LABEL_SOURCES),
        "selected": _boolean(),
    }),
    "discipline": pa.DataFrameSchema({
        "nip": NIP,
        "level": _enum(SANCTION_LEVELS),
        "decided_on": _date(),
        "ends_on": _date(optional=True),
        "status": _enum(SANCTION_STATUSES, optional=True),
    }),
    "trainings": pa.DataFrameSchema({
        "nip": NIP,
        "name": _text(),
        "kind": _training_kind(),
        "job_family": _text(optional=True),
        "completed_on": _date(),
        "hours": _integer(0),
    }),
    "aspirations": pa.DataFrameSchema({
        "nip": NIP,
        "preference_rank": _integer(1, 3),
        "job_family": _text(optional=True),
        "unit_id": _text(optional=True),
        "submitted_on": _date(),
    }),
    "election_calendar": pa.DataFrameSchema({
        "agency_id": _text(),
        "event": _enum(ELECTION_EVENTS),
        "date": _date(),
    }),
    "export_metadata": pa.DataFrameSchema({
        "extracted_on": _date(),
    }),
    "staffing_needs": pa.DataFrameSchema({
        "agency_id": _text(),
        "unit_id": _text(),
        "position_type": _enum(POSITION_TYPES),
        "job_family": _text(),
        "needed": _integer(0),
        "as_of": _date(),
    }),
    "key_posts": pa.DataFrameSchema({
        "position_id": pa.Column(str, pa.Check(lambda s: s != "", error="must not be empty"),
                                 unique=True),
        "reason": _text(optional=True),
        "critical_since": _date(optional=True),
    }),
    "jpt_selections": pa.DataFrameSchema({
        "selection_id": _text(),
        "kind": _enum(SELECTION_KINDS),
        "agency_id": _text(),
        "position_id": _text(),
        "opened_on": _date(),
        "decided_on": _date(),
        "nip": NIP,
        "stage": _enum(SELECTION_STAGES),
        "score": _decimal(0, 100),
        "passed": _boolean(),
        "proposed_rank": _integer(0, 3),
        "chosen": _boolean(),
    }),
}  # fmt: skip
"""One schema per table; every column is checked as text."""

DATE_COLUMNS: frozenset[str] = frozenset(
    {"birth_date", "rank_since", "service_start", "position_since", "assessed_on", "start_date",
     "end_date", "decided_on", "ends_on", "completed_on", "submitted_on", "date",
     "extracted_on", "as_of", "critical_since", "opened_on"}
)  # fmt: skip
BOOLEAN_COLUMNS: frozenset[str] = frozenset(
    {"disability", "is_vacant", "selected", "passed", "chosen"}
)
INTEGER_COLUMNS: frozenset[str] = frozenset(
    {"year", "label", "hours", "preference_rank", "min_experience_years", "needed",
     "proposed_rank", *REQUIRED_COMPETENCY_COLUMNS}
)  # fmt: skip
DECIMAL_COLUMNS: frozenset[str] = frozenset({*COMPETENCIES, "potential_score", "score"})
