"""Talent pools, readiness and development plans (PermenPANRB 3/2020 manajemen talenta).

Pure functions of the export's frames and arrays: no I/O, no clock. A *level* is a post's
position type, or for a functional post its type and functional level (``FUNGSIONAL/AHLI_MUDA``);
the *next level* is one step up its ladder. The next level's *standard* is the element-wise
median of the required competency levels of the next level's posts in the agency and job family.

Which boxes (``features.talent.BOXES``, rows low/middle/high potential, columns below/as/above
expectation):

- boxes 7, 8, 9 are the pool (:data:`POOL_BOXES`): at least middle potential and at least as
  expected, with one of them high;
- boxes 5 and 6 are *near* the pool (:data:`NEAR_BOXES`): middle or high potential, one step on
  one axis from a pool box. Box 4 (low potential, above expectation) is left out although it
  is one step away too: the next level asks for potential, and a strong performer of low
  potential is kept and rewarded in post, not groomed for the level above.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from features.vocabulary import COMPETENCIES, REQUIRED_COMPETENCY_COLUMNS

POOL_BOXES: tuple[int, ...] = (7, 8, 9)
NEAR_BOXES: tuple[int, ...] = (5, 6)
STANDINGS: tuple[str, ...] = ("pool", "near")
READINESS: tuple[str, ...] = ("ready_now", "ready_later", "not_yet")
"""Ready now for the next level; ready in one to two years once the gaps are closed; or not
yet (a gap two years do not close)."""
HORIZON_YEARS = 2.0
"""How far ahead *ready later* looks (PermenPANRB 3/2020: ready in 1-2 years)."""
BEYOND_CHECKS: frozenset[str] = frozenset(
    {"employment_type", "education_minimum", "education_by_type", "age_limit"}
)
"""Rule checks whose failure no two years in post close: the employment type (a PPPK for a
post a PNS must hold), a degree still to be earned, the age limit."""
YEARS_CHECKS: frozenset[str] = frozenset(
    {"experience_by_type", "position_min_experience", "min_years_in_position"}
)
"""Rule checks of years served: within the horizon when the years missing are at most
:data:`HORIZON_YEARS`."""

LADDER: dict[str, str] = {
    "PELAKSANA": "PENGAWAS", "PENGAWAS": "ADMINISTRATOR", "ADMINISTRATOR": "JPT_PRATAMA",
    "JPT_PRATAMA": "JPT_MADYA", "JPT_MADYA": "JPT_UTAMA",
    "FUNGSIONAL/PEMULA": "FUNGSIONAL/TERAMPIL", "FUNGSIONAL/TERAMPIL": "FUNGSIONAL/MAHIR",
    "FUNGSIONAL/MAHIR": "FUNGSIONAL/PENYELIA", "FUNGSIONAL/AHLI_PERTAMA": "FUNGSIONAL/AHLI_MUDA",
    "FUNGSIONAL/AHLI_MUDA": "FUNGSIONAL/AHLI_MADYA",
    "FUNGSIONAL/AHLI_MADYA": "FUNGSIONAL/AHLI_UTAMA",
}  # fmt: skip
"""Each level's next: the structural ladder, and the skill and expert tracks of functional posts."""

MANAGERIAL_COMPETENCIES: tuple[str, ...] = tuple(c for c in COMPETENCIES if c != "perekat_bangsa")
"""Competencies leadership training (PKP, PKA, PKN) develops; ``perekat_bangsa`` is the
sociocultural one."""


def levels(positions: pd.DataFrame) -> pd.Series:
    """Each position's level: its type, or ``FUNGSIONAL/<functional_level>``."""
    functional = positions["position_type"] == "FUNGSIONAL"
    return positions["position_type"].where(
        ~functional, "FUNGSIONAL/" + positions["functional_level"].astype(str)
    )


def next_level(level: str) -> str | None:
    """The level above ``level`` (``None`` at the top of its ladder)."""
    return LADDER.get(level)


def standing(box: float) -> str | None:
    """``pool`` (boxes 7-9), ``near`` (5-6) or ``None``; an unknown box (NaN) is ``None``."""
    if np.isnan(box):
        return None
    if int(box) in POOL_BOXES:
        return "pool"
    return "near" if int(box) in NEAR_BOXES else None


def within_horizon(check: str, actual: object, required: object) -> bool:
    """Whether a failed rule of ``check`` can be met within :data:`HORIZON_YEARS`: never for
    :data:`BEYOND_CHECKS`; for :data:`YEARS_CHECKS` when ``required - actual`` years are at
    most the horizon (unknown years: no); every other check (rank, rating, sanction) yes."""
    if check in BEYOND_CHECKS:
        return False
    if check in YEARS_CHECKS:
        try:
            missing = float(required) - float(actual)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return False
        return bool(missing <= HORIZON_YEARS)
    return True


def readiness(box: float, eligible: bool, jpm_band: float, within: bool = True) -> str:
    """``ready_now`` for a pool box, every hard rule of the next level met and a JPM against
    its reference post that *Memenuhi Syarat* (band 2: at least the agency's ``jpm_ms``,
    80 by default); ``not_yet`` when a failed rule is not ``within`` the horizon; else
    ``ready_later``. Competencies below the standard inside that band are development needs,
    not a bar."""
    if standing(box) == "pool" and eligible and jpm_band == 2:
        return "ready_now"
    return "ready_later" if within else "not_yet"


def next_level_posts(
    positions: pd.DataFrame, agency_id: str, family: str, level: str
) -> pd.DataFrame:
    """The agency's posts of ``level`` in ``family``, or of ``level`` in any family when the
    family has none (a clerk may rise to a supervisor's post of another family)."""
    at_level = positions[(positions["agency_id"] == agency_id) & (levels(positions) == level)]
    in_family = at_level[at_level["job_family"] == family]
    return in_family if len(in_family) else at_level


def standard(posts: pd.DataFrame) -> np.ndarray:
    """The element-wise median of the posts' required competency levels (nine values)."""
    return posts[list(REQUIRED_COMPETENCY_COLUMNS)].astype(float).median().to_numpy()


def reference_post(posts: pd.DataFrame, target: np.ndarray) -> pd.Series:
    """The post whose requirements are nearest ``target`` (L1), ties by ``position_id``: the
    post whose hard rules stand for the next level's."""
    required = posts[list(REQUIRED_COMPETENCY_COLUMNS)].astype(float).to_numpy()
    distance = np.abs(required - target).sum(axis=1)
    order = np.lexsort((posts["position_id"].astype(str).to_numpy(), distance))
    return posts.iloc[order[0]]


def competency_gaps(levels_: np.ndarray, target: np.ndarray) -> np.ndarray:
    """How far each assessed level falls below ``target`` (0 when it meets it, NaN unassessed);
    shape ``(n, 9)`` like the pool's ``competency_levels``."""
    return np.clip(target - levels_, 0.0, None)


def gap_list(gaps: np.ndarray, assessed: np.ndarray, target: np.ndarray) -> list[dict[str, float]]:
    """One person's competencies below the standard, the widest first (ties by name)."""
    out = [
        {"competency": c, "level": float(assessed[i]), "standard": float(target[i]),
         "gap": float(gaps[i])}
        for i, c in enumerate(COMPETENCIES)
        if not np.isnan(gaps[i]) and gaps[i] > 0
    ]  # fmt: skip
    return sorted(out, key=lambda g: (-g["gap"], g["competency"]))


def catalogue(trainings: pd.DataFrame) -> pd.DataFrame:
    """The export's training catalogue: each distinct training (name, kind, family) once, with
    its usual hours (the median of its runs)."""
    columns = ["name", "kind", "job_family"]
    if trainings.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns} | {"hours": []})
    out = trainings.groupby(columns, as_index=False, sort=True)["hours"].median()
    return out.reset_index(drop=True)


def offers(
    catalogue_: pd.DataFrame,
    done: Sequence[str],
    gaps: Sequence[str],
    family: str,
    leadership: str | None,
) -> dict[str, list[dict[str, object]]]:
    """Trainings of the catalogue for each competency in ``gaps``, leaving out those ``done``.

    The contract ties no training to a competency, so: a managerial competency is offered the
    next level's leadership training (``leadership``: PKP, PKA, PKN; none for a functional
    level), then the technical and functional trainings of ``family``; ``perekat_bangsa`` only
    the latter.
    """
    fresh = catalogue_[~catalogue_["name"].isin(list(done))]
    lead = fresh[fresh["kind"] == leadership] if leadership else fresh.iloc[0:0]
    family_rows = fresh[
        fresh["kind"].isin(["TECHNICAL", "FUNCTIONAL"]) & (fresh["job_family"] == family)
    ]
    rows = {
        c: pd.concat([lead, family_rows]) if c in MANAGERIAL_COMPETENCIES else family_rows
        for c in gaps
    }
    return {c: _records(r) for c, r in rows.items()}


def _records(frame: pd.DataFrame) -> list[dict[str, object]]:
    unique = frame.drop_duplicates(["name", "kind"]).head(5)
    return [
        {"name": str(r.name), "kind": str(r.kind), "hours": float(r.hours)}
        for r in unique.itertuples(index=False)
    ]
