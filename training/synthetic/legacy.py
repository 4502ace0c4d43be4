"""``--legacy-history``: an agency's years before 2022 written in the old scales.

Real exports hold years rated before PermenPANRB 6/2022 and trainings named before the Peraturan
LAN 2019 leadership trainings (features.legacy). With the option, the generator rewrites the
drawn values the way such an export holds them: each pre-2022 rating as a PP 46/2011 SKP score
drawn inside its predicate's band (half of them) or as the old word, and each leadership training
completed before 2020 under its Diklatpim name. Every rewritten value maps back to the value
drawn, so the export's features are those of the same seed without the option. A generator of
its own (seeded by the agency) draws the rewrite, so the other tables are the same bytes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from features.legacy import OLD_LEADERSHIP, OLD_RATINGS, PREDICATES_FROM, SKP_BANDS, SKP_MAX
from training.synthetic.spec import AgencySpec

SCORE_SHARE = 0.5
"""Share of the pre-2022 ratings written as a numeric SKP score (the rest: the old word)."""
LOWEST_SCORE = 40.0
"""The lowest score drawn for the lowest band (PP 46/2011's "50 ke bawah")."""
DIKLATPIM_UNTIL = np.datetime64("2020-01-01")
"""Leadership trainings completed before this day are written under their Diklatpim name."""

_OLD_WORD = {predicate: old for old, predicate in OLD_RATINGS.items()}
_BAND = {predicate: i for i, (_, _, predicate) in enumerate(SKP_BANDS)}
_DIKLATPIM = {today: old for old, today in OLD_LEADERSHIP.items()}
_SPELLINGS = ("DIKLATPIM_{level}", "Diklatpim Tk. {level}")


def old_scale_tables(spec: AgencySpec, tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The agency's tables with its pre-2022 ratings and pre-2020 Diklatpim in the old scales."""
    rng = np.random.default_rng([spec.seed, spec.index, 2011])
    out = dict(tables)
    out["performance"] = _old_ratings(tables["performance"], rng)
    out["trainings"] = _old_trainings(tables["trainings"], rng)
    return out


def _score_in_band(predicate: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A PP 46/2011 SKP score (two decimals) inside each predicate's band."""
    band = np.array([_BAND[p] for p in predicate], dtype=int)
    lows = np.array([max(minimum, LOWEST_SCORE) for minimum, _, _ in SKP_BANDS])
    highs = np.array([SKP_MAX, *(minimum - 0.01 for minimum, _, _ in SKP_BANDS[:-1])])
    score = np.round(rng.uniform(lows[band], highs[band]), 2)
    return np.array([f"{s:.2f}" for s in score], dtype=object)


def _old_ratings(performance: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    old = (performance["year"] < PREDICATES_FROM).to_numpy()
    predicate = performance["rating"].to_numpy(dtype=object)[old]
    as_score = rng.random(len(predicate)) < SCORE_SHARE
    words = np.array([_OLD_WORD[p] for p in predicate], dtype=object)
    written = np.where(as_score, _score_in_band(predicate, rng), words)
    rating = performance["rating"].to_numpy(dtype=object).copy()
    rating[old] = written
    return performance.assign(rating=rating)


def _old_trainings(trainings: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    completed = pd.to_datetime(trainings["completed_on"]).to_numpy()
    old = (trainings["kind"].isin(_DIKLATPIM) & (completed < DIKLATPIM_UNTIL)).to_numpy()
    level = [_DIKLATPIM[k].removeprefix("DIKLATPIM_") for k in trainings["kind"].to_numpy()[old]]
    spelling = rng.integers(0, len(_SPELLINGS), len(level))
    kind = trainings["kind"].to_numpy(dtype=object).copy()
    name = trainings["name"].to_numpy(dtype=object).copy()
    kind[old] = [_SPELLINGS[s].format(level=lv) for s, lv in zip(spelling, level, strict=True)]
    name[old] = [f"Diklatpim Tingkat {lv}" for lv in level]
    return trainings.assign(kind=kind, name=name)
