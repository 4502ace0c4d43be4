"""Staffing gaps: the job map's needs (peta jabatan, ABK) against the staff in post.

``staffing_needs`` says, per unit and position class (position type and job family), how many
people the unit needs as of a date; the staff in post on that date are counted from the export.
A gap is ``filled - needed``: above zero the class is over-staffed, below zero it is short.
Everything here is a pure function of the export's frames: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from features.export import Export, reference_date

CLASS: tuple[str, ...] = ("position_type", "job_family")
"""A position class of the job map: its type and its job family (rumpun jabatan)."""
UNIT: tuple[str, ...] = ("agency_id", "unit_id")
CELL: tuple[str, ...] = (*UNIT, *CLASS)
NEED_KEY: tuple[str, ...] = (*CELL, "as_of")
"""One need a row: a unit's class on a date (the loader refuses repeats)."""
FIGURES: tuple[str, ...] = ("needed", "filled", "gap", "over", "under")
GAP_COLUMNS: tuple[str, ...] = (*UNIT, "unit_name", *CLASS, "as_of", *FIGURES)
_DTYPES: dict[str, str] = {"as_of": "datetime64[ns]", **dict.fromkeys(FIGURES, "int64")}

LEVELS: dict[str, tuple[str, ...]] = {
    "class": (*UNIT, "unit_name", *CLASS),
    "unit": (*UNIT, "unit_name"),
    "agency": ("agency_id",),
    "job_family": ("agency_id", "job_family"),
    "position_type": ("agency_id", "position_type"),
}
"""The groupings gaps are summed over: per unit and class, unit, agency, family, type."""


def filled(export: Export, on: pd.Timestamp) -> pd.DataFrame:
    """Staff in post per unit and class on ``on``: ``agency_id, unit_id, position_type,
    job_family, filled``.

    On or after the export's date: ACTIVE employees by their current position (its unit and
    class). Before it: the ``position_history`` rows running on that day, of employees ACTIVE
    now (the contract keeps no history of status), by the row's unit and class.
    """
    if pd.Timestamp(on) >= reference_date(export):
        return _count(_current_posts(export))
    return _count(_posts_held_on(export, pd.Timestamp(on)))


def _current_posts(export: Export) -> pd.DataFrame:
    staff = export.employees.loc[export.employees["status"] == "ACTIVE", ["current_position_id"]]
    posts = export.positions[["position_id", *CELL]]
    return staff.merge(posts, left_on="current_position_id", right_on="position_id")


def _posts_held_on(export: Export, on: pd.Timestamp) -> pd.DataFrame:
    active = export.employees.loc[export.employees["status"] == "ACTIVE", "nip"]
    history = export.position_history
    running = (history["start_date"] <= on) & (
        history["end_date"].isna() | (history["end_date"] > on)
    )
    held = history[running & history["nip"].isin(active) & (history["unit_id"] != "")]
    held = held.sort_values("start_date").drop_duplicates("nip", keep="last")
    agencies = export.positions.drop_duplicates("unit_id").set_index("unit_id")["agency_id"]
    held = held.assign(agency_id=held["unit_id"].map(agencies))
    return held[held["agency_id"].notna()]


def _count(posts: pd.DataFrame) -> pd.DataFrame:
    counts = posts.groupby(list(CELL), as_index=False).size()
    return counts.rename(columns={"size": "filled"})


def staffing_gaps(export: Export) -> pd.DataFrame:
    """Needed against filled per unit and class, on every date of ``staffing_needs``.

    A class the job map does not list in a unit it covers on that date is needed 0 (its staff
    are over); a unit the job map does not cover on a date is left out. Columns
    :data:`GAP_COLUMNS`, sorted by date, agency, unit and class; empty without needs.
    """
    needs = export.staffing_needs
    if needs.empty:
        return pd.DataFrame({c: pd.Series(dtype=_DTYPES.get(c, object)) for c in GAP_COLUMNS})
    frames = [_gaps_on(export, on, need) for on, need in needs.groupby("as_of", sort=True)]
    out = pd.concat(frames, ignore_index=True)
    names = export.positions.drop_duplicates(list(UNIT)).set_index(list(UNIT))["unit_name"]
    out["unit_name"] = pd.MultiIndex.from_frame(out[list(UNIT)]).map(names.to_dict().get)
    out["unit_name"] = out["unit_name"].fillna("")
    return out[list(GAP_COLUMNS)].sort_values(list(NEED_KEY[-1:] + CELL), ignore_index=True)


def _gaps_on(export: Export, on: pd.Timestamp, need: pd.DataFrame) -> pd.DataFrame:
    have = filled(export, on)
    covered = pd.MultiIndex.from_frame(have[list(UNIT)]).isin(
        pd.MultiIndex.from_frame(need[list(UNIT)])
    )
    both = need[[*CELL, "needed"]].merge(have[covered], on=list(CELL), how="outer")
    both[["needed", "filled"]] = both[["needed", "filled"]].fillna(0).astype("int64")
    both["as_of"] = pd.Timestamp(on)
    both["gap"] = both["filled"] - both["needed"]
    both["over"] = both["gap"].clip(lower=0)
    both["under"] = (-both["gap"]).clip(lower=0)
    return both


def summarise(gaps: pd.DataFrame, level: str) -> pd.DataFrame:
    """Gaps summed per :data:`LEVELS` ``level`` and date.

    ``over`` and ``under`` sum the classes' own surpluses and shortfalls, so a unit short of
    nurses and over in clerks shows both, not a net zero.
    """
    keys = [*LEVELS[level], "as_of"]
    out = gaps.groupby(keys, as_index=False, sort=True)[list(FIGURES)].sum()
    out["gap"] = out["filled"] - out["needed"]
    return out


def latest(gaps: pd.DataFrame, on: pd.Timestamp) -> pd.DataFrame:
    """The rows of the latest date on or before ``on`` (the earliest date when all are later)."""
    if gaps.empty:
        return gaps
    dates = gaps["as_of"]
    known = dates[dates <= pd.Timestamp(on)]
    chosen = known.max() if len(known) else dates.min()
    return gaps[dates == chosen].reset_index(drop=True)


def vacancies_by_need(positions: pd.DataFrame, gaps_now: pd.DataFrame) -> pd.DataFrame:
    """Open vacancies, the most needed first.

    Ordered by the shortfall of the post's class in its unit, then the unit's whole shortfall,
    then ``position_id``. Adds ``gap`` (NaN when the job map does not cover the unit),
    ``shortfall`` and ``unit_shortfall`` to the vacant positions' columns.
    """
    vacant = positions[positions["is_vacant"]].copy()
    cells = gaps_now[[*CELL, "gap", "under"]].rename(columns={"under": "shortfall"})
    units = gaps_now.groupby(list(UNIT), as_index=False)["under"].sum()
    out = vacant.merge(cells, on=list(CELL), how="left")
    out = out.merge(units.rename(columns={"under": "unit_shortfall"}), on=list(UNIT), how="left")
    out[["shortfall", "unit_shortfall"]] = out[["shortfall", "unit_shortfall"]].fillna(0)
    out[["shortfall", "unit_shortfall"]] = out[["shortfall", "unit_shortfall"]].astype("int64")
    order = out.sort_values(
        ["shortfall", "unit_shortfall", "position_id"], ascending=[False, False, True]
    )
    return order.reset_index(drop=True)


@dataclass(frozen=True)
class SideGap:
    """One side of a move: a unit's class before and after (``None``: the job map does not
    cover the unit)."""

    agency_id: str
    unit_id: str
    position_type: str
    job_family: str
    needed: int | None
    gap_before: int | None
    gap_after: int | None
    unit_gap_before: int | None
    unit_gap_after: int | None


@dataclass(frozen=True)
class MoveGap:
    """The gaps a move opens or closes: in the unit left (``None``: the person held no post
    in the export) and in the unit joined."""

    leaving: SideGap | None
    joining: SideGap


def post_class(positions: pd.DataFrame, position_id: str) -> dict[str, str] | None:
    """The unit and class (:data:`CELL`) of a position; ``None`` when it is unknown."""
    rows = positions[positions["position_id"] == position_id]
    return None if rows.empty else {c: str(rows[c].iat[0]) for c in CELL}


def move_gap(
    gaps_now: pd.DataFrame, source: Mapping[str, str] | None, target: Mapping[str, str]
) -> MoveGap:
    """The gaps before and after one person leaves ``source`` (a :data:`CELL` mapping, or
    ``None``) for ``target``: one fewer in the first, one more in the second."""
    leaving = None if source is None else _side(gaps_now, source, -1, target)
    return MoveGap(leaving, _side(gaps_now, target, +1, source))


def _side(
    gaps_now: pd.DataFrame, cell: Mapping[str, str], step: int, other: Mapping[str, str] | None
) -> SideGap:
    same_cell = other is not None and all(cell[c] == other[c] for c in CELL)
    same_unit = other is not None and all(cell[c] == other[c] for c in UNIT)
    in_unit = gaps_now[
        (gaps_now["agency_id"] == cell["agency_id"]) & (gaps_now["unit_id"] == cell["unit_id"])
    ]
    ids = {c: str(cell[c]) for c in CELL}
    if in_unit.empty:
        return SideGap(**ids, needed=None, gap_before=None, gap_after=None,
                       unit_gap_before=None, unit_gap_after=None)  # fmt: skip
    row = in_unit[np.logical_and.reduce([in_unit[c] == cell[c] for c in CLASS])]
    needed = int(row["needed"].iat[0]) if len(row) else 0
    gap = int(row["gap"].iat[0]) if len(row) else 0
    unit_gap = int(in_unit["gap"].sum())
    return SideGap(
        **ids,
        needed=needed,
        gap_before=gap,
        gap_after=gap + (0 if same_cell else step),
        unit_gap_before=unit_gap,
        unit_gap_after=unit_gap + (0 if same_unit else step),
    )


def filter_gaps(
    gaps: pd.DataFrame, agency_id: str | None = None, unit_id: str | None = None
) -> pd.DataFrame:
    """The rows of one agency and/or unit (``None``: all)."""
    keep = pd.Series(True, index=gaps.index)
    if agency_id is not None:
        keep &= gaps["agency_id"] == agency_id
    if unit_id is not None:
        keep &= gaps["unit_id"] == unit_id
    return gaps[keep].reset_index(drop=True)


def columns_of(level: str) -> Sequence[str]:
    """The columns of a summary at ``level``: its keys, the date and the figures."""
    return (*LEVELS[level], "as_of", *FIGURES)
