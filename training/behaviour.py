"""Behaviour of a trained ranker on edited candidates: merit first, seniority never ahead of it.

Twins of real candidates are made by editing their prepared records (the ``CandidatePool``
blocks that ``prepare_candidates`` gives) and scored through ``build_features``, the one
feature path:

- a **dominating twin** is at least as good on every merit factor (competency against the
  post's standard, performance ratings, education level and major, years in the post's job
  family, the post's leadership and technical training, no sanction) and better on one or more;
  the ranker must never score it below the candidate;
- **band twins** differ only in JPM band and seniority: the merit twin is one JPM band higher,
  the senior twin has ten more years of service, five more years in post and one rank more.
  ``seniority_reversal_rate`` is how often the senior twin scores above the merit twin (the aim
  is never: merit before seniority).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from features.build import build_features
from features.candidates import CandidatePool, prepare_candidates
from features.competency import required_levels
from features.config import FeatureConfig
from features.export import Export
from features.ordinals import EDUCATION_ORDINAL
from training.dataset import ExportSlicer

Scorer = Callable[[pd.DataFrame], np.ndarray]
"""Scores of the rows of a feature frame (``build_features`` output)."""

MERIT_FACTORS: tuple[str, ...] = (
    "competency", "ratings", "education", "major", "experience", "training", "sanctions",
)  # fmt: skip
"""What a dominating twin may improve (each twin improves a random non-empty subset)."""

SENIOR_YEARS_OF_SERVICE = 10.0
SENIOR_YEARS_IN_POST = 5.0
_YEAR = np.timedelta64(365, "D") + np.timedelta64(6, "h")


@dataclass(frozen=True)
class Behaviour:
    """Pair counts and rates of one check over a set of rounds' pools."""

    dominance_pairs: int
    dominance_violations: int
    band_pairs: int
    seniority_reversals: int

    @property
    def dominance_violation_rate(self) -> float:
        """Share of dominating twins scored below their candidate (must be 0)."""
        return self.dominance_violations / self.dominance_pairs if self.dominance_pairs else 0.0

    @property
    def seniority_reversal_rate(self) -> float:
        """Share of band pairs where seniority put the lower JPM band first."""
        return self.seniority_reversals / self.band_pairs if self.band_pairs else 0.0

    def metrics(self) -> dict[str, float]:
        """MLflow metrics ``behaviour.*``."""
        return {
            "behaviour.dominance_pairs": float(self.dominance_pairs),
            "behaviour.dominance_violation_rate": self.dominance_violation_rate,
            "behaviour.band_pairs": float(self.band_pairs),
            "behaviour.seniority_reversal_rate": self.seniority_reversal_rate,
        }

    def __add__(self, other: Behaviour) -> Behaviour:
        return Behaviour(*(a + b for a, b in zip(_counts(self), _counts(other), strict=True)))


def _counts(b: Behaviour) -> tuple[int, ...]:
    return tuple(getattr(b, f.name) for f in dataclasses.fields(b))


def _family(pool: CandidatePool, position: Mapping[str, Any]) -> int | None:
    return pool.families.get(str(position.get("job_family", "")))


def _best_majors(pool: CandidatePool, features: pd.DataFrame) -> np.ndarray:
    """For each candidate, a major of the pool at least as relevant to the post on both
    measures (exact and family match), the most relevant such one."""
    match = features[["major_match", "major_family_match"]].to_numpy(np.float64)
    match = np.nan_to_num(match, nan=-1.0)
    best = pool.major_codes.copy()
    order = np.argsort(-match.sum(axis=1), kind="stable")
    for i in range(len(pool)):
        fits = order[(match[order] >= match[i]).all(axis=1)]
        best[i] = pool.major_codes[fits[0]]
    return best


def dominating_twins(
    pool: CandidatePool, position: Mapping[str, Any], rng: np.random.Generator
) -> CandidatePool:
    """Each candidate's twin, at least as good on every merit factor and better on a random
    non-empty subset of them (see the module docstring); nothing else changes.

    Competencies below the standard are raised to it (no surplus appears), every known rating
    rises one step when none is at the top (the trend stays), the education level one step
    below S3, the major becomes the pool's most relevant one, years in the post's job family
    grow, leadership training rises one level (at most 4) with technical hours and trainings in
    the family, and sanctions are cleared.
    """
    n = len(pool)
    pick = rng.random((n, len(MERIT_FACTORS))) < 0.5
    pick[np.arange(n), rng.integers(len(MERIT_FACTORS), size=n)] = True
    on = dict(zip(MERIT_FACTORS, pick.T, strict=True))
    features = build_features(pool, position, pool.as_of)
    required = required_levels(position)
    levels = pool.competency_levels.copy()
    levels = np.where(on["competency"][:, None], np.fmax(levels, required), levels)
    levels = np.where(np.isnan(pool.competency_levels), np.nan, levels)
    ratings = pool.ratings.copy()
    room = np.nan_to_num(ratings, nan=0.0).max(axis=1) <= 4
    ratings = np.where((on["ratings"] & room)[:, None], ratings + 1, ratings)
    education = np.where(
        on["education"], np.minimum(pool.education_ordinal + 1, max(EDUCATION_ORDINAL.values())),
        pool.education_ordinal,
    )  # fmt: skip
    majors = np.where(on["major"], _best_majors(pool, features), pool.major_codes)
    by_family = pool.years_by_family.copy()
    hours, counts = pool.training_hours_by_family.copy(), pool.trainings_by_family.copy()
    family = _family(pool, position)
    if family is not None:
        by_family[:, family] += on["experience"] * rng.uniform(1, 6, n)
        hours[:, family] += on["training"] * 40.0
        counts[:, family] += on["training"] * 1.0
    leadership = np.where(
        on["training"], np.minimum(pool.leadership_level + 1, 4), pool.leadership_level
    )
    clear = on["sanctions"]
    return dataclasses.replace(
        pool, competency_levels=levels, ratings=ratings, education_ordinal=education,
        major_codes=majors, years_by_family=by_family, training_hours_by_family=hours,
        trainings_by_family=counts, leadership_level=leadership.astype(pool.leadership_level.dtype),
        sanctions_5y=np.where(clear, 0, pool.sanctions_5y).astype(pool.sanctions_5y.dtype),
        active_sanction_level=np.where(clear, 0, pool.active_sanction_level).astype(
            pool.active_sanction_level.dtype),
    )  # fmt: skip


def _at_band(required: np.ndarray, n: int, below: float) -> np.ndarray:
    """Levels of ``n`` candidates: the standard, lowered one step at a time over the highest
    requirements until JPM is under ``below`` (100: the standard itself)."""
    levels = np.tile(required.astype(np.float64), (n, 1))
    order = np.argsort(-required, kind="stable")
    step = 0
    while levels[0].sum() / required.sum() * 100.0 >= below and step < 10 * len(required):
        levels[:, order[step % len(order)]] -= 1
        step += 1
    return levels


def band_twins(
    pool: CandidatePool, position: Mapping[str, Any], config: FeatureConfig | None = None
) -> list[tuple[CandidatePool, CandidatePool]]:
    """(merit twin, senior twin) pools of every candidate, one pair of pools per JPM band
    step (Memenuhi Syarat over Masih Memenuhi Syarat, that over Kurang Memenuhi Syarat).

    The twins are the candidate with the levels of a band (the standard, or lowered just
    below a band's floor); the senior twin is one band lower with ten more years of service,
    five more years in post and one rank more. Nothing else differs.
    """
    config = config or FeatureConfig()
    required = required_levels(position)
    n = len(pool)
    bands = [100.0, config.jpm_ms, config.jpm_mms]
    levels = [_at_band(required, n, b) for b in bands]
    start = pool.current_start
    senior = {
        "years_of_service": pool.years_of_service + SENIOR_YEARS_OF_SERVICE,
        "rank_ordinal": pool.rank_ordinal + 1,
        "current_start": np.where(np.isnat(start), start, start - SENIOR_YEARS_IN_POST * _YEAR),
    }
    return [
        (dataclasses.replace(pool, competency_levels=high),
         dataclasses.replace(pool, competency_levels=low, **senior))
        for high, low in zip(levels, levels[1:], strict=False)
    ]  # fmt: skip


def check_pool(
    scorer: Scorer, pool: CandidatePool, position: Mapping[str, Any], rng: np.random.Generator
) -> Behaviour:
    """Dominance and band checks on one pool (its candidates and their twins)."""
    as_of = pool.as_of
    base = scorer(build_features(pool, position, as_of))
    better = scorer(build_features(dominating_twins(pool, position, rng), position, as_of))
    violations = int((better < base - 1e-9).sum())
    reversals = pairs = 0
    for merit, senior in band_twins(pool, position):
        high = scorer(build_features(merit, position, as_of))
        low = scorer(build_features(senior, position, as_of))
        reversals += int((low > high + 1e-9).sum())
        pairs += len(high)
    return Behaviour(len(base), violations, pairs, reversals)


def check_pools(
    scorer: Scorer,
    pools: Sequence[tuple[CandidatePool, Mapping[str, Any]]],
    seed: int = 0,
) -> Behaviour:
    """:func:`check_pool` over several (pool, position) pairs, counts summed."""
    total = Behaviour(0, 0, 0, 0)
    for index, (pool, position) in enumerate(pools):
        total = total + check_pool(scorer, pool, position, np.random.default_rng([seed, index]))
    return total


def round_pools(
    export: Export, round_ids: Sequence[str]
) -> list[tuple[CandidatePool, dict[str, Any]]]:
    """Each round's candidates prepared on its date, with its position."""
    positions = export.positions.set_index("position_id", drop=False)
    slicer = ExportSlicer(export)
    wanted = set(round_ids)
    out = []
    for round_id, rows in export.rounds.groupby("round_id", sort=True):
        if round_id not in wanted:
            continue
        nips = [str(n) for n in rows["nip"]]
        pool = prepare_candidates(slicer(nips), rows["decided_on"].iloc[0], nips=nips)
        out.append((pool, positions.loc[rows["position_id"].iloc[0]].to_dict()))
    return out
