"""The pure campaign solver: optimality against brute force, constraints, baselines, chains."""

from __future__ import annotations

import numpy as np
import pytest

import serving.assignment as module
from features.ranking import top_k
from serving.assignment import (
    UNFILLED,
    AssignmentError,
    AssignmentOptions,
    AssignmentProblem,
    Move,
    build_chains,
    from_dense,
    greedy,
    independent_top1,
    solve,
    unit_caps_from_share,
    wanted_moves_per_unit,
)

EXACT = AssignmentOptions(aspiration_mode="off")


def brute_force(problem: AssignmentProblem, fill_priority: bool = True) -> tuple[int, float]:
    """Best (filled, total fit) over every feasible assignment, by exhaustive search."""
    edges: dict[int, list[tuple[int, float]]] = {v: [] for v in range(problem.n_vacancies)}
    for r, c, f in zip(problem.rows, problem.cols, problem.fit, strict=True):
        edges[int(r)].append((int(c), float(f)))
    caps = None if problem.unit_caps is None else list(problem.unit_caps)
    best: list[tuple[int, float]] = []

    def walk(v: int, used: set[int], filled: int, total: float) -> None:
        if v == problem.n_vacancies:
            best.append((filled, total) if fill_priority else (0, total))
            return
        walk(v + 1, used, filled, total)
        for c, f in edges[v]:
            if c in used:
                continue
            u = -1 if caps is None else int(problem.candidate_unit[c])
            if u >= 0 and caps[u] == 0:
                continue
            if u >= 0:
                caps[u] -= 1
            walk(v + 1, used | {c}, filled + 1, total + f)
            if u >= 0:
                caps[u] += 1

    walk(0, set(), 0, 0.0)
    return max(best)


def random_problem(
    seed: int, n_vac: int, n_cand: int, *, caps: bool = False, negative: bool = False
) -> AssignmentProblem:
    """A seeded random instance with a random eligibility mask (and units with caps)."""
    rng = np.random.default_rng(seed)
    scores = rng.normal(size=(n_vac, n_cand)) if negative else rng.random((n_vac, n_cand))
    eligible = rng.random((n_vac, n_cand)) < 0.6
    unit = rng.integers(0, 2, size=n_cand) if caps else None
    unit_caps = rng.integers(0, 3, size=2) if caps else None
    return from_dense(scores, eligible, candidate_unit=unit, unit_caps=unit_caps)


def check_feasible(problem: AssignmentProblem, result, options=EXACT) -> None:
    """One person per vacancy, one vacancy per person, eligible pairs only, caps respected."""
    chosen = result.candidate_of[result.candidate_of != UNFILLED]
    assert np.unique(chosen).size == chosen.size, "a person was given two vacancies"
    pairs = set(zip(problem.rows.tolist(), problem.cols.tolist(), strict=True))
    for v, c in enumerate(result.candidate_of):
        if c != UNFILLED:
            assert (v, int(c)) in pairs, "an ineligible pair was assigned"
    if problem.unit_caps is not None:
        for unit, moved in result.moves_per_unit(problem.candidate_unit).items():
            assert moved <= problem.unit_caps[unit]


def test_hand_made_optimum_beats_greedy_and_top1():
    # v0 likes A most, but v1 can only take A: the optimum gives v0 B and v1 A.
    scores = np.array([[10.0, 9.0, 0.0], [8.0, 0.0, 0.0]])
    eligible = np.array([[True, True, False], [True, False, False]])
    problem = from_dense(scores, eligible)
    best = solve(problem, EXACT)
    assert best.candidate_of.tolist() == [1, 0]
    assert best.total_fit == pytest.approx(17.0)
    base = greedy(problem, EXACT)
    assert base.candidate_of.tolist() == [0, UNFILLED]
    assert base.total_fit == pytest.approx(10.0)
    top1 = independent_top1(problem, EXACT)
    assert top1.candidate_of.tolist() == [0, 0]
    assert top1.conflicts == 1 and top1.double_booked_people == 1


@pytest.mark.parametrize("shape", [(3, 4), (4, 5), (5, 4)])
@pytest.mark.parametrize("seed", range(12))
def test_solver_matches_brute_force(shape, seed):
    problem = random_problem(seed, *shape, negative=seed % 2 == 0)
    result = solve(problem, EXACT)
    check_feasible(problem, result)
    filled, total = brute_force(problem)
    assert result.filled == filled
    assert result.total_fit == pytest.approx(total)


@pytest.mark.parametrize("seed", range(12))
def test_milp_with_unit_caps_matches_brute_force(seed):
    problem = random_problem(100 + seed, 4, 6, caps=True)
    result = solve(problem, EXACT)
    assert result.method in (
        "highs-lp",
        "milp-highs",
        "linear_sum_assignment",
    )  # LSA when caps do not bind
    check_feasible(problem, result)
    filled, total = brute_force(problem)
    assert (result.filled, result.total_fit) == (filled, pytest.approx(total))


@pytest.mark.parametrize("seed", range(8))
def test_without_fill_priority_maximises_fit_alone(seed):
    problem = random_problem(200 + seed, 4, 5, negative=True)
    options = AssignmentOptions(aspiration_mode="off", fill_priority=False)
    result = solve(problem, options)
    check_feasible(problem, result)
    assert result.total_fit == pytest.approx(brute_force(problem, fill_priority=False)[1])
    assert np.all(result.fit[~np.isnan(result.fit)] > 0)


@pytest.mark.parametrize("caps", [False, True])
def test_solver_never_below_greedy(caps):
    for seed in range(60):
        problem = random_problem(1000 + seed, 6, 8, caps=caps)
        best, base = solve(problem, EXACT), greedy(problem, EXACT)
        check_feasible(problem, base)
        assert best.filled >= base.filled
        if best.filled == base.filled:
            assert best.total_fit >= base.total_fit - 1e-9
        plain = AssignmentOptions(aspiration_mode="off", fill_priority=False)
        assert solve(problem, plain).total_fit >= greedy(problem, plain).total_fit - 1e-9


def test_top_n_keeps_only_the_best_eligible():
    scores = np.array([[5.0, 4.0, 3.0, 9.0]])
    eligible = np.array([[True, True, True, False]])
    problem = from_dense(scores, eligible, top_n=2)
    assert sorted(problem.cols.tolist()) == [0, 1]


def test_top_n_ties_are_broken_by_nip_as_on_a_shortlist():
    scores = np.array([[7.0, 7.0, 7.0, 5.0]])
    nips = np.array(["300", "100", "200", "400"])
    problem = from_dense(scores, np.ones_like(scores, dtype=bool), top_n=2, nips=nips)
    assert problem.cols.tolist() == [1, 2]  # 100 and 200, not the first two in pool order
    assert problem.cols.tolist() == top_k(scores[0], nips, 2).tolist()
    in_order = from_dense(scores, np.ones_like(scores, dtype=bool), top_n=2)
    assert in_order.cols.tolist() == [0, 1]  # without NIPs: the column order


def test_unit_cap_binds_and_is_explained():
    # three vacancies all prefer three people of unit 0; the cap lets only one leave it
    scores = np.array([[9, 8, 7, 1], [9, 8, 7, 1], [9, 8, 7, 1]], dtype=float)
    eligible = np.ones_like(scores, dtype=bool)
    unit = np.array([0, 0, 0, 1])
    caps = unit_caps_from_share(np.array([10, 10]), 0.1)
    assert caps.tolist() == [1, 1]
    problem = from_dense(scores, eligible, candidate_unit=unit, unit_caps=caps)
    result = solve(problem, EXACT)
    assert result.method in ("highs-lp", "milp-highs")
    check_feasible(problem, result)
    assert result.filled == 2
    assert result.moves_per_unit(unit) == {0: 1, 1: 1}
    assert wanted_moves_per_unit(problem, EXACT)[0] == 3


def test_zero_cap_closes_a_unit():
    problem = from_dense(
        np.array([[5.0, 1.0]]), np.array([[True, True]]),
        candidate_unit=np.array([0, 1]), unit_caps=np.array([0, 1]),
    )  # fmt: skip
    assert solve(problem, EXACT).candidate_of.tolist() == [1]


def test_tenure_limit_keeps_recent_appointees():
    problem = from_dense(
        np.array([[5.0, 1.0]]), np.array([[True, True]]), candidate_tenure=np.array([1.5, 3.0])
    )
    result = solve(problem, AssignmentOptions(aspiration_mode="off", min_tenure_years=2))
    assert result.candidate_of.tolist() == [1]
    assert result.blocked_by_tenure == 1
    assert solve(problem, EXACT).candidate_of.tolist() == [0]


def test_aspiration_breaks_ties_or_weighs_in():
    scores = np.array([[1.0, 1.0, 0.8]])
    eligible = np.ones_like(scores, dtype=bool)
    aspiration = np.array([[0.0, 1.0, 0.0]])
    problem = from_dense(scores, eligible, aspiration=aspiration)
    assert solve(problem, AssignmentOptions(aspiration_mode="tiebreak")).candidate_of[0] == 1
    # weighted: a full aspiration match outweighs 0.3 fit
    aspiration = np.array([[0.0, 0.0, 1.0]])
    problem = from_dense(scores, eligible, aspiration=aspiration)
    weighted = AssignmentOptions(aspiration_mode="weighted", aspiration_weight=0.3)
    assert solve(problem, weighted).candidate_of[0] == 2
    assert solve(problem, AssignmentOptions(aspiration_mode="tiebreak")).candidate_of[0] == 0


def test_empty_and_no_eligible():
    problem = from_dense(np.zeros((2, 3)), np.zeros((2, 3), dtype=bool))
    result = solve(problem)
    assert result.candidate_of.tolist() == [UNFILLED, UNFILLED]
    assert result.total_fit == 0.0
    empty = from_dense(np.zeros((0, 0)), np.zeros((0, 0), dtype=bool))
    assert solve(empty).filled == 0


def test_malformed_problems_are_refused():
    with pytest.raises(AssignmentError, match="out of range"):
        AssignmentProblem(1, 1, np.array([0]), np.array([3]), np.array([1.0]))
    with pytest.raises(AssignmentError, match="twice"):
        AssignmentProblem(1, 2, np.array([0, 0]), np.array([1, 1]), np.array([1.0, 2.0]))
    with pytest.raises(AssignmentError, match="finite"):
        AssignmentProblem(1, 1, np.array([0]), np.array([0]), np.array([np.nan]))
    with pytest.raises(AssignmentError, match="aspiration_mode"):
        AssignmentOptions(aspiration_mode="maybe")
    with pytest.raises(AssignmentError, match="max_unit_share"):
        unit_caps_from_share(np.array([10]), 1.5)


def test_chains_link_opened_positions():
    moves = [
        Move(0, "A", "x", "B", 1.0),
        Move(1, "B", "y", "C", 0.9),
        Move(2, "C", "z", None, 0.8),
        Move(0, "D", "w", "E", 0.7),
    ]
    chains = build_chains(moves)
    assert [[m.position_id for m in chain] for chain in chains] == [["A", "B", "C"], ["D"]]
    assert [m.person for m in chains[0]] == ["x", "y", "z"]


def test_fractional_lp_falls_back_to_the_mip(monkeypatch):
    real = module._run_highs

    def fractional_lp(gains, constraints, *, integer, options):
        result = real(gains, constraints, integer=integer, options=options)
        if not integer:
            result.x = result.x * 0.5  # pretend HiGHS returned an interior point
        return result

    monkeypatch.setattr(module, "_run_highs", fractional_lp)
    problem = random_problem(7, 4, 6, caps=True)
    problem = AssignmentProblem(**{**problem.__dict__, "unit_caps": np.array([0, 1])})
    result = solve(problem, EXACT)
    assert result.method == "milp-highs"
    check_feasible(problem, result)
    assert (result.filled, result.total_fit) == (1, pytest.approx(brute_force(problem)[1]))
