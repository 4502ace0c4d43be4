"""The loaded personnel export: typed frames, one per table of the data contract.

Dtypes after loading (the loader guarantees them, the generator writes files that load so):

- identifiers and free text (nip, position_id, unit_id, names, majors ...): ``object`` holding
  ``str``; an empty optional value is ``""``;
- dates: ``datetime64[ns]``, ``NaT`` when empty;
- enumerations: ``str`` values from ``features.vocabulary`` (object dtype);
- booleans: ``bool`` (``disability`` is the nullable ``boolean`` dtype);
- integers: ``int64``; ``potential_score``: ``float64`` with ``NaN`` when empty;
- competency levels: ``float64``.

Optional tables that are absent are empty frames with the contract's columns; optional
``employees`` columns that are absent are present and empty. Extra columns are dropped. A value
of an old scale (a pre-2022 SKP score, a Diklatpim; ``features.legacy``) is loaded mapped to
today's, the original kept in the column :func:`loaded_columns` adds (``""``: not mapped).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from features.vocabulary import COMPETENCIES, REQUIRED_COMPETENCY_COLUMNS

TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "employees": (
        "nip", "name", "gender", "birth_date", "employment_type", "rank", "rank_since",
        "service_start", "education_level", "education_major", "agency_id", "unit_id",
        "current_position_id", "position_since", "status",
        "religion", "ethnicity", "origin_region", "disability", "marital_status",
    ),
    "positions": (
        "position_id", "title", "agency_id", "unit_id", "unit_name", "position_type",
        "functional_level", "job_family", "min_education_level", "accepted_majors", "min_rank",
        "min_experience_years", *REQUIRED_COMPETENCY_COLUMNS, "is_vacant",
    ),
    "competencies": ("nip", "assessed_on", "method", *COMPETENCIES, "potential_score"),
    "performance": ("nip", "year", "rating"),
    "position_history": (
        "nip", "position_id", "title", "position_type", "job_family", "unit_id",
        "start_date", "end_date",
    ),
    "rounds": (
        "round_id", "position_id", "decided_on", "nip", "label", "label_source", "selected",
    ),
    "discipline": ("nip", "level", "decided_on", "ends_on", "status"),
    "trainings": ("nip", "name", "kind", "job_family", "completed_on", "hours"),
    "aspirations": ("nip", "preference_rank", "job_family", "unit_id", "submitted_on"),
    "election_calendar": ("agency_id", "event", "date"),
    "export_metadata": ("extracted_on",),
    "staffing_needs": (
        "agency_id", "unit_id", "position_type", "job_family", "needed", "as_of",
    ),
    "key_posts": ("position_id", "reason", "critical_since"),
    "jpt_selections": (
        "selection_id", "kind", "agency_id", "position_id", "opened_on", "decided_on", "nip",
        "stage", "score", "passed", "proposed_rank", "chosen",
    ),
}  # fmt: skip
"""Every table's columns, in the contract's order."""

REQUIRED_TABLES: tuple[str, ...] = (
    "employees", "positions", "competencies", "performance", "position_history", "rounds",
)  # fmt: skip
OPTIONAL_TABLES: tuple[str, ...] = (
    "discipline", "trainings", "aspirations", "election_calendar", "export_metadata",
    "staffing_needs", "key_posts", "jpt_selections",
)  # fmt: skip
OPTIONAL_EMPLOYEE_COLUMNS: tuple[str, ...] = (
    "religion", "ethnicity", "origin_region", "disability", "marital_status",
)  # fmt: skip
OPTIONAL_COLUMNS: dict[str, tuple[str, ...]] = {
    "employees": OPTIONAL_EMPLOYEE_COLUMNS,
    "discipline": ("status",),
    "key_posts": ("reason", "critical_since"),
}
"""Columns a table may lack: an absent column reads as empty cells."""

MAPPED_FROM: dict[str, str] = {"performance": "rating", "trainings": "kind"}
"""Table -> its column that may hold a value of an old scale; the loaded frame keeps the original
in ``<column>_mapped_from``, after the contract's columns (never a feature)."""


def loaded_columns(table: str) -> tuple[str, ...]:
    """A loaded frame's columns: the contract's, then the mapped-from mark if the table has one."""
    column = MAPPED_FROM.get(table)
    return TABLE_COLUMNS[table] + ((f"{column}_mapped_from",) if column else ())


PROTECTED_ATTRIBUTES: tuple[str, ...] = (
    "nip", "name", "gender", "birth_date", "age",
    "religion", "ethnicity", "origin_region", "disability", "marital_status",
)  # fmt: skip
"""Never model features: protected attributes, the NIP that encodes two of them, and names."""


@dataclass(frozen=True)
class Export:
    """A validated personnel export.

    Attributes
    ----------
    employees, positions, competencies, performance, position_history, rounds,
    discipline, trainings, aspirations, election_calendar, export_metadata, staffing_needs,
    key_posts, jpt_selections : pandas.DataFrame
        One frame per contract table, columns as in ``TABLE_COLUMNS``; an absent optional
        table is an empty frame (``staffing_needs`` empty: the job map was not exported).
    snapshot_hash : str
        SHA-256 over the loaded tables' file bytes (sorted by table name): the data version
        recorded with every model and shortlist.
    """

    employees: pd.DataFrame
    positions: pd.DataFrame
    competencies: pd.DataFrame
    performance: pd.DataFrame
    position_history: pd.DataFrame
    rounds: pd.DataFrame
    discipline: pd.DataFrame
    trainings: pd.DataFrame
    aspirations: pd.DataFrame
    election_calendar: pd.DataFrame
    export_metadata: pd.DataFrame
    staffing_needs: pd.DataFrame
    key_posts: pd.DataFrame
    jpt_selections: pd.DataFrame
    snapshot_hash: str

    def table(self, name: str) -> pd.DataFrame:
        """Return the frame of table ``name``."""
        if name not in TABLE_COLUMNS:
            raise KeyError(f"unknown table {name!r}")
        return getattr(self, name)


RECORD_DATES: tuple[tuple[str, str], ...] = (
    ("employees", "rank_since"), ("employees", "position_since"),
    ("competencies", "assessed_on"), ("position_history", "start_date"),
    ("position_history", "end_date"), ("rounds", "decided_on"), ("discipline", "decided_on"),
    ("trainings", "completed_on"), ("aspirations", "submitted_on"),
)  # fmt: skip
"""Dates that record something that has happened (not a schedule such as a sanction's end or
an election date): the latest of them dates an export that does not say when it was made."""


def reference_date(export: Export) -> pd.Timestamp:
    """The day the export describes: ``export_metadata.extracted_on``, else its latest record.

    Tenure, sanctions and freezes are evaluated on this day by default, so an export served
    months after it was extracted is still read as of the day its data describes.
    """
    if len(export.export_metadata):
        return pd.Timestamp(export.export_metadata["extracted_on"].iloc[0]).normalize()
    latest = [export.table(t)[c].max() for t, c in RECORD_DATES if len(export.table(t))]
    latest = [d for d in latest if pd.notna(d)]
    if not latest:
        return pd.Timestamp.today().normalize()
    return pd.Timestamp(max(latest)).normalize()
