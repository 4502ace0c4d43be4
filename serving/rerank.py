"""Re-ranking within merit bands: FA*IR and DetGreedy, never across a band boundary.

An agency's policy may turn this on (``fairness_rerank:`` in its policy file; off when absent).
The ranker's order is the merit order. Inside one merit band (see
:func:`serving.explain.merit_bands`: scores the model cannot tell apart) candidates may be
reordered to meet a representation target; the band at every position of the shortlist stays
the band the merit order put there, so nobody moves up or down across a boundary. The merit
cost is the NDCG of the new order against the merit order (1.0: nothing lost).

Two methods:

- ``fair``: FA*IR (Zehlike et al., CIKM 2017). Every prefix ``i`` of the top ``k`` must hold at
  least ``m(i)`` protected candidates, ``m(i)`` the ``alpha`` quantile of Binomial(i, p); the
  significance is adjusted (``alpha_c``) so that a ranking drawn fairly (each position protected
  with probability ``p``) fails the ``k`` tests with probability ``alpha`` overall. The
  adjustment is computed exactly: every table ``alpha`` can produce and its failure probability.
- ``detgreedy``: DetGreedy (Geyik et al., KDD 2019) for several groups, each with a target
  share: a group below ``floor(i * share)`` in prefix ``i`` goes first, then groups below
  ``ceil(i * share)`` (groups without a target are never capped).

Pure functions of arrays; no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy.stats import binom
from sklearn.metrics import ndcg_score

from features.ordinals import age_bands
from features.rules import FairnessRerank

Method = Literal["fair", "detgreedy"]
METHODS: tuple[str, ...] = ("fair", "detgreedy")


# --- FA*IR tables ----------------------------------------------------------------------------


def fair_mtable(k: int, p: float, alpha: float) -> np.ndarray:
    """Unadjusted FA*IR table: ``m[i-1]`` = least protected count a fair top ``i`` may hold.

    ``m(i) = F^-1(alpha; i, p)``, the smallest ``m`` with ``P(Binomial(i, p) <= m) >= alpha``.
    """
    _check_fair(k, p, alpha)
    sizes = np.arange(1, k + 1)
    return np.maximum(binom.ppf(alpha, sizes, p), 0).astype(int)


def fail_probability(mtable: Sequence[int] | np.ndarray, p: float) -> float:
    """Probability that a fair ranking (each position protected w.p. ``p``) fails ``mtable``.

    Exact: the distribution of the protected count is carried down the ranking and the mass
    below ``m(i)`` removed at every prefix ``i``.
    """
    table = np.asarray(mtable, dtype=int)
    mass = np.zeros(len(table) + 1)
    mass[0] = 1.0
    for i, need in enumerate(table, start=1):
        step = mass * (1.0 - p)
        step[1:] += mass[:-1] * p
        step[:need] = 0.0
        mass = step
        mass[i + 1 :] = 0.0
    return float(max(0.0, 1.0 - mass.sum()))


@dataclass(frozen=True)
class AdjustedTable:
    """The FA*IR table after the multiple-testing adjustment.

    Attributes
    ----------
    alpha : float
        The significance asked for (the overall failure probability of a fair ranking).
    alpha_c : float
        The per-prefix significance that yields :attr:`mtable`.
    mtable : numpy.ndarray
        Least protected count per prefix ``1..k``.
    fail_probability : float
        The exact probability that a fair ranking fails :attr:`mtable`.
    """

    alpha: float
    alpha_c: float
    mtable: np.ndarray
    fail_probability: float


def adjusted_mtable(k: int, p: float, alpha: float) -> AdjustedTable:
    """FA*IR's adjusted table: the one whose exact failure probability is nearest ``alpha``.

    ``m(i)`` changes only where ``alpha_c`` crosses a binomial CDF value, so the tables
    ``alpha_c`` in ``(0, alpha]`` can produce are finitely many; they are scored exactly with
    :func:`fail_probability` and the one nearest ``alpha`` is kept (on a tie, the less strict),
    the choice of the FA*IR authors' reference implementation.
    """
    _check_fair(k, p, alpha)
    return _adjusted(int(k), float(p), float(alpha))


@lru_cache(maxsize=64)
def _adjusted(k: int, p: float, alpha: float) -> AdjustedTable:
    """Bisect the tables: a larger ``alpha_c`` never lowers an ``m(i)``, so the failure
    probability does not fall along the sorted levels; the nearest is beside the crossing."""
    levels = _breakpoints(k, p, alpha)
    scored: dict[int, AdjustedTable] = {}

    def at(j: int) -> AdjustedTable:
        if j not in scored:
            table = fair_mtable(k, p, levels[j])
            scored[j] = AdjustedTable(alpha, levels[j], table, fail_probability(table, p))
        return scored[j]

    low, high = 0, len(levels) - 1
    while low < high:
        middle = (low + high) // 2
        if at(middle).fail_probability >= alpha:
            high = middle
        else:
            low = middle + 1
    beside = [at(j) for j in (low - 1, low) if j >= 0]
    return min(beside, key=lambda t: (abs(t.fail_probability - alpha), t.fail_probability))


def _breakpoints(k: int, p: float, alpha: float) -> list[float]:
    """One ``alpha_c`` per distinct table: the right end of every interval of ``(0, alpha]``."""
    cdf = binom.cdf(np.arange(k + 1)[None, :], np.arange(1, k + 1)[:, None], p)
    points = {float(c) for c in cdf.ravel() if 0.0 < c < alpha}
    return sorted(points | {alpha})


def _check_fair(k: int, p: float, alpha: float) -> None:
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    if not 0.0 < p < 1.0:
        raise ValueError(f"p must be strictly between 0 and 1, got {p}")
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be strictly between 0 and 1, got {alpha}")


# --- targets ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class FairTarget:
    """FA*IR: at least ``m(i)`` of ``protected`` in every prefix ``i`` (``p``, ``alpha``)."""

    protected: str
    p: float
    alpha: float
    adjusted: bool = True
    """Whether ``alpha`` is adjusted for the ``k`` prefix tests (policies always adjust)."""

    def describe(self) -> dict[str, Any]:
        """What a shortlist records of the target."""
        return {"protected": self.protected, "p": self.p, "alpha": self.alpha}

    def mtable(self, k: int) -> np.ndarray:
        """Least protected count per prefix ``1..k``."""
        if self.adjusted:
            return adjusted_mtable(k, self.p, self.alpha).mtable
        return fair_mtable(k, self.p, self.alpha)


@dataclass(frozen=True)
class ShareTarget:
    """DetGreedy: each named group near its share in every prefix."""

    shares: Mapping[str, float]

    def describe(self) -> dict[str, Any]:
        """What a shortlist records of the target."""
        return {"shares": dict(self.shares)}


Target = FairTarget | ShareTarget


# --- re-ranking ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shortfall:
    """A prefix short of its target: position, group, needed, held, band and why.

    ``band_has_no_candidate_of_group``: nobody of the group was left in the position's band;
    ``one_position_for_several_groups`` (DetGreedy): several groups were owed this place.
    """

    position: int
    group: str
    needed: int
    held: int
    band: int
    reason: str = "band_has_no_candidate_of_group"

    def as_dict(self) -> dict[str, Any]:
        """JSON form (the reason is a code and its parameters; words are said at the edge)."""
        return {
            "reason": self.reason,
            "position": self.position,
            "group": self.group,
            "needed": self.needed,
            "held": self.held,
            "band": self.band,
        }


@dataclass(frozen=True)
class Reranked:
    """The new order of a top ``k`` and what it cost and gained.

    Attributes
    ----------
    order : numpy.ndarray
        Indices into the merit-ordered input, the new top ``k``, best first.
    bands : numpy.ndarray
        Merit band at each new position (the merit order's, position by position).
    moved : list of dict
        ``{"merit_rank": old rank or None (came up from below k), "rank": new rank}``.
    shortfalls : list of Shortfall
        Prefixes whose target no reordering inside the bands could meet.
    merit_cost_ndcg : float
        NDCG@k of the new order, relevance the merit scores (1.0: no cost).
    before, after : dict
        Count of each target group in the top ``k``, merit order and new order.
    """

    order: np.ndarray
    bands: np.ndarray
    moved: list[dict[str, int | None]]
    shortfalls: list[Shortfall] = field(default_factory=list)
    merit_cost_ndcg: float = 1.0
    before: dict[str, int] = field(default_factory=dict)
    after: dict[str, int] = field(default_factory=dict)

    @property
    def target_met(self) -> bool:
        """Whether every prefix meets the target."""
        return not self.shortfalls


_Result = tuple[np.ndarray, list[Shortfall]]


def rerank_within_bands(
    scores: np.ndarray,
    bands: np.ndarray,
    groups: np.ndarray,
    target: Target,
    method: Method,
    k: int,
) -> Reranked:
    """Reorder the top ``k`` inside merit bands to meet ``target``.

    Parameters
    ----------
    scores : numpy.ndarray
        Merit scores, sorted best first (the ranker's order over the eligible pool, or at
        least over the top ``k`` and the rest of the ``k``-th candidate's band).
    bands : numpy.ndarray
        Merit band of each score (non-decreasing, :func:`serving.explain.merit_bands`).
    groups : numpy.ndarray
        Group label of each candidate for the policy's attribute (audit only: never a feature).
    target : FairTarget or ShareTarget
    method : {"fair", "detgreedy"}
    k : int
        Shortlist length.

    Returns
    -------
    Reranked
        Position ``i`` of the new order holds a candidate of the band the merit order had at
        ``i``; a candidate of the ``k``-th candidate's band from below ``k`` may come up.
    """
    scores = np.asarray(scores, dtype=float)
    bands = np.asarray(bands, dtype=int)
    groups = np.asarray(groups, dtype=object).astype(str)
    _check_inputs(scores, bands, groups, method, target)
    k = min(int(k), len(scores))
    if k <= 0:
        empty = np.zeros(0, dtype=int)
        return Reranked(order=empty, bands=empty, moved=[])
    if method == "fair":
        assert isinstance(target, FairTarget)
        order, short = _fair(bands, groups, target, k)
        counted = (target.protected,)
    else:
        assert isinstance(target, ShareTarget)
        order, short = _detgreedy(bands, groups, target, k)
        counted = tuple(target.shares)
    return Reranked(
        order=order,
        bands=bands[:k].copy(),
        moved=_moved(order),
        shortfalls=short,
        merit_cost_ndcg=merit_cost(scores, order),
        before=_counts(groups[:k], counted),
        after=_counts(groups[order], counted),
    )


def merit_cost(scores: np.ndarray, order: np.ndarray) -> float:
    """NDCG@k of ``order`` against the merit order, relevance = score above the lowest shown.

    1.0 when ``order`` is the merit order (or every score is equal); below 1 when a lower
    score is placed above a higher one or comes up from below ``k``.
    """
    k = len(order)
    if k == 0:
        return 1.0
    window = max(k, int(np.max(order)) + 1)
    relevance = scores[:window] - scores[:window].min()
    if not np.any(relevance > 0):
        return 1.0
    placed = np.zeros(window)
    placed[order] = np.arange(2 * window, 2 * window - k, -1)
    return float(ndcg_score(relevance[None, :], placed[None, :], k=k))


def _check_inputs(
    scores: np.ndarray, bands: np.ndarray, groups: np.ndarray, method: str, target: Target
) -> None:
    if not len(scores) == len(bands) == len(groups):
        raise ValueError("scores, bands and groups must have the same length")
    if np.any(np.diff(scores) > 0) or np.any(np.diff(bands) < 0):
        raise ValueError("scores must be sorted best first and bands non-decreasing")
    expected = FairTarget if method == "fair" else ShareTarget if method == "detgreedy" else None
    if expected is None:
        raise ValueError(f"unknown method {method!r} (known: {', '.join(METHODS)})")
    if not isinstance(target, expected):
        raise ValueError(f"method {method!r} takes a {expected.__name__}")


def _fair(bands: np.ndarray, groups: np.ndarray, target: FairTarget, k: int) -> _Result:
    """FA*IR's greedy choice, the candidates at each position limited to that position's band."""
    table = target.mtable(k)
    protected = groups == target.protected
    taken = np.zeros(len(bands), dtype=bool)
    order: list[int] = []
    short: list[Shortfall] = []
    held = 0
    for i in range(k):
        band = bands[i]
        free = np.flatnonzero((bands == band) & ~taken)
        if held < table[i]:
            wanted = free[protected[free]]
            if len(wanted) == 0:
                short.append(Shortfall(i + 1, target.protected, int(table[i]), held, int(band)))
            free = wanted if len(wanted) else free
        pick = int(free[0])
        taken[pick] = True
        held += int(protected[pick])
        order.append(pick)
    return np.asarray(order, dtype=int), short


def _detgreedy(bands: np.ndarray, groups: np.ndarray, target: ShareTarget, k: int) -> _Result:
    """DetGreedy's choice (below minimum first, then below maximum), within each band."""
    counts = dict.fromkeys(target.shares, 0)
    taken = np.zeros(len(bands), dtype=bool)
    order: list[int] = []
    short: list[Shortfall] = []
    for i in range(1, k + 1):
        band = int(bands[i - 1])
        free = np.flatnonzero((bands == band) & ~taken)
        floor = {g: _floor(i * s) for g, s in target.shares.items()}
        lacking = [g for g in target.shares if counts[g] < floor[g]]
        capped = [g for g, s in target.shares.items() if counts[g] >= _ceil(i * s)]
        pick = _first_of(free, groups, lacking)
        if pick is None:
            pick = _first_not_of(free, groups, capped)
        if pick is None:
            pick = int(free[0])
        taken[pick] = True
        if groups[pick] in counts:
            counts[groups[pick]] += 1
        order.append(pick)
        short.extend(
            Shortfall(i, g, floor[g], counts[g], band, _why(free, groups, g))
            for g in lacking
            if counts[g] < floor[g]
        )
    return np.asarray(order, dtype=int), short


def _why(free: np.ndarray, groups: np.ndarray, group: str) -> str:
    """Why a group stays short at a position: its band has nobody of it left, or one place
    was owed to several groups at once (DetGreedy serves one; the next place catches up)."""
    if np.any(groups[free] == group):
        return "one_position_for_several_groups"
    return "band_has_no_candidate_of_group"


def _floor(value: float) -> int:
    return int(np.floor(value + 1e-9))


def _ceil(value: float) -> int:
    return int(np.ceil(value - 1e-9))


def _first_of(free: np.ndarray, groups: np.ndarray, wanted: list[str]) -> int | None:
    """The best free candidate of one of the ``wanted`` groups, if any."""
    hits = free[np.isin(groups[free], wanted)] if wanted else free[:0]
    return int(hits[0]) if len(hits) else None


def _first_not_of(free: np.ndarray, groups: np.ndarray, capped: list[str]) -> int | None:
    """The best free candidate outside the ``capped`` groups, if any."""
    hits = free[~np.isin(groups[free], capped)]
    return int(hits[0]) if len(hits) else None


def _moved(order: np.ndarray) -> list[dict[str, int | None]]:
    k = len(order)
    return [
        {"merit_rank": int(old) + 1 if old < k else None, "rank": new + 1}
        for new, old in enumerate(order)
        if old != new
    ]


def _counts(groups: np.ndarray, counted: tuple[str, ...]) -> dict[str, int]:
    return {g: int(np.sum(groups == g)) for g in counted}


# --- a shortlist under an agency policy ------------------------------------------------------


def target_of(config: FairnessRerank) -> Target:
    """The target a policy's ``fairness_rerank:`` section states."""
    if config.method == "fair":
        assert config.protected is not None and config.p is not None
        assert config.alpha is not None
        return FairTarget(config.protected, config.p, config.alpha)
    assert config.shares is not None
    return ShareTarget(dict(config.shares))


def group_labels(employees: pd.DataFrame, attribute: str, as_of: pd.Timestamp) -> np.ndarray:
    """Each employee's group for ``attribute`` (age band on ``as_of``; missing: ``UNKNOWN``)."""
    if attribute == "age_band":
        return np.asarray(age_bands(employees["birth_date"].to_numpy(), as_of), dtype=object)
    values = employees[attribute].fillna("").astype(str).to_numpy(dtype=object)
    return np.where(values == "", "UNKNOWN", values)


def not_applied(policy: Mapping[str, Any]) -> dict[str, Any]:
    """What a shortlist records when its policy does not re-rank."""
    return {"applied": False, "policy": _policy_id(policy)}


def record(
    config: FairnessRerank,
    policy: Mapping[str, Any],
    result: Reranked,
    pool_groups: np.ndarray | None = None,
    min_cell: int = 1,
) -> dict[str, Any]:
    """What a shortlist records of a re-ranking: policy, method, target, moves, cost, gain.

    Group counts are kept only for groups with at least ``min_cell`` people among the ranked
    ``pool_groups`` (the fairness panel's small-cell rule: a small group's count in a named list
    re-identifies people); ``suppressed`` says whether any was left out.
    """
    shown = _shown_groups(pool_groups, min_cell)
    before = {g: n for g, n in result.before.items() if shown is None or g in shown}
    after = {g: n for g, n in result.after.items() if shown is None or g in shown}
    return {
        "applied": True,
        "policy": _policy_id(policy),
        "method": config.method,
        "attribute": config.attribute,
        "target": target_of(config).describe(),
        "moved": result.moved,
        "target_met": result.target_met,
        "shortfalls": [s.as_dict() for s in result.shortfalls],
        "merit_cost_ndcg": round(result.merit_cost_ndcg, 6),
        "before": before,
        "after": after,
        "suppressed": len(before) < len(result.before) or len(after) < len(result.after),
    }


def _shown_groups(pool_groups: np.ndarray | None, min_cell: int) -> set[str] | None:
    """Groups with at least ``min_cell`` people in the pool (None: no pool given, all shown)."""
    if pool_groups is None:
        return None
    labels, counts = np.unique(np.asarray(pool_groups).astype(str), return_counts=True)
    return {str(g) for g, n in zip(labels, counts, strict=True) if n >= min_cell}


def _policy_id(policy: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": policy["id"], "version": policy["version"]}
