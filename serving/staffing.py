"""Staffing gaps for the API and the page: the job map against the staff in post, per agency.

Knows nothing of HTTP. Returns codes and figures (``status`` ``ok`` or ``no_data``); the
router and the page put them into words.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from typing import Any

import pandas as pd

from features.export import Export
from features.staffing import (
    CELL,
    columns_of,
    filter_gaps,
    latest,
    move_gap,
    post_class,
    staffing_gaps,
    summarise,
    vacancies_by_need,
)
from serving.exports import neutralised

VACANCY_COLUMNS: tuple[str, ...] = (
    "position_id", "title", "agency_id", "unit_id", "unit_name", "position_type", "job_family",
    "gap", "shortfall", "unit_shortfall",
)  # fmt: skip


def csv_name(agency_id: str | None, level: str) -> str:
    """The download's file name: the agency's id in safe characters (it is user input)."""
    agency = re.sub(r"[^A-Za-z0-9_-]", "_", agency_id or "all")[:64]
    return f"staffing-gaps-{agency}-{level}.csv"


def gaps_of(export: Export, agency_id: str | None, unit_id: str | None) -> pd.DataFrame:
    """The per-class gaps of one agency and/or unit (``None``: every one), on every date."""
    return filter_gaps(staffing_gaps(export), agency_id, unit_id)


def report(
    export: Export,
    as_of: pd.Timestamp,
    agency_id: str | None,
    unit_id: str | None = None,
    level: str = "unit",
    gaps: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """Gaps now and over time at ``level`` (a key of ``LEVELS``), and the open vacancies of the
    same scope ordered by need; ``status`` is ``no_data`` when the export has no job map,
    ``not_covered`` when it covers none of the scope. ``gaps``: :func:`gaps_of` of the same
    scope, when the caller already has it."""
    gaps = gaps_of(export, agency_id, unit_id) if gaps is None else gaps
    body: dict[str, Any] = {"agency_id": agency_id, "unit_id": unit_id, "level": level}
    if gaps.empty:
        status = "no_data" if export.staffing_needs.empty else "not_covered"
        return body | {"status": status, "as_of": None, "dates": [], "now": [], "trend": [],
                       "vacancies": []}  # fmt: skip
    trend = summarise(gaps, level)
    now = latest(gaps, as_of)
    return body | {
        "status": "ok",
        "as_of": now["as_of"].iat[0].date(),
        "dates": [d.date() for d in pd.DatetimeIndex(gaps["as_of"].unique()).sort_values()],
        "now": _records(latest(trend, as_of)),
        "trend": _records(trend),
        "vacancies": _vacancies(export, now, agency_id, unit_id),
    }


def _vacancies(
    export: Export, gaps_now: pd.DataFrame, agency_id: str | None, unit_id: str | None
) -> list[dict[str, Any]]:
    positions = filter_gaps(export.positions, agency_id, unit_id)
    ordered = vacancies_by_need(positions, gaps_now)[list(VACANCY_COLUMNS)]
    ordered["gap"] = ordered["gap"].astype(object).where(ordered["gap"].notna(), None)
    return ordered.to_dict("records")


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out = frame.assign(as_of=frame["as_of"].dt.date)
    return out.to_dict("records")


def to_csv(export: Export, agency_id: str | None, unit_id: str | None, level: str) -> str:
    """The gaps at ``level`` on every date, one row per group and date (empty without data)."""
    gaps = gaps_of(export, agency_id, unit_id)
    frame = summarise(gaps, level) if len(gaps) else pd.DataFrame(columns=list(columns_of(level)))
    if len(frame):
        frame["as_of"] = frame["as_of"].dt.strftime("%Y-%m-%d")
    buffer = io.StringIO()
    cells = frame[list(columns_of(level))].astype(object).map(neutralised)
    cells.to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue()


def move(
    export: Export, as_of: pd.Timestamp, nip: str, position: Mapping[str, Any]
) -> dict[str, Any]:
    """The gaps a move of ``nip`` to ``position`` opens or closes in both units now."""
    employees = export.employees
    held = employees.loc[employees["nip"] == nip, "current_position_id"]
    source = post_class(export.positions, str(held.iat[0])) if len(held) else None
    target = {c: str(position[c]) for c in CELL}
    gaps = latest(staffing_gaps(export), as_of)
    moved = move_gap(gaps, source, target)
    return {
        "status": "ok" if len(gaps) else "no_data",
        "as_of": gaps["as_of"].iat[0].date() if len(gaps) else None,
        "leaving": None if moved.leaving is None else vars(moved.leaving),
        "joining": vars(moved.joining),
    }
