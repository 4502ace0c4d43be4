"""Tiny hand-made exports for the feature-family tests (dtypes as documented in features.export)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from features.export import TABLE_COLUMNS, Export
from features.vocabulary import COMPETENCIES, REQUIRED_COMPETENCY_COLUMNS

DATE_COLUMNS = {
    "employees": ("birth_date", "rank_since", "service_start", "position_since"),
    "competencies": ("assessed_on",),
    "position_history": ("start_date", "end_date"),
    "rounds": ("decided_on",),
    "discipline": ("decided_on", "ends_on"),
    "trainings": ("completed_on",),
    "aspirations": ("submitted_on",),
    "election_calendar": ("date",),
    "export_metadata": ("extracted_on",),
    "staffing_needs": ("as_of",),
    "key_posts": ("critical_since",),
}


def employee(nip: str, **overrides: Any) -> dict[str, Any]:
    """One ACTIVE PNS employee row with neutral defaults; ``overrides`` replace fields."""
    row = {
        "nip": nip, "name": f"Pegawai {nip[-3:]}", "gender": "M", "birth_date": "1980-01-01",
        "employment_type": "PNS", "rank": "III/c", "rank_since": "2018-04-01",
        "service_start": "2005-03-01", "education_level": "S1", "education_major": "Akuntansi",
        "agency_id": "PEMKOT-X", "unit_id": "U1", "current_position_id": "",
        "position_since": "2020-01-01", "status": "ACTIVE", "religion": "", "ethnicity": "",
        "origin_region": "", "disability": False, "marital_status": "",
    }  # fmt: skip
    row.update(overrides)
    return row


def position(**overrides: Any) -> dict[str, Any]:
    """A position mapping (contract fields) with every required level 3."""
    row: dict[str, Any] = {
        "position_id": "P1", "title": "Kepala Bidang Anggaran", "agency_id": "PEMKOT-X",
        "unit_id": "U1", "unit_name": "BPKAD", "position_type": "ADMINISTRATOR",
        "functional_level": "", "job_family": "keuangan", "min_education_level": "S1",
        "accepted_majors": "Akuntansi;Ekonomi", "min_rank": "III/d", "min_experience_years": 2,
        **{c: 3 for c in REQUIRED_COMPETENCY_COLUMNS}, "is_vacant": True,
    }  # fmt: skip
    row.update(overrides)
    return row


def assessment(
    nip: str, assessed_on: str, level: float, potential: float | None = None, **levels: float
) -> dict[str, Any]:
    """An assessment row with every competency at ``level`` unless named in ``levels``."""
    return {
        "nip": nip,
        "assessed_on": assessed_on,
        "method": "ASSESSMENT_CENTER",
        **{c: float(levels.get(c, level)) for c in COMPETENCIES},
        "potential_score": float("nan") if potential is None else potential,
    }


def _frame(table: str, rows: Sequence[dict[str, Any]]) -> pd.DataFrame:
    columns = list(TABLE_COLUMNS[table])
    frame = pd.DataFrame(list(rows), columns=columns)
    for column in DATE_COLUMNS.get(table, ()):
        frame[column] = pd.to_datetime(frame[column].replace("", None)).astype("datetime64[ns]")
    for column in ("year", "hours", "preference_rank", "label", "min_experience_years", "needed"):
        if column in frame:
            frame[column] = frame[column].astype("int64")
    for column in (*COMPETENCIES, "potential_score"):
        if column in frame and table == "competencies":
            frame[column] = frame[column].astype("float64")
    for column in frame.columns:
        if frame[column].dtype == object and column not in DATE_COLUMNS.get(table, ()):
            frame[column] = frame[column].fillna("").astype(object)
    if table == "employees":
        frame["disability"] = frame["disability"].astype("boolean")
    return frame


def make_export(**tables: Sequence[dict[str, Any]]) -> Export:
    """An Export from lists of row dicts per table; absent tables are empty frames."""
    frames = {name: _frame(name, tables.get(name, ())) for name in TABLE_COLUMNS}
    return Export(**frames, snapshot_hash="test")
