"""Oversight summaries per agency: the figures an Indeks Sistem Merit self-assessment asks for.

The *Manajemen Talenta* aspect: how the staff in post spread over the nine talent boxes
(PermenPANRB 3/2020; boxes 7-9 are the talent pool). The *Promosi dan Mutasi* aspect: vacancies
open longer than N months, the share of the posts filled in the last ``lookback`` months by
people from the pool against from outside it, and the staffing gaps the last campaigns closed.

Each person's box is computed against their own post by the same features the ranker reads
(last rating, potential or else the job-person match). Knows nothing of HTTP.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from features.build import build_features
from features.candidates import CandidatePool, subset
from serving.exports import neutralised

POOL_BOXES = frozenset({7, 8, 9})
"""The talent pool's boxes (features.talent: 7-9 talent pool, 4-6 rotation, 1 action)."""
BOXES = tuple(range(1, 10))


def boxes_in_post(engine: Any, agency_id: str | None) -> pd.Series:
    """Each ACTIVE person's talent box against their own post (NaN: unknown), by NIP."""
    pool: CandidatePool = engine.pool
    employees = pool.employees
    mask = employees["current_position_id"].astype(str) != ""
    if agency_id is not None:
        mask &= employees["agency_id"] == agency_id
    positions = engine.export.positions.set_index("position_id", drop=False)
    config = engine.ruleset.feature_config()
    boxes: list[pd.Series] = []
    held = employees.loc[mask, "current_position_id"].astype(str)
    for position_id, rows in held.groupby(held).groups.items():
        if position_id not in positions.index:
            continue
        index = np.flatnonzero(employees.index.isin(rows))
        people = subset(pool, index)
        features = build_features(people, positions.loc[position_id].to_dict(), pool.as_of, config)
        boxes.append(features["talent_box"])
    if not boxes:
        return pd.Series(dtype=float)
    return pd.concat(boxes)


def box_counts(boxes: pd.Series) -> dict[str, int]:
    """People per box ``"1"`` .. ``"9"`` and ``"unknown"``."""
    counts = {str(b): int((boxes == b).sum()) for b in BOXES}
    return counts | {"unknown": int(boxes.isna().sum())}


def vacant_since(positions: pd.DataFrame, history: pd.DataFrame) -> pd.Series:
    """The day each vacant position's last holder left it (NaT: no holder in the history)."""
    vacant = positions.loc[positions["is_vacant"].astype(bool), "position_id"].astype(str)
    ended = history[history["position_id"].astype(str).isin(set(vacant))]
    last = ended.groupby("position_id")["end_date"].max()
    return pd.to_datetime(vacant.map(last)).set_axis(vacant.to_numpy())


def long_open(
    positions: pd.DataFrame, history: pd.DataFrame, as_of: pd.Timestamp, months: int
) -> dict[str, Any]:
    """Vacancies open ``months`` or longer, and those whose opening the export does not show."""
    since = vacant_since(positions, history)
    limit = pd.Timestamp(as_of) - pd.DateOffset(months=months)
    old = since[since.notna() & (since <= limit)].sort_values()
    return {
        "months": months,
        "vacant": int(len(since)),
        "open_longer": int(len(old)),
        "unknown_since": int(since.isna().sum()),
        "positions": [
            {"position_id": p, "vacant_since": d.date(), "months_open": _months(d, as_of)}
            for p, d in old.items()
        ],
    }


def _months(since: pd.Timestamp, as_of: pd.Timestamp) -> int:
    return (as_of.year - since.year) * 12 + as_of.month - since.month


def filled_from_pool(
    positions: pd.DataFrame,
    history: pd.DataFrame,
    boxes: pd.Series,
    as_of: pd.Timestamp,
    lookback_months: int,
) -> dict[str, Any]:
    """Posts of the agency (``positions``) taken up in the last ``lookback_months``: by people
    whose box now is in :data:`POOL_BOXES`, by others, and by people whose box is unknown."""
    start = pd.Timestamp(as_of) - pd.DateOffset(months=lookback_months)
    posts = set(positions["position_id"].astype(str))
    taken = history[
        history["position_id"].astype(str).isin(posts)
        & (history["start_date"] > start)
        & (history["start_date"] <= as_of)
    ]
    box = taken["nip"].map(boxes)
    from_pool = int(box.isin(POOL_BOXES).sum())
    unknown = int(box.isna().sum())
    outside = int(len(taken)) - from_pool - unknown
    known = from_pool + outside
    return {
        "lookback_months": lookback_months,
        "filled": int(len(taken)),
        "from_pool": from_pool,
        "from_outside": outside,
        "unknown": unknown,
        "pool_share": round(from_pool / known, 4) if known else None,
    }


def campaign_gaps(stored: Sequence[tuple[Any, Any]]) -> list[dict[str, Any]]:
    """Per stored campaign (newest first): vacancies, filled and the staffing gap it closed
    (``None``: run without a job map, or before campaigns reported need)."""
    out = []
    for row, report in stored:
        need = report.need
        ok = need is not None and need.status == "ok"
        out.append(
            {
                "campaign_id": row.campaign_id,
                "created_at": row.created_at,
                "vacancies": row.vacancies,
                "filled": report.baselines.optimal_filled,
                "gap_closed": need.gap_closed if ok else None,
                "abs_gap_before": need.abs_gap_before if ok else None,
                "abs_gap_after": need.abs_gap_after if ok else None,
            }
        )
    return out


def summary(
    engine: Any,
    agency_id: str | None,
    stored: Sequence[tuple[Any, Any]],
    months: int = 6,
    lookback_months: int = 12,
) -> dict[str, Any]:
    """Every oversight figure of one agency (``None``: all the export holds)."""
    export, as_of = engine.export, pd.Timestamp(engine.as_of)
    positions = export.positions
    if agency_id is not None:
        positions = positions[positions["agency_id"] == agency_id]
    boxes = boxes_in_post(engine, agency_id)
    counts = box_counts(boxes)
    known = sum(v for k, v in counts.items() if k != "unknown")
    in_pool = sum(counts[str(b)] for b in POOL_BOXES)
    return {
        "agency_id": agency_id,
        "as_of": as_of.date(),
        "talent_boxes": counts,
        "in_pool": in_pool,
        "pool_share": round(in_pool / known, 4) if known else None,
        "long_open": long_open(positions, export.position_history, as_of, months),
        "filled": filled_from_pool(
            positions, export.position_history, boxes, as_of, lookback_months
        ),
        "campaigns": campaign_gaps(stored),
    }


def to_csv(body: dict[str, Any]) -> str:
    """The summary as ``section,item,value`` rows (one figure a row)."""
    rows: list[tuple[str, str, Any]] = [
        ("talent_boxes", k, v) for k, v in body["talent_boxes"].items()
    ]
    rows += [
        ("talent_pool", "in_pool", body["in_pool"]),
        ("talent_pool", "share", body["pool_share"]),
    ]
    lo = body["long_open"]
    rows += [("long_open", k, lo[k]) for k in ("months", "vacant", "open_longer", "unknown_since")]
    rows += [("long_open_position", p["position_id"], p["vacant_since"]) for p in lo["positions"]]
    rows += [("filled", k, v) for k, v in body["filled"].items()]
    rows += [("campaign_gap_closed", c["campaign_id"], c["gap_closed"]) for c in body["campaigns"]]
    frame = pd.DataFrame(rows, columns=["section", "item", "value"])
    frame["value"] = frame["value"].map(lambda v: "" if v is None else v)
    buffer = io.StringIO()
    frame.astype(object).map(neutralised).to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue()


def csv_name(agency_id: str | None) -> str:
    """The download's file name in safe characters."""
    return f"oversight-{re.sub(r'[^A-Za-z0-9_-]', '_', agency_id or 'all')[:64]}.csv"
