"""Holdout evaluation: served top 10 against the truth, seniority on the same pools."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import ndcg_score

from features.ranking import top_k
from training.holdout import evaluate_scorers, ndcg_served, seniority_scorer
from training.synthetic import generate_export
from training.truth import load_truth

SMALL_EMPLOYEES, SMALL_SEED = 400, 7  # the shared small export's options (tests/conftest.py)


def test_ndcg_served_matches_sklearn_without_ties() -> None:
    rng = np.random.default_rng(0)
    for _ in range(20):
        gains = rng.integers(0, 5, 40).astype(float)
        if gains.max() == 0:
            continue
        scores = rng.permutation(40).astype(float)
        served = gains[np.argsort(-scores)]
        expected = ndcg_score(gains[None, :], scores[None, :], k=10)
        assert ndcg_served(served, gains, 10) == pytest.approx(expected)
    assert ndcg_served(np.array([4.0, 3, 0]), np.array([0.0, 3, 4, 0]), 10) == pytest.approx(1.0)
    assert np.isnan(ndcg_served(np.zeros(3), np.zeros(5), 10))


def test_top_k_breaks_ties_by_nip() -> None:
    nips = np.array(["3", "1", "2"])
    assert list(top_k(np.array([1.0, 1.0, 2.0]), nips, 2)) == [2, 1]


@pytest.fixture(scope="module")
def truth_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The truth of the shared small export (same options give the same export bytes)."""
    root = tmp_path_factory.mktemp("holdout")
    generate_export(root / "export", employees=SMALL_EMPLOYEES, seed=SMALL_SEED,
                    progress=False, truth_dir=root / "truth")  # fmt: skip
    return root / "truth"


def test_a_perfect_scorer_gets_one_and_seniority_less(small_export, truth_dir: Path) -> None:
    truth = load_truth(truth_dir)
    fit = truth.frame.set_index(["position_id", "nip"])["fit"]

    def oracle(features, keys):
        return fit.loc[list(zip(keys["position_id"], keys["nip"], strict=True))].to_numpy()

    scorers = {"oracle": oracle, "seniority": seniority_scorer(small_export.employees)}
    table = evaluate_scorers(small_export, truth, scorers)
    assert len(table) > 0
    np.testing.assert_allclose(table["oracle"].dropna(), 1.0)
    assert table["seniority"].mean() < table["oracle"].mean()
