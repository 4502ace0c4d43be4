"""One synthetic agency (a city or regency government): every table, drawn in a fixed order.

The tables come from one seeded generator, in an order that never changes (so a seed gives the
same bytes): units and posts (``posts``), employees and their hidden traits (``people``),
careers (``careers``), past rounds (``rounds``) and, on request, the latent truth of the open
vacancies (``latent``). The hidden traits travel as an explicit ``HiddenTraits`` value, never
inside a frame (docs/synthetic-data.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from training.synthetic.careers import (
    draw_aspirations,
    draw_discipline,
    draw_history,
    draw_performance,
    draw_trainings,
)
from training.synthetic.jobmap import draw_job_map
from training.synthetic.jpt import draw_jpt_selections
from training.synthetic.latent import vacancy_truth
from training.synthetic.people import draw_competencies, draw_employees, draw_round_assessments
from training.synthetic.posts import assign_holders, draw_positions, draw_units
from training.synthetic.rounds import draw_rounds, election_calendar
from training.synthetic.spec import AgencySpec


@dataclass(frozen=True)
class Agency:
    """The generated agency: its contract tables and, when asked for, its held-back truth."""

    tables: dict[str, pd.DataFrame]
    """Every contract table, as frames with contract columns and types."""
    truth: pd.DataFrame | None = None
    """``position_id``, ``nip``, ``fit`` of every open vacancy x active employee (``--truth``)."""


def generate_agency(spec: AgencySpec) -> Agency:
    """Every contract table of one agency (and its truth if ``spec.truth``)."""
    rng = np.random.default_rng([spec.seed, spec.index])
    units = draw_units(spec, rng)
    positions = draw_positions(spec, units, rng)
    holders = assign_holders(units, positions, rng)
    employees, traits = draw_employees(spec, holders, rng)
    history = draw_history(spec, employees, traits, positions, rng)
    trainings = draw_trainings(spec, employees, traits, history, rng)
    rounds = draw_rounds(spec, employees, traits, positions, history, trainings, rng)
    competencies = pd.concat(
        [
            draw_competencies(spec, employees, traits, rng),
            draw_round_assessments(rounds, employees, traits, rng),
        ],
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
        "performance": draw_performance(spec, employees, traits, rng),
        "position_history": history,
        "rounds": rounds,
        "discipline": draw_discipline(spec, employees, traits, rng),
        "trainings": trainings,
        "aspirations": draw_aspirations(spec, employees, units, rng),
        "election_calendar": election_calendar(spec),
        **draw_job_map(spec, employees, positions),
        "jpt_selections": draw_jpt_selections(spec, positions, history),
    }
    truth = (
        vacancy_truth(spec, employees, traits, positions, history, trainings)
        if spec.truth
        else None
    )
    return Agency(tables=tables, truth=truth)
