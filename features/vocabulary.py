"""The closed vocabularies of the data contract (docs/data-contract.md).

Ordered tuples run from lowest to highest unless a name says otherwise.
"""

from __future__ import annotations

EDUCATION_LEVELS: tuple[str, ...] = ("SD", "SMP", "SMA", "D1", "D2", "D3", "D4", "S1", "S2", "S3")
"""Education levels, lowest first. D4 and S1 are equivalent for eligibility."""

PNS_RANKS: tuple[str, ...] = tuple(
    f"{group}/{room}"
    for group, rooms in (("I", "abcd"), ("II", "abcd"), ("III", "abcd"), ("IV", "abcde"))
    for room in rooms
)
"""PNS golongan ruang, I/a (lowest) to IV/e."""

PPPK_RANKS: tuple[str, ...] = (
    "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX",
    "X", "XI", "XII", "XIII", "XIV", "XV", "XVI", "XVII",
)  # fmt: skip
"""PPPK golongan, I (lowest) to XVII."""

EMPLOYMENT_TYPES: tuple[str, ...] = ("PNS", "PPPK")
GENDERS: tuple[str, ...] = ("M", "F")
EMPLOYEE_STATUSES: tuple[str, ...] = ("ACTIVE", "INACTIVE")

POSITION_TYPES: tuple[str, ...] = (
    "PELAKSANA", "FUNGSIONAL", "PENGAWAS", "ADMINISTRATOR",
    "JPT_PRATAMA", "JPT_MADYA", "JPT_UTAMA",
)  # fmt: skip
"""Position types, roughly lowest to highest on the managerial ladder."""

MANAGERIAL_POSITION_TYPES: tuple[str, ...] = (
    "PENGAWAS", "ADMINISTRATOR", "JPT_PRATAMA", "JPT_MADYA", "JPT_UTAMA",
)  # fmt: skip

FUNCTIONAL_LEVELS: tuple[str, ...] = (
    "PEMULA", "TERAMPIL", "MAHIR", "PENYELIA",
    "AHLI_PERTAMA", "AHLI_MUDA", "AHLI_MADYA", "AHLI_UTAMA",
)  # fmt: skip

COMPETENCIES: tuple[str, ...] = (
    "integritas", "kerja_sama", "komunikasi", "orientasi_hasil", "pelayanan_publik",
    "pengembangan_diri", "mengelola_perubahan", "pengambilan_keputusan", "perekat_bangsa",
)  # fmt: skip
"""The eight managerial competencies and the sociocultural one (PermenPANRB 38/2017)."""

REQUIRED_COMPETENCY_COLUMNS: tuple[str, ...] = tuple(f"req_{c}" for c in COMPETENCIES)

ASSESSMENT_METHODS: tuple[str, ...] = ("ASSESSMENT_CENTER", "UJI_KOMPETENSI", "SELF")

RATINGS_BEST_FIRST: tuple[str, ...] = (
    "SANGAT_BAIK", "BAIK", "BUTUH_PERBAIKAN", "KURANG", "SANGAT_KURANG",
)  # fmt: skip
RATING_SCORES: dict[str, int] = {
    "SANGAT_BAIK": 5,
    "BAIK": 4,
    "BUTUH_PERBAIKAN": 3,
    "KURANG": 2,
    "SANGAT_KURANG": 1,
}

SANCTION_LEVELS: tuple[str, ...] = ("RINGAN", "SEDANG", "BERAT")
SANCTION_STATUSES: tuple[str, ...] = ("IMPOSED", "UNDER_EXAMINATION", "IN_COURT")
"""A discipline record's status: imposed (the default), still under examination, or in court."""
TRAINING_KINDS: tuple[str, ...] = ("PKN_I", "PKN_II", "PKA", "PKP", "TECHNICAL", "FUNCTIONAL")
ELECTION_EVENTS: tuple[str, ...] = ("CANDIDATES_SET", "INAUGURATION", "TERM_END")
SELECTION_KINDS: tuple[str, ...] = ("OPEN", "JOBFIT")
"""A past JPT selection: open (seleksi terbuka) or a job-fit test (uji kesesuaian)."""
SELECTION_STAGES: tuple[str, ...] = (
    "ADMINISTRATIVE", "MANAGERIAL", "TECHNICAL", "INTERVIEW", "TRACK_RECORD",
)  # fmt: skip
"""The stages of a JPT selection in their order (PermenPANRB 15/2019)."""
LABEL_SOURCES: tuple[str, ...] = ("OUTCOME", "COMMITTEE")
