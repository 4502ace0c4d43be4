"""Careers: past posts, yearly ratings, sanctions, trainings and stated aspirations.

Every table here is drawn for the employees already drawn (``people.draw_employees``), from
their hidden traits passed in explicitly: merit raises ratings and trainings and lowers
sanctions; the grade held sets the career ladder walked down into the past.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from training.synthetic.catalog import MAJORS, TECHNICAL_TRAININGS
from training.synthetic.draws import DAY, days, lookup, pick
from training.synthetic.latent import LATENTS, HiddenTraits
from training.synthetic.posts import LADDER_BELOW, LEADERSHIP
from training.synthetic.spec import AgencySpec


def draw_history(
    spec: AgencySpec,
    emp: pd.DataFrame,
    traits: HiddenTraits,
    pos: pd.DataFrame,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Position history: the current post and up to three earlier ones down the ladder."""
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
    grade = traits.grade.copy()
    end = emp["position_since"].to_numpy()
    service = emp["service_start"].to_numpy()
    grade_ids = {g: pos.index[pos["grade"] == g].to_numpy() for g in pos["grade"].unique()}
    for _ in range(3):
        alive = end > service + 180 * DAY
        if not alive.any():
            break
        below = lookup({g: below[0] for g, below in LADDER_BELOW.items()}, grade)
        choice = np.empty(len(grade), dtype=int)
        for g in np.unique(below):
            mask = below == g
            choice[mask] = rng.choice(grade_ids[g], size=int(mask.sum()))
        prior = pos.loc[choice]
        start = np.maximum(end - days(rng.uniform(2, 6, len(end))), service)
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


def draw_performance(
    spec: AgencySpec, emp: pd.DataFrame, traits: HiddenTraits, rng: np.random.Generator
) -> pd.DataFrame:
    """Yearly ratings (SKP) from 2017 or the first full year of service to last year."""
    last_year = int(str(spec.reference_date)[:4]) - 1
    first = np.maximum(2017, pd.DatetimeIndex(emp["service_start"]).year.to_numpy() + 1)
    counts = np.maximum(last_year - first + 1, 0)
    who = np.repeat(np.arange(len(emp)), counts)
    offset = np.arange(len(who)) - np.repeat(np.cumsum(counts) - counts, counts)
    years = first[who] + offset
    score = 0.8 * traits.merit[who] + rng.normal(0, 0.6, len(who))
    trend = LATENTS[spec.latent].rating_trend
    if trend:
        score = score + trend * traits.growth[who] * (years - (last_year - 1))
    rating = np.select(
        [score > 1.3, score > -1.5, score > -2.0, score > -2.4],
        ["SANGAT_BAIK", "BAIK", "BUTUH_PERBAIKAN", "KURANG"],
        "SANGAT_KURANG",
    )
    keep = rng.random(len(who)) > 0.03
    return pd.DataFrame(
        {"nip": emp["nip"].to_numpy()[who][keep], "year": years[keep], "rating": rating[keep]}
    )


def draw_discipline(
    spec: AgencySpec, emp: pd.DataFrame, traits: HiddenTraits, rng: np.random.Generator
) -> pd.DataFrame:
    """Disciplinary sanctions (light, medium, heavy), rarer with merit."""
    who = np.flatnonzero(rng.random(len(emp)) < np.clip(0.05 - 0.03 * traits.merit, 0.005, 0.2))
    level = pick(rng, (("RINGAN", 0.65), ("SEDANG", 0.25), ("BERAT", 0.10)), len(who))
    decided = spec.reference_date - days(rng.uniform(0.02, 6, len(who)))
    months = np.select([level == "RINGAN", level == "SEDANG"], [6, 9], 12)
    return pd.DataFrame(
        {
            "nip": emp["nip"].to_numpy()[who],
            "level": level,
            "decided_on": decided,
            "ends_on": decided + days(months / 12),
        }
    )


def draw_trainings(
    spec: AgencySpec,
    emp: pd.DataFrame,
    traits: HiddenTraits,
    history: pd.DataFrame,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Leadership trainings around a first managerial post, and technical/functional ones."""
    frames = []
    for ptype, kind in LEADERSHIP.items():
        first = history[history["position_type"] == ptype].groupby("nip")["start_date"].min()
        taken = rng.random(len(first)) < 0.85
        completed = first.to_numpy() + days(rng.uniform(-1.0, 2.0, len(first)))
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
    count = rng.poisson(np.clip(1.2 + 0.6 * traits.merit, 0.2, 4))
    who = np.repeat(np.arange(len(emp)), count)
    families = np.array(sorted(MAJORS), dtype=object)
    own_family = history.drop_duplicates("nip", keep="last").set_index("nip")["job_family"]
    family = own_family.reindex(emp["nip"].to_numpy()[who]).to_numpy()
    family = np.where(
        rng.random(len(who)) < 0.8, family, families[rng.integers(0, len(families), len(who))]
    )
    kind = np.where(rng.random(len(who)) < 0.75, "TECHNICAL", "FUNCTIONAL")
    title = np.array(TECHNICAL_TRAININGS, dtype=object)[rng.integers(0, 5, len(who))]
    frames.append(
        pd.DataFrame(
            {
                "nip": emp["nip"].to_numpy()[who],
                "name": title + " " + family,
                "kind": kind,
                "job_family": family,
                "completed_on": spec.reference_date - days(rng.uniform(0.05, 8, len(who))),
                "hours": rng.integers(16, 81, len(who)),
            }
        )
    )
    return pd.concat(frames, ignore_index=True)


def draw_aspirations(
    spec: AgencySpec, emp: pd.DataFrame, units: pd.DataFrame, rng: np.random.Generator
) -> pd.DataFrame:
    """Ranked career aspirations (1-3 job families, sometimes a unit) of a third of the staff."""
    who = np.flatnonzero(rng.random(len(emp)) < 0.35)
    count = rng.integers(1, 4, len(who))
    rows = np.repeat(who, count)
    rank = np.arange(len(rows)) - np.repeat(np.cumsum(count) - count, count) + 1
    unit_family = units.set_index("unit_id")["job_family"]
    own = unit_family.reindex(emp["unit_id"].to_numpy()[rows]).to_numpy()
    families = np.array(sorted(MAJORS), dtype=object)
    family = np.where(
        (rank == 1) & (rng.random(len(rows)) < 0.6),
        own,
        families[rng.integers(0, len(families), len(rows))],
    )
    unit_ids = units["unit_id"].to_numpy()
    unit = np.where(
        rng.random(len(rows)) < 0.3, unit_ids[rng.integers(0, len(unit_ids), len(rows))], ""
    )
    submitted = spec.reference_date - days(rng.uniform(0.05, 3, len(who)))
    return pd.DataFrame(
        {
            "nip": emp["nip"].to_numpy()[rows],
            "preference_rank": rank,
            "job_family": family,
            "unit_id": unit,
            "submitted_on": np.repeat(submitted, count),
        }
    )
