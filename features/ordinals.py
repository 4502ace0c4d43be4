"""Ordinals and bands of the contract's ordered vocabularies, in one place.

Every comparison of education levels or ranks, and every age band, reads these: the rules, the
features, the baselines, the generator, the fairness audits and the campaign reports.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from features.vocabulary import PNS_RANKS, PPPK_RANKS

EDUCATION_ORDINAL: dict[str, int] = {
    "SD": 0, "SMP": 1, "SMA": 2, "D1": 3, "D2": 4, "D3": 5, "D4": 6, "S1": 6, "S2": 7, "S3": 8,
}  # fmt: skip
"""Education ordinals with D-IV and S1 equal (SD 0 … D3 5, D4 = S1 6, S2 7, S3 8): a D-IV
(sarjana terapan) meets every S1 requirement (PP 11/2017 jo. PP 17/2020)."""

RANK_ORDINAL: dict[str, int] = {rank: index for index, rank in enumerate(PNS_RANKS)}
"""PNS golongan ruang, I/a = 0 … IV/e = 16."""

RANK_SCALE: dict[str, float] = {
    **{rank: float(i) for i, rank in enumerate(PNS_RANKS)},
    **{
        rank: float(i) * (len(PNS_RANKS) - 1) / max(len(PPPK_RANKS) - 1, 1)
        for i, rank in enumerate(PPPK_RANKS)
    },
}
"""PNS ranks and PPPK golongan I-XVII on one 0-16 scale (for seniority order only)."""

AGE_BANDS: tuple[tuple[int, str], ...] = ((30, "<30"), (40, "30-39"), (50, "40-49"), (200, "50+"))
"""Age bands used by every audit: (upper bound, exclusive; label), youngest first."""

AGE_BAND_LABELS: tuple[str, ...] = tuple(label for _, label in AGE_BANDS)


def ordinals(values: Iterable[object], table: dict[str, int]) -> np.ndarray:
    """The ordinal of each value (float; NaN for a value the table does not know)."""
    return np.array([table.get(str(v), np.nan) for v in values], dtype=np.float64)


def age_in_years(birth: pd.Series | np.ndarray, as_of: pd.Timestamp | np.ndarray) -> np.ndarray:
    """Age in completed years at ``as_of`` (a date, or one date per person)."""
    born = pd.DatetimeIndex(pd.to_datetime(np.asarray(birth)))
    when = pd.DatetimeIndex(pd.to_datetime(np.broadcast_to(np.asarray(as_of), born.shape)))
    had_birthday = (when.month > born.month) | ((when.month == born.month) & (when.day >= born.day))
    years = when.year - born.year - (~had_birthday).astype(int)
    return np.where(born.isna() | when.isna(), np.nan, years).astype(np.float64)


def age_bands(birth: pd.Series | np.ndarray, as_of: pd.Timestamp | np.ndarray) -> np.ndarray:
    """The age band label of each person at ``as_of`` ("UNKNOWN" without a birth date)."""
    age = age_in_years(birth, as_of)
    out = np.full(len(age), "UNKNOWN", dtype=object)
    lower = -np.inf
    for upper, label in AGE_BANDS:
        out[(age >= lower) & (age < upper)] = label
        lower = upper
    return out
