"""Time units and the vectorised draws and look-ups every generated table is built with."""

from __future__ import annotations

import numpy as np
import pandas as pd

DAY = np.timedelta64(1, "D")
YEAR_DAYS = 365.25


def pick(rng: np.random.Generator, options: tuple[tuple[str, float], ...], n: int) -> np.ndarray:
    """``n`` values drawn from ``(value, weight)`` options (weights need not sum to one)."""
    values = np.array([o[0] for o in options], dtype=object)
    weights = np.array([o[1] for o in options], dtype=float)
    return values[rng.choice(len(values), size=n, p=weights / weights.sum())]


def lookup(mapping: dict, keys: np.ndarray) -> np.ndarray:
    """``mapping[key]`` for every key, vectorised (pandas hashes in C)."""
    return pd.Series(keys, dtype=object).map(mapping).to_numpy()


def days(years: np.ndarray | float) -> np.ndarray:
    """A duration of ``years`` (each), in whole days."""
    return (np.asarray(years) * YEAR_DAYS).astype("int64") * DAY
