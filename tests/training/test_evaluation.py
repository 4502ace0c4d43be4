"""Metrics per round and bootstrap intervals (the fairness audit and the gate: test_fairness,
test_gate)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from training.dataset import RankingData
from training.evaluation import bootstrap, per_round, round_metrics


def test_perfect_order_scores_one_and_reversed_order_less():
    truth = np.array([4, 3, 2, 1, 0, 0], dtype=float)
    best = round_metrics(truth, truth)
    worst = round_metrics(truth, -truth)
    assert best["ndcg@5"] == pytest.approx(1.0) and best["ndcg@10"] == pytest.approx(1.0)
    assert worst["ndcg@10"] < 0.8
    assert best["map@10"] == pytest.approx(1.0) and best["recall@10"] == pytest.approx(1.0)


def test_map_and_recall_on_a_hand_computed_round():
    truth = np.array([0, 4, 0, 3] + [0] * 10, dtype=float)
    scores = -np.arange(len(truth), dtype=float)  # shown in row order
    metrics = round_metrics(truth, scores)
    assert metrics["map@10"] == pytest.approx((1 / 2 + 2 / 4) / 2)
    assert metrics["recall@10"] == pytest.approx(1.0)


def test_rounds_without_signal_are_skipped():
    assert np.isnan(round_metrics(np.zeros(4), np.arange(4.0))["ndcg@10"])
    assert np.isnan(round_metrics(np.array([3.0]), np.array([1.0]))["ndcg@10"])


def test_per_round_follows_groups():
    frame = pd.DataFrame({
        "round_id": ["a", "a", "a", "b", "b"], "position_type": "PENGAWAS", "agency_id": "X",
        "raw_label": [3, 0, 1, 0, 4], "is_candidate": True, "f": 0.0,
    })  # fmt: skip
    table = per_round(RankingData(frame, ("f",)), np.array([3.0, 1, 2, 2, 1]))
    assert list(table["round_id"]) == ["a", "b"]
    assert table.loc[0, "ndcg@10"] == pytest.approx(1.0)
    assert table.loc[1, "ndcg@10"] < 1.0


def test_bootstrap_interval_brackets_the_mean():
    values = np.random.default_rng(0).uniform(0, 1, 200)
    estimate = bootstrap(values, 500, 1)
    assert estimate.low < estimate.mean < estimate.high
    assert estimate.mean == pytest.approx(values.mean())
    assert estimate.rounds == 200
