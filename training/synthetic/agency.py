"""One synthetic agency (a city or regency government): its units, positions and people.

Every table of one agency is built here from a seeded generator, vectorised with numpy. The
latent merit of a person (``merit``) drives competencies, ratings, sanctions and trainings; the
latent fit of a (person, position) pair drives the labels of past rounds (docs/synthetic-data.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from features.vocabulary import COMPETENCIES, EDUCATION_LEVELS, PNS_RANKS, PPPK_RANKS
from training.synthetic import catalog

DAY = np.timedelta64(1, "D")
YEAR_DAYS = 365.25

STANDARD_LEVEL = {
    "JPT_PRATAMA": 4, "ADMINISTRATOR": 3, "PENGAWAS": 2, "PELAKSANA": 1,
    "AHLI_MADYA": 4, "AHLI_MUDA": 3, "AHLI_PERTAMA": 2, "MAHIR": 2, "TERAMPIL": 1,
}  # fmt: skip
"""Competency standard per post (PermenPANRB 38/2017), functional posts by level."""

MIN_EDUCATION = {
    "JPT_PRATAMA": "S1", "ADMINISTRATOR": "S1", "PENGAWAS": "D3", "PELAKSANA": "SMA",
    "AHLI_MADYA": "S1", "AHLI_MUDA": "S1", "AHLI_PERTAMA": "S1", "MAHIR": "D3", "TERAMPIL": "D3",
}  # fmt: skip
MIN_RANK = {
    "JPT_PRATAMA": "IV/a", "ADMINISTRATOR": "III/c", "PENGAWAS": "III/b",
    "AHLI_MADYA": "IV/a", "AHLI_MUDA": "III/c", "AHLI_PERTAMA": "III/a",
}  # fmt: skip
MIN_EXPERIENCE = {
    "JPT_PRATAMA": 5,
    "ADMINISTRATOR": 3,
    "PENGAWAS": 4,
    "AHLI_MADYA": 3,
    "AHLI_MUDA": 2,
    "AHLI_PERTAMA": 0,
    "MAHIR": 2,
    "TERAMPIL": 0,
    "PELAKSANA": 0,
}
FUNCTIONAL_LEVELS = ("TERAMPIL", "MAHIR", "AHLI_PERTAMA", "AHLI_MUDA", "AHLI_MADYA")
LADDER_BELOW = {
    "PENGAWAS": ("PELAKSANA", "TERAMPIL", "MAHIR"),
    "ADMINISTRATOR": ("PENGAWAS",),
    "JPT_PRATAMA": ("ADMINISTRATOR", "AHLI_MADYA"),
    "AHLI_MADYA": ("AHLI_MUDA", "ADMINISTRATOR"),
    "AHLI_MUDA": ("AHLI_PERTAMA", "PENGAWAS"),
    "AHLI_PERTAMA": ("PELAKSANA",),
    "MAHIR": ("TERAMPIL", "PELAKSANA"),
    "TERAMPIL": ("PELAKSANA",),
    "PELAKSANA": ("PELAKSANA",),
}
"""Where candidates for a post usually come from (one step down the career ladder)."""

_EDU_INDEX = {level: i for i, level in enumerate(EDUCATION_LEVELS)}
_PNS_ENTRY = {
    "SD": 0,
    "SMP": 2,
    "SMA": 4,
    "D1": 4,
    "D2": 5,
    "D3": 6,
    "D4": 8,
    "S1": 8,
    "S2": 9,
    "S3": 10,
}
_PPPK_ENTRY = {
    "SD": 0,
    "SMP": 1,
    "SMA": 4,
    "D1": 4,
    "D2": 5,
    "D3": 6,
    "D4": 8,
    "S1": 8,
    "S2": 9,
    "S3": 10,
}
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
_LEADERSHIP = {"PENGAWAS": "PKP", "ADMINISTRATOR": "PKA", "JPT_PRATAMA": "PKN_II"}
MANAGERIAL = ("JPT_PRATAMA", "ADMINISTRATOR", "PENGAWAS")


@dataclass(frozen=True)
class LatentFit:
    """Weights of the latent fit of a (person, post) pair and of the committee's biased view.

    ``fit = merit m + major [true major in the post's family] + education min(levels above the
    minimum, 2) + leadership [holds the post's leadership training] + family_years min(years
    in the post's family, cap) + growth g + N(0, noise)``; the committee adds
    ``committee_seniority * seniority + committee_unit * [own family's unit] + N(0,
    committee_noise)``. ``g`` is a latent growth per person that also tilts the yearly
    ratings by ``rating_trend`` per year (a performance trend). See docs/synthetic-data.md.
    """

    merit: float = 0.9
    major: float = 0.6
    education: float = 0.15
    leadership: float = 0.35
    family_years: float = 0.08
    family_years_cap: float = 8.0
    growth: float = 0.0
    noise: float = 0.35
    committee_seniority: float = 0.6
    committee_unit: float = 0.3
    committee_noise: float = 0.3
    rating_trend: float = 0.0

    def score(
        self,
        merit: np.ndarray,
        growth: np.ndarray,
        major_match: np.ndarray,
        education_above: np.ndarray,
        trained: np.ndarray,
        family_years: np.ndarray,
    ) -> np.ndarray:
        """The noise-free latent fit (the truth of a vacancy) of each row."""
        out = (
            self.merit * merit
            + self.major * major_match
            + self.education * np.clip(education_above, 0, 2)
            + self.leadership * trained
            + self.family_years * np.minimum(family_years, self.family_years_cap)
        )
        return out + self.growth * growth if self.growth else out


LATENTS: dict[str, LatentFit] = {
    "default": LatentFit(),
    # another government's notion of fit: less merit and major, more education and leadership
    # training, longer family careers count, a growth term seen as a ratings trend, more noise
    # and a stronger committee bias
    "perturbed": LatentFit(
        merit=0.7, major=0.35, education=0.3, leadership=0.5, family_years=0.05,
        family_years_cap=12.0, growth=0.45, noise=0.45, committee_seniority=0.9,
        committee_unit=0.5, committee_noise=0.4, rating_trend=0.25,
    ),
}  # fmt: skip
"""Latent-fit variants of the generator (``--latent``)."""


@dataclass(frozen=True)
class AgencySpec:
    """What to generate for one agency."""

    agency_id: str
    index: int
    employees: int
    reference_date: np.datetime64
    seed: int
    latent: str = "default"
    truth: bool = False
    """Also return ``_truth``: the latent fit of every open vacancy x active employee."""


def _pick(rng: np.random.Generator, options: tuple[tuple[str, float], ...], n: int) -> np.ndarray:
    values = np.array([o[0] for o in options], dtype=object)
    weights = np.array([o[1] for o in options], dtype=float)
    return values[rng.choice(len(values), size=n, p=weights / weights.sum())]


def _lookup(mapping: dict, keys: np.ndarray) -> np.ndarray:
    """``mapping[key]`` for every key, vectorised (pandas hashes in C)."""
    return pd.Series(keys, dtype=object).map(mapping).to_numpy()


def _days(years: np.ndarray | float) -> np.ndarray:
    return (np.asarray(years) * YEAR_DAYS).astype("int64") * DAY


def _units(spec: AgencySpec, rng: np.random.Generator) -> pd.DataFrame:
    n_units = int(np.clip(spec.employees // 120, 6, len(catalog.UNITS)))
    rows = catalog.UNITS[:n_units]
    units = pd.DataFrame(rows, columns=["code", "unit_name", "job_family", "is_dinas"])
    units["unit_id"] = spec.agency_id + "-" + units["code"]
    weight = np.where(units["job_family"].isin(["kesehatan", "pendidikan"]), 4.0, 1.0)
    weight = weight * rng.uniform(0.7, 1.3, size=n_units)
    units["staff"] = rng.multinomial(spec.employees, weight / weight.sum())
    return units


def _unit_positions(unit: pd.Series, rng: np.random.Generator) -> list[tuple[str, str, str]]:
    """(grade, position_type, title) of one unit's posts; managerial posts have one holder."""
    family_title = unit["job_family"].replace("_", " ").title()
    head_grade = "JPT_PRATAMA" if unit["is_dinas"] else "ADMINISTRATOR"
    head_title = ("Kepala " if unit["is_dinas"] else "Camat ") + unit["unit_name"].split(" ", 1)[-1]
    posts = [(head_grade, head_grade, head_title)]
    n_admin = max(1, round(0.02 * unit["staff"]))
    posts += [
        ("ADMINISTRATOR", "ADMINISTRATOR", f"Kepala Bidang {family_title} {i + 1}")
        for i in range(n_admin)
    ]
    n_peng = max(2, round(0.045 * unit["staff"]))
    posts += [
        ("PENGAWAS", "PENGAWAS", f"Kepala Seksi {family_title} {i + 1}") for i in range(n_peng)
    ]
    posts += [
        (level, "FUNGSIONAL", f"{family_title} {level.replace('_', ' ').title()}")
        for level in FUNCTIONAL_LEVELS
    ]
    posts += [
        ("PELAKSANA", "PELAKSANA", title)
        for title in (
            "Pengadministrasi Umum",
            f"Pengelola Data {family_title}",
            f"Analis {family_title}",
        )
    ]
    return posts


def _positions(spec: AgencySpec, units: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    records = []
    for _, unit in units.iterrows():
        for number, (grade, ptype, title) in enumerate(_unit_positions(unit, rng)):
            records.append(
                (
                    f"{unit['unit_id']}-{number + 1:03d}",
                    title,
                    unit["unit_id"],
                    unit["unit_name"],
                    ptype,
                    grade,
                    unit["job_family"],
                )
            )
    pos = pd.DataFrame(
        records,
        columns=[
            "position_id",
            "title",
            "unit_id",
            "unit_name",
            "position_type",
            "grade",
            "job_family",
        ],
    )
    pos["agency_id"] = spec.agency_id
    pos["functional_level"] = np.where(pos["position_type"] == "FUNGSIONAL", pos["grade"], "")
    pos["min_education_level"] = pos["grade"].map(MIN_EDUCATION)
    pos["min_rank"] = pos["grade"].map(MIN_RANK).fillna("")
    pos["min_experience_years"] = pos["grade"].map(MIN_EXPERIENCE).astype("int64")
    majors = pos["job_family"].map(lambda family: ";".join(catalog.MAJORS[family]))
    any_major = (pos["position_type"] == "PELAKSANA") | (rng.random(len(pos)) < 0.1)
    pos["accepted_majors"] = np.where(any_major, "", majors)
    standard = pos["grade"].map(STANDARD_LEVEL).to_numpy()
    for competency in COMPETENCIES:
        bump = (rng.random(len(pos)) < 0.15).astype(int)
        pos[f"req_{competency}"] = np.clip(standard + bump * (competency == "integritas"), 1, 5)
    managerial = pos["grade"].isin(MANAGERIAL).to_numpy()
    vacant = managerial & (rng.random(len(pos)) < 0.08)
    if managerial.any() and not vacant.any():
        vacant[rng.choice(np.flatnonzero(managerial))] = True
    pos["is_vacant"] = vacant
    return pos


def _assign_people(
    units: pd.DataFrame, pos: pd.DataFrame, rng: np.random.Generator
) -> pd.DataFrame:
    """One row per employee: unit, position and grade held."""
    rows = []
    for _, unit in units.iterrows():
        unit_pos = pos[pos["unit_id"] == unit["unit_id"]]
        held = unit_pos[unit_pos["grade"].isin(MANAGERIAL) & ~unit_pos["is_vacant"]]
        rest = int(unit["staff"]) - len(held)
        shared = unit_pos[~unit_pos["grade"].isin(MANAGERIAL)]
        weights = np.where(shared["position_type"] == "FUNGSIONAL", 1.2, 1.3)
        weights = np.where(shared["grade"] == "AHLI_MADYA", 0.15, weights)
        picks = shared.iloc[rng.choice(len(shared), size=max(rest, 0), p=weights / weights.sum())]
        both = pd.concat([held, picks])[
            ["position_id", "unit_id", "grade", "position_type", "job_family"]
        ]
        rows.append(both)
    return pd.concat(rows, ignore_index=True)


def _nips(
    birth: np.ndarray, service: np.ndarray, gender_digit: np.ndarray, agency_index: int
) -> np.ndarray:
    """Unique NIPs: birth date, TMT CPNS, gender digit and a sequence that differs by agency."""
    prefix = (
        pd.Series(birth).dt.strftime("%Y%m%d")
        + pd.Series(service).dt.strftime("%Y%m")
        + pd.Series(gender_digit).astype(str)
    )
    order = prefix.groupby(prefix).cumcount().to_numpy()
    sequence = (agency_index % 250) * 4 + np.minimum(order, 3) + 1
    return (prefix + pd.Series(sequence).map("{:03d}".format)).to_numpy(dtype=object)


def _employees(
    spec: AgencySpec, people: pd.DataFrame, units: pd.DataFrame, rng: np.random.Generator
) -> pd.DataFrame:
    n = len(people)
    ref = spec.reference_date
    grade = people["grade"].to_numpy()
    managerial = np.isin(grade, MANAGERIAL)
    merit = rng.normal(0, 1, n) + 0.35 * managerial
    female = rng.random(n) < np.where(managerial, 0.4, 0.55)
    low, high = (_lookup({g: r[i] for g, r in _AGE_RANGE.items()}, grade) for i in (0, 1))
    age = rng.uniform(low, high + 1)
    birth = ref - _days(age) - rng.integers(0, 365, n) * DAY
    min_service = _lookup(_MIN_SERVICE, grade)
    service_years = np.maximum(
        min_service + 0.5, rng.uniform(min_service, np.maximum(age - 21, min_service + 1))
    )
    service = (ref - _days(service_years)).astype("datetime64[M]").astype("datetime64[D]")
    education = np.empty(n, dtype=object)
    for g in np.unique(grade):
        mask = grade == g
        education[mask] = _pick(rng, _EDUCATION_BY_GRADE[g], int(mask.sum()))
    pppk = ~managerial & (service_years < 9) & (rng.random(n) < 0.55)
    years_steps = (service_years // 4).astype(int) + (merit > 1.2)
    pns_rank = np.minimum(_lookup(_PNS_ENTRY, education) + years_steps, len(PNS_RANKS) - 1)
    pppk_rank = np.minimum(
        _lookup(_PPPK_ENTRY, education) + rng.integers(0, 2, n), len(PPPK_RANKS) - 1
    )
    rank = np.where(
        pppk,
        np.array(PPPK_RANKS, dtype=object)[pppk_rank],
        np.array(PNS_RANKS, dtype=object)[pns_rank],
    )
    rank_since = np.maximum(ref - _days(rng.uniform(0.1, np.minimum(4, service_years))), service)
    position_since = np.maximum(
        ref - _days(rng.uniform(0.3, np.minimum(8, service_years))), service
    )
    family = people["job_family"].to_numpy()
    major, major_family = _majors(family, education, rng)
    gender_digit = np.where(female, 2, 1)
    emp = pd.DataFrame(
        {
            "nip": _nips(birth, service, gender_digit, spec.index),
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
            "unit_id": people["unit_id"].to_numpy(),
            "current_position_id": people["position_id"].to_numpy(),
            "position_since": position_since,
            "status": np.where(~managerial & (rng.random(n) < 0.03), "INACTIVE", "ACTIVE"),
            "religion": _pick(rng, catalog.RELIGIONS, n),
            "ethnicity": _pick(rng, catalog.ETHNICITIES, n),
            "origin_region": _pick(rng, catalog.ORIGINS, n),
            "disability": rng.random(n) < 0.02,
            "marital_status": _pick(rng, catalog.MARITAL, n),
        }
    )
    emp.attrs["merit"] = merit
    # latent growth: its own generator, so the default variant's stream (and bytes) is unchanged
    emp.attrs["growth"] = np.random.default_rng([spec.seed, spec.index, 7919]).normal(0, 1, n)
    emp.attrs["grade"] = grade
    emp.attrs["major_family"] = major_family
    return emp


def _majors(
    family: np.ndarray, education: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Majors as written in exports (free-text variants) and the true family of each.

    80% studied a major of their unit's family. The text carries real-world noise: "S1 ...",
    "Prodi ...", "Ilmu ...", common abbreviations ("S1 Kesmas", "PWK") and lower case. The
    true family (empty without a degree) feeds the latent fit, never the written text.
    """
    n = len(family)
    families = np.array(sorted(catalog.MAJORS), dtype=object)
    own = rng.random(n) < 0.8
    chosen_family = np.where(own, family, families[rng.integers(0, len(families), n)])
    table = np.array(
        [[catalog.MAJORS[f][i % len(catalog.MAJORS[f])] for i in range(5)] for f in families],
        dtype=object,
    )
    majors = table[np.searchsorted(families, chosen_family), rng.integers(0, 5, n)]
    prefixes = np.array(catalog.MAJOR_PREFIXES, dtype=object)[
        rng.integers(0, len(catalog.MAJOR_PREFIXES), n)
    ]
    prefixes = np.where(np.char.startswith(majors.astype(str), "Ilmu"), "", prefixes)
    short = pd.Series(majors).map(catalog.MAJOR_ABBREVIATIONS).to_numpy()
    abbreviated = pd.notna(short) & (rng.random(n) < 0.3)
    text = np.where(abbreviated, "S1 " + short.astype(str), prefixes + majors)
    lower = rng.random(n) < 0.1
    text = np.where(lower, np.char.lower(text.astype(str)).astype(object), text)
    no_major = np.isin(education, ("SD", "SMP", "SMA"))
    return np.where(no_major, "", text), np.where(no_major, "", chosen_family)


def _names(female: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    first = np.where(
        female,
        np.array(catalog.FIRST_NAMES_F, dtype=object)[rng.integers(0, 20, len(female))],
        np.array(catalog.FIRST_NAMES_M, dtype=object)[rng.integers(0, 20, len(female))],
    )
    last = np.array(catalog.LAST_NAMES, dtype=object)[rng.integers(0, 20, len(female))]
    return first + " " + last


def _competencies(spec: AgencySpec, emp: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    n = len(emp)
    grade, merit = emp.attrs["grade"], emp.attrs["merit"]
    managerial = np.isin(grade, MANAGERIAL)
    assessed = rng.random(n) < np.where(managerial, 0.85, 0.35)
    idx = np.flatnonzero(assessed)
    second = idx[rng.random(len(idx)) < 0.3]
    who = np.concatenate([idx, second])
    first_age = rng.uniform(0.6, 8, len(idx))
    ages = np.concatenate([first_age, rng.uniform(0.05, first_age[np.isin(idx, second)])])
    base = _lookup(STANDARD_LEVEL, grade[who]).astype(float) - 0.2
    growth = np.concatenate([np.zeros(len(idx)), np.full(len(second), 0.25)])
    frame = pd.DataFrame(
        {"nip": emp["nip"].to_numpy()[who], "assessed_on": spec.reference_date - _days(ages)}
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


def _round_assessments(
    rounds: pd.DataFrame, emp: pd.DataFrame, rng: np.random.Generator
) -> pd.DataFrame:
    """Assessments taken for a selection: ~60% of a round's candidates, 1-10 months before it."""
    taken = rounds[rng.random(len(rounds)) < 0.6]
    index = pd.Index(emp["nip"]).get_indexer(taken["nip"])
    grade, merit = emp.attrs["grade"][index], emp.attrs["merit"][index]
    n = len(taken)
    frame = pd.DataFrame(
        {
            "nip": taken["nip"].to_numpy(),
            "assessed_on": taken["decided_on"].to_numpy() - rng.integers(30, 300, n) * DAY,
            "method": np.where(rng.random(n) < 0.8, "ASSESSMENT_CENTER", "UJI_KOMPETENSI"),
        }
    )
    base = _lookup(STANDARD_LEVEL, grade).astype(float) - 0.1
    for competency in COMPETENCIES:
        level = base + 0.6 * merit + rng.normal(0, 0.35, n)
        frame[competency] = np.round(np.clip(level, 1, 5), 1)
    frame["potential_score"] = np.round(np.clip(62 + 12 * merit + rng.normal(0, 6, n), 0, 100), 1)
    return frame.drop_duplicates(["nip", "assessed_on"])


def _performance(spec: AgencySpec, emp: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    last_year = int(str(spec.reference_date)[:4]) - 1
    first = np.maximum(2017, pd.DatetimeIndex(emp["service_start"]).year.to_numpy() + 1)
    counts = np.maximum(last_year - first + 1, 0)
    who = np.repeat(np.arange(len(emp)), counts)
    offset = np.arange(len(who)) - np.repeat(np.cumsum(counts) - counts, counts)
    years = first[who] + offset
    merit = emp.attrs["merit"]
    score = 0.8 * merit[who] + rng.normal(0, 0.6, len(who))
    trend = LATENTS[spec.latent].rating_trend
    if trend:
        score = score + trend * emp.attrs["growth"][who] * (years - (last_year - 1))
    rating = np.select(
        [score > 1.3, score > -1.5, score > -2.0, score > -2.4],
        ["SANGAT_BAIK", "BAIK", "BUTUH_PERBAIKAN", "KURANG"],
        "SANGAT_KURANG",
    )
    keep = rng.random(len(who)) > 0.03
    return pd.DataFrame(
        {"nip": emp["nip"].to_numpy()[who][keep], "year": years[keep], "rating": rating[keep]}
    )


def _history(
    spec: AgencySpec, emp: pd.DataFrame, pos: pd.DataFrame, rng: np.random.Generator
) -> pd.DataFrame:
    by_id = pos.set_index("position_id")
    current = by_id.loc[emp["current_position_id"].to_numpy()]
    frames = [
        pd.DataFrame(
            {
                "nip": emp["nip"].to_numpy(),
                "position_id": emp["current_position_id"].to_numpy(),
                "title": current["title"].to_numpy(),
                "position_type": current["position_type"].to_numpy(),
                "job_family": current["job_family"].to_numpy(),
                "unit_id": current["unit_id"].to_numpy(),
                "start_date": emp["position_since"].to_numpy(),
                "end_date": spec.reference_date,
                "current": True,
            }
        )
    ]
    grade = emp.attrs["grade"].copy()
    end = emp["position_since"].to_numpy()
    service = emp["service_start"].to_numpy()
    grade_ids = {g: pos.index[pos["grade"] == g].to_numpy() for g in pos["grade"].unique()}
    for _ in range(3):
        alive = end > service + 180 * DAY
        if not alive.any():
            break
        below = _lookup({g: below[0] for g, below in LADDER_BELOW.items()}, grade)
        choice = np.empty(len(grade), dtype=int)
        for g in np.unique(below):
            mask = below == g
            choice[mask] = rng.choice(grade_ids[g], size=int(mask.sum()))
        prior = pos.loc[choice]
        start = np.maximum(end - _days(rng.uniform(2, 6, len(end))), service)
        outside = rng.random(len(end)) < 0.1
        frames.append(
            pd.DataFrame(
                {
                    "nip": emp["nip"].to_numpy(),
                    "position_id": np.where(outside, "", prior["position_id"].to_numpy()),
                    "title": prior["title"].to_numpy(),
                    "position_type": prior["position_type"].to_numpy(),
                    "job_family": prior["job_family"].to_numpy(),
                    "unit_id": prior["unit_id"].to_numpy(),
                    "start_date": start,
                    "end_date": end,
                    "current": False,
                }
            )[alive]
        )
        grade, end = below, start
    history = pd.concat(frames, ignore_index=True)
    history["end_date"] = history["end_date"].mask(history.pop("current"))
    return history.sort_values(["nip", "start_date"], kind="stable").reset_index(drop=True)


def _discipline(spec: AgencySpec, emp: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    merit = emp.attrs["merit"]
    who = np.flatnonzero(rng.random(len(emp)) < np.clip(0.05 - 0.03 * merit, 0.005, 0.2))
    level = _pick(rng, (("RINGAN", 0.65), ("SEDANG", 0.25), ("BERAT", 0.10)), len(who))
    decided = spec.reference_date - _days(rng.uniform(0.02, 6, len(who)))
    months = np.select([level == "RINGAN", level == "SEDANG"], [6, 9], 12)
    return pd.DataFrame(
        {
            "nip": emp["nip"].to_numpy()[who],
            "level": level,
            "decided_on": decided,
            "ends_on": decided + _days(months / 12),
        }
    )


def _trainings(
    spec: AgencySpec, emp: pd.DataFrame, history: pd.DataFrame, rng: np.random.Generator
) -> pd.DataFrame:
    frames = []
    for ptype, kind in _LEADERSHIP.items():
        first = history[history["position_type"] == ptype].groupby("nip")["start_date"].min()
        taken = rng.random(len(first)) < 0.85
        completed = first.to_numpy() + _days(rng.uniform(-1.0, 2.0, len(first)))
        completed = np.minimum(completed, spec.reference_date - 10 * DAY)
        frames.append(
            pd.DataFrame(
                {
                    "nip": first.index.to_numpy(),
                    "name": f"Pelatihan {kind}",
                    "kind": kind,
                    "job_family": "",
                    "completed_on": completed,
                    "hours": 300,
                }
            )[taken]
        )
    merit = emp.attrs["merit"]
    count = rng.poisson(np.clip(1.2 + 0.6 * merit, 0.2, 4))
    who = np.repeat(np.arange(len(emp)), count)
    families = np.array(sorted(catalog.MAJORS), dtype=object)
    own_family = history.drop_duplicates("nip", keep="last").set_index("nip")["job_family"]
    family = own_family.reindex(emp["nip"].to_numpy()[who]).to_numpy()
    family = np.where(
        rng.random(len(who)) < 0.8, family, families[rng.integers(0, len(families), len(who))]
    )
    kind = np.where(rng.random(len(who)) < 0.75, "TECHNICAL", "FUNCTIONAL")
    title = np.array(catalog.TECHNICAL_TRAININGS, dtype=object)[rng.integers(0, 5, len(who))]
    frames.append(
        pd.DataFrame(
            {
                "nip": emp["nip"].to_numpy()[who],
                "name": title + " " + family,
                "kind": kind,
                "job_family": family,
                "completed_on": spec.reference_date - _days(rng.uniform(0.05, 8, len(who))),
                "hours": rng.integers(16, 81, len(who)),
            }
        )
    )
    return pd.concat(frames, ignore_index=True)


def _aspirations(
    spec: AgencySpec, emp: pd.DataFrame, units: pd.DataFrame, rng: np.random.Generator
) -> pd.DataFrame:
    who = np.flatnonzero(rng.random(len(emp)) < 0.35)
    count = rng.integers(1, 4, len(who))
    rows = np.repeat(who, count)
    rank = np.arange(len(rows)) - np.repeat(np.cumsum(count) - count, count) + 1
    unit_family = units.set_index("unit_id")["job_family"]
    own = unit_family.reindex(emp["unit_id"].to_numpy()[rows]).to_numpy()
    families = np.array(sorted(catalog.MAJORS), dtype=object)
    family = np.where(
        (rank == 1) & (rng.random(len(rows)) < 0.6),
        own,
        families[rng.integers(0, len(families), len(rows))],
    )
    unit_ids = units["unit_id"].to_numpy()
    unit = np.where(
        rng.random(len(rows)) < 0.3, unit_ids[rng.integers(0, len(unit_ids), len(rows))], ""
    )
    submitted = spec.reference_date - _days(rng.uniform(0.05, 3, len(who)))
    return pd.DataFrame(
        {
            "nip": emp["nip"].to_numpy()[rows],
            "preference_rank": rank,
            "job_family": family,
            "unit_id": unit,
            "submitted_on": np.repeat(submitted, count),
        }
    )


def election_calendar(spec: AgencySpec) -> pd.DataFrame:
    """Regional-head election dates relative to the reference date.

    Even-numbered agencies held their election ~2 years ago (the freeze covers many past
    rounds' dates, so none was decided then); odd-numbered ones are inside a freeze now
    (candidates are set ~4 months after the reference date).
    """
    ref = spec.reference_date
    if spec.index % 2 == 0:
        offsets = (("CANDIDATES_SET", -769), ("TERM_END", -619), ("INAUGURATION", -618))
    else:
        offsets = (("CANDIDATES_SET", 121), ("TERM_END", 274), ("INAUGURATION", 275))
    events = tuple((event, ref + days * DAY) for event, days in offsets)
    return pd.DataFrame(
        {
            "agency_id": spec.agency_id,
            "event": [e for e, _ in events],
            "date": pd.to_datetime([d for _, d in events]),
        }
    )


def _frozen(dates: np.ndarray, calendar: pd.DataFrame) -> np.ndarray:
    when = dict(zip(calendar["event"], calendar["date"].to_numpy(), strict=True))
    start = when["CANDIDATES_SET"] - 183 * DAY
    return ((dates >= start) & (dates <= when["TERM_END"])) | (
        (dates >= when["INAUGURATION"]) & (dates <= when["INAUGURATION"] + 183 * DAY)
    )


def _rounds(
    spec: AgencySpec,
    emp: pd.DataFrame,
    pos: pd.DataFrame,
    history: pd.DataFrame,
    trainings: pd.DataFrame,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Past selection rounds with graded labels from the latent fit (docs/synthetic-data.md)."""
    n_rounds = max(40, spec.employees // 20)
    grade, merit = emp.attrs["grade"], emp.attrs["merit"]
    growth, latent = emp.attrs["growth"], LATENTS[spec.latent]
    targets, decided, winners = _filled_vacancies(spec, emp, pos, history, n_rounds, rng)
    family = (
        emp["unit_id"]
        .map(pos.drop_duplicates("unit_id").set_index("unit_id")["job_family"])
        .to_numpy()
    )
    major_family = emp.attrs["major_family"]
    edu = _lookup(_EDU_INDEX, emp["education_level"].to_numpy())
    service = emp["service_start"].to_numpy()
    rank_since = emp["rank_since"].to_numpy()
    nips = emp["nip"].to_numpy()
    leaders = _leaders(nips, trainings)
    family_years, family_code = _years_by_family(spec, emp, history)
    by_grade = {g: np.flatnonzero(grade == g) for g in np.unique(grade)}
    active = emp["status"].to_numpy() == "ACTIVE"
    rows = []
    for r, (target, when, winner) in enumerate(
        zip(targets.itertuples(index=False), decided, winners, strict=True)
    ):
        pool = np.concatenate(
            [by_grade.get(g, np.array([], int)) for g in LADDER_BELOW[target.grade]]
        )
        pool = pool[active[pool] & (service[pool] < when - 730 * DAY) & (pool != winner)]
        qualified = pool[edu[pool] >= _EDU_INDEX[target.min_education_level]]
        pool = qualified if len(qualified) >= 8 else pool
        if len(pool) < 4:
            continue
        size = min(len(pool) + 1, int(rng.integers(10, 41)))
        chosen = rng.permutation(np.append(rng.choice(pool, size=size - 1, replace=False), winner))
        selected = int(np.flatnonzero(chosen == winner)[0])
        leader_kind = _LEADERSHIP.get(target.grade)
        trained = leaders[leader_kind][chosen] if leader_kind else np.zeros(size)
        years = family_years[chosen, family_code[target.job_family]]
        fit = latent.score(
            merit[chosen],
            growth[chosen],
            major_family[chosen] == target.job_family,
            edu[chosen] - _EDU_INDEX[target.min_education_level],
            trained,
            years,
        ) + rng.normal(0, latent.noise, size)
        seniority = (when - rank_since[chosen]) / DAY / YEAR_DAYS + (
            when - service[chosen]
        ) / DAY / 3650
        seniority = (seniority - seniority.mean()) / (seniority.std() + 1e-9)
        same_unit = family[chosen] == target.job_family
        committee_view = (
            fit
            + latent.committee_seniority * seniority
            + latent.committee_unit * same_unit
            + rng.normal(0, latent.committee_noise, size)
        )
        label = _grade(np.where(np.arange(size) == selected, fit, committee_view))
        rows.append(
            pd.DataFrame(
                {
                    "round_id": f"{spec.agency_id}-R{r + 1:05d}",
                    "position_id": target.position_id,
                    "decided_on": when,
                    "nip": nips[chosen],
                    "label": label,
                    "label_source": np.where(np.arange(size) == selected, "OUTCOME", "COMMITTEE"),
                    "selected": np.arange(size) == selected,
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def _leaders(nips: np.ndarray, trainings: pd.DataFrame) -> dict[str, np.ndarray]:
    """Who holds each leadership training (PKP, PKA, PKN II), as masks over ``nips``."""
    return {
        kind: np.isin(nips, trainings.loc[trainings["kind"] == kind, "nip"].to_numpy())
        for kind in ("PKP", "PKA", "PKN_II")
    }


def vacancy_truth(
    spec: AgencySpec,
    emp: pd.DataFrame,
    pos: pd.DataFrame,
    history: pd.DataFrame,
    trainings: pd.DataFrame,
) -> pd.DataFrame:
    """The noise-free latent fit of every open vacancy with every active employee of the agency.

    Held back from the export (written outside it by ``--truth``): what an owner scores a
    served shortlist against. Same formula and weights as the fit behind the rounds' labels,
    on the reference date (years in the family counted up to it).
    """
    active = np.flatnonzero(emp["status"].to_numpy() == "ACTIVE")
    vacant = pos[pos["is_vacant"].to_numpy(dtype=bool)]
    latent = LATENTS[spec.latent]
    nips = emp["nip"].to_numpy()
    leaders = _leaders(nips, trainings)
    family_years, family_code = _years_by_family(spec, emp, history)
    edu = _lookup(_EDU_INDEX, emp["education_level"].to_numpy())
    major_family = emp.attrs["major_family"]
    frames = []
    for target in vacant.itertuples(index=False):
        kind = _LEADERSHIP.get(target.grade)
        trained = leaders[kind][active] if kind else np.zeros(len(active))
        fit = latent.score(
            emp.attrs["merit"][active],
            emp.attrs["growth"][active],
            major_family[active] == target.job_family,
            edu[active] - _EDU_INDEX[target.min_education_level],
            trained,
            family_years[active, family_code[target.job_family]],
        )
        frames.append(
            pd.DataFrame({"position_id": target.position_id, "nip": nips[active], "fit": fit})
        )
    if not frames:
        return pd.DataFrame({"position_id": [], "nip": [], "fit": []})
    return pd.concat(frames, ignore_index=True)


def _years_by_family(
    spec: AgencySpec, emp: pd.DataFrame, history: pd.DataFrame
) -> tuple[np.ndarray, dict[str, int]]:
    """Years each employee spent in each job family (employees x families) and family codes."""
    families = sorted({*catalog.MAJORS, *history["job_family"].unique()})
    code = {family: i for i, family in enumerate(families)}
    end = history["end_date"].fillna(pd.Timestamp(str(spec.reference_date)))
    years = ((end - history["start_date"]).dt.days / YEAR_DAYS).to_numpy()
    who = pd.Index(emp["nip"]).get_indexer(history["nip"])
    table = np.zeros((len(emp), len(families)))
    np.add.at(table, (who, history["job_family"].map(code).to_numpy()), years)
    return table, code


def _filled_vacancies(
    spec: AgencySpec,
    emp: pd.DataFrame,
    pos: pd.DataFrame,
    history: pd.DataFrame,
    n_rounds: int,
    rng: np.random.Generator,
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """The posts filled since 2019 as the careers show them: (post, decided_on, winner).

    Each is a spell in ``position_history`` of a managerial or senior functional post of this
    export that began after 2019; the round was decided 2-12 weeks before, outside any election
    freeze, and its winner is the person whose career shows the spell. So careers, current posts
    and past rounds agree.
    """
    grade_of = pos.set_index("position_id")["grade"]
    spells = history[history["position_id"] != ""]
    spell_grade = spells["position_id"].map(grade_of).to_numpy()
    decided = (
        spells["start_date"].to_numpy().astype("datetime64[D]")
        - rng.integers(14, 90, len(spells)) * DAY
    )
    winner = pd.Index(emp["nip"]).get_indexer(spells["nip"])
    active = emp["status"].to_numpy()[winner] == "ACTIVE"
    usable = (
        np.isin(spell_grade, MANAGERIAL + ("AHLI_MADYA", "AHLI_MUDA"))
        & active
        & (decided >= np.datetime64("2019-01-01"))
        & (decided <= spec.reference_date - 20 * DAY)
        & ~_frozen(decided, election_calendar(spec))
    )
    index = np.flatnonzero(usable)
    weights = np.where(np.isin(spell_grade[index], MANAGERIAL), 4.0, 1.0)
    take = np.sort(
        rng.choice(index, size=min(n_rounds, len(index)), replace=False, p=weights / weights.sum())
    )
    take = take[np.argsort(decided[take], kind="stable")]
    targets = pos.set_index("position_id", drop=False).loc[spells["position_id"].to_numpy()[take]]
    return targets, decided[take], winner[take]


def _grade(score: np.ndarray) -> np.ndarray:
    """Graded labels 0-4 by the score's place within the pool."""
    cuts = np.quantile(score, [0.2, 0.45, 0.7, 0.9])
    return np.searchsorted(cuts, score, side="right").astype("int64")


def generate_agency(spec: AgencySpec) -> dict[str, pd.DataFrame]:
    """Every contract table of one agency, as frames with contract columns and types."""
    rng = np.random.default_rng([spec.seed, spec.index])
    units = _units(spec, rng)
    positions = _positions(spec, units, rng)
    people = _assign_people(units, positions, rng)
    employees = _employees(spec, people, units, rng)
    history = _history(spec, employees, positions, rng)
    trainings = _trainings(spec, employees, history, rng)
    rounds = _rounds(spec, employees, positions, history, trainings, rng)
    competencies = pd.concat(
        [_competencies(spec, employees, rng), _round_assessments(rounds, employees, rng)],
        ignore_index=True,
    )
    competencies = (
        competencies.drop_duplicates(["nip", "assessed_on"])
        .sort_values(["nip", "assessed_on"], kind="stable")
        .reset_index(drop=True)
    )
    tables = {
        "employees": employees,
        "positions": positions.drop(columns=["grade"]),
        "competencies": competencies,
        "performance": _performance(spec, employees, rng),
        "position_history": history,
        "rounds": rounds,
        "discipline": _discipline(spec, employees, rng),
        "trainings": trainings,
        "aspirations": _aspirations(spec, employees, units, rng),
        "election_calendar": election_calendar(spec),
    }
    if spec.truth:
        tables["_truth"] = vacancy_truth(spec, employees, positions, history, trainings)
    return tables
