"""Metrics per round, bootstrap intervals, the top-k fairness audit and the promotion gate."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from features.ranking import top_k_mask
from training.config import TrainingConfig
from training.dataset import RankingData
from training.evaluation import Estimate, bootstrap, per_round, round_metrics
from training.fairness import FairnessReport, audit
from training.pipeline import Evaluation, gate


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


def _audit_frame():
    nips = [f"{i:018d}" for i in range(8)]
    frame = pd.DataFrame({
        "round_id": ["r"] * 8, "decided_on": pd.Timestamp("2024-01-01"), "nip": nips,
        "position_type": "PENGAWAS", "agency_id": "X", "raw_label": 0, "is_candidate": True,
    })  # fmt: skip
    employees = pd.DataFrame({
        "nip": nips, "gender": ["M", "M", "M", "M", "F", "F", "F", "F"],
        "birth_date": pd.Timestamp("1980-01-01"), "religion": "ISLAM", "origin_region": "",
    })  # fmt: skip
    return RankingData(frame, ()), employees


def test_fairness_audit_selection_rate_and_impact_ratio():
    data, employees = _audit_frame()
    scores = np.array([8, 7, 6, 1, 5, 2, 3, 4], dtype=float)  # top-4: three men, one woman
    assert top_k_mask(scores, data.frame["nip"].to_numpy(), data.groups, 4).sum() == 4
    report = audit(data, scores, employees, k=4, min_group_size=1)
    rates = report.rates["gender"].set_index("group")["selection_rate"]
    assert rates["M"] == pytest.approx(0.75) and rates["F"] == pytest.approx(0.25)
    assert report.impact_ratio["gender"] == pytest.approx(1 / 3)
    assert np.isnan(report.impact_ratio["religion"])  # one group: nothing to compare


def _evaluation(ranker: float, baseline: float, gender_ratio: float = 1.0) -> Evaluation:
    def est(value):
        return {"ndcg@10": Estimate(value, value - 0.05, value + 0.05, 10)}

    fairness = FairnessReport(k=10, rates={}, impact_ratio={"gender": gender_ratio})
    return Evaluation(
        as_is={"ranker": est(ranker), "seniority": est(baseline), "jpm": est(baseline - 0.1),
               "pointwise": est(baseline)},
        live_like={}, tables={}, fairness=fairness,
    )  # fmt: skip


def test_gate_refuses_a_challenger_worse_than_the_champion():
    config = TrainingConfig()
    champion = {"ndcg@10": Estimate(0.80, 0.75, 0.85, 10)}
    decision = gate(_evaluation(0.78, 0.5), champion, config)
    assert not decision.promoted and "champion" in decision.reason


def test_gate_tolerates_a_tie_with_the_champion_and_promotes_a_better_one():
    config = TrainingConfig()
    champion = {"ndcg@10": Estimate(0.80, 0.75, 0.85, 10)}
    assert gate(_evaluation(0.797, 0.5), champion, config).promoted
    assert gate(_evaluation(0.85, 0.5), champion, config).promoted
    assert gate(_evaluation(0.85, 0.5), None, config).promoted


def test_gate_refuses_a_challenger_that_does_not_beat_a_baseline_or_is_unfair():
    config = TrainingConfig()
    lost = gate(_evaluation(0.6, 0.7), None, config)
    assert not lost.promoted and "seniority" in lost.reason
    champion = {"ndcg@10": Estimate(0.55, 0.5, 0.6, 10)}
    below_pointwise = _evaluation(0.6, 0.5)
    below_pointwise.as_is["pointwise"] = below_pointwise.as_is["ranker"]
    assert not gate(below_pointwise, champion, config).promoted  # later: every baseline


def test_a_first_model_that_beats_seniority_is_promoted_with_a_warning():
    config = TrainingConfig()
    evaluation = _evaluation(0.6, 0.5)
    evaluation.as_is["pointwise"] = evaluation.as_is["ranker"]  # a tie: not beaten
    decision = gate(evaluation, None, config)
    assert decision.promoted
    assert decision.reason.startswith("first champion") and "pointwise" in decision.reason
    unfair = _evaluation(0.6, 0.5, gender_ratio=0.6)
    assert not gate(unfair, None, config).promoted  # fairness is never waived
    unfair = gate(_evaluation(0.9, 0.5, gender_ratio=0.6), None, config)
    assert not unfair.promoted and "impact ratio" in unfair.reason
