"""``make holdout``: every graded vacancy served through the engine and scored."""

from __future__ import annotations

from pathlib import Path

from serving.holdout import evaluate_holdout
from tests.training import test_holdout as truth_tests
from training.truth import load_truth

truth_dir = truth_tests.truth_dir  # the truth of the shared small export, written once


def test_holdout_serves_every_vacancy_through_the_engine(
    champion, small_export_dir: Path, truth_dir: Path
) -> None:
    result = evaluate_holdout(small_export_dir, truth_dir, samples=50)
    truth = load_truth(truth_dir)
    eligible = truth.frame.groupby("position_id")["eligible"].any()
    assert set(result.table["position_id"]) == set(truth.positions())
    assert result.ineligible == 0
    assert (result.table["served"] <= 10).all()
    assert set(result.methods) == {"ranker", "seniority"}
    if eligible.any():
        assert 0.0 <= result.methods["ranker"].mean <= 1.0
    text = result.summary()
    assert "ranker" in text and "ineligible candidates in any served top 10: 0" in text
