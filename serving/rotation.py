"""Who is due for rotation: time in post against PP 11/2017 Pasal 190(3) and the JPT term.

Per agency, the ACTIVE employees in a post of that agency, by the time they will have served
in it on the *reference date*: the opening of the agency's next rotation window (the months in
which it moves people, :class:`RotationWindows`), or the serving date when it has none.

- ``past_five_years``: five years or more in the post (the longest a post should be held before
  a move, Pasal 190(3)); JPT holders are listed under their term instead.
- ``jpt_term_end``: a JPT holder whose five-year term (UU 5/2014 Pasal 117(1), "paling lama 5
  tahun", extendable on performance, kept by UU 20/2023's implementing rules) has ended, or
  ends within ``TERM_HORIZON_MONTHS`` of the reference date (time in post counts as the term).
- ``two_year_mark``: two years in post, not yet three: the shortest time before a move has just
  passed (Pasal 190(3)), so the person may now be considered.

Knows nothing of HTTP; returns codes and figures that the router and the page put into words.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator

from features.candidates import subset
from features.export import Export
from serving.exports import neutralised

MIN_YEARS = 2.0
MAX_YEARS = 5.0
JPT_TERM_YEARS = 5.0
TERM_HORIZON_MONTHS = 6
"""A JPT term ending this many months after the reference date is listed already."""
JPT_TYPES = frozenset({"JPT_UTAMA", "JPT_MADYA", "JPT_PRATAMA"})
REASONS: tuple[str, ...] = ("past_five_years", "jpt_term_end", "two_year_mark")
COLUMNS: tuple[str, ...] = (
    "reason", "nip", "name", "unit_id", "unit_name", "position_id", "title", "position_type",
    "job_family", "position_since", "years_in_post", "due_on",
)  # fmt: skip


class RotationWindows(BaseModel):
    """Each agency's rotation months (1-12), e.g. ``{"PLG": [4, 10]}``; absent: any month."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    months: dict[str, tuple[int, ...]] = Field(default_factory=dict)

    @field_validator("months")
    @classmethod
    def _months(cls, value: dict[str, tuple[int, ...]]) -> dict[str, tuple[int, ...]]:
        for agency, months in value.items():
            if not months or any(not 1 <= m <= 12 for m in months):
                raise ValueError(f"rotation months of {agency}: give months 1 to 12")
        return {a: tuple(sorted(set(m))) for a, m in value.items()}

    def next_window(self, agency_id: str, on: pd.Timestamp) -> pd.Timestamp | None:
        """The first day of the agency's next rotation month on or after ``on`` (``on`` itself
        inside one); ``None`` when it moves people in any month."""
        months = self.months.get(agency_id)
        if not months:
            return None
        on = pd.Timestamp(on).normalize()
        if on.month in months:
            return on
        for step in range(1, 13):
            first = (on + pd.DateOffset(months=step)).replace(day=1)
            if first.month in months:
                return first
        return None  # unreachable: months is not empty


def windows_of(months: Mapping[str, Sequence[int]]) -> RotationWindows:
    """The windows of the setting ``rotation_months`` (agency -> months)."""
    return RotationWindows(months={a: tuple(m) for a, m in months.items()})


def reference_date(
    windows: RotationWindows, agency_id: str | None, as_of: pd.Timestamp
) -> pd.Timestamp:
    """The day time in post is counted to: the next window of the agency, else ``as_of``."""
    window = None if agency_id is None else windows.next_window(agency_id, as_of)
    return pd.Timestamp(as_of).normalize() if window is None else window


def in_post(export: Export, agency_id: str | None) -> pd.DataFrame:
    """ACTIVE employees with a post of ``agency_id`` (``None``: any), with the post's fields."""
    staff = export.employees[export.employees["status"] == "ACTIVE"]
    staff = staff[staff["current_position_id"].astype(str) != ""]
    cols = ["position_id", "title", "agency_id", "unit_id", "unit_name", "position_type"]
    posts = export.positions[[*cols, "job_family"]]
    out = staff[["nip", "name", "current_position_id", "position_since"]].merge(
        posts, left_on="current_position_id", right_on="position_id"
    )
    if agency_id is not None:
        out = out[out["agency_id"] == agency_id]
    return out.drop(columns="current_position_id").reset_index(drop=True)


def due(people: pd.DataFrame, on: pd.Timestamp) -> pd.DataFrame:
    """The people due for rotation on ``on``, one row each with its reason (:data:`REASONS`)
    and the day it falls due; the longest in post first within each reason."""
    since = pd.to_datetime(people["position_since"])
    years = (pd.Timestamp(on) - since).dt.days / 365.25
    jpt = people["position_type"].isin(JPT_TYPES)
    horizon = pd.Timestamp(on) + pd.DateOffset(months=TERM_HORIZON_MONTHS)
    term_end = since + pd.DateOffset(years=int(JPT_TERM_YEARS))
    five = since + pd.DateOffset(years=int(MAX_YEARS))
    two = since + pd.DateOffset(years=int(MIN_YEARS))
    reason = np.select(
        [
            jpt & (term_end <= horizon),
            ~jpt & (years >= MAX_YEARS),
            (years >= MIN_YEARS) & (years < 3),
        ],
        ["jpt_term_end", "past_five_years", "two_year_mark"],
        default="",
    )
    due_on = np.where(
        reason == "jpt_term_end", term_end, np.where(reason == "two_year_mark", two, five)
    )
    out = people.assign(reason=reason, years_in_post=years.round(2), due_on=pd.to_datetime(due_on))
    out = out[(out["reason"] != "") & since.notna()]
    order = out.assign(_r=out["reason"].map({r: i for i, r in enumerate(REASONS)}))
    order = order.sort_values(["_r", "years_in_post", "nip"], ascending=[True, False, True])
    return order[list(COLUMNS)].reset_index(drop=True)


def report(
    export: Export,
    as_of: pd.Timestamp,
    windows: RotationWindows,
    agency_id: str | None,
    filters: Mapping[str, str | None],
) -> dict[str, Any]:
    """Who is due per reason in one agency, filtered by unit and job family."""
    on = reference_date(windows, agency_id, as_of)
    people = in_post(export, agency_id)
    for key in ("unit_id", "job_family"):
        if filters.get(key):
            people = people[people[key] == filters[key]]
    listed = due(people, on)
    counts = listed["reason"].value_counts()
    return {
        "agency_id": agency_id,
        "as_of": pd.Timestamp(as_of).date(),
        "reference_date": on.date(),
        "window_months": list(windows.months.get(agency_id or "", ())),
        "counts": {r: int(counts.get(r, 0)) for r in REASONS},
        "in_post": int(len(people)),
        "people": _records(listed),
    }


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out = frame.assign(
        position_since=pd.to_datetime(frame["position_since"]).dt.date,
        due_on=frame["due_on"].dt.date,
    )
    return out.astype(object).where(out.notna(), None).to_dict("records")


def to_csv(body: Mapping[str, Any]) -> str:
    """The people of :func:`report` as CSV (headers only when none is due)."""
    frame = pd.DataFrame(body["people"], columns=list(COLUMNS))
    buffer = io.StringIO()
    frame.astype(object).map(neutralised).to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue()


def csv_name(agency_id: str | None) -> str:
    """The download's file name in safe characters (the agency's id is user input)."""
    return f"rotation-due-{re.sub(r'[^A-Za-z0-9_-]', '_', agency_id or 'all')[:64]}.csv"


def best_posts(engine: Any, nip: str, k: int = 5) -> list[dict[str, Any]]:
    """The open vacancies of the person's agency they fit best: the engine's own rules and
    ranker over that one person, eligible posts only, best score first (ties by position)."""
    rows = np.flatnonzero(engine.pool.nips == nip)
    if len(rows) == 0:
        return []
    person = subset(engine.pool, rows[:1])
    agency = str(person.employees["agency_id"].iat[0])
    positions = engine.export.positions
    vacant = positions[positions["is_vacant"].astype(bool) & (positions["agency_id"] == agency)]
    found = []
    for position in vacant.to_dict("records"):
        scored = engine.score(person, position)
        if len(scored.eligible):
            found.append((-float(scored.scores[0]), str(position["position_id"]), position))
    found.sort(key=lambda item: item[:2])
    return [
        {
            "position_id": pid,
            "title": str(p["title"]),
            "unit_id": str(p["unit_id"]),
            "unit_name": str(p.get("unit_name") or ""),
            "position_type": str(p["position_type"]),
            "job_family": str(p["job_family"]),
            "score": round(-neg, 6),
        }
        for neg, pid, p in found[:k]
    ]
