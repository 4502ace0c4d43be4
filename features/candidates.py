"""Per-employee blocks known on a date: what every feature family reads, position-independent.

``prepare_candidates(export, as_of)`` is computed once per date (per round in training, once at
start-up in serving); ``build_features`` then combines the blocks with a position in
vectorised numpy. Point in time: only rows dated on or before ``as_of`` count (assessments,
careers clipped at ``as_of``, trainings, sanctions, aspirations), and a rating for year Y only
from 1 January of Y+1. Every block is computed per employee independently of who else is in the
pool, so a round's pool and the whole workforce give identical rows for the same person.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np
import pandas as pd

from features.export import Export
from features.ordinals import EDUCATION_ORDINAL, RANK_ORDINAL
from features.vocabulary import (
    COMPETENCIES,
    FUNCTIONAL_LEVELS,
    POSITION_TYPES,
    RATING_SCORES,
    SANCTION_LEVELS,
    SANCTION_STATUSES,
)

YEAR = pd.Timedelta(days=365.25)
RATING_YEARS = 3
"""How many past yearly ratings the performance family reads."""

LEADERSHIP_LEVEL = {"PKP": 1, "PKA": 2, "PKN_II": 3, "PKN_I": 4}
"""Leadership trainings by the level of post they prepare for."""

RANK_STEP_YEARS = 4.0
"""Typical years between two PNS ranks, used to step a rank back to a past date."""

CODED_COLUMNS: tuple[str, ...] = (
    "status", "employment_type", "education_level", "rank", "current_position_id",
)  # fmt: skip
"""Employee columns the eligibility rules compare, factorised once per pool (codes + labels)."""


@dataclass(frozen=True)
class CandidatePool:
    """Position-independent blocks of a set of employees on a date, aligned to ``nips``.

    Attributes
    ----------
    as_of : pandas.Timestamp
        The date everything is known on.
    nips : numpy.ndarray
        The pool's NIPs (str), in order; every block is aligned to it.
    employees : pandas.DataFrame
        The pool's employee rows, every contract column (protected ones included, for
        eligibility rules and fairness audits only), RangeIndex.
    active_sanction_level : numpy.ndarray
        int8: most severe imposed sanction active on ``as_of`` (0 none, 1 RINGAN, 2 SEDANG,
        3 BERAT).
    pending_proceedings : numpy.ndarray
        int8: a disciplinary case still open on ``as_of`` (0 none, 1 UNDER_EXAMINATION,
        2 IN_COURT; the later stage when both). Not a sanction: never counted as one.
    families : dict
        Job family -> column of the per-family blocks (the same for every pool of an export).
    major_codes, majors : numpy.ndarray, tuple of str
        Each candidate's education major as a code into the pool's distinct ``majors``, so the
        education family compares each distinct major once.
    column_codes, column_labels : numpy.ndarray, tuple of tuple of str
        ``column_codes[:, j]`` codes the employees' ``CODED_COLUMNS[j]`` into
        ``column_labels[j]``, so that rules compare integers, not strings, on every request.
    ratings_mapped_from : numpy.ndarray
        object, aligned to ``ratings``: the value the export holds where a rating was mapped
        from an old scale (an SKP score, ``CUKUP``; features.legacy), else ``""``. Never a
        feature: reasons say it.
    leadership_mapped_from : numpy.ndarray
        object: the old name (Diklatpim) of the training that gives ``leadership_level`` when
        it was mapped, else ``""``. Never a feature: reasons say it.
    """

    as_of: pd.Timestamp
    nips: np.ndarray
    employees: pd.DataFrame
    active_sanction_level: np.ndarray
    pending_proceedings: np.ndarray
    families: dict[str, int]
    competency_levels: np.ndarray
    assessed_on: np.ndarray
    potential_score: np.ndarray
    ratings: np.ndarray
    years_by_family: np.ndarray
    years_by_type: np.ndarray
    years_by_functional_level: np.ndarray
    current_start: np.ndarray
    years_of_service: np.ndarray
    education_ordinal: np.ndarray
    rank_ordinal: np.ndarray
    sanctions_5y: np.ndarray
    leadership_level: np.ndarray
    training_hours_by_family: np.ndarray
    trainings_by_family: np.ndarray
    training_hours_3y: np.ndarray
    aspired_family: np.ndarray
    aspired_units: pd.DataFrame
    major_codes: np.ndarray
    majors: tuple[str, ...]
    column_codes: np.ndarray
    column_labels: tuple[tuple[str, ...], ...]
    ratings_mapped_from: np.ndarray
    leadership_mapped_from: np.ndarray

    def __len__(self) -> int:
        return len(self.nips)

    def is_value(self, column: str, value: str) -> np.ndarray:
        """Whether each candidate's ``column`` (one of ``CODED_COLUMNS``) is ``value``."""
        j = CODED_COLUMNS.index(column)
        labels = self.column_labels[j]
        if value not in labels:
            return np.zeros(len(self), dtype=bool)
        return self.column_codes[:, j] == labels.index(value)


def prepare_candidates(
    export: Export, as_of: Any, nips: Sequence[str] | None = None
) -> CandidatePool:
    """Compute the blocks of ``nips`` (default: every employee) as known on ``as_of``.

    Parameters
    ----------
    export : Export
        A loaded export.
    as_of : date-like
        The decision date (a round's ``decided_on``, or today when serving).
    nips : sequence of str, optional
        The pool, in the order wanted; every NIP must be an employee of the export.

    Returns
    -------
    CandidatePool
    """
    as_of = pd.Timestamp(as_of).normalize()
    employees = _pool_employees(export.employees, nips)
    index = pd.Index(employees["nip"])
    families = _families(export)
    n = len(employees)
    levels, assessed_on, potential = _latest_assessment(export.competencies, index, as_of)
    by_family, by_type, by_level, current_start = _career(
        export.position_history, index, as_of, families
    )
    hours, counts, leadership, hours_3y = _trainings(export.trainings, index, as_of, families)
    active, recent, pending = _sanctions(export.discipline, index, as_of)
    major_codes, majors = pd.factorize(employees["education_major"].to_numpy(dtype=object))
    column_codes, column_labels = code_columns(employees, CODED_COLUMNS)
    return CandidatePool(
        as_of=as_of,
        nips=employees["nip"].to_numpy(dtype=object),
        employees=employees,
        active_sanction_level=active,
        pending_proceedings=pending,
        families=families,
        competency_levels=levels,
        assessed_on=assessed_on,
        potential_score=potential,
        ratings=_ratings(export.performance, index, as_of),
        years_by_family=by_family,
        years_by_type=by_type,
        years_by_functional_level=by_level,
        current_start=_current_start(current_start, employees, as_of),
        years_of_service=_years_between(employees["service_start"].to_numpy(), as_of),
        education_ordinal=employees["education_level"].map(EDUCATION_ORDINAL).to_numpy(float),
        rank_ordinal=_rank_at(employees, as_of),
        sanctions_5y=recent,
        leadership_level=leadership,
        training_hours_by_family=hours,
        trainings_by_family=counts,
        training_hours_3y=hours_3y,
        aspired_family=_aspired_families(export.aspirations, index, as_of, families, n),
        aspired_units=_aspired_units(export.aspirations, index, as_of),
        major_codes=major_codes.astype(np.int64),
        majors=tuple(str(m) for m in majors),
        column_codes=column_codes,
        column_labels=column_labels,
        ratings_mapped_from=_ratings_mapped_from(export.performance, index, as_of),
        leadership_mapped_from=_leadership_mapped_from(export.trainings, index, as_of),
    )


def code_columns(
    employees: pd.DataFrame, columns: Sequence[str]
) -> tuple[np.ndarray, tuple[tuple[str, ...], ...]]:
    """Each column as integer codes into its distinct values (a missing value is "")."""
    codes = np.empty((len(employees), len(columns)), dtype=np.int32)
    labels = []
    for j, column in enumerate(columns):
        values = employees[column].fillna("").astype(str).to_numpy(dtype=object)
        codes[:, j], uniques = pd.factorize(values)
        labels.append(tuple(str(u) for u in uniques))
    return codes, tuple(labels)


def subset(pool: CandidatePool, selector: np.ndarray | Sequence[int]) -> CandidatePool:
    """The pool restricted to a boolean mask or integer positions, in that order."""
    rows = np.asarray(selector)
    if rows.dtype == bool:
        rows = np.flatnonzero(rows)
    changes: dict[str, Any] = {}
    for item in fields(pool):
        value = getattr(pool, item.name)
        if item.name == "employees":
            changes[item.name] = value.iloc[rows].reset_index(drop=True)
        elif item.name == "aspired_units":
            kept = value[value["row"].isin(rows)]
            remap = pd.Series(np.arange(len(rows)), index=rows)
            changes[item.name] = kept.assign(row=remap.reindex(kept["row"]).to_numpy())
        elif isinstance(value, np.ndarray):
            changes[item.name] = value[rows]
    return replace(pool, **changes)


def _pool_employees(employees: pd.DataFrame, nips: Sequence[str] | None) -> pd.DataFrame:
    if nips is None:
        return employees.reset_index(drop=True)
    positions = pd.Index(employees["nip"]).get_indexer(list(nips))
    if (positions < 0).any():
        raise KeyError(f"{int((positions < 0).sum())} NIP(s) of the pool are not employees")
    return employees.iloc[positions].reset_index(drop=True)


def _families(export: Export) -> dict[str, int]:
    names = pd.concat(
        [
            export.positions["job_family"],
            export.position_history["job_family"],
            export.trainings["job_family"],
            export.aspirations["job_family"],
        ]
    )
    unique = sorted({name for name in names.unique() if name})
    return {name: i for i, name in enumerate(unique)}


def _rows(index: pd.Index, nips: pd.Series) -> np.ndarray:
    return index.get_indexer(nips.to_numpy())


def _years_between(start: np.ndarray, as_of: pd.Timestamp) -> np.ndarray:
    years = (as_of.to_datetime64() - start) / np.timedelta64(1, "D") / 365.25
    return np.where(np.isnat(start), np.nan, np.maximum(years, 0.0))


def _latest_assessment(
    competencies: pd.DataFrame, index: pd.Index, as_of: pd.Timestamp
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = len(index)
    levels = np.full((n, len(COMPETENCIES)), np.nan)
    assessed = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    potential = np.full(n, np.nan)
    known = competencies[competencies["assessed_on"] <= as_of]
    known = known.assign(row=_rows(index, known["nip"]))
    known = known[known["row"] >= 0].sort_values(["row", "assessed_on"], kind="stable")
    latest = known.drop_duplicates("row", keep="last")
    rows = latest["row"].to_numpy()
    levels[rows] = latest[list(COMPETENCIES)].to_numpy(float)
    assessed[rows] = latest["assessed_on"].to_numpy()
    potential[rows] = latest["potential_score"].to_numpy(float)
    return levels, assessed, potential


def _known_ratings(
    performance: pd.DataFrame, index: pd.Index, as_of: pd.Timestamp
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """The ratings of the last ``RATING_YEARS`` years known on ``as_of``, their pool rows and
    their columns (0 is last year)."""
    offset = as_of.year - performance["year"].to_numpy()
    known = performance[(offset >= 1) & (offset <= RATING_YEARS)]
    rows = _rows(index, known["nip"])
    keep = rows >= 0
    return known[keep], rows[keep], as_of.year - known["year"].to_numpy()[keep] - 1


def _ratings(performance: pd.DataFrame, index: pd.Index, as_of: pd.Timestamp) -> np.ndarray:
    """Scores of the last ``RATING_YEARS`` years known on ``as_of``: column 0 is last year."""
    ratings = np.full((len(index), RATING_YEARS), np.nan)
    known, rows, columns = _known_ratings(performance, index, as_of)
    ratings[rows, columns] = known["rating"].map(RATING_SCORES).to_numpy(float)
    return ratings


def _ratings_mapped_from(
    performance: pd.DataFrame, index: pd.Index, as_of: pd.Timestamp
) -> np.ndarray:
    """Aligned to ``_ratings``: the original of each rating mapped from an old scale, else ""."""
    mapped = np.full((len(index), RATING_YEARS), "", dtype=object)
    if "rating_mapped_from" in performance:
        known, rows, columns = _known_ratings(performance, index, as_of)
        mapped[rows, columns] = known["rating_mapped_from"].to_numpy(dtype=object)
    return mapped


def _career(
    history: pd.DataFrame, index: pd.Index, as_of: pd.Timestamp, families: dict[str, int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Years by job family, position type and functional level, careers clipped at as_of."""
    n = len(index)
    spans = history[history["start_date"] <= as_of]
    rows = _rows(index, spans["nip"])
    spans, rows = spans[rows >= 0], rows[rows >= 0]
    end = spans["end_date"].fillna(as_of).clip(upper=as_of)
    years = np.maximum((end - spans["start_date"]).dt.days.to_numpy() / 365.25, 0.0)
    by_family = np.zeros((n, max(len(families), 1)))
    family = spans["job_family"].map(families).to_numpy()
    known = ~pd.isna(family)
    np.add.at(by_family, (rows[known], family[known].astype(int)), years[known])
    by_type = np.zeros((n, len(POSITION_TYPES)))
    type_column = spans["position_type"].map({t: i for i, t in enumerate(POSITION_TYPES)})
    np.add.at(by_type, (rows, type_column.to_numpy(int)), years)
    by_level = _years_by_functional_level(spans, rows, years, n)
    open_span = spans["end_date"].isna() | (spans["end_date"] > as_of)
    current = pd.Series(
        spans["start_date"].to_numpy()[open_span.to_numpy()], index=rows[open_span.to_numpy()]
    )
    current_start = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    latest = current.groupby(level=0).max()
    current_start[latest.index.to_numpy()] = latest.to_numpy()
    return by_family, by_type, by_level, current_start


def _years_by_functional_level(
    spans: pd.DataFrame, rows: np.ndarray, years: np.ndarray, n: int
) -> np.ndarray:
    """Functional history rows carry no level; read it from the title (e.g. '... Ahli Muda')."""
    by_level = np.zeros((n, len(FUNCTIONAL_LEVELS)))
    functional = (spans["position_type"] == "FUNGSIONAL").to_numpy()
    if not functional.any():
        return by_level
    titles = spans["title"].to_numpy(dtype=str)[functional]
    level = np.full(len(titles), -1)
    normalised = np.char.upper(np.char.replace(titles, " ", "_"))
    for i, name in sorted(enumerate(FUNCTIONAL_LEVELS), key=lambda item: -len(item[1])):
        hit = (level < 0) & (np.char.find(normalised, name) >= 0)
        level[hit] = i
    known = level >= 0
    np.add.at(by_level, (rows[functional][known], level[known]), years[functional][known])
    return by_level


def _current_start(
    current_start: np.ndarray, employees: pd.DataFrame, as_of: pd.Timestamp
) -> np.ndarray:
    """Start of the post held on as_of: the open history span, else position_since."""
    since = employees["position_since"].to_numpy()
    fallback = np.where(since <= as_of.to_datetime64(), since, np.datetime64("NaT"))
    return np.where(np.isnat(current_start), fallback, current_start)


def _rank_at(employees: pd.DataFrame, as_of: pd.Timestamp) -> np.ndarray:
    """PNS rank ordinal on as_of: the current rank, stepped back when it was reached later."""
    ordinal = employees["rank"].map(RANK_ORDINAL).to_numpy(float)
    since = employees["rank_since"].to_numpy()
    ahead = (since - as_of.to_datetime64()) / np.timedelta64(1, "D") / 365.25
    steps = np.where(ahead > 0, np.ceil(ahead / RANK_STEP_YEARS), 0.0)
    return np.maximum(ordinal - steps, 0.0)


def _sanctions(
    discipline: pd.DataFrame, index: pd.Index, as_of: pd.Timestamp
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Most severe imposed sanction running on ``as_of``, imposed sanctions in the last 5
    years, and the stage of a case still open (a status empty or absent means IMPOSED)."""
    n = len(index)
    active = np.zeros(n, dtype=np.int8)
    recent = np.zeros(n)
    pending = np.zeros(n, dtype=np.int8)
    known = discipline[discipline["decided_on"] <= as_of]
    rows = _rows(index, known["nip"])
    known, rows = known[rows >= 0], rows[rows >= 0]
    status = known.get("status", pd.Series("", index=known.index)).fillna("").replace("", "IMPOSED")
    stage = status.map({s: i for i, s in enumerate(SANCTION_STATUSES)}).to_numpy(dtype=np.int8)
    imposed = stage == 0
    level = known["level"].map({lvl: i + 1 for i, lvl in enumerate(SANCTION_LEVELS)}).to_numpy()
    running = (known["ends_on"].isna() | (known["ends_on"] > as_of)).to_numpy()
    np.maximum.at(active, rows[running & imposed], level[running & imposed].astype(np.int8))
    np.maximum.at(pending, rows[running & ~imposed], stage[running & ~imposed])
    within = (known["decided_on"] > as_of - 5 * YEAR).to_numpy() & imposed
    np.add.at(recent, rows[within], 1.0)
    return active, recent, pending


def _trainings(
    trainings: pd.DataFrame, index: pd.Index, as_of: pd.Timestamp, families: dict[str, int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    n = len(index)
    hours = np.zeros((n, max(len(families), 1)))
    counts = np.zeros_like(hours)
    leadership = np.zeros(n)
    hours_3y = np.zeros(n)
    known = trainings[trainings["completed_on"] <= as_of]
    rows = _rows(index, known["nip"])
    known, rows = known[rows >= 0], rows[rows >= 0]
    level = known["kind"].map(LEADERSHIP_LEVEL).fillna(0).to_numpy(float)
    np.maximum.at(leadership, rows, level)
    family = known["job_family"].map(families).to_numpy()
    in_family = ~pd.isna(family)
    hour_values = known["hours"].to_numpy(float)
    np.add.at(hours, (rows[in_family], family[in_family].astype(int)), hour_values[in_family])
    np.add.at(counts, (rows[in_family], family[in_family].astype(int)), 1.0)
    recent = (known["completed_on"] > as_of - 3 * YEAR).to_numpy()
    np.add.at(hours_3y, rows[recent], hour_values[recent])
    return hours, counts, leadership, hours_3y


def _leadership_mapped_from(
    trainings: pd.DataFrame, index: pd.Index, as_of: pd.Timestamp
) -> np.ndarray:
    """The old name of the training that gives each candidate's leadership level, when that
    level is on file only under an old name (a Diklatpim), else ""."""
    mapped = np.full(len(index), "", dtype=object)
    if "kind_mapped_from" not in trainings:
        return mapped
    known = trainings[trainings["completed_on"] <= as_of]
    known = known.assign(
        row=_rows(index, known["nip"]),
        level=known["kind"].map(LEADERSHIP_LEVEL),
        today=known["kind_mapped_from"] == "",
    )
    known = known[(known["row"] >= 0) & known["level"].notna()]
    best = known.sort_values(["row", "level", "today"], kind="stable").drop_duplicates(
        "row", keep="last"
    )
    mapped[best["row"].to_numpy()] = best["kind_mapped_from"].to_numpy(dtype=object)
    return mapped


PREFERENCE_WEIGHT = {1: 1.0, 2: 2 / 3, 3: 1 / 3}
"""How much a stated preference counts, by its rank."""


def _known_aspirations(
    aspirations: pd.DataFrame, index: pd.Index, as_of: pd.Timestamp
) -> pd.DataFrame:
    known = aspirations[aspirations["submitted_on"] <= as_of]
    known = known.assign(row=_rows(index, known["nip"]))
    known = known[known["row"] >= 0]
    return known.assign(weight=known["preference_rank"].map(PREFERENCE_WEIGHT).fillna(0.0))


def _aspired_families(
    aspirations: pd.DataFrame,
    index: pd.Index,
    as_of: pd.Timestamp,
    families: dict[str, int],
    n: int,
) -> np.ndarray:
    aspired = np.zeros((n, max(len(families), 1)))
    known = _known_aspirations(aspirations, index, as_of)
    family = known["job_family"].map(families).to_numpy()
    ok = ~pd.isna(family)
    np.maximum.at(
        aspired,
        (known["row"].to_numpy()[ok], family[ok].astype(int)),
        known["weight"].to_numpy()[ok],
    )
    return aspired


def _aspired_units(aspirations: pd.DataFrame, index: pd.Index, as_of: pd.Timestamp) -> pd.DataFrame:
    known = _known_aspirations(aspirations, index, as_of)
    known = known[known["unit_id"] != ""]
    return known[["row", "unit_id", "weight"]].reset_index(drop=True)
