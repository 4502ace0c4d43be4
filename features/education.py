"""Education family: level against the position's minimum, relevance of the major.

Majors are free text ("S1 Kesmas", "Ilmu Kesehatan Masyarakat"): they are normalised (case,
degree prefixes, punctuation) and compared with rapidfuzz's token-set ratio, once per distinct
major, then mapped to candidates.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import numpy as np
from rapidfuzz import fuzz, process

from features.candidates import CandidatePool
from features.config import FeatureConfig
from features.ordinals import EDUCATION_ORDINAL

COLUMNS: tuple[str, ...] = ("education_level_gap", "major_match", "major_family_match")

DEGREE_PREFIX = re.compile(
    r"^(s1|s2|s3|d1|d2|d3|d4|d iv|d iii|diploma iv|diploma iii|sarjana|magister|prodi"
    r"|program studi|jurusan|ilmu)\s+"
)
ABBREVIATIONS = {
    "kesmas": "kesehatan masyarakat",
    "ti": "teknik informatika",
    "pgsd": "pendidikan guru sekolah dasar",
    "hi": "hubungan internasional",
    "kessos": "kesejahteraan sosial",
    "pwk": "perencanaan wilayah dan kota",
    "msdm": "manajemen sumber daya manusia",
    "si": "sistem informasi",
}
"""Whole-name abbreviations, expanded after the prefixes are stripped."""
WORD_ABBREVIATIONS = {
    "adm": "administrasi",
    "admin": "administrasi",
    "ek": "ekonomi",
    "pend": "pendidikan",
    "tek": "teknik",
    "kes": "kesehatan",
    "man": "manajemen",
    "mgt": "manajemen",
}
"""Abbreviated words inside a name ("Adm. Negara", "Pend. Matematika")."""

FAMILY_KEYWORDS: dict[str, tuple[str, ...]] = {
    "kesehatan": ("kesehatan", "keperawatan", "kedokteran", "farmasi", "kebidanan", "gizi"),
    "pendidikan": ("pendidikan", "keguruan", "guru"),
    "keuangan": ("akuntansi", "keuangan", "ekonomi", "perpajakan"),
    "kepegawaian": ("sumber daya manusia", "psikologi", "administrasi negara", "manajemen"),
    "perencanaan": ("perencanaan wilayah", "ekonomi pembangunan", "statistika", "planologi"),
    "pekerjaan_umum": ("teknik sipil", "arsitektur", "teknik lingkungan"),
    "perhubungan": ("transportasi", "teknik sipil", "perhubungan"),
    "pemerintahan": ("pemerintahan", "administrasi negara", "politik", "hukum"),
    "pengawasan": ("akuntansi", "hukum", "audit"),
    "ketertiban": ("hukum", "pemerintahan", "bencana"),
    "informatika": ("informatika", "sistem informasi", "komputer", "komunikasi"),
    "sosial": ("kesejahteraan sosial", "sosiologi", "psikologi"),
    "lingkungan": ("lingkungan", "biologi", "kimia"),
}
"""Fields that usually feed a job family; a family not listed is matched on its own name."""


@lru_cache(maxsize=65_536)
def normalise_major(text: str) -> str:
    """Lower-case, strip degree prefixes and punctuation, expand common abbreviations."""
    cleaned = re.sub(r"[^a-z0-9 ]+", " ", str(text).lower()).strip()
    previous = None
    while previous != cleaned:
        previous, cleaned = cleaned, DEGREE_PREFIX.sub("", cleaned).strip()
    cleaned = ABBREVIATIONS.get(cleaned, cleaned)
    return " ".join(WORD_ABBREVIATIONS.get(word, word) for word in cleaned.split())


def _best_match(majors: np.ndarray, targets: list[str]) -> np.ndarray:
    """Best token-set similarity (0..1) of each distinct major to any target."""
    if not targets:
        return np.zeros(len(majors))
    scores = process.cdist(
        [normalise_major(m) for m in majors], targets, scorer=fuzz.token_set_ratio, workers=1
    )
    return scores.max(axis=1) / 100.0


def _per_candidate(pool: CandidatePool, targets: list[str], empty_major: float) -> np.ndarray:
    unique = np.asarray(pool.majors, dtype=object)
    if not len(unique):
        return np.zeros(len(pool))
    scores = np.where(unique == "", empty_major, _best_match(unique, targets))
    return scores[pool.major_codes]


def education_features(
    pool: CandidatePool, position: Mapping[str, Any], config: FeatureConfig
) -> dict[str, np.ndarray]:
    """Level gap (D4 = S1), match to accepted majors (empty list = any), match to the family."""
    minimum = EDUCATION_ORDINAL[str(position["min_education_level"])]
    accepted = [
        normalise_major(m) for m in str(position.get("accepted_majors", "")).split(";") if m.strip()
    ]
    family = str(position.get("job_family", ""))
    keywords = list(FAMILY_KEYWORDS.get(family, (family.replace("_", " "),)))
    major_match = _per_candidate(pool, accepted, 0.0) if accepted else np.ones(len(pool))
    return {
        "education_level_gap": pool.education_ordinal - minimum,
        "major_match": major_match,
        "major_family_match": _per_candidate(pool, keywords, 0.0),
    }
