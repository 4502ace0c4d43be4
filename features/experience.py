"""Experience family: careers by job family and level, time in post, service, rank, integrity."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from features.candidates import CandidatePool
from features.config import FeatureConfig
from features.ordinals import RANK_ORDINAL
from features.vocabulary import FUNCTIONAL_LEVELS, POSITION_TYPES

COLUMNS: tuple[str, ...] = (
    "years_in_job_family", "years_at_position_type", "years_one_level_below",
    "years_in_current_position", "years_of_service", "rank_gap", "sanction_count_5y",
    "sanction_active",
)  # fmt: skip

GRADE: dict[str, int] = {
    "PELAKSANA": 1, "PEMULA": 1, "TERAMPIL": 1, "MAHIR": 1, "PENYELIA": 1,
    "AHLI_PERTAMA": 2,
    "PENGAWAS": 3, "AHLI_MUDA": 3,
    "ADMINISTRATOR": 4, "AHLI_MADYA": 4,
    "JPT_PRATAMA": 5,
    "JPT_MADYA": 6, "AHLI_UTAMA": 6,
    "JPT_UTAMA": 7,
}  # fmt: skip
"""The level of each managerial type and functional level, for experience requirements.

PP 11/2017 jo. PP 17/2020 Pasal 54 and 107 ask for years "as pengawas ... or the JF set equal
to it"; the penyetaraan jabatan (PermenPANRB 28/2019, 17/2021) set Ahli Muda equal to pengawas,
Ahli Madya to administrator and Ahli Utama to JPT Madya; the skilled levels stand with
pelaksana. Years at the same or a higher level count as well.
"""

GRADE_BELOW: dict[str, int] = {
    "PENGAWAS": GRADE["PELAKSANA"],
    "ADMINISTRATOR": GRADE["PENGAWAS"],
    "JPT_PRATAMA": GRADE["ADMINISTRATOR"],
    "JPT_MADYA": GRADE["JPT_PRATAMA"],
    "JPT_UTAMA": GRADE["JPT_MADYA"],
}
"""The level whose years a managerial type requires (one step down the ladder)."""

LEVEL_BELOW: dict[str, tuple[str, ...]] = {
    "PEMULA": (), "TERAMPIL": ("PEMULA",), "MAHIR": ("TERAMPIL",), "PENYELIA": ("MAHIR",),
    "AHLI_PERTAMA": (), "AHLI_MUDA": ("AHLI_PERTAMA",), "AHLI_MADYA": ("AHLI_MUDA",),
    "AHLI_UTAMA": ("AHLI_MADYA",),
}  # fmt: skip
"""For functional posts: the functional level one step below on the same ladder."""

_TYPE = {t: i for i, t in enumerate(POSITION_TYPES)}
_LEVEL = {level: i for i, level in enumerate(FUNCTIONAL_LEVELS)}


def _sum_columns(block: np.ndarray, columns: list[int]) -> np.ndarray:
    return block[:, columns].sum(axis=1) if columns else np.zeros(len(block))


def years_below(pool: CandidatePool, position: Mapping[str, Any]) -> np.ndarray:
    """Years that count towards the position's "years one level below".

    Managerial posts: years at the level below, at the functional level equal to it, or at any
    higher level (:data:`GRADE`). Functional posts: years at the level one step below on the
    functional ladder. Other posts: none.
    """
    ptype = str(position["position_type"])
    if ptype == "FUNGSIONAL":
        level = str(position.get("functional_level", "") or "")
        levels = [_LEVEL[lv] for lv in LEVEL_BELOW.get(level, ())]
        return _sum_columns(pool.years_by_functional_level, levels)
    floor = GRADE_BELOW.get(ptype)
    if floor is None:
        return np.zeros(len(pool))
    types = [_TYPE[t] for t in POSITION_TYPES if GRADE.get(t, 0) >= floor]
    levels = [_LEVEL[lv] for lv in FUNCTIONAL_LEVELS if GRADE[lv] >= floor]
    return _sum_columns(pool.years_by_type, types) + _sum_columns(
        pool.years_by_functional_level, levels
    )


def years_at_type(pool: CandidatePool, position: Mapping[str, Any]) -> np.ndarray:
    """Years at the position's own type (for functional posts: at its level)."""
    level = str(position.get("functional_level", "") or "")
    if position["position_type"] == "FUNGSIONAL" and level in _LEVEL:
        return pool.years_by_functional_level[:, _LEVEL[level]].copy()
    return pool.years_by_type[:, _TYPE[str(position["position_type"])]].copy()


def experience_features(
    pool: CandidatePool, position: Mapping[str, Any], config: FeatureConfig
) -> dict[str, np.ndarray]:
    """Experience features; seniority is allowed under the merit system, age never is.

    Being in the vacancy's own unit is deliberately not a feature: committees favour their own
    staff, which is the patronage the merit system is meant to prevent.
    """
    family = pool.families.get(str(position.get("job_family", "")))
    in_family = pool.years_by_family[:, family] if family is not None else np.zeros(len(pool))
    since = pool.current_start
    in_post = (pool.as_of.to_datetime64() - since) / np.timedelta64(1, "D") / 365.25
    min_rank = str(position.get("min_rank", "") or "")
    pns = pool.is_value("employment_type", "PNS")
    rank_gap = np.where(
        pns & (min_rank in RANK_ORDINAL), pool.rank_ordinal - RANK_ORDINAL.get(min_rank, 0), np.nan
    )
    return {
        "years_in_job_family": in_family.copy(),
        "years_at_position_type": years_at_type(pool, position),
        "years_one_level_below": years_below(pool, position),
        "years_in_current_position": np.where(np.isnat(since), np.nan, np.maximum(in_post, 0.0)),
        "years_of_service": pool.years_of_service,
        "rank_gap": rank_gap,
        "sanction_count_5y": pool.sanctions_5y,
        "sanction_active": pool.active_sanction_level.astype(float),
    }
