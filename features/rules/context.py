"""The candidate pool as the checks read it: coded columns, ordinals and features.

Columns are compared as integer codes into their distinct labels (the pool's own codes when it
carries them, else factorised here), so a check compares each distinct value once; messages
resolve a label only for the candidate they describe.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pandas as pd

from features.candidates import CODED_COLUMNS, code_columns
from features.ordinals import EDUCATION_ORDINAL, RANK_ORDINAL, ordinals
from features.rules.position import Position


class CandidatesLike(Protocol):
    """What the rules read from a ``features.candidates.CandidatePool``."""

    as_of: pd.Timestamp
    nips: np.ndarray
    employees: pd.DataFrame
    active_sanction_level: np.ndarray
    pending_proceedings: np.ndarray


@dataclass(frozen=True)
class Lookup:
    """Per-candidate labels: ``labels[codes[i]]``, resolved only when a message is formatted."""

    codes: np.ndarray
    labels: np.ndarray

    def __getitem__(self, i: int) -> Any:
        return self.labels[self.codes[i]]


@dataclass(frozen=True)
class Pair:
    """Two per-candidate values shown together ("Sangat Baik, Baik")."""

    first: Lookup
    second: Lookup

    def __getitem__(self, i: int) -> tuple[Any, Any]:
        return self.first[i], self.second[i]


PER_CANDIDATE = (np.ndarray, Lookup, Pair)
"""The value types a check may return with one entry per candidate (the rest are scalars)."""


@dataclass
class Context:
    """The pool, the position and the date one evaluation reads; derived columns are computed
    once, on first use."""

    employees: pd.DataFrame
    features: pd.DataFrame
    sanction_level: np.ndarray
    pending: np.ndarray
    as_of: pd.Timestamp
    position: Position
    coded: tuple[np.ndarray, tuple[tuple[str, ...], ...]] | None = None

    def __post_init__(self) -> None:
        self._cache: dict[str, Any] = {}

    def lookup(self, name: str) -> Lookup:
        """The column ``name`` as codes into its labels (messages resolve only what they show)."""
        key = f"lookup:{name}"
        if key not in self._cache:
            self._cache[key] = self._code(name)
        return self._cache[key]

    def _code(self, name: str) -> Lookup:
        if self.coded is not None and name in CODED_COLUMNS:
            codes, labels = self.coded
            j = CODED_COLUMNS.index(name)
            column, names = codes[:, j], labels[j]
        else:
            column, names = code_columns(self.employees, [name])
            column, names = column[:, 0], names[0]
        return Lookup(column, np.asarray(names, dtype=object))

    def equals(self, name: str, value: str) -> np.ndarray:
        """Whether each candidate's ``name`` is ``value``."""
        return self.isin(name, [value])

    def isin(self, name: str, values: Sequence[str]) -> np.ndarray:
        """Whether each candidate's ``name`` is one of ``values``."""
        lookup = self.lookup(name)
        wanted = np.isin(lookup.labels, list(values))
        return wanted[lookup.codes] if len(lookup.labels) else np.zeros(0, dtype=bool)

    def feature(self, name: str) -> np.ndarray:
        """The built feature ``name`` (float, NaN where unknown)."""
        if name not in self.features.columns:
            raise KeyError(f"features lack column {name!r}, which the eligibility rules need")
        return self.features[name].to_numpy(dtype=float)

    def _ordinal(self, column: str, table: dict[str, int]) -> np.ndarray:
        key = f"ordinal:{column}"
        if key not in self._cache:
            lookup = self.lookup(column)
            self._cache[key] = ordinals(lookup.labels, table)[lookup.codes]
        return self._cache[key]

    def education_ordinal(self) -> np.ndarray:
        """Each candidate's education ordinal (NaN when unknown; D4 = S1)."""
        return self._ordinal("education_level", EDUCATION_ORDINAL)

    def rank_ordinal(self) -> np.ndarray:
        """Each candidate's PNS rank ordinal (NaN for a PPPK golongan or no rank)."""
        return self._ordinal("rank", RANK_ORDINAL)

    def is_pns(self) -> np.ndarray:
        """Whether each candidate is a PNS."""
        if "is_pns" not in self._cache:
            self._cache["is_pns"] = self.equals("employment_type", "PNS")
        return self._cache["is_pns"]
