"""Job-fit rotation of JPT holders: the plan against brute force, the stay option, the panel."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from serving.jpt_rotation import (
    PanelInput,
    RotationError,
    RotationProblem,
    TenureLimits,
    allowed_pairs,
    movable,
    solve_rotation,
)

LIMITS = TenureLimits()


def _problem(seed: int, n_posts: int, n_holders: int) -> RotationProblem:
    rng = np.random.default_rng(seed)
    home = rng.permutation(n_posts)[:n_holders]
    return RotationProblem(
        posts=tuple(f"P{i}" for i in range(n_posts)),
        nips=tuple(f"N{i}" for i in range(n_holders)),
        home=home,
        fit=rng.normal(size=(n_posts, n_holders)).round(3),
        eligible=rng.random((n_posts, n_holders)) < 0.7,
        tenure=rng.choice([1.0, 2.5, 3.0, 4.0, 6.0, np.nan], size=n_holders),
    )


def _brute(problem: RotationProblem, panel: PanelInput | None = None) -> float:
    """Best total weight over every placement of each holder in a distinct usable post."""
    usable, weight = allowed_pairs(problem, LIMITS, panel)
    n_posts, n_holders = usable.shape
    best = -np.inf
    for posts in itertools.permutations(range(n_posts), n_holders):
        if all(usable[p, h] for h, p in enumerate(posts)):
            best = max(best, sum(weight[p, h] for h, p in enumerate(posts)))
    return float(best)


@pytest.mark.parametrize("seed", range(40))
def test_plan_matches_brute_force(seed: int) -> None:
    rng = np.random.default_rng(1000 + seed)
    n_holders = int(rng.integers(1, 6))
    problem = _problem(seed, n_holders + int(rng.integers(0, 3)), n_holders)
    plan = solve_rotation(problem, LIMITS)
    assert plan.total_fit == pytest.approx(_brute(problem))
    placed = [p.post for p in plan.placements]
    assert len(set(placed)) == len(placed) == n_holders  # everyone placed, once
    usable, _ = allowed_pairs(problem, LIMITS)
    for h, p in enumerate(plan.placements):
        assert usable[problem.posts.index(p.post), h]
    assert plan.total_fit >= plan.stay_total - 1e-9  # staying put is always a candidate plan


@pytest.mark.parametrize("mode", ["constraint", "weight"])
@pytest.mark.parametrize("seed", range(15))
def test_panel_plan_matches_brute_force(seed: int, mode: str) -> None:
    problem = _problem(seed, 5, 4)
    rng = np.random.default_rng(seed)
    passed = {
        (problem.posts[p], problem.nips[h]): float(rng.integers(50, 100))
        for p in range(5)
        for h in range(4)
        if rng.random() < 0.4
    }
    panel = PanelInput(passed=passed, mode=mode, weight=2.0)
    plan = solve_rotation(problem, LIMITS, panel)
    assert plan.total_fit == pytest.approx(_brute(problem, panel))
    if mode == "constraint":
        for p in plan.placements:
            assert p.stays or (p.post, p.nip) in passed


def _two(tenure: list[float], fit: list[list[float]], eligible: bool = True) -> RotationProblem:
    return RotationProblem(
        posts=("A", "B"),
        nips=("x", "y"),
        home=np.array([0, 1]),
        fit=np.array(fit),
        eligible=np.full((2, 2), eligible),
        tenure=np.array(tenure),
    )


def test_swap_when_it_pays_and_the_reasons_of_staying() -> None:
    crossed = [[0.0, 2.0], [2.0, 0.0]]
    swapped = solve_rotation(_two([3.0, 3.0], crossed), LIMITS)
    assert [p.post for p in swapped.placements] == ["B", "A"]
    assert [p.reason for p in swapped.placements] == ["moved", "moved"]
    assert swapped.total_fit == pytest.approx(4.0) and swapped.stay_total == 0.0
    short = solve_rotation(_two([1.5, 3.0], crossed), LIMITS)
    assert [p.reason for p in short.placements] == ["short_tenure", "best_fit"]  # A: x stays
    long = solve_rotation(_two([3.0, 5.5], crossed), LIMITS)
    assert [p.reason for p in long.placements] == ["best_fit", "long_tenure"]
    straight = solve_rotation(_two([3.0, 3.0], [[2.0, 0.0], [0.0, 2.0]]), LIMITS)
    assert [p.reason for p in straight.placements] == ["best_fit", "best_fit"]
    ruled_out = solve_rotation(_two([3.0, 3.0], crossed, eligible=False), LIMITS)
    assert [p.reason for p in ruled_out.placements] == ["no_other_post", "no_other_post"]
    unknown = solve_rotation(_two([np.nan, 3.0], crossed), LIMITS)
    assert unknown.placements[0].reason == "tenure_unknown"


def test_a_holder_may_take_a_vacant_post_and_stay_is_kept_when_ineligible_at_home() -> None:
    problem = RotationProblem(
        posts=("A", "V"),
        nips=("x",),
        home=np.array([0]),
        fit=np.array([[-1.0], [0.5]]),
        eligible=np.array([[False], [True]]),
        tenure=np.array([2.0]),
    )
    plan = solve_rotation(problem, LIMITS)
    assert plan.placements[0].post == "V" and plan.placements[0].stay_fit == -1.0
    limits = TenureLimits(min_years=3.0, max_years=5.0)
    assert solve_rotation(problem, limits).placements[0].reason == "short_tenure"


def test_movable_window_and_bad_inputs() -> None:
    assert movable(np.array([1.99, 2.0, 5.0, 5.01, np.nan]), LIMITS).tolist() == [
        False,
        True,
        True,
        False,
        False,
    ]
    with pytest.raises(RotationError):
        TenureLimits(min_years=6.0, max_years=5.0)
    with pytest.raises(RotationError):
        PanelInput(passed={}, mode="fold")
    with pytest.raises(RotationError, match="same post"):
        RotationProblem(
            posts=("A",),
            nips=("x", "y"),
            home=np.array([0, 0]),
            fit=np.zeros((1, 2)),
            eligible=np.ones((1, 2), dtype=bool),
            tenure=np.array([3.0, 3.0]),
        )


def test_a_move_the_panels_weight_decided_says_so() -> None:
    problem = RotationProblem(
        posts=("A", "V"),
        nips=("x",),
        home=np.array([0]),
        fit=np.array([[1.0], [0.5]]),
        eligible=np.array([[False], [True]]),
        tenure=np.array([3.0]),
    )
    passed = {("V", "x"): 80.0}
    weighted = solve_rotation(problem, LIMITS, PanelInput(passed=passed, mode="weight"))
    assert weighted.placements[0].post == "V" and weighted.placements[0].reason == "moved_panel"
    assert weighted.total_fit == pytest.approx(1.3)
    kept = solve_rotation(problem, LIMITS, PanelInput(passed=passed, mode="constraint"))
    assert kept.placements[0].reason == "best_fit" and kept.total_fit == pytest.approx(1.0)
