"""The promotion gate on quality: baselines, the champion, the first model's leniency."""

from __future__ import annotations

import numpy as np
import pandas as pd

from training.config import TrainingConfig
from training.dataset import RankingData
from training.evaluation import Estimate
from training.fairness import FairnessReport, audit
from training.gate import gate
from training.pipeline import Evaluation


def _biased_report() -> FairnessReport:
    """Equal merit, men scored 1.5 higher: an unexplained gender disparity."""
    rng = np.random.default_rng(0)
    rounds, size = 40, 30
    n = rounds * size
    nips = np.array([f"{i:018d}" for i in range(n)])
    women = np.tile(np.arange(size) % 2 == 1, rounds)
    jpm = rng.normal(0, 1, n)
    frame = pd.DataFrame({
        "round_id": np.repeat([f"r{r:03d}" for r in range(rounds)], size), "nip": nips,
        "decided_on": pd.Timestamp("2024-01-01"), "jpm": jpm,
    })  # fmt: skip
    employees = pd.DataFrame({
        "nip": nips, "gender": np.where(women, "F", "M"),
        "birth_date": pd.Timestamp("1980-01-01"), "religion": "ISLAM", "origin_region": "",
    })  # fmt: skip
    return audit(RankingData(frame, ("jpm",)), jpm + 1.5 * ~women, employees, 10, 20, samples=200)


def _evaluation(
    ranker: float, baseline: float, fairness: FairnessReport | None = None
) -> Evaluation:
    def est(value):
        return {"ndcg@10": Estimate(value, value - 0.05, value + 0.05, 10)}

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


def test_gate_refuses_a_challenger_that_does_not_beat_a_baseline():
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
    unfair = _evaluation(0.6, 0.5, _biased_report())
    unfair.as_is["pointwise"] = unfair.as_is["ranker"]
    assert not gate(unfair, None, config).promoted  # fairness is never waived
    unfair = gate(_evaluation(0.9, 0.5, _biased_report()), None, config)
    assert not unfair.promoted and "unexplained disparity" in unfair.reason
