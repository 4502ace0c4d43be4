"""The latent truth: each person's hidden traits, the latent fit of a (person, post) pair.

The latent merit of a person drives competencies, ratings, sanctions and trainings; the latent
fit of a (person, post) pair drives the labels of past rounds and the held-back truth of open
vacancies (docs/synthetic-data.md). None of it is written into the export.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from features.ordinals import EDUCATION_ORDINAL
from training.synthetic.catalog import MAJORS
from training.synthetic.draws import YEAR_DAYS, lookup
from training.synthetic.posts import LEADERSHIP
from training.synthetic.spec import AgencySpec


@dataclass(frozen=True)
class HiddenTraits:
    """What the generator knows of each employee and the export does not show.

    One entry per employee, in the order of the employees frame.
    """

    merit: np.ndarray
    """Latent merit ``m`` ~ N(0, 1) (+0.35 for managerial posts)."""
    growth: np.ndarray
    """Latent growth ``g`` ~ N(0, 1), from its own random stream."""
    grade: np.ndarray
    """Grade of the post held (``posts.MANAGERIAL``, functional levels, ``PELAKSANA``)."""
    major_family: np.ndarray
    """The job family of the major studied (empty without a degree)."""


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


def leaders(nips: np.ndarray, trainings: pd.DataFrame) -> dict[str, np.ndarray]:
    """Who holds each leadership training (PKP, PKA, PKN II), as masks over ``nips``."""
    return {
        kind: np.isin(nips, trainings.loc[trainings["kind"] == kind, "nip"].to_numpy())
        for kind in ("PKP", "PKA", "PKN_II")
    }


def years_by_family(
    spec: AgencySpec, emp: pd.DataFrame, history: pd.DataFrame
) -> tuple[np.ndarray, dict[str, int]]:
    """Years each employee spent in each job family (employees x families) and family codes."""
    families = sorted({*MAJORS, *history["job_family"].unique()})
    code = {family: i for i, family in enumerate(families)}
    end = history["end_date"].fillna(pd.Timestamp(str(spec.reference_date)))
    years = ((end - history["start_date"]).dt.days / YEAR_DAYS).to_numpy()
    who = pd.Index(emp["nip"]).get_indexer(history["nip"])
    table = np.zeros((len(emp), len(families)))
    np.add.at(table, (who, history["job_family"].map(code).to_numpy()), years)
    return table, code


def vacancy_truth(
    spec: AgencySpec,
    emp: pd.DataFrame,
    traits: HiddenTraits,
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
    holds = leaders(nips, trainings)
    family_years, family_code = years_by_family(spec, emp, history)
    edu = lookup(EDUCATION_ORDINAL, emp["education_level"].to_numpy())
    frames = []
    for target in vacant.itertuples(index=False):
        kind = LEADERSHIP.get(target.grade)
        trained = holds[kind][active] if kind else np.zeros(len(active))
        fit = latent.score(
            traits.merit[active],
            traits.growth[active],
            traits.major_family[active] == target.job_family,
            edu[active] - EDUCATION_ORDINAL[target.min_education_level],
            trained,
            family_years[active, family_code[target.job_family]],
        )
        frames.append(
            pd.DataFrame({"position_id": target.position_id, "nip": nips[active], "fit": fit})
        )
    if not frames:
        return pd.DataFrame({"position_id": [], "nip": [], "fit": []})
    return pd.concat(frames, ignore_index=True)


def grade_labels(score: np.ndarray) -> np.ndarray:
    """Graded labels 0-4 by the score's place within the pool."""
    cuts = np.quantile(score, [0.2, 0.45, 0.7, 0.9])
    return np.searchsorted(cuts, score, side="right").astype("int64")
