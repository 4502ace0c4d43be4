"""The job map: staffing needs per unit and class over three yearly dates, and key posts.

Drawn from a seed stream of its own, after every other table, so the other tables keep their
bytes. Each unit leans one way (over-staffed, short or about right; the first two units of a
shuffled order are over and short, so an export always shows both); managerial posts are
needed one each, so a vacant head is a shortfall; needs drift by a yearly trend per unit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from features.staffing import CELL
from training.synthetic.spec import AgencySpec

JOB_MAP_STREAM = 16
"""The seed stream of the job map (``[seed, agency index, 16]``)."""
YEARS = 3
"""Dates of the job map: the export's date and the same day one and two years before."""
LEANING = {"over": 0.75, "short": 1.3, "even": 1.0}
"""Needed as a share of the staff in post, per unit's leaning (functional and clerical posts)."""
MANAGERIAL_TYPES = ("JPT_UTAMA", "JPT_MADYA", "JPT_PRATAMA", "ADMINISTRATOR", "PENGAWAS")
KEY_REASONS = {
    "JPT_PRATAMA": "Kepala perangkat daerah (JPT pratama): suksesi wajib",
    "ADMINISTRATOR": "Camat: pimpinan wilayah dengan layanan langsung",
}


def draw_job_map(
    spec: AgencySpec, employees: pd.DataFrame, positions: pd.DataFrame
) -> dict[str, pd.DataFrame]:
    """``staffing_needs`` and ``key_posts`` of one agency (contract columns)."""
    rng = np.random.default_rng([spec.seed, spec.index, JOB_MAP_STREAM])
    return {
        "staffing_needs": _needs(spec, employees, positions, rng),
        "key_posts": _key_posts(spec, positions, rng),
    }


def _needs(
    spec: AgencySpec, employees: pd.DataFrame, positions: pd.DataFrame, rng: np.random.Generator
) -> pd.DataFrame:
    cells = positions.groupby(list(CELL), as_index=False).size().rename(columns={"size": "posts"})
    active = employees.loc[employees["status"] == "ACTIVE", ["current_position_id"]]
    held = active.merge(positions[["position_id", *CELL]], left_on="current_position_id",
                        right_on="position_id")  # fmt: skip
    counts = held.groupby(list(CELL)).size().rename("filled").reset_index()
    cells = cells.merge(counts, on=list(CELL), how="left").fillna({"filled": 0})
    units = rng.permutation(cells["unit_id"].unique())
    leaning = dict.fromkeys(units, "even")
    leaning.update({units[0]: "over", units[min(1, len(units) - 1)]: "short"})
    leaning.update({u: str(rng.choice(list(LEANING))) for u in units[2:]})
    trend = dict(zip(units, rng.uniform(-0.04, 0.08, size=len(units)), strict=True))
    share = cells["unit_id"].map(leaning).map(LEANING) * rng.uniform(0.9, 1.1, size=len(cells))
    managerial = cells["position_type"].isin(MANAGERIAL_TYPES)
    now = np.where(managerial, cells["posts"], np.round(cells["filled"] * share)).astype(int)
    frames = []
    for back in range(YEARS):
        growth = (1 + cells["unit_id"].map(trend)) ** -back
        needed = np.where(managerial, now, np.round(now * growth)).astype("int64")
        as_of = pd.Timestamp(spec.reference_date) - pd.DateOffset(years=back)
        frames.append(cells[list(CELL)].assign(needed=needed, as_of=as_of))
    return pd.concat(frames[::-1], ignore_index=True)


def _key_posts(spec: AgencySpec, positions: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    heads = positions[positions["position_id"].str.endswith("-001")]
    chosen = []
    for ptype, count in (("JPT_PRATAMA", 4), ("ADMINISTRATOR", 2)):
        pool = heads[heads["position_type"] == ptype]["position_id"].to_numpy()
        chosen += [(p, KEY_REASONS[ptype]) for p in sorted(rng.permutation(pool)[:count])]
    years = rng.integers(1, 4, size=len(chosen))
    reference = pd.Timestamp(spec.reference_date)
    since = [pd.Timestamp(reference.year - int(y), 1, 1) for y in years]
    return pd.DataFrame(
        {
            "position_id": [p for p, _ in chosen],
            "reason": [r for _, r in chosen],
            "critical_since": since,
        }
    )
