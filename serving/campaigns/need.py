"""The job map inside a campaign: each move's cells, the gaps as rounds go, the need floor.

A cell is a unit's position class (:data:`features.staffing.CELL`). The campaign starts from the
gaps of the latest job-map date on or before its own (:func:`features.staffing.latest`); each
move adds one to the cell of the post filled and takes one from the cell of the post left, so
the next round (vacancy chains) sees the gaps the earlier ones left. Units the job map does not
cover have no cell (code -1) and are neither helped nor capped by need.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from features.staffing import CELL, UNIT
from serving import assignment as asg
from serving.campaigns.models import GapLine, NeedSummary, Placement


@dataclass
class NeedMap:
    """The job map's cells of one campaign and their gaps (``filled - needed``)."""

    keys: list[tuple[str, ...]]
    needed: np.ndarray
    initial: np.ndarray
    gap: np.ndarray
    covered: set[tuple[str, str]]
    cell_of_position: dict[str, int]
    as_of: pd.Timestamp

    @classmethod
    def build(cls, gaps_now: pd.DataFrame, positions: pd.DataFrame) -> NeedMap:
        """Cells from the gaps on one date, plus an empty cell (needed 0, none filled) for
        every class of a covered unit that has posts but no row."""
        frame = gaps_now[[*CELL, "needed", "gap"]].astype({c: str for c in CELL})
        covered = {tuple(k) for k in frame[list(UNIT)].itertuples(index=False)}
        posts = positions[["position_id", *CELL]].astype(str)
        keys = [tuple(k) for k in frame[list(CELL)].itertuples(index=False)]
        index = {k: i for i, k in enumerate(keys)}
        needed, gap = frame["needed"].tolist(), frame["gap"].tolist()
        cell_of: dict[str, int] = {}
        for row in posts.itertuples(index=False):
            key = tuple(getattr(row, c) for c in CELL)
            if key[:2] not in covered:
                continue
            if key not in index:
                index[key] = len(keys)
                keys.append(key)
                needed.append(0)
                gap.append(0)
            cell_of[row.position_id] = index[key]
        start = np.asarray(gap, dtype=np.int64)
        return cls(
            keys=keys,
            needed=np.asarray(needed, dtype=np.int64),
            initial=start,
            gap=start.copy(),
            covered=covered,
            cell_of_position=cell_of,
            as_of=pd.Timestamp(gaps_now["as_of"].iat[0]),
        )

    def cells(self, position_ids: list[str]) -> np.ndarray:
        """The cell code of each position (-1: not covered, or no post)."""
        return np.array([self.cell_of_position.get(str(p), -1) for p in position_ids], np.int64)

    def attach(
        self, problem: asg.AssignmentProblem, vacancy_ids: list[str], origins: list[str]
    ) -> asg.AssignmentProblem:
        """``problem`` with the cells of its vacancies and of its candidates' posts."""
        fields = {k: getattr(problem, k) for k in asg.AssignmentProblem.__dataclass_fields__}
        return asg.AssignmentProblem(
            **fields
            | {
                "vacancy_cell": self.cells(vacancy_ids),
                "candidate_cell": self.cells(origins),
                "cell_gap": self.gap.copy(),
            }
        )

    def move(self, position_id: str, origin: str | None) -> None:
        """One person leaves ``origin`` for ``position_id``."""
        joined = self.cell_of_position.get(position_id, -1)
        left = -1 if origin is None else self.cell_of_position.get(origin, -1)
        if joined >= 0:
            self.gap[joined] += 1
        if left >= 0:
            self.gap[left] -= 1

    def unit_figures(self) -> pd.DataFrame:
        """Per covered unit: needed, filled, and the classes' over and under, before and
        after the moves made so far."""
        frame = pd.DataFrame(self.keys, columns=list(CELL)).assign(
            needed=self.needed, before=self.initial, after=self.gap
        )
        for when in ("before", "after"):
            frame[f"filled_{when}"] = frame["needed"] + frame[when]
            frame[f"over_{when}"] = frame[when].clip(lower=0)
            frame[f"under_{when}"] = (-frame[when]).clip(lower=0)
        figures = [c for c in frame.columns if c not in (*CELL, "before", "after")]
        return frame.groupby("unit_id", sort=True)[figures].sum()

    def floor_caps(self, unit_codes: pd.Index, staff: np.ndarray, floor: float) -> np.ndarray:
        """People who may leave each unit code without leaving it below ``floor`` x need."""
        units = self.unit_figures().reindex(unit_codes)
        covered = units["needed"].notna().to_numpy()
        filled = np.where(covered, units["filled_before"].fillna(0), staff).astype(np.int64)
        return asg.unit_caps_from_floor(filled, units["needed"].fillna(0), floor, covered)

    def summary(self, placements: list[Placement], floor: float | None) -> NeedSummary:
        """The gaps of every covered unit the campaign touches, before and after."""
        touched = {p.position_unit_id for p in placements} | {
            p.from_unit_id for p in placements if p.from_unit_id
        }
        units = self.unit_figures()
        units = units[units.index.isin(touched)]
        lines = [
            GapLine(
                unit_id=str(unit),
                **{k: int(row[k]) for k in GapLine.model_fields if k in row.index},
                floor=None if floor is None else math.ceil(row["needed"] * floor - 1e-9),
            )
            for unit, row in units.iterrows()
        ]
        before = int(units[["over_before", "under_before"]].to_numpy().sum())
        after = int(units[["over_after", "under_after"]].to_numpy().sum())
        return NeedSummary(
            status="ok",
            as_of=self.as_of.date().isoformat(),
            abs_gap_before=before,
            abs_gap_after=after,
            gap_closed=before - after,
            units=lines,
        )
