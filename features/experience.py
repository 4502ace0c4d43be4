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

TYPE_BELOW: dict[str, tuple[str, ...]] = {
    "PENGAWAS": ("PELAKSANA",),
    "ADMINISTRATOR": ("PENGAWAS",),
    "JPT_PRATAMA": ("ADMINISTRATOR",),
    "JPT_MADYA": ("JPT_PRATAMA",),
    "JPT_UTAMA": ("JPT_MADYA",),
    "PELAKSANA": (),
    "FUNGSIONAL": (),
}
"""The career ladder one step below each position type (PP 11/2017)."""

LEVEL_BELOW: dict[str, tuple[str, ...]] = {
    "PENGAWAS": ("TERAMPIL", "MAHIR"),
    "JPT_PRATAMA": ("AHLI_MADYA",),
    "JPT_MADYA": ("AHLI_UTAMA",),
    "PEMULA": (), "TERAMPIL": ("PEMULA",), "MAHIR": ("TERAMPIL",), "PENYELIA": ("MAHIR",),
    "AHLI_PERTAMA": (), "AHLI_MUDA": ("AHLI_PERTAMA",), "AHLI_MADYA": ("AHLI_MUDA",),
    "AHLI_UTAMA": ("AHLI_MADYA",),
}  # fmt: skip
"""Functional levels counted as one step below (Ahli Madya is equivalent to Administrator)."""

_TYPE = {t: i for i, t in enumerate(POSITION_TYPES)}
_LEVEL = {level: i for i, level in enumerate(FUNCTIONAL_LEVELS)}


def _sum_columns(block: np.ndarray, columns: list[int]) -> np.ndarray:
    return block[:, columns].sum(axis=1) if columns else np.zeros(len(block))


def years_below(pool: CandidatePool, position: Mapping[str, Any]) -> np.ndarray:
    """Years one step down the ladder from the position (types and functional levels)."""
    ptype = str(position["position_type"])
    level = str(position.get("functional_level", "") or "")
    key = level if ptype == "FUNGSIONAL" else ptype
    types = [_TYPE[t] for t in TYPE_BELOW.get(ptype, ())]
    levels = [_LEVEL[lv] for lv in LEVEL_BELOW.get(key, ())]
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
