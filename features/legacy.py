"""History in the old scales: pre-2022 SKP scores and ratings, and the old leadership trainings.

An agency's export holds years written before today's scales. The loader accepts them and maps
each to today's value through the ONE table below; the original stays beside it (the
``*_mapped_from`` columns of the loaded frames, ``""`` when nothing was mapped), so features and
reasons can say that a value was mapped (docs/data-contract.md).

Ratings (``performance.rating``), for years before :data:`PREDICATES_FROM` only:

- a numeric SKP score 0-100 under PP 46/2011 (Penilaian Prestasi Kerja PNS), Pasal 17 ayat (2),
  with the bands the implementing Perka BKN 1/2013 repeats: 91 and above Sangat Baik, 76-90
  Baik, 61-75 Cukup, 51-60 Kurang, 50 and below Buruk. Scores are given to two decimals while
  the bands are written in whole numbers: a band is reached from its minimum, so 90.50 is Baik;
- the old word ratings ``SANGAT_BAIK`` ``BAIK`` ``CUKUP`` ``KURANG`` ``BURUK``.

They map to the predicates of PermenPANRB 6/2022 (Pengelolaan Kinerja Pegawai ASN) band by
band: Sangat Baik -> SANGAT_BAIK, Baik -> BAIK, Cukup -> BUTUH_PERBAIKAN, Kurang -> KURANG,
Buruk -> SANGAT_KURANG. The words the two scales share (SANGAT_BAIK, BAIK, KURANG) are the
same value in both and are not marked; CUKUP, BURUK and every number are.

Trainings (``trainings.kind``): the leadership trainings (Diklatpim Tingkat I-IV, PP 101/2000
and the Perka LAN of 2015) were replaced by the Pelatihan Kepemimpinan of the Peraturan LAN of
2019 (e.g. Perlan 15/2019 Pelatihan Kepemimpinan Pengawas replaced Perka LAN 20/2015 on
Diklatpim Tingkat IV), each level for the same post: Diklatpim I -> PKN_I, II -> PKN_II,
III -> PKA, IV -> PKP.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from features.vocabulary import RATINGS_BEST_FIRST, TRAINING_KINDS

PREDICATES_FROM = 2022
"""The first year rated in PermenPANRB 6/2022 predicates; the old scales only before it."""

SKP_BANDS: tuple[tuple[float, str, str], ...] = (
    (91.0, "SANGAT_BAIK", "SANGAT_BAIK"),
    (76.0, "BAIK", "BAIK"),
    (61.0, "CUKUP", "BUTUH_PERBAIKAN"),
    (51.0, "KURANG", "KURANG"),
    (0.0, "BURUK", "SANGAT_KURANG"),
)
"""THE mapping table: (lowest SKP score of the band, PP 46/2011 rating, PermenPANRB 6/2022
predicate), best band first. The score bands and the word mapping are both read from it."""

OLD_RATINGS: dict[str, str] = {old: predicate for _, old, predicate in SKP_BANDS}
"""PP 46/2011 rating -> PermenPANRB 6/2022 predicate."""

SKP_SCORE = re.compile(r"^\d{1,3}(?:\.\d+)?$")
"""A numeric SKP score as written: digits, a decimal point for decimals (e.g. ``84.25``)."""
SKP_MAX = 100.0

OLD_LEADERSHIP: dict[str, str] = {
    "DIKLATPIM_I": "PKN_I",
    "DIKLATPIM_II": "PKN_II",
    "DIKLATPIM_III": "PKA",
    "DIKLATPIM_IV": "PKP",
}
"""Diklatpim level -> the Pelatihan Kepemimpinan that replaced it."""

_DIKLATPIM = re.compile(r"^DIKLATPIM[\s_.-]*(?:(?:TK|TINGKAT)[\s_.-]*)?(I{1,3}|IV)$", re.I)
"""``DIKLATPIM_III``, ``Diklatpim III``, ``Diklatpim Tk. III``, ``DIKLATPIM TINGKAT III``."""


def is_score(text: pd.Series) -> pd.Series:
    """Whether each cell is a numeric SKP score 0-100 as written."""
    number = pd.to_numeric(text.where(text.str.match(SKP_SCORE), None), errors="coerce")
    return number.between(0.0, SKP_MAX)


_MARKED = tuple(old for old, predicate in OLD_RATINGS.items() if old != predicate)
"""The old words today's predicates do not share (CUKUP, BURUK)."""


def is_old_rating(text: pd.Series) -> pd.Series:
    """Whether each cell is written in an old scale: a numeric score, CUKUP or BURUK."""
    other = (~text.isin(RATINGS_BEST_FIRST)).to_numpy()
    out = np.zeros(len(text), dtype=bool)
    if other.any():
        rest = text[other]
        out[other] = (rest.isin(_MARKED) | is_score(rest)).to_numpy()
    return pd.Series(out, index=text.index)


def _bands(score: np.ndarray, column: int) -> np.ndarray:
    """Column ``column`` of ``SKP_BANDS`` (1: the old word, 2: the predicate) of each score;
    ``""`` for NaN."""
    conditions = [score >= minimum for minimum, _, _ in SKP_BANDS]
    return np.select(conditions, [band[column] for band in SKP_BANDS], default="")


def predicate_of_score(score: float) -> str:
    """The PermenPANRB 6/2022 predicate of a PP 46/2011 SKP score (its band)."""
    return str(_bands(np.array([score], dtype=float), 2)[0])


def old_rating_of_score(score: float) -> str:
    """The PP 46/2011 rating (word) of an SKP score."""
    return str(_bands(np.array([score], dtype=float), 1)[0])


def map_ratings(rating: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Ratings as text -> (the predicate, the original where it was mapped else ``""``).

    Values that are not in an old scale pass through unchanged (validation judges them).
    """
    old = is_old_rating(rating)
    predicate = rating.to_numpy(dtype=object).copy()
    if old.any():
        rest = rating[old]
        score = pd.to_numeric(rest.where(is_score(rest), None), errors="coerce")
        by_band = pd.Series(_bands(score.to_numpy(dtype=float), 2), index=rest.index)
        predicate[old.to_numpy()] = rest.map(OLD_RATINGS).where(rest.isin(_MARKED), by_band)
    return pd.Series(predicate, index=rating.index), rating.where(old, "")


def _levels(kind: pd.Series) -> pd.Series:
    """The Diklatpim level (``III``) of each training kind, NaN when it is not one."""
    other = (~kind.isin(TRAINING_KINDS)).to_numpy()
    levels = np.full(len(kind), None, dtype=object)
    if other.any():
        levels[other] = kind[other].str.extract(_DIKLATPIM, expand=False).str.upper().to_numpy()
    return pd.Series(levels, index=kind.index, dtype=object)


def leadership_kind(kind: str) -> str | None:
    """The Diklatpim key (``DIKLATPIM_III``) of a training kind, None when it is not one."""
    level = _levels(pd.Series([kind], dtype=object)).iloc[0]
    return None if pd.isna(level) else f"DIKLATPIM_{level}"


def is_old_training(kind: pd.Series) -> pd.Series:
    """Whether each training kind is an old leadership training (Diklatpim)."""
    return _levels(kind).notna()


def map_trainings(kind: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Training kinds -> (today's kind, the original where it was mapped else ``""``)."""
    level = _levels(kind)
    mapped = level.notna()
    today = ("DIKLATPIM_" + level[mapped]).map(OLD_LEADERSHIP)
    return kind.mask(mapped, today), kind.where(mapped, "")
