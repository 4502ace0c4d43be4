"""People: employees with their NIPs, names, education, ranks and competency assessments.

Each employee is drawn for the post they hold (``posts.assign_holders``); what the export does
not show about them (merit, growth, grade, the family of their major) is returned beside the
frame as ``HiddenTraits``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from features.ordinals import RANK_ORDINAL
from features.vocabulary import COMPETENCIES, PNS_RANKS, PPPK_RANKS
from training.synthetic.catalog import (
    ETHNICITIES,
    FIRST_NAMES_F,
    FIRST_NAMES_M,
    LAST_NAMES,
    MAJOR_ABBREVIATIONS,
    MAJOR_PREFIXES,
    MAJORS,
    MARITAL,
    ORIGINS,
    RELIGIONS,
)
from training.synthetic.draws import DAY, days, lookup, pick
from training.synthetic.latent import HiddenTraits
from training.synthetic.posts import MANAGERIAL, STANDARD_LEVEL
from training.synthetic.spec import AgencySpec

_ENTRY_RANK = {
    "SD": ("I/a", "I"), "SMP": ("I/c", "II"), "SMA": ("II/a", "V"), "D1": ("II/a", "V"),
    "D2": ("II/b", "VI"), "D3": ("II/c", "VII"), "D4": ("III/a", "IX"), "S1": ("III/a", "IX"),
    "S2": ("III/b", "X"), "S3": ("III/c", "XI"),
}  # fmt: skip
"""(PNS golongan ruang, PPPK golongan) an appointment starts at, by education."""
_PNS_ENTRY = {level: RANK_ORDINAL[pns] for level, (pns, _) in _ENTRY_RANK.items()}
_PPPK_ENTRY = {level: PPPK_RANKS.index(pppk) for level, (_, pppk) in _ENTRY_RANK.items()}
_EDUCATION_BY_GRADE = {
    "JPT_PRATAMA": (("S2", 0.7), ("S1", 0.25), ("S3", 0.05)),
    "ADMINISTRATOR": (("S2", 0.45), ("S1", 0.5), ("D4", 0.05)),
    "PENGAWAS": (("S1", 0.65), ("S2", 0.15), ("D3", 0.15), ("D4", 0.05)),
    "AHLI_MADYA": (("S2", 0.6), ("S1", 0.4)),
    "AHLI_MUDA": (("S1", 0.65), ("S2", 0.35)),
    "AHLI_PERTAMA": (("S1", 0.85), ("D4", 0.1), ("S2", 0.05)),
    "MAHIR": (("D3", 0.8), ("D4", 0.1), ("S1", 0.1)),
    "TERAMPIL": (("D3", 0.9), ("D2", 0.05), ("D1", 0.05)),
    "PELAKSANA": (("SMA", 0.5), ("D3", 0.2), ("S1", 0.25), ("SMP", 0.05)),
}
_AGE_RANGE = {
    "JPT_PRATAMA": (46, 56),
    "ADMINISTRATOR": (40, 57),
    "PENGAWAS": (33, 56),
    "AHLI_MADYA": (42, 59),
    "AHLI_MUDA": (33, 57),
    "AHLI_PERTAMA": (25, 50),
    "MAHIR": (30, 57),
    "TERAMPIL": (24, 50),
    "PELAKSANA": (22, 57),
}
_MIN_SERVICE = {
    "JPT_PRATAMA": 16,
    "ADMINISTRATOR": 12,
    "PENGAWAS": 7,
    "AHLI_MADYA": 14,
    "AHLI_MUDA": 7,
    "AHLI_PERTAMA": 1,
    "MAHIR": 6,
    "TERAMPIL": 1,
    "PELAKSANA": 1,
}


NIP_SEQUENCES_PER_AGENCY = 4
"""Sequence numbers (of the NIP's 3 digits) each agency owns per birth date, TMT and gender."""


def _nips(
    birth: np.ndarray, service: np.ndarray, gender_digit: np.ndarray, agency_index: int
) -> tuple[np.ndarray, np.ndarray]:
    """Unique NIPs (birth date, TMT CPNS, gender digit, a sequence) and the birth dates they hold.

    Each agency owns ``NIP_SEQUENCES_PER_AGENCY`` sequence numbers of every birth date, TMT and
    gender, so agencies never collide. Who finds their agency's numbers taken (only in very
    large agencies: many young recruits of one TMT) is born a day earlier, then another, until
    a number is free: the birth date and the NIP move together, the TMT and gender never.
    """
    born, order = _free_sequences(
        birth.astype("datetime64[D]").astype("int64"),
        service.astype("datetime64[M]").astype("int64"),
        np.asarray(gender_digit, dtype="int64"),
    )
    born_dates = born.astype("datetime64[D]")
    sequence = (agency_index % 250) * NIP_SEQUENCES_PER_AGENCY + order + 1
    digits = (
        _yyyymmdd(born_dates) * 10**10
        + _yyyymmdd(service.astype("datetime64[D]")) // 100 * 10**4
        + np.asarray(gender_digit, dtype="int64") * 1000
        + sequence
    )
    return digits.astype(str).astype(object), born_dates


def _yyyymmdd(dates: np.ndarray) -> np.ndarray:
    """Dates as the integers ``YYYYMMDD`` (vectorised; ``strftime`` is slow at a million)."""
    year = dates.astype("datetime64[Y]")
    month = dates.astype("datetime64[M]")
    return (
        (year.astype("int64") + 1970) * 10_000
        + (month - year.astype("datetime64[M]")).astype("int64") * 100
        + (dates - month.astype("datetime64[D]")).astype("int64")
        + 101
    )


def _free_sequences(
    born: np.ndarray, month: np.ndarray, gender: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Birth days (moved earlier where needed) and each one's order within its NIP prefix."""
    cap, day = NIP_SEQUENCES_PER_AGENCY, 1 << 24
    tail = (month + (1 << 20)) * 4 + gender  # TMT and gender: fixed for each employee
    key = born * day + tail
    order = pd.Series(key).groupby(key).cumcount().to_numpy()
    pending = np.flatnonzero(order >= cap)
    if not pending.size:
        return born, order
    born = born.copy()
    crowded = np.isin(tail, np.unique(tail[pending])) & (order < cap)
    used: dict[int, int] = pd.Series(key[crowded]).value_counts().to_dict()
    below: dict[int, int] = {}  # full key -> a later-found key at or below it that may be free

    def free(k: int) -> int:
        """The latest key at or below ``k`` (same TMT and gender) with a sequence left."""
        path = []
        while used.get(k, 0) >= cap:
            path.append(k)
            k = below.get(k, k - day)
        for full in path:
            below[full] = k
        return k

    for i in pending:
        k = free(int(key[i]) - day)
        order[i] = used.get(k, 0)
        used[k] = order[i] + 1
        born[i] = (k - int(tail[i])) // day
    return born, order


def draw_employees(
    spec: AgencySpec, holders: pd.DataFrame, rng: np.random.Generator
) -> tuple[pd.DataFrame, HiddenTraits]:
    """The employees table (one row per holder) and each employee's hidden traits."""
    n = len(holders)
    ref = spec.reference_date
    grade = holders["grade"].to_numpy()
    managerial = np.isin(grade, MANAGERIAL)
    merit = rng.normal(0, 1, n) + 0.35 * managerial
    female = rng.random(n) < np.where(managerial, 0.4, 0.55)
    low, high = (lookup({g: r[i] for g, r in _AGE_RANGE.items()}, grade) for i in (0, 1))
    age = rng.uniform(low, high + 1)
    birth = ref - days(age) - rng.integers(0, 365, n) * DAY
    min_service = lookup(_MIN_SERVICE, grade)
    service_years = np.maximum(
        min_service + 0.5, rng.uniform(min_service, np.maximum(age - 21, min_service + 1))
    )
    service = (ref - days(service_years)).astype("datetime64[M]").astype("datetime64[D]")
    education = np.empty(n, dtype=object)
    for g in np.unique(grade):
        mask = grade == g
        education[mask] = pick(rng, _EDUCATION_BY_GRADE[g], int(mask.sum()))
    pppk = ~managerial & (service_years < 9) & (rng.random(n) < 0.55)
    years_steps = (service_years // 4).astype(int) + (merit > 1.2)
    pns_rank = np.minimum(lookup(_PNS_ENTRY, education) + years_steps, len(PNS_RANKS) - 1)
    pppk_rank = np.minimum(
        lookup(_PPPK_ENTRY, education) + rng.integers(0, 2, n), len(PPPK_RANKS) - 1
    )
    rank = np.where(
        pppk,
        np.array(PPPK_RANKS, dtype=object)[pppk_rank],
        np.array(PNS_RANKS, dtype=object)[pns_rank],
    )
    rank_since = np.maximum(ref - days(rng.uniform(0.1, np.minimum(4, service_years))), service)
    position_since = np.maximum(ref - days(rng.uniform(0.3, np.minimum(8, service_years))), service)
    family = holders["job_family"].to_numpy()
    major, major_family = _majors(family, education, rng)
    gender_digit = np.where(female, 2, 1)
    nips, birth = _nips(birth, service, gender_digit, spec.index)
    emp = pd.DataFrame(
        {
            "nip": nips,
            "name": _names(female, rng),
            "gender": np.where(female, "F", "M"),
            "birth_date": birth,
            "employment_type": np.where(pppk, "PPPK", "PNS"),
            "rank": rank,
            "rank_since": rank_since,
            "service_start": service,
            "education_level": education,
            "education_major": major,
            "agency_id": spec.agency_id,
            "unit_id": holders["unit_id"].to_numpy(),
            "current_position_id": holders["position_id"].to_numpy(),
            "position_since": position_since,
            "status": np.where(~managerial & (rng.random(n) < 0.03), "INACTIVE", "ACTIVE"),
            "religion": pick(rng, RELIGIONS, n),
            "ethnicity": pick(rng, ETHNICITIES, n),
            "origin_region": pick(rng, ORIGINS, n),
            "disability": rng.random(n) < 0.02,
            "marital_status": pick(rng, MARITAL, n),
        }
    )
    # latent growth: its own generator, so the default variant's stream (and bytes) is unchanged
    growth = np.random.default_rng([spec.seed, spec.index, 7919]).normal(0, 1, n)
    return emp, HiddenTraits(merit=merit, growth=growth, grade=grade, major_family=major_family)


def _majors(
    family: np.ndarray, education: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Majors as written in exports (free-text variants) and the true family of each.

    80% studied a major of their unit's family. The text carries real-world noise: "S1 ...",
    "Prodi ...", "Ilmu ...", common abbreviations ("S1 Kesmas", "PWK") and lower case. The
    true family (empty without a degree) feeds the latent fit, never the written text.
    """
    n = len(family)
    families = np.array(sorted(MAJORS), dtype=object)
    own = rng.random(n) < 0.8
    chosen_family = np.where(own, family, families[rng.integers(0, len(families), n)])
    table = np.array(
        [[MAJORS[f][i % len(MAJORS[f])] for i in range(5)] for f in families],
        dtype=object,
    )
    majors = table[np.searchsorted(families, chosen_family), rng.integers(0, 5, n)]
    prefixes = np.array(MAJOR_PREFIXES, dtype=object)[rng.integers(0, len(MAJOR_PREFIXES), n)]
    prefixes = np.where(np.char.startswith(majors.astype(str), "Ilmu"), "", prefixes)
    short = pd.Series(majors).map(MAJOR_ABBREVIATIONS).to_numpy()
    abbreviated = pd.notna(short) & (rng.random(n) < 0.3)
    text = np.where(abbreviated, "S1 " + short.astype(str), prefixes + majors)
    lower = rng.random(n) < 0.1
    text = np.where(lower, np.char.lower(text.astype(str)).astype(object), text)
    no_major = np.isin(education, ("SD", "SMP", "SMA"))
    return np.where(no_major, "", text), np.where(no_major, "", chosen_family)


def _names(female: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    first = np.where(
        female,
        np.array(FIRST_NAMES_F, dtype=object)[rng.integers(0, 20, len(female))],
        np.array(FIRST_NAMES_M, dtype=object)[rng.integers(0, 20, len(female))],
    )
    last = np.array(LAST_NAMES, dtype=object)[rng.integers(0, 20, len(female))]
    return first + " " + last


def draw_competencies(
    spec: AgencySpec, emp: pd.DataFrame, traits: HiddenTraits, rng: np.random.Generator
) -> pd.DataFrame:
    """Competency assessments of the staff, dated before the reference date."""
    n = len(emp)
    grade, merit = traits.grade, traits.merit
    managerial = np.isin(grade, MANAGERIAL)
    assessed = rng.random(n) < np.where(managerial, 0.85, 0.35)
    idx = np.flatnonzero(assessed)
    second = idx[rng.random(len(idx)) < 0.3]
    who = np.concatenate([idx, second])
    first_age = rng.uniform(0.6, 8, len(idx))
    ages = np.concatenate([first_age, rng.uniform(0.05, first_age[np.isin(idx, second)])])
    base = lookup(STANDARD_LEVEL, grade[who]).astype(float) - 0.2
    growth = np.concatenate([np.zeros(len(idx)), np.full(len(second), 0.25)])
    frame = pd.DataFrame(
        {"nip": emp["nip"].to_numpy()[who], "assessed_on": spec.reference_date - days(ages)}
    )
    frame["method"] = np.where(
        managerial[who],
        np.where(rng.random(len(who)) < 0.7, "ASSESSMENT_CENTER", "UJI_KOMPETENSI"),
        np.where(rng.random(len(who)) < 0.6, "UJI_KOMPETENSI", "SELF"),
    )
    for competency in COMPETENCIES:
        level = base + growth + 0.6 * merit[who] + rng.normal(0, 0.35, len(who))
        frame[competency] = np.round(np.clip(level, 1, 5), 1)
    potential = np.round(np.clip(62 + 12 * merit[who] + rng.normal(0, 6, len(who)), 0, 100), 1)
    frame["potential_score"] = np.where(rng.random(len(who)) < 0.15, np.nan, potential)
    return frame.sort_values(["nip", "assessed_on"], kind="stable").reset_index(drop=True)


def draw_round_assessments(
    rounds: pd.DataFrame, emp: pd.DataFrame, traits: HiddenTraits, rng: np.random.Generator
) -> pd.DataFrame:
    """Assessments taken for a selection: ~60% of a round's candidates, 1-10 months before it."""
    taken = rounds[rng.random(len(rounds)) < 0.6]
    index = pd.Index(emp["nip"]).get_indexer(taken["nip"])
    grade, merit = traits.grade[index], traits.merit[index]
    n = len(taken)
    frame = pd.DataFrame(
        {
            "nip": taken["nip"].to_numpy(),
            "assessed_on": taken["decided_on"].to_numpy() - rng.integers(30, 300, n) * DAY,
            "method": np.where(rng.random(n) < 0.8, "ASSESSMENT_CENTER", "UJI_KOMPETENSI"),
        }
    )
    base = lookup(STANDARD_LEVEL, grade).astype(float) - 0.1
    for competency in COMPETENCIES:
        level = base + 0.6 * merit + rng.normal(0, 0.35, n)
        frame[competency] = np.round(np.clip(level, 1, 5), 1)
    frame["potential_score"] = np.round(np.clip(62 + 12 * merit + rng.normal(0, 6, n), 0, 100), 1)
    return frame.drop_duplicates(["nip", "assessed_on"])
