"""The need term and the need floor of the campaign solver, against brute force and greedy."""

from __future__ import annotations

import numpy as np
import pytest

from serving.assignment import (
    UNFILLED,
    AssignmentError,
    AssignmentOptions,
    AssignmentProblem,
    from_dense,
    gap_after,
    gap_closed,
    greedy,
    solve,
    unit_caps_from_floor,
)


def need_problem(seed: int, n_vac: int, n_cand: int, *, caps: bool = False) -> AssignmentProblem:
    """A seeded instance with four job-map cells, some over-staffed and some short."""
    rng = np.random.default_rng(seed)
    base = from_dense(
        rng.random((n_vac, n_cand)),
        rng.random((n_vac, n_cand)) < 0.7,
        candidate_unit=rng.integers(0, 2, size=n_cand) if caps else None,
        unit_caps=rng.integers(0, 3, size=2) if caps else None,
    )
    return AssignmentProblem(
        **{k: getattr(base, k) for k in ("n_vacancies", "n_candidates", "rows", "cols", "fit")},
        candidate_unit=base.candidate_unit,
        unit_caps=base.unit_caps,
        vacancy_cell=rng.integers(-1, 4, size=n_vac),
        candidate_cell=rng.integers(-1, 4, size=n_cand),
        cell_gap=rng.integers(-2, 3, size=4),
    )


def objective(problem: AssignmentProblem, candidate_of: np.ndarray, w: float) -> float:
    """Total fit plus ``w`` x gap closed of one assignment."""
    fit = {
        (int(r), int(c)): float(f)
        for r, c, f in zip(problem.rows, problem.cols, problem.fit, strict=True)
    }
    total = sum(fit[(v, int(c))] for v, c in enumerate(candidate_of) if c != UNFILLED)
    return total + w * gap_closed(problem, candidate_of)


def brute_force(problem: AssignmentProblem, w: float, fill_priority: bool) -> tuple[int, float]:
    """Best (filled, fit + w x gap closed) over every feasible assignment."""
    edges: dict[int, list[int]] = {v: [] for v in range(problem.n_vacancies)}
    for r, c in zip(problem.rows, problem.cols, strict=True):
        edges[int(r)].append(int(c))
    caps = None if problem.unit_caps is None else list(problem.unit_caps)
    best: list[tuple[int, float]] = []
    chosen = np.full(problem.n_vacancies, UNFILLED)

    def walk(v: int, used: set[int]) -> None:
        if v == problem.n_vacancies:
            filled = int((chosen != UNFILLED).sum()) if fill_priority else 0
            best.append((filled, objective(problem, chosen, w)))
            return
        walk(v + 1, used)
        for c in edges[v]:
            u = -1 if caps is None else int(problem.candidate_unit[c])
            if c in used or (u >= 0 and caps[u] == 0):
                continue
            if u >= 0:
                caps[u] -= 1
            chosen[v] = c
            walk(v + 1, used | {c})
            chosen[v] = UNFILLED
            if u >= 0:
                caps[u] += 1

    walk(0, set())
    return max(best)


def test_gap_arithmetic_on_a_hand_made_round():
    # cell 0 over by 2, cell 1 short by 1, cell 2 exact; person 0 in cell 0, person 1 in cell 2
    problem = AssignmentProblem(
        n_vacancies=2, n_candidates=2, rows=np.array([0, 1]), cols=np.array([0, 1]),
        fit=np.array([0.5, 0.5]), vacancy_cell=np.array([1, 1]),
        candidate_cell=np.array([0, 2]), cell_gap=np.array([2, -1, 0]),
    )  # fmt: skip
    both = np.array([0, 1])
    assert gap_after(problem, both).tolist() == [1, 1, -1]
    assert gap_closed(problem, both) == 0  # 3 before, 3 after
    assert gap_closed(problem, np.array([0, UNFILLED])) == 2  # over -> short closes two
    assert gap_closed(problem, np.array([UNFILLED, 1])) == 0  # exact -> short: one each way


def test_need_term_prefers_the_move_from_an_over_staffed_unit():
    # one vacancy in a short cell; person 0 (slightly better fit) comes from a short cell,
    # person 1 from an over-staffed one
    problem = AssignmentProblem(
        n_vacancies=1, n_candidates=2, rows=np.array([0, 0]), cols=np.array([0, 1]),
        fit=np.array([0.60, 0.55]), vacancy_cell=np.array([0]),
        candidate_cell=np.array([1, 2]), cell_gap=np.array([-1, -1, 1]),
    )  # fmt: skip
    plain = solve(problem, AssignmentOptions(aspiration_mode="off"))
    need = solve(problem, AssignmentOptions(aspiration_mode="off", need_weight=0.1))
    assert plain.candidate_of.tolist() == [0]
    assert need.candidate_of.tolist() == [1]
    assert need.method == "milp-highs-need"


@pytest.mark.parametrize("fill_priority", [True, False])
@pytest.mark.parametrize("seed", range(15))
def test_need_objective_matches_brute_force(seed, fill_priority):
    problem = need_problem(300 + seed, 4, 5, caps=seed % 2 == 1)
    w = [0.05, 0.3, 1.0][seed % 3]
    options = AssignmentOptions(aspiration_mode="off", need_weight=w, fill_priority=fill_priority)
    result = solve(problem, options)
    filled, value = brute_force(problem, w, fill_priority)
    if fill_priority:
        assert result.filled == filled
    assert objective(problem, result.candidate_of, w) == pytest.approx(value)
    if problem.unit_caps is not None:
        for unit, moved in result.moves_per_unit(problem.candidate_unit).items():
            assert moved <= problem.unit_caps[unit]


@pytest.mark.parametrize("caps", [False, True])
def test_need_optimum_never_below_need_aware_greedy(caps):
    for seed in range(30):
        problem = need_problem(700 + seed, 5, 6, caps=caps)
        options = AssignmentOptions(aspiration_mode="off", need_weight=0.5)
        best, base = solve(problem, options), greedy(problem, options)
        assert best.filled >= base.filled
        if best.filled == base.filled:
            assert (
                objective(problem, best.candidate_of, 0.5)
                >= objective(problem, base.candidate_of, 0.5) - 1e-9
            )


def test_floor_keeps_a_share_of_need():
    caps = unit_caps_from_floor(
        filled=np.array([10, 4, 3, 5]), needed=np.array([8, 8, 0, 0]), floor=0.75,
        covered=np.array([True, True, True, False]),
    )  # fmt: skip
    # keep ceil(6)=6 of 10; 4 is below 6 already; no need: all may go; not covered: all
    assert caps.tolist() == [4, 0, 3, 5]
    with pytest.raises(AssignmentError, match="need_floor"):
        unit_caps_from_floor(np.array([1]), np.array([1]), 0.0, np.array([True]))


def test_floor_as_caps_in_the_need_solve_matches_brute_force():
    for seed in range(10):
        problem = need_problem(900 + seed, 4, 5, caps=True)
        floor_caps = np.minimum(problem.unit_caps, [0, 1])
        capped = AssignmentProblem(
            **{k: getattr(problem, k) for k in AssignmentProblem.__dataclass_fields__}
            | {"unit_caps": floor_caps}
        )
        options = AssignmentOptions(aspiration_mode="off", need_weight=0.2)
        result = solve(capped, options)
        assert result.moves_per_unit(capped.candidate_unit).get(0, 0) == 0
        filled, value = brute_force(capped, 0.2, True)
        assert result.filled == filled
        assert objective(capped, result.candidate_of, 0.2) == pytest.approx(value)


def test_partial_cells_and_bad_weight_are_refused():
    with pytest.raises(AssignmentError, match="go together"):
        AssignmentProblem(
            n_vacancies=1, n_candidates=1, rows=np.array([0]), cols=np.array([0]),
            fit=np.array([1.0]), vacancy_cell=np.array([0]),
        )  # fmt: skip
    with pytest.raises(AssignmentError, match="need_weight"):
        AssignmentOptions(need_weight=-1)
