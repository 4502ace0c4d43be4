"""Units, posts and the career ladder: what each grade of post requires, who holds which post.

The grade of a post (``JPT_PRATAMA`` … ``PELAKSANA``, functional posts by level) is the
generator's own: the export's positions carry its type, level and requirements, not the grade.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from features.vocabulary import COMPETENCIES
from training.synthetic.catalog import MAJORS, UNITS
from training.synthetic.spec import AgencySpec

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

LEADERSHIP = {"PENGAWAS": "PKP", "ADMINISTRATOR": "PKA", "JPT_PRATAMA": "PKN_II"}
"""The leadership training that goes with each managerial grade."""

MANAGERIAL = ("JPT_PRATAMA", "ADMINISTRATOR", "PENGAWAS")


def draw_units(spec: AgencySpec, rng: np.random.Generator) -> pd.DataFrame:
    """The agency's units (OPD) and how many staff each has."""
    n_units = int(np.clip(spec.employees // 120, 6, len(UNITS)))
    rows = UNITS[:n_units]
    out = pd.DataFrame(rows, columns=["code", "unit_name", "job_family", "is_dinas"])
    out["unit_id"] = spec.agency_id + "-" + out["code"]
    weight = np.where(out["job_family"].isin(["kesehatan", "pendidikan"]), 4.0, 1.0)
    weight = weight * rng.uniform(0.7, 1.3, size=n_units)
    out["staff"] = rng.multinomial(spec.employees, weight / weight.sum())
    return out


def _unit_posts(unit: pd.Series) -> list[tuple[str, str, str]]:
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


def draw_positions(spec: AgencySpec, units: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Every post of the agency with its requirements (contract columns plus ``grade``)."""
    records = []
    for _, unit in units.iterrows():
        for number, (grade, ptype, title) in enumerate(_unit_posts(unit)):
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
    majors = pos["job_family"].map(lambda family: ";".join(MAJORS[family]))
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


def assign_holders(
    units: pd.DataFrame, pos: pd.DataFrame, rng: np.random.Generator
) -> pd.DataFrame:
    """One row per employee to be: unit, post and grade held."""
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
