"""Optimal many-to-many assignment of vacancies to candidates: a pure solver over fit scores.

One campaign round is a bipartite matching between vacancies (rows) and candidates (columns)
over the *eligible* pairs only, given sparsely as edges (per vacancy its top-N eligible
candidates). The solver maximises the total predicted fit such that

- each vacancy receives at most one person and each person takes at most one vacancy;
- only eligible pairs (the edges) are used; a vacancy may stay unfilled;
- optionally, at most ``unit_caps[u]`` people leave their current unit ``u``;
- optionally, candidates with less than ``min_tenure_years`` in their current post stay;
- optionally (``need_weight`` > 0), the staffing gap closed counts next to fit: each move takes
  one person out of the class they hold and into the vacancy's class, and the objective adds
  ``need_weight`` times the fall of ``sum |filled - needed|`` over the job map's cells, so a
  move from an over-staffed class to a short one counts twice and a move into a full class
  counts against. A need floor is a unit cap (:func:`unit_caps_from_floor`).

By default filling a vacancy comes first (``fill_priority``): among all assignments that fill
the most vacancies, the one with the highest total fit wins. Ranker scores may be negative, so
without this rule a plain maximum-weight matching would leave vacancies empty on purpose.

Without unit caps the problem is a rectangular linear assignment solved exactly by
:func:`scipy.optimize.linear_sum_assignment` (one dummy column per vacancy means "unfilled");
with binding unit caps it is a 0-1 program solved by HiGHS through :func:`scipy.optimize.milp`
(a network LP whose basic optimum is integral, with a MIP fallback). The need term makes each
cell's gap after the round a variable (its absolute value by two inequalities), so it is
solved as a MIP by HiGHS too: exact on the whole round, not move by move.

Nothing here knows about HTTP, databases, models or people: indices in, indices out.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, linear_sum_assignment, milp

from features.errors import JobfitError
from features.ranking import top_k

logger = logging.getLogger(__name__)

UNFILLED = -1
"""Marker of an unfilled vacancy in :attr:`Assignment.candidate_of`."""

TIEBREAK_WEIGHT = 1e-6
"""Weight of the aspiration term when aspirations only break ties."""


class AssignmentError(JobfitError):
    """The assignment problem is malformed (shapes, indices, options)."""


@dataclass(frozen=True)
class AssignmentProblem:
    """Eligible (vacancy, candidate) pairs with their fit, sparse.

    Attributes
    ----------
    n_vacancies, n_candidates : int
        Sizes of the two sides.
    rows, cols : numpy.ndarray
        Integer vacancy and candidate index of each eligible edge; no duplicate pairs.
    fit : numpy.ndarray
        Predicted fit of each edge (any real number; higher is better).
    aspiration : numpy.ndarray or None
        Per edge, how well the vacancy matches the candidate's stated aspirations, in [0, 1].
    candidate_unit : numpy.ndarray or None
        Per candidate, the integer code of the unit they leave when moved (-1: none).
    unit_caps : numpy.ndarray or None
        Per unit code, how many people may still leave it (``None``: no caps).
    candidate_tenure : numpy.ndarray or None
        Per candidate, years in the current post (NaN: no current post).
    vacancy_cell, candidate_cell : numpy.ndarray or None
        Per vacancy and per candidate, the integer code of their job-map cell (unit and
        position class; -1: the job map does not cover it, or no post held).
    cell_gap : numpy.ndarray or None
        Per cell code, ``filled - needed`` before the round (over > 0, short < 0).
    """

    n_vacancies: int
    n_candidates: int
    rows: np.ndarray
    cols: np.ndarray
    fit: np.ndarray
    aspiration: np.ndarray | None = None
    candidate_unit: np.ndarray | None = None
    unit_caps: np.ndarray | None = None
    candidate_tenure: np.ndarray | None = None
    vacancy_cell: np.ndarray | None = None
    candidate_cell: np.ndarray | None = None
    cell_gap: np.ndarray | None = None

    def __post_init__(self) -> None:
        _check_problem(self)
        _check_cells(self)


@dataclass(frozen=True)
class AssignmentOptions:
    """How to weigh and constrain one solve.

    Attributes
    ----------
    aspiration_mode : {"off", "tiebreak", "weighted"}
        How the candidates' aspirations enter the objective.
    aspiration_weight : float
        Weight of the aspiration term in "weighted" mode (fit units per full match).
    min_tenure_years : float or None
        Candidates with less time in their current post are not moved (``None``: no limit).
    fill_priority : bool
        Fill as many vacancies as possible first, then maximise fit (default). When false,
        maximise fit alone: edges of non-positive weight are never worth taking.
    time_limit_s : float
        Time limit of the MIP solver (unit caps and need only).
    need_weight : float
        Fit units one unit of staffing gap closed is worth (0: need plays no part).
    """

    aspiration_mode: str = "tiebreak"
    aspiration_weight: float = 0.0
    min_tenure_years: float | None = None
    fill_priority: bool = True
    time_limit_s: float = 60.0
    need_weight: float = 0.0

    def __post_init__(self) -> None:
        if self.aspiration_mode not in ("off", "tiebreak", "weighted"):
            raise AssignmentError(
                f"aspiration_mode must be off, tiebreak or weighted, not {self.aspiration_mode!r}"
            )
        if not np.isfinite(self.aspiration_weight) or self.aspiration_weight < 0:
            raise AssignmentError("aspiration_weight must be a finite number >= 0")
        if self.min_tenure_years is not None and not self.min_tenure_years >= 0:
            raise AssignmentError("min_tenure_years must be >= 0")
        if not self.time_limit_s > 0:
            raise AssignmentError("time_limit_s must be > 0")
        if not np.isfinite(self.need_weight) or self.need_weight < 0:
            raise AssignmentError("need_weight must be a finite number >= 0")


@dataclass(frozen=True)
class Assignment:
    """A solution: which candidate fills which vacancy.

    Attributes
    ----------
    candidate_of : numpy.ndarray
        Per vacancy, the candidate index or :data:`UNFILLED`.
    fit : numpy.ndarray
        Per vacancy, the fit of its pair (NaN when unfilled).
    method : str
        The algorithm used ("linear_sum_assignment", "milp-highs", "greedy", ...).
    blocked_by_tenure : int
        Edges dropped because the candidate has too little time in post.
    """

    candidate_of: np.ndarray
    fit: np.ndarray
    method: str
    blocked_by_tenure: int = 0
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def filled(self) -> int:
        """Number of vacancies filled."""
        return int((self.candidate_of != UNFILLED).sum())

    @property
    def total_fit(self) -> float:
        """Sum of the fit of the chosen pairs."""
        return float(np.nansum(self.fit))

    def moves_per_unit(self, candidate_unit: np.ndarray) -> dict[int, int]:
        """Count the people leaving each unit code."""
        chosen = self.candidate_of[self.candidate_of != UNFILLED]
        units, counts = np.unique(candidate_unit[chosen], return_counts=True)
        return {int(u): int(c) for u, c in zip(units, counts, strict=True) if u >= 0}


def _check_problem(problem: AssignmentProblem) -> None:
    """Raise :class:`AssignmentError` when the arrays do not describe a valid problem."""
    n_edges = len(problem.rows)
    if problem.n_vacancies < 0 or problem.n_candidates < 0:
        raise AssignmentError("problem sizes must be >= 0")
    for name in ("cols", "fit", "aspiration"):
        array = getattr(problem, name)
        if array is not None and len(array) != n_edges:
            raise AssignmentError(f"{name} has {len(array)} entries, rows has {n_edges}")
    if n_edges:
        if problem.rows.min() < 0 or problem.rows.max() >= problem.n_vacancies:
            raise AssignmentError("a vacancy index is out of range")
        if problem.cols.min() < 0 or problem.cols.max() >= problem.n_candidates:
            raise AssignmentError("a candidate index is out of range")
        if not np.all(np.isfinite(problem.fit)):
            raise AssignmentError("every eligible pair needs a finite fit score")
        keys = problem.rows.astype(np.int64) * max(problem.n_candidates, 1) + problem.cols
        if np.unique(keys).size != n_edges:
            raise AssignmentError("a (vacancy, candidate) pair appears twice")
    for name in ("candidate_unit", "candidate_tenure"):
        array = getattr(problem, name)
        if array is not None and len(array) != problem.n_candidates:
            raise AssignmentError(f"{name} needs one entry per candidate")
    if problem.unit_caps is not None:
        if problem.candidate_unit is None:
            raise AssignmentError("unit_caps need candidate_unit")
        if problem.candidate_unit.size and problem.candidate_unit.max() >= len(problem.unit_caps):
            raise AssignmentError("a candidate's unit code has no cap")
        if np.any(problem.unit_caps < 0):
            raise AssignmentError("unit caps must be >= 0")


def _check_cells(problem: AssignmentProblem) -> None:
    """Raise when the job-map cells are given in part or do not match the problem."""
    given = [
        a is not None for a in (problem.vacancy_cell, problem.candidate_cell, problem.cell_gap)
    ]
    if not any(given):
        return
    if not all(given):
        raise AssignmentError("vacancy_cell, candidate_cell and cell_gap go together")
    if len(problem.vacancy_cell) != problem.n_vacancies:
        raise AssignmentError("vacancy_cell needs one entry per vacancy")
    if len(problem.candidate_cell) != problem.n_candidates:
        raise AssignmentError("candidate_cell needs one entry per candidate")
    codes = np.concatenate([problem.vacancy_cell, problem.candidate_cell]).astype(np.int64)
    if codes.size and (codes.min() < -1 or codes.max() >= len(problem.cell_gap)):
        raise AssignmentError("a cell code has no gap")


def gap_after(problem: AssignmentProblem, candidate_of: np.ndarray) -> np.ndarray:
    """Each cell's ``filled - needed`` after the moves ``candidate_of`` (per vacancy)."""
    if problem.cell_gap is None:
        return np.zeros(0, dtype=np.int64)
    gap = np.asarray(problem.cell_gap, dtype=np.int64).copy()
    for v in np.flatnonzero(candidate_of != UNFILLED):
        _shift(gap, problem.vacancy_cell[v], problem.candidate_cell[candidate_of[v]])
    return gap


def gap_closed(problem: AssignmentProblem, candidate_of: np.ndarray) -> int:
    """How far the moves bring the job map's cells towards need: the fall of ``sum |gap|``."""
    if problem.cell_gap is None:
        return 0
    before = int(np.abs(np.asarray(problem.cell_gap, dtype=np.int64)).sum())
    return before - int(np.abs(gap_after(problem, candidate_of)).sum())


def from_dense(
    scores: np.ndarray,
    eligible: np.ndarray,
    *,
    top_n: int | None = None,
    aspiration: np.ndarray | None = None,
    candidate_unit: np.ndarray | None = None,
    unit_caps: np.ndarray | None = None,
    candidate_tenure: np.ndarray | None = None,
    nips: np.ndarray | None = None,
) -> AssignmentProblem:
    """Build a sparse problem from a dense score matrix and eligibility mask.

    Parameters
    ----------
    scores : numpy.ndarray
        (V, C) fit scores; only eligible cells are read.
    eligible : numpy.ndarray
        (V, C) booleans: the pair passes every hard rule.
    top_n : int or None
        Keep per vacancy only its ``top_n`` best eligible candidates (``None``: all).
    aspiration, candidate_unit, unit_caps, candidate_tenure
        As in :class:`AssignmentProblem`; ``aspiration`` is dense (V, C) here.
    nips : numpy.ndarray or None
        The candidates' NIPs (C,), which break ties in the top-N as on a shortlist
        (:func:`features.ranking.top_k`); ``None``: the column order.

    Returns
    -------
    AssignmentProblem
    """
    scores = np.asarray(scores, dtype=float)
    eligible = np.asarray(eligible, dtype=bool)
    if scores.shape != eligible.shape or scores.ndim != 2:
        raise AssignmentError("scores and eligible must be 2-D arrays of the same shape")
    keys = _column_keys(scores.shape[1]) if nips is None else np.asarray(nips)
    rows, cols = [], []
    for v in range(scores.shape[0]):
        idx = np.flatnonzero(eligible[v])
        idx = idx[top_k(scores[v, idx], keys[idx], top_n)]
        rows.append(np.full(idx.size, v, dtype=np.int64))
        cols.append(idx)
    row = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
    col = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)
    asp = None if aspiration is None else np.asarray(aspiration, dtype=float)[row, col]
    return AssignmentProblem(
        n_vacancies=scores.shape[0],
        n_candidates=scores.shape[1],
        rows=row,
        cols=col,
        fit=scores[row, col],
        aspiration=asp,
        candidate_unit=candidate_unit,
        unit_caps=unit_caps,
        candidate_tenure=candidate_tenure,
    )


def _column_keys(n: int) -> np.ndarray:
    """Keys that sort as the column numbers ``0 .. n-1`` (zero-padded text) to break ties."""
    width = len(str(max(n - 1, 0)))
    return np.array([str(i).zfill(width) for i in range(n)], dtype=f"<U{width}")


def _usable_edges(problem: AssignmentProblem, options: AssignmentOptions) -> tuple[np.ndarray, int]:
    """Mask of edges the solve may use, and how many the tenure limit removed."""
    keep = np.ones(len(problem.rows), dtype=bool)
    blocked = 0
    if options.min_tenure_years is not None and problem.candidate_tenure is not None:
        tenure = problem.candidate_tenure[problem.cols]
        short = np.isfinite(tenure) & (tenure < options.min_tenure_years)
        blocked = int(short.sum())
        keep &= ~short
    if problem.unit_caps is not None:
        unit = problem.candidate_unit[problem.cols]
        closed = (unit >= 0) & (problem.unit_caps[np.maximum(unit, 0)] == 0)
        keep &= ~closed
    return keep, blocked


def edge_weights(problem: AssignmentProblem, options: AssignmentOptions) -> np.ndarray:
    """The objective weight of each edge: fit plus the aspiration term."""
    weight = problem.fit.astype(float).copy()
    if problem.aspiration is not None and options.aspiration_mode != "off":
        factor = (
            TIEBREAK_WEIGHT if options.aspiration_mode == "tiebreak" else options.aspiration_weight
        )
        weight += factor * np.clip(problem.aspiration, 0.0, 1.0)
    return weight


def solve(problem: AssignmentProblem, options: AssignmentOptions | None = None) -> Assignment:
    """Return an optimal assignment of ``problem`` under ``options``.

    Parameters
    ----------
    problem : AssignmentProblem
    options : AssignmentOptions or None

    Returns
    -------
    Assignment
        Exact optimum: linear assignment, or a HiGHS MIP when unit caps cut that solution.
    """
    options = options or AssignmentOptions()
    keep, blocked = _usable_edges(problem, options)
    rows, cols = problem.rows[keep], problem.cols[keep]
    weight = edge_weights(problem, options)[keep]
    fit = problem.fit[keep]
    if options.need_weight > 0 and problem.cell_gap is not None:
        chosen, method = _solve_need(problem, rows, cols, weight, options)
        return _to_assignment(problem.n_vacancies, rows, cols, fit, chosen, method, blocked)
    chosen, method = _solve_lsa(problem.n_vacancies, rows, cols, weight, options)
    if problem.unit_caps is not None:
        unit = problem.candidate_unit[cols]
        moved = np.bincount(unit[chosen & (unit >= 0)], minlength=len(problem.unit_caps))
        if np.any(moved > problem.unit_caps):  # the caps bind: the side-constrained MIP
            chosen, method = _solve_milp(
                problem.n_vacancies, rows, cols, weight, unit, problem.unit_caps, options
            )
        # else the unconstrained optimum already respects the caps, so it is optimal
    return _to_assignment(problem.n_vacancies, rows, cols, fit, chosen, method, blocked)


def _to_assignment(
    n_vacancies: int,
    rows: np.ndarray,
    cols: np.ndarray,
    fit: np.ndarray,
    chosen: np.ndarray,
    method: str,
    blocked: int,
) -> Assignment:
    """Turn a mask of chosen edges into per-vacancy arrays."""
    candidate_of = np.full(n_vacancies, UNFILLED, dtype=np.int64)
    fits = np.full(n_vacancies, np.nan)
    candidate_of[rows[chosen]] = cols[chosen]
    fits[rows[chosen]] = fit[chosen]
    return Assignment(candidate_of, fits, method, blocked_by_tenure=blocked)


def _fill_bonus(weight: np.ndarray, n_vacancies: int) -> float:
    """A per-edge bonus large enough that one more filled vacancy beats any fit difference."""
    if weight.size == 0:
        return 1.0
    spread = float(weight.max() - weight.min())
    return (spread + 1.0) * (n_vacancies + 1)


def _solve_lsa(
    n_vacancies: int,
    rows: np.ndarray,
    cols: np.ndarray,
    weight: np.ndarray,
    options: AssignmentOptions,
) -> tuple[np.ndarray, str]:
    """Exact assignment without side constraints; returns a mask over the edges."""
    if rows.size == 0:
        return np.zeros(0, dtype=bool), "linear_sum_assignment"
    used, compact = np.unique(cols, return_inverse=True)
    if options.fill_priority:  # shift every edge above 0 and above any fit difference
        gains = weight - weight.min() + _fill_bonus(weight, n_vacancies)
    else:
        gains = weight
    forbidden = -(float(np.abs(gains).max()) + 1.0) * (n_vacancies + 1) * 4.0
    matrix = np.full((n_vacancies, used.size + n_vacancies), forbidden)
    matrix[:, used.size :] = 0.0  # one dummy column per vacancy: unfilled costs nothing
    matrix[rows, compact] = gains
    row_ind, col_ind = linear_sum_assignment(matrix, maximize=True)
    picked = np.full((n_vacancies,), -1, dtype=np.int64)
    real = col_ind < used.size
    picked[row_ind[real]] = col_ind[real]
    chosen = picked[rows] == compact
    # a forbidden cell or a non-positive gain is never better than the dummy: drop it
    chosen &= gains > 0
    return chosen, "linear_sum_assignment"


def _solve_milp(
    n_vacancies: int,
    rows: np.ndarray,
    cols: np.ndarray,
    weight: np.ndarray,
    unit: np.ndarray,
    caps: np.ndarray,
    options: AssignmentOptions,
) -> tuple[np.ndarray, str]:
    """Assignment with unit caps as a 0-1 program solved by HiGHS; returns a mask over edges."""
    n_edges = rows.size
    if n_edges == 0:
        return np.zeros(0, dtype=bool), "milp-highs"
    used, compact = np.unique(cols, return_inverse=True)
    edge_index = np.arange(n_edges)
    per_vacancy = sparse.csr_array(
        (np.ones(n_edges), (rows, edge_index)), shape=(n_vacancies, n_edges)
    )
    per_candidate = sparse.csr_array(
        (np.ones(n_edges), (compact, edge_index)), shape=(used.size, n_edges)
    )
    capped = unit >= 0
    units, unit_row = np.unique(unit[capped], return_inverse=True)
    per_unit = sparse.csr_array(
        (np.ones(int(capped.sum())), (unit_row, edge_index[capped])), shape=(units.size, n_edges)
    )
    constraints = [
        LinearConstraint(per_vacancy, 0, 1),
        LinearConstraint(per_candidate, 0, 1),
        LinearConstraint(per_unit, 0, caps[units].astype(float)),
    ]
    if options.fill_priority:  # one stage: every filled vacancy outweighs any fit difference
        gains = weight - weight.min() + _fill_bonus(weight, n_vacancies)
    else:
        gains = np.where(weight > 0, weight, 0.0)
    solver_options = {"time_limit": options.time_limit_s, "mip_rel_gap": 1e-9}
    # Vacancy rows and the nested candidate/unit rows form two laminar families, so the
    # constraint matrix is totally unimodular: the LP's basic optimum is already 0-1. Solve
    # the LP; only if HiGHS returns a fractional point, solve the same program as a MIP.
    method = "highs-lp"
    result = _run_highs(gains, constraints, integer=False, options=solver_options)
    if np.abs(result.x - np.round(result.x)).max() >= 1e-6:
        method = "milp-highs"
        result = _run_highs(gains, constraints, integer=True, options=solver_options)
    chosen = (result.x > 0.5) & (gains > 0)
    return chosen, method


def _solve_need(
    problem: AssignmentProblem,
    rows: np.ndarray,
    cols: np.ndarray,
    weight: np.ndarray,
    options: AssignmentOptions,
) -> tuple[np.ndarray, str]:
    """Fit plus ``need_weight`` x gap closed, exactly, as a HiGHS MIP over the edges and one
    ``|gap after|`` variable per cell the edges touch; returns a mask over the edges."""
    n_edges, n_vacancies = rows.size, problem.n_vacancies
    if n_edges == 0:
        return np.zeros(0, dtype=bool), "milp-highs-need"
    joined = problem.vacancy_cell[rows].astype(np.int64)
    left = problem.candidate_cell[cols].astype(np.int64)
    cells = np.unique(np.concatenate([joined[joined >= 0], left[left >= 0]]))
    n_cells = cells.size
    width = n_edges + n_cells
    edge = np.arange(n_edges)
    blocks = [
        _rows_of(rows, edge, n_vacancies, width),
        _rows_of(np.unique(cols, return_inverse=True)[1], edge, None, width),
    ]
    constraints = [LinearConstraint(b, 0, 1) for b in blocks]
    if problem.unit_caps is not None:
        unit = problem.candidate_unit[cols]
        capped = unit >= 0
        units, unit_row = np.unique(unit[capped], return_inverse=True)
        per_unit = _rows_of(unit_row, edge[capped], units.size, width)
        constraints.append(LinearConstraint(per_unit, 0, problem.unit_caps[units].astype(float)))
    # net flow into each cell: +1 per edge joining it, -1 per edge leaving it
    net = sparse.lil_array((n_cells, width))
    for mask, code, sign in ((joined >= 0, joined, 1.0), (left >= 0, left, -1.0)):
        idx = np.searchsorted(cells, code[mask])
        for r, e in zip(idx, edge[mask], strict=True):
            net[r, e] += sign
    t = sparse.hstack([sparse.csr_array((n_cells, n_edges)), sparse.eye_array(n_cells)])
    gap = problem.cell_gap[cells].astype(float)
    flow = sparse.csr_array(net)
    # t >= gap + net  and  t >= -(gap + net)
    constraints.append(LinearConstraint(sparse.csr_array(t - flow), gap, np.inf))
    constraints.append(LinearConstraint(sparse.csr_array(t + flow), -gap, np.inf))
    w = options.need_weight
    if options.fill_priority:  # a filled vacancy outweighs any fit and need difference
        bonus = _fill_bonus(weight, n_vacancies) + 4.0 * w * (n_vacancies + 1)
        gains = weight - weight.min() + bonus
    else:
        gains = weight
    objective = np.concatenate([gains, np.full(n_cells, -w)])
    integrality = np.concatenate([np.ones(n_edges), np.zeros(n_cells)])
    result = milp(
        -objective,
        constraints=constraints,
        integrality=integrality,
        bounds=Bounds(
            np.zeros(width), np.concatenate([np.ones(n_edges), np.full(n_cells, np.inf)])
        ),
        options={"time_limit": options.time_limit_s, "mip_rel_gap": 1e-9},
    )
    _check_milp(result)
    return result.x[:n_edges] > 0.5, "milp-highs-need"


def _rows_of(
    row: np.ndarray, column: np.ndarray, n_rows: int | None, n_columns: int
) -> sparse.csr_array:
    """A 0-1 matrix with a one at each (row, column) pair."""
    n_rows = int(row.max()) + 1 if n_rows is None else n_rows
    return sparse.csr_array((np.ones(row.size), (row, column)), shape=(n_rows, n_columns))


def _run_highs(gains: np.ndarray, constraints: list, *, integer: bool, options: dict) -> object:
    """Maximise ``gains @ x`` over 0 <= x <= 1 (integer or not) with HiGHS."""
    result = milp(
        -gains,
        constraints=constraints,
        integrality=np.full(gains.size, 1 if integer else 0),
        bounds=Bounds(0, 1),
        options=options,
    )
    _check_milp(result)
    return result


def _check_milp(result: object) -> None:
    """Raise when HiGHS returned no usable solution (time limit without incumbent, ...)."""
    if getattr(result, "x", None) is None:
        raise AssignmentError(
            f"the MIP solver found no solution ({getattr(result, 'message', 'unknown')}); "
            "raise time_limit_s or loosen the unit caps"
        )
    if getattr(result, "status", 0) != 0:
        logger.warning("MIP solver stopped early: %s", getattr(result, "message", ""))


def greedy(
    problem: AssignmentProblem,
    options: AssignmentOptions | None = None,
    order: Sequence[int] | None = None,
) -> Assignment:
    """Baseline: each vacancy in ``order`` takes its best remaining usable candidate.

    Respects the same constraints as :func:`solve` (one person per vacancy and vice versa,
    tenure, unit caps), so the comparison is fair.
    """
    options = options or AssignmentOptions()
    keep, blocked = _usable_edges(problem, options)
    weight = edge_weights(problem, options)
    order = range(problem.n_vacancies) if order is None else order
    taken = np.zeros(problem.n_candidates, dtype=bool)
    caps = None if problem.unit_caps is None else problem.unit_caps.astype(np.int64).copy()
    candidate_of = np.full(problem.n_vacancies, UNFILLED, dtype=np.int64)
    fits = np.full(problem.n_vacancies, np.nan)
    by_vacancy = _edges_by_vacancy(problem.rows, problem.n_vacancies, keep)
    need = options.need_weight > 0 and problem.cell_gap is not None
    gap = np.asarray(problem.cell_gap, dtype=np.int64).copy() if need else None
    for v in order:
        edges = by_vacancy[v]
        value = weight[edges]
        if need:  # the need term of each move given the moves already made
            value = value + options.need_weight * _closes(problem, gap, edges)
        for e in edges[np.argsort(-value, kind="stable")]:
            c = problem.cols[e]
            if taken[c] or (not options.fill_priority and weight[e] <= 0):
                continue
            u = -1 if caps is None else problem.candidate_unit[c]
            if u >= 0 and caps[u] == 0:
                continue
            taken[c] = True
            if u >= 0:
                caps[u] -= 1
            candidate_of[v], fits[v] = c, problem.fit[e]
            if need:
                _shift(gap, problem.vacancy_cell[v], problem.candidate_cell[c])
            break
    return Assignment(candidate_of, fits, "greedy", blocked_by_tenure=blocked)


def _closes(problem: AssignmentProblem, gap: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Per edge, the fall of ``sum |gap|`` if that move alone were made now."""
    out = np.zeros(edges.size)
    for i, e in enumerate(edges):
        after = gap.copy()
        _shift(
            after, problem.vacancy_cell[problem.rows[e]], problem.candidate_cell[problem.cols[e]]
        )
        out[i] = np.abs(gap).sum() - np.abs(after).sum()
    return out


def _shift(gap: np.ndarray, joined: int, left: int) -> None:
    """One person leaves cell ``left`` for cell ``joined`` (-1: outside the job map)."""
    if joined >= 0:
        gap[joined] += 1
    if left >= 0:
        gap[left] -= 1


def _edges_by_vacancy(rows: np.ndarray, n_vacancies: int, keep: np.ndarray) -> list[np.ndarray]:
    """Edge indices of each vacancy among the kept edges."""
    idx = np.flatnonzero(keep)
    order = np.argsort(rows[idx], kind="stable")
    idx = idx[order]
    bounds = np.searchsorted(rows[idx], np.arange(n_vacancies + 1))
    return [idx[bounds[v] : bounds[v + 1]] for v in range(n_vacancies)]


@dataclass(frozen=True)
class IndependentTop1:
    """Each vacancy's own best candidate, chosen without looking at the others.

    Attributes
    ----------
    candidate_of : numpy.ndarray
        Per vacancy, its top-1 candidate or :data:`UNFILLED`.
    total_fit : float
        Sum of the top-1 fits (counts double-booked people more than once).
    double_booked_people : int
        People who are the top-1 of more than one vacancy.
    conflicts : int
        Vacancies that would lose their top-1 to another vacancy (bookings beyond the first).
    """

    candidate_of: np.ndarray
    total_fit: float
    double_booked_people: int
    conflicts: int


def independent_top1(
    problem: AssignmentProblem, options: AssignmentOptions | None = None
) -> IndependentTop1:
    """Per-vacancy top-1 as a shortlist would give it, and the double bookings that causes."""
    options = options or AssignmentOptions()
    keep, _ = _usable_edges(problem, options)
    weight = edge_weights(problem, options)
    candidate_of = np.full(problem.n_vacancies, UNFILLED, dtype=np.int64)
    total = 0.0
    for v, edges in enumerate(_edges_by_vacancy(problem.rows, problem.n_vacancies, keep)):
        if edges.size:
            best = edges[np.argmax(weight[edges])]
            candidate_of[v] = problem.cols[best]
            total += float(problem.fit[best])
    booked = candidate_of[candidate_of != UNFILLED]
    _, counts = np.unique(booked, return_counts=True)
    return IndependentTop1(
        candidate_of=candidate_of,
        total_fit=total,
        double_booked_people=int((counts > 1).sum()),
        conflicts=int((counts - 1).sum()),
    )


def wanted_moves_per_unit(
    problem: AssignmentProblem, options: AssignmentOptions | None = None
) -> dict[int, int]:
    """People each unit would lose in the optimum without unit caps (to explain binding caps)."""
    if problem.candidate_unit is None:
        return {}
    free = AssignmentProblem(
        n_vacancies=problem.n_vacancies,
        n_candidates=problem.n_candidates,
        rows=problem.rows,
        cols=problem.cols,
        fit=problem.fit,
        aspiration=problem.aspiration,
        candidate_unit=problem.candidate_unit,
        candidate_tenure=problem.candidate_tenure,
    )
    return solve(free, options).moves_per_unit(problem.candidate_unit)


def unit_caps_from_share(staff: np.ndarray, share: float) -> np.ndarray:
    """People who may leave each unit: ``floor(share x staff)``, at least 0.

    Parameters
    ----------
    staff : numpy.ndarray
        Head count of each unit code.
    share : float
        Largest share of a unit's staff that may move, in (0, 1].
    """
    if not 0 < share <= 1:
        raise AssignmentError(f"max_unit_share must be in (0, 1], not {share}")
    return np.floor(np.asarray(staff, dtype=float) * share + 1e-9).astype(np.int64)


def unit_caps_from_floor(
    filled: np.ndarray, needed: np.ndarray, floor: float, covered: np.ndarray
) -> np.ndarray:
    """People who may leave each unit without leaving it below ``floor`` x its need.

    A unit the job map covers keeps ``ceil(floor x needed)`` people (arrivals are not counted
    on, so the floor holds whatever the other moves do); one it does not cover is not capped
    (its whole staff may leave).

    Parameters
    ----------
    filled, needed : numpy.ndarray
        Staff in post and staff needed per unit code.
    floor : float
        Share of its need a unit keeps, in (0, 1].
    covered : numpy.ndarray
        Per unit code, whether the job map states its need.
    """
    if not 0 < floor <= 1:
        raise AssignmentError(f"need_floor must be in (0, 1], not {floor}")
    filled = np.asarray(filled, dtype=np.int64)
    keep = np.ceil(np.asarray(needed, dtype=float) * floor - 1e-9).astype(np.int64)
    return np.where(np.asarray(covered, dtype=bool), np.maximum(filled - keep, 0), filled)


@dataclass(frozen=True)
class Move:
    """One person moved into one position in a campaign round.

    Attributes
    ----------
    round : int
        0 for the campaign's own vacancies, 1, 2 ... for positions opened by earlier moves.
    position_id : str
        The position filled.
    person : str
        Opaque key of the person moved (the service decides what it is).
    from_position_id : str or None
        The position the person leaves (``None``: they held none in this export).
    fit : float
        The pair's predicted fit.
    """

    round: int
    position_id: str
    person: str
    from_position_id: str | None
    fit: float


def build_chains(moves: Sequence[Move]) -> list[list[Move]]:
    """Link moves into vacancy chains: A <- X from B, B <- Y from C, ...

    Every round-0 move starts one chain; a later move continues the chain whose last move
    left the position it fills. Moves that continue no chain start their own (defensive).

    Returns
    -------
    list of list of Move
        One list per chain, in round order.
    """
    by_position: dict[str, Move] = {}
    for move in sorted(moves, key=lambda m: m.round):
        if move.round > 0 and move.position_id not in by_position:
            by_position[move.position_id] = move
    continued: set[int] = set()
    chains: list[list[Move]] = []
    starts = [m for m in moves if m.round == 0]
    starts += [m for m in moves if m.round > 0 and not _continues_any(m, moves)]
    for start in starts:
        chain = [start]
        seen = {start.position_id}
        while chain[-1].from_position_id in by_position:
            nxt = by_position[chain[-1].from_position_id]
            if nxt.position_id in seen or id(nxt) in continued:
                break
            continued.add(id(nxt))
            seen.add(nxt.position_id)
            chain.append(nxt)
        chains.append(chain)
    return chains


def _continues_any(move: Move, moves: Sequence[Move]) -> bool:
    """Whether some earlier-round move left the position ``move`` fills."""
    return any(m.from_position_id == move.position_id and m.round < move.round for m in moves)


def synthetic_problem(
    n_vacancies: int,
    n_candidates: int,
    *,
    top_n: int = 50,
    n_units: int = 40,
    max_unit_share: float | None = None,
    seed: int = 0,
) -> AssignmentProblem:
    """A seeded campaign-shaped instance for benchmarks: correlated top-N lists over a pool.

    Candidates have a common "general strength" plus a vacancy-specific part, so strong people
    appear on many lists (the conflicts a real campaign has).
    """
    rng = np.random.default_rng(seed)
    strength = rng.normal(size=n_candidates)
    unit = rng.integers(0, n_units, size=n_candidates)
    keys = _column_keys(n_candidates)
    rows, cols, fits = [], [], []
    for v in range(n_vacancies):
        pool = rng.choice(n_candidates, size=min(n_candidates, 20 * top_n), replace=False)
        score = strength[pool] + rng.normal(scale=0.7, size=pool.size)
        keep = top_k(score, keys[pool], top_n)
        rows.append(np.full(keep.size, v))
        cols.append(pool[keep])
        fits.append(score[keep])
    caps = None
    if max_unit_share is not None:
        staff = np.bincount(unit, minlength=n_units)
        caps = unit_caps_from_share(staff, max_unit_share)
    return AssignmentProblem(
        n_vacancies=n_vacancies,
        n_candidates=n_candidates,
        rows=np.concatenate(rows),
        cols=np.concatenate(cols),
        fit=np.concatenate(fits),
        candidate_unit=unit,
        unit_caps=caps,
    )


def solver_scaling(
    sizes: Sequence[int] = (100, 250, 500),
    n_candidates: int = 20_000,
    shares: Sequence[float | None] = (None, 0.01),
    repeats: int = 3,
) -> list[dict[str, object]]:
    """Median solve time and gain over greedy on :func:`synthetic_problem` instances.

    For ``make bench``: one row per (vacancies, unit-share) with the method used, the median
    seconds of :func:`solve` over ``repeats`` seeds, and the optimum's total fit against greedy.
    """
    rows: list[dict[str, object]] = []
    for share in shares:
        for size in sizes:
            seconds, gains, method = [], [], ""
            for seed in range(repeats):
                problem = synthetic_problem(size, n_candidates, max_unit_share=share, seed=seed)
                start = time.perf_counter()
                result = solve(problem)
                seconds.append(time.perf_counter() - start)
                base = greedy(problem)
                gains.append(result.total_fit / base.total_fit - 1 if base.total_fit else 0.0)
                method = result.method
            rows.append(
                {
                    "vacancies": size,
                    "edges": len(problem.rows),
                    "max_unit_share": share,
                    "method": method,
                    "median_s": float(np.median(seconds)),
                    "gain_over_greedy": float(np.median(gains)),
                }
            )
    return rows
