"""Fairness audit of the top-k: raw and merit-conditional impact ratios with bootstrap intervals.

Protected attributes (gender, age band, religion, origin region) are joined here, for the
audit only; they are never model features. "Selected" means: in the top ``k`` of its round.

- The **raw impact ratio** of an attribute: each judged group's selection rate over that of
  the rest of the pool; the ratio shown is the worst-off group's (lowest upper bound). Groups
  are judged with at least ``min_group_size`` rows, not ``UNKNOWN``, and enough expected
  selections (``min_expected``) to tell a disparity from chance. With two groups this is the
  familiar lowest rate over the highest.
- The **merit-conditional ratio** compares each group's selections with those expected from
  its members' merit standing. Within each round the candidates are ordered by a *merit
  index* (per merit factor, the mean within-round percentile of its monotone features, signed
  by their direction; then the mean over factors, each factor weighing the same; time served
  is not merit). A candidate's *merit stratum* is its merit rank in its round (1st, 2nd, ...;
  ``stratum_size`` ranks to a stratum, 1 by default; tied candidates share the better rank),
  pooled across rounds: the candidates the merit factors put at the same standing. A group's
  expected selections are the sum, over its rows, of their stratum's selection rate; its
  standardised selection ratio is actual over expected (indirect standardisation, as a
  standardised mortality ratio). The conditional ratio is a group's standardised ratio over
  the rest of the pool's, again the worst-off group's. The gap between raw and conditional is
  the part of the disparity the merit factors explain; the conditional ratio is the part they
  do not.
- Intervals: bootstrap over rounds (vacancies), seeded; log-normal with the replicates'
  spread, simultaneous over an attribute's judged groups (Bonferroni), so that an attribute
  with many groups is not refused for the noise of its smallest; the groups judged are fixed
  on the full sample. See ``docs/fairness.md``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from features import catalogue
from features.ordinals import age_bands
from features.ranking import top_k_mask
from training.dataset import RankingData

AUDITED: tuple[str, ...] = ("gender", "age_band", "religion", "origin_region")
"""The protected attributes audited, in report order (the one list)."""
UNKNOWN = "UNKNOWN"
LEVEL = 0.95

MERIT_FACTORS: dict[str, tuple[tuple[str, int], ...]] = {
    factor: tuple(
        (name, catalogue.CATALOGUE[name].direction)
        for name in names
        if catalogue.CATALOGUE[name].direction != 0 and name not in catalogue.SENIORITY
    )
    for factor, names in catalogue.FACTORS.items()
}
"""Each merit factor and its monotone features with their direction (+1 merit, -1 shortfall);
time served (``catalogue.SENIORITY``) and free features are left out: they are not merit."""
MERIT_FACTORS = {factor: features for factor, features in MERIT_FACTORS.items() if features}


@dataclass(frozen=True)
class Ratio:
    """An impact ratio and its bootstrap interval (NaN: fewer than two groups judged)."""

    value: float
    low: float
    high: float

    def __str__(self) -> str:
        if np.isnan(self.value):
            return "n/a"
        return f"{self.value:.2f} [{self.low:.2f}, {self.high:.2f}]"


@dataclass(frozen=True)
class AttributeAudit:
    """One attribute: raw and merit-conditional ratios, and the per-group table.

    Each ratio is that of the worst-off judged group against the rest of the pool, with an
    interval simultaneous over the attribute's judged groups. ``groups`` columns: ``group``,
    ``rows``, ``selected``, ``expected`` (selections expected from the group's merit strata),
    ``selection_rate``, ``selected_vs_expected`` and ``judged`` (at least ``min_group_size``
    rows, not UNKNOWN, and enough expected selections to tell). Rates of groups not judged are
    NaN: a small cell is never shown.
    """

    attribute: str
    raw: Ratio
    conditional: Ratio
    groups: pd.DataFrame
    raw_group: str = ""
    """The group the raw ratio is of (the judged group with the lowest upper bound)."""
    conditional_group: str = ""
    """The group the conditional ratio is of."""

    @property
    def explained(self) -> float:
        """How much of the raw shortfall from parity merit explains (conditional - raw)."""
        return self.conditional.value - self.raw.value


@dataclass(frozen=True)
class FairnessReport:
    """Per audited attribute, the raw and the merit-conditional top-k impact ratio."""

    k: int
    min_group_size: int
    stratum_size: int
    rounds: int
    attributes: dict[str, AttributeAudit]

    @property
    def impact_ratio(self) -> dict[str, float]:
        """The raw impact ratio of each attribute."""
        return {a: audit.raw.value for a, audit in self.attributes.items()}

    @property
    def rates(self) -> dict[str, pd.DataFrame]:
        """The per-group table of each attribute."""
        return {a: audit.groups for a, audit in self.attributes.items()}

    def metrics(self) -> dict[str, float]:
        """Flat metrics for MLflow: ``fairness.<attribute>.raw_ratio``, ``.raw_low``, ``.raw_high``,
        ``.conditional_ratio``, ``.conditional_low``, ``.conditional_high`` (NaN left out)."""
        out: dict[str, float] = {}
        for attribute, audit in self.attributes.items():
            for kind, ratio in (("raw", audit.raw), ("conditional", audit.conditional)):
                values = {"ratio": ratio.value, "low": ratio.low, "high": ratio.high}
                for name, value in values.items():
                    if not np.isnan(value):
                        out[f"fairness.{attribute}.{kind}_{name}"] = float(value)
        return out


def protected_frame(data: RankingData, employees: pd.DataFrame) -> pd.DataFrame:
    """The audited attributes of each row (age band at the round's date)."""
    emp = employees.set_index("nip")
    nips = data.frame["nip"].to_numpy()
    birth = emp["birth_date"].reindex(nips).to_numpy()
    out = pd.DataFrame({"age_band": age_bands(birth, data.frame["decided_on"].to_numpy())})
    for column in ("gender", "religion", "origin_region"):
        values = emp[column].reindex(nips).fillna("").astype(str).to_numpy()
        out[column] = np.where(values == "", UNKNOWN, values)
    return out[list(AUDITED)]


def merit_index(data: RankingData) -> np.ndarray:
    """Each row's merit standing in its round (0-1): the mean over merit factors of the mean
    within-round percentile of the factor's monotone features, signed by direction (a value
    not recorded ranks lowest). Factors with no feature in the frame are left out; with none
    at all every row is 0.5 (the round is one stratum)."""
    frame = data.frame
    rounds = frame["round_id"].to_numpy()
    factors = []
    for features in MERIT_FACTORS.values():
        present = [(name, sign) for name, sign in features if name in frame.columns]
        if not present:
            continue
        signed = pd.DataFrame(
            {name: frame[name].astype(np.float64) * sign for name, sign in present}
        )
        ranks = signed.groupby(rounds).rank(pct=True, na_option="top", method="average")
        factors.append(ranks.mean(axis=1).to_numpy())
    if not factors:
        return np.full(len(frame), 0.5)
    return np.mean(factors, axis=0)


def merit_strata(data: RankingData, stratum_size: int) -> np.ndarray:
    """The merit stratum of each row: 0 for the ``stratum_size`` best of its round by the
    merit index, 1 for the next, ...; rows tied on the index share the better one."""
    index = pd.Series(merit_index(data))
    rank = index.groupby(data.frame["round_id"].to_numpy()).rank(ascending=False, method="min")
    return ((rank.to_numpy() - 1) // stratum_size).astype(np.int64)


def _versus_rest(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """Each group's rate (``numerator / denominator``) over the rate of every other row
    (last axis: groups, over all rows; NaN where a rate is undefined)."""
    rest_n = numerator.sum(axis=-1, keepdims=True) - numerator
    rest_d = denominator.sum(axis=-1, keepdims=True) - denominator
    with np.errstate(divide="ignore", invalid="ignore"):
        rest = np.where(rest_d > 0, rest_n / rest_d, np.nan)
        own = np.where(denominator > 0, numerator / denominator, np.nan)
        return np.where(rest > 0, own / rest, np.nan)


def _interval(point: float, replicates: np.ndarray, z: float) -> Ratio:
    """``point`` with a log-normal interval of ``z`` bootstrap standard deviations (the
    percentile interval when the ratio is 0 or the replicates too few to spread)."""
    if np.isnan(point):
        return Ratio(float("nan"), float("nan"), float("nan"))
    finite = replicates[np.isfinite(replicates)]
    positive = finite[finite > 0]
    if point > 0 and len(positive) >= 0.9 * len(finite) and len(positive) >= 10:
        spread = z * float(np.std(np.log(positive)))
        return Ratio(float(point), float(point * np.exp(-spread)), float(point * np.exp(spread)))
    if len(finite) == 0:
        return Ratio(float(point), float("nan"), float("nan"))
    tail = float(stats.norm.sf(z))
    low, high = np.quantile(finite, [tail, 1 - tail])
    return Ratio(float(point), float(low), float(high))


def _worst(point: np.ndarray, replicates: np.ndarray, judged: np.ndarray) -> tuple[Ratio, int]:
    """The judged group whose ratio to the rest has the lowest upper bound, with that ratio;
    intervals simultaneous over the judged groups (Bonferroni: ``LEVEL`` for all at once)."""
    groups = np.flatnonzero(judged)
    if len(groups) < 2:
        return Ratio(float("nan"), float("nan"), float("nan")), -1
    z = float(stats.norm.isf((1 - LEVEL) / 2 / len(groups)))
    ratios = {g: _interval(float(point[g]), replicates[:, g], z) for g in groups}
    ratios = {g: r for g, r in ratios.items() if not np.isnan(r.value)}
    if not ratios:
        return Ratio(float("nan"), float("nan"), float("nan")), -1
    worst = min(ratios, key=lambda g: (ratios[g].high, ratios[g].value))
    return ratios[worst], int(worst)


def _round_weights(rounds: int, samples: int, seed: int) -> np.ndarray:
    """Bootstrap multiplicities: ``samples`` x ``rounds`` counts of each round drawn."""
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, rounds, size=(samples, rounds))
    weights = np.zeros((samples, rounds))
    np.add.at(weights, (np.arange(samples)[:, None], draws), 1.0)
    return weights


def _cells(
    round_codes: np.ndarray,
    codes: np.ndarray,
    bands: np.ndarray,
    values: np.ndarray,
    shape: tuple[int, int, int],
) -> np.ndarray:
    out = np.zeros(shape)
    np.add.at(out, (round_codes, codes, bands), values)
    return out


def _standardised(n: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows, selections and expected selections per group from ``(..., group, stratum)``
    counts: a stratum's selection rate, pooled over its groups, times the group's rows in it."""
    rows, chosen = n.sum(axis=-2), x.sum(axis=-2)
    rate = chosen / np.where(rows > 0, rows, 1.0)
    return n.sum(axis=-1), x.sum(axis=-1), np.einsum("...gs,...s->...g", n, rate)


def _attribute(
    attribute: str,
    values: np.ndarray,
    round_codes: np.ndarray,
    selected: np.ndarray,
    strata: np.ndarray,
    weights: np.ndarray,
    min_group_size: int,
    min_expected: float,
) -> AttributeAudit:
    groups, codes = np.unique(values.astype(str), return_inverse=True)
    # strata nobody is selected from expect no selection in any replicate: one cell for them
    chosen_strata = np.unique(strata[selected > 0])
    known = np.isin(strata, chosen_strata)
    bands = np.where(known, np.searchsorted(chosen_strata, strata) + 1, 0)
    shape = (int(round_codes.max()) + 1, len(groups), len(chosen_strata) + 1)
    n = _cells(round_codes, codes, bands, np.ones(len(values)), shape)
    x = _cells(round_codes, codes, bands, selected, shape)
    rows, chosen, due = _standardised(n.sum(axis=0), x.sum(axis=0))
    parity = rows * chosen.sum() / max(rows.sum(), 1.0)
    judged = (rows >= min_group_size) & (groups != UNKNOWN)
    judged &= np.minimum(parity, due) >= min_expected
    flat = (shape[0], shape[1] * shape[2])
    nb, xb, eb = _standardised(
        (weights @ n.reshape(flat)).reshape(-1, *shape[1:]),
        (weights @ x.reshape(flat)).reshape(-1, *shape[1:]),
    )
    raw, raw_group = _worst(_versus_rest(chosen, rows), _versus_rest(xb, nb), judged)
    conditional, conditional_group = _worst(_versus_rest(chosen, due), _versus_rest(xb, eb), judged)
    with np.errstate(divide="ignore", invalid="ignore"):
        table = pd.DataFrame({
            "group": groups, "rows": rows.astype(int), "selected": chosen.astype(int),
            "expected": due, "selection_rate": np.where(judged, chosen / rows, np.nan),
            "selected_vs_expected": np.where(judged & (due > 0), chosen / due, np.nan),
            "judged": judged,
        })  # fmt: skip
    return AttributeAudit(
        attribute, raw, conditional, table, str(groups[raw_group]) if raw_group >= 0 else "",
        str(groups[conditional_group]) if conditional_group >= 0 else "",
    )  # fmt: skip


def audit(
    data: RankingData,
    scores: np.ndarray,
    employees: pd.DataFrame,
    k: int,
    min_group_size: int,
    *,
    stratum_size: int = 1,
    min_expected: float = 0.0,
    samples: int = 200,
    seed: int = 0,
) -> FairnessReport:
    """Raw and merit-conditional top-``k`` impact ratios of every audited attribute.

    Parameters
    ----------
    data : RankingData
        The rounds audited (sorted by round), with their merit features.
    scores : numpy.ndarray
        One score per row; the top ``k`` of each round is selected.
    employees : pandas.DataFrame
        The export's employees (``nip`` and the protected attributes).
    k, min_group_size : int
        Shortlist size; the fewest rows a group needs to be judged (and shown).
    stratum_size : int
        Merit ranks per stratum (default 1: candidates at the same merit rank of their round
        form one stratum across rounds).
    min_expected : float
        The fewest selections a group must be expected to have (at parity and at its merit
        standing) to be judged: fewer cannot tell a disparity from chance.
    samples, seed : int
        Bootstrap replicates over rounds and their seed.
    """
    frame = data.frame
    nips = frame["nip"].to_numpy()
    selected = top_k_mask(scores, nips, data.groups, k).astype(np.float64)
    strata = merit_strata(data, stratum_size)
    round_codes = np.repeat(np.arange(len(data.groups)), data.groups)
    weights = _round_weights(len(data.groups), samples, seed)
    protected = protected_frame(data, employees)
    attributes = {
        a: _attribute(a, protected[a].to_numpy(), round_codes, selected, strata, weights,
                      min_group_size, min_expected)
        for a in AUDITED
    }  # fmt: skip
    return FairnessReport(
        k=k, min_group_size=min_group_size, stratum_size=stratum_size,
        rounds=len(data.groups), attributes=attributes,
    )  # fmt: skip
