"""The top-k fairness audit (raw and merit-conditional ratios) and the gate that decides on it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from features.build import FEATURE_COLUMNS
from features.export import PROTECTED_ATTRIBUTES
from features.ranking import top_k_mask
from training.config import FairnessConfig, GateConfig, TrainingConfig
from training.dataset import RankingData
from training.evaluation import Estimate
from training.fairness import AUDITED, MERIT_FACTORS, FairnessReport, audit, merit_strata
from training.gate import decision_tables, fairness_table, gate, outcome_rounds
from training.pipeline import Evaluation

MERIT = ("jpm", "perf_mean")


def _rounds(
    rounds: int, size: int, seed: int, *, merit_gap: float, bias: float
) -> tuple[RankingData, pd.DataFrame, np.ndarray]:
    """``rounds`` rounds of ``size`` candidates, half women; women's merit lower by
    ``merit_gap``; two merit features (JPM, performance) that read it with a little noise;
    scores = their sum + ``bias`` for men (a bias merit does not explain)."""
    rng = np.random.default_rng(seed)
    n = rounds * size
    nips = np.array([f"{i:018d}" for i in range(n)])
    women = np.tile(np.arange(size) % 2 == 1, rounds)
    merit = rng.normal(0.0, 1.0, n) - merit_gap * women
    jpm, perf = merit + rng.normal(0.0, 0.1, n), merit + rng.normal(0.0, 0.1, n)
    frame = pd.DataFrame({
        "round_id": np.repeat([f"r{r:04d}" for r in range(rounds)], size), "nip": nips,
        "decided_on": pd.Timestamp("2024-01-01"), "position_type": "PENGAWAS",
        "agency_id": "X", "raw_label": 0, "is_candidate": True, "jpm": jpm, "perf_mean": perf,
    })  # fmt: skip
    employees = pd.DataFrame({
        "nip": nips, "gender": np.where(women, "F", "M"),
        "birth_date": pd.Timestamp("1980-01-01"), "religion": "ISLAM", "origin_region": "",
    })  # fmt: skip
    scores = jpm + perf + bias * ~women + rng.normal(0, 0.01, n)
    return RankingData(frame, MERIT), employees, scores


def _audit(data: RankingData, employees: pd.DataFrame, scores: np.ndarray) -> FairnessReport:
    return audit(data, scores, employees, k=10, min_group_size=20, samples=300, seed=1)


@pytest.fixture(scope="module")
def explained() -> FairnessReport:
    return _audit(*_rounds(60, 40, 0, merit_gap=1.0, bias=0.0))


@pytest.fixture(scope="module")
def unexplained() -> FairnessReport:
    return _audit(*_rounds(60, 40, 0, merit_gap=0.0, bias=1.5))


def test_a_disparity_merit_explains_is_low_raw_and_near_parity_conditional(explained):
    gender = explained.attributes["gender"]
    assert gender.raw.value < 0.5  # women are far fewer in the top 10
    assert gender.conditional.value > 0.85  # but as many as their merit standing predicts
    assert gender.conditional.high >= 0.95
    assert gender.explained > 0.35


def test_a_disparity_merit_does_not_explain_is_low_conditional(unexplained):
    gender = unexplained.attributes["gender"]
    assert gender.raw.value < 0.5
    assert gender.conditional.value < 0.5 and gender.conditional.high < 0.8


def test_no_disparity_reads_near_parity_both_ways():
    report = _audit(*_rounds(60, 40, 3, merit_gap=0.0, bias=0.0))
    gender = report.attributes["gender"]
    assert gender.raw.low < 1.0 and gender.raw.high > 0.8
    assert gender.conditional.high > 0.8


def test_expected_selections_add_up_to_the_selections(explained):
    table = explained.attributes["gender"].groups
    assert table["expected"].sum() == pytest.approx(table["selected"].sum())
    assert table["selected"].sum() == 60 * 10


def _gate_evaluation(report: FairnessReport) -> Evaluation:
    def est(value: float) -> dict[str, Estimate]:
        return {"ndcg@10": Estimate(value, value - 0.05, value + 0.05, 10)}

    return Evaluation(
        as_is={"ranker": est(0.8), "seniority": est(0.5), "jpm": est(0.4), "pointwise": est(0.5)},
        live_like={}, tables={}, fairness=report,
    )  # fmt: skip


def test_gate_passes_explained_disparity_and_refuses_unexplained(explained, unexplained):
    config = TrainingConfig()
    assert config.fairness.min_conditional_ratio == 0.8
    passed = gate(_gate_evaluation(explained), None, config)
    assert passed.promoted
    assert "gender raw" in passed.reason and "conditional" in passed.reason  # never silent
    refused = gate(_gate_evaluation(unexplained), None, config)
    assert not refused.promoted and "unexplained disparity" in refused.reason
    assert "gender" in refused.reason
    verdicts = {v.attribute: v.verdict for v in refused.fairness}
    assert verdicts["gender"] == "refuse" and verdicts["religion"] == "not judged"
    table = "\n".join(fairness_table(refused, 10))
    assert "merit-conditional" in table and "refuse" in table


def test_the_gate_decides_on_the_conditional_ratio_not_the_raw_one(explained):
    strict = TrainingConfig(fairness=FairnessConfig(min_impact_ratio=0.99))
    assert explained.attributes["gender"].raw.value < 0.99
    assert gate(_gate_evaluation(explained), None, strict).promoted
    # women's merit higher, men scored up: the raw ratio looks fine, merit says it is not
    hidden = _audit(*_rounds(60, 40, 0, merit_gap=-1.0, bias=2.0))
    gender = hidden.attributes["gender"]
    assert gender.raw.value > 0.8 and gender.conditional.high < 0.5
    assert gender.conditional_group == "F"
    assert not gate(_gate_evaluation(hidden), None, TrainingConfig()).promoted


def test_many_groups_chosen_blind_to_them_are_not_refused_for_noise():
    data, employees, _ = _rounds(200, 40, 8, merit_gap=0.0, bias=0.0)
    regions = np.random.default_rng(8).choice([f"P{i:02d}" for i in range(30)], len(employees))
    employees["origin_region"] = regions
    scores = np.random.default_rng(9).normal(size=len(employees))  # blind to every group
    report = audit(data, scores, employees, 10, 20, min_expected=20, samples=400, seed=2)
    region = report.attributes["origin_region"]
    assert region.groups["judged"].sum() == 30
    low = region.groups.loc[region.groups["judged"], "selection_rate"]
    assert low.min() / low.max() < 0.8  # the lowest over the highest reads unfair by chance
    assert region.raw.high >= 0.8 and region.conditional.high >= 0.8
    assert gate(_gate_evaluation(report), None, TrainingConfig()).promoted


def test_groups_expected_to_be_selected_too_rarely_are_not_judged():
    data, employees, scores = _rounds(10, 40, 1, merit_gap=0.0, bias=0.0)
    employees.loc[:59, "religion"] = "HINDU"  # 60 rows, about 15 selections expected
    report = audit(data, scores, employees, 10, 20, min_expected=20, samples=50)
    table = report.attributes["religion"].groups.set_index("group")
    assert table.loc["HINDU", "rows"] >= 20 and not table.loc["HINDU", "judged"]
    assert (
        audit(data, scores, employees, 10, 20, min_expected=5, samples=50)
        .attributes["religion"]
        .groups.set_index("group")
        .loc["HINDU", "judged"]
    )


def test_interval_contains_the_point_and_narrows_with_more_rounds():
    few = _audit(*_rounds(15, 40, 5, merit_gap=0.0, bias=0.7)).attributes["gender"]
    many = _audit(*_rounds(240, 40, 5, merit_gap=0.0, bias=0.7)).attributes["gender"]
    for ratio in (few.raw, few.conditional, many.raw, many.conditional):
        assert ratio.low <= ratio.value <= ratio.high
    assert many.raw.high - many.raw.low < 0.6 * (few.raw.high - few.raw.low)
    width = many.conditional.high - many.conditional.low
    assert width < 0.6 * (few.conditional.high - few.conditional.low)


def test_bootstrap_is_seeded():
    data, employees, scores = _rounds(20, 40, 2, merit_gap=0.5, bias=0.5)
    first = audit(data, scores, employees, 10, 20, samples=100, seed=4)
    again = audit(data, scores, employees, 10, 20, samples=100, seed=4)
    assert first.metrics() == again.metrics()


def test_metrics_are_flat_and_named_per_attribute(explained):
    metrics = explained.metrics()
    for suffix in ("raw_ratio", "raw_low", "raw_high", "conditional_ratio", "conditional_low"):
        assert f"fairness.gender.{suffix}" in metrics
    assert not any(key.startswith("fairness.religion.") for key in metrics)  # one group


def test_small_groups_are_neither_judged_nor_shown():
    data, employees, scores = _rounds(2, 40, 1, merit_gap=0.0, bias=0.0)
    employees.loc[:4, "religion"] = "HINDU"  # 5 rows: below min_group_size
    report = audit(data, scores, employees, 10, 20, samples=50)
    table = report.attributes["religion"].groups.set_index("group")
    assert not table.loc["HINDU", "judged"] and np.isnan(table.loc["HINDU", "selection_rate"])
    assert np.isnan(report.attributes["religion"].raw.value)


def test_merit_strata_follow_the_merit_index_with_ties_together():
    frame = pd.DataFrame({
        "round_id": ["a"] * 5 + ["b"] * 3, "jpm": [5, 4, 4, 2, 1, 1, 3, 2],
        "perf_mean": [5, 4, 4, 2, 1, 1, 3, 2],
    })  # fmt: skip
    strata = merit_strata(RankingData(frame, MERIT), 2)
    assert strata.tolist() == [0, 0, 0, 1, 2, 1, 0, 0]


def test_shortfall_features_count_against_merit():
    frame = pd.DataFrame({"round_id": ["a"] * 3, "sanction_count_5y": [0.0, 2.0, 1.0]})
    assert merit_strata(RankingData(frame, ()), 1).tolist() == [0, 2, 1]


def test_fairness_audit_selection_rate_and_impact_ratio():
    nips = [f"{i:018d}" for i in range(8)]
    frame = pd.DataFrame({
        "round_id": ["r"] * 8, "decided_on": pd.Timestamp("2024-01-01"), "nip": nips,
        "position_type": "PENGAWAS", "agency_id": "X", "raw_label": 0, "is_candidate": True,
    })  # fmt: skip
    employees = pd.DataFrame({
        "nip": nips, "gender": ["M", "M", "M", "M", "F", "F", "F", "F"],
        "birth_date": pd.Timestamp("1980-01-01"), "religion": "ISLAM", "origin_region": "",
    })  # fmt: skip
    data = RankingData(frame, ())
    scores = np.array([8, 7, 6, 1, 5, 2, 3, 4], dtype=float)  # top-4: three men, one woman
    assert top_k_mask(scores, data.frame["nip"].to_numpy(), data.groups, 4).sum() == 4
    report = audit(data, scores, employees, k=4, min_group_size=1)
    rates = report.rates["gender"].set_index("group")["selection_rate"]
    assert rates["M"] == pytest.approx(0.75) and rates["F"] == pytest.approx(0.25)
    assert report.impact_ratio["gender"] == pytest.approx(1 / 3)
    assert np.isnan(report.impact_ratio["religion"])  # one group: nothing to compare


def _slice_tables(bad_type: str | None) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(0)
    rounds = 60
    types = np.array(["PENGAWAS", "ADMINISTRATOR", "JPT_PRATAMA"])[np.arange(rounds) % 3]
    seniority = rng.uniform(0.4, 0.6, rounds)
    ranker = seniority + 0.15 + rng.normal(0, 0.02, rounds)
    if bad_type is not None:
        ranker = np.where(types == bad_type, seniority - 0.2, ranker)
    base = pd.DataFrame({
        "round_id": [f"r{i}" for i in range(rounds)], "position_type": types,
        "agency_id": np.where(np.arange(rounds) < 55, "A", "B"),
    })  # fmt: skip
    return {"ranker": base.assign(**{"ndcg@10": ranker}),
            "seniority": base.assign(**{"ndcg@10": seniority})}  # fmt: skip


def _sliced(tables: dict[str, pd.DataFrame], report: FairnessReport) -> Evaluation:
    evaluation = _gate_evaluation(report)
    evaluation.tables = tables
    return evaluation


def test_slice_floors_refuse_a_model_bad_on_one_position_type(explained):
    config = TrainingConfig()
    good = gate(_sliced(_slice_tables(None), explained), None, config)
    assert good.promoted
    by_slice = {(v.by, v.value): v for v in good.slices}
    assert by_slice[("agency_id", "B")].verdict == "not judged"  # 5 rounds: reported only
    assert by_slice[("position_type", "PENGAWAS")].verdict == "pass"
    bad = gate(_sliced(_slice_tables("ADMINISTRATOR"), explained), None, config)
    assert not bad.promoted and "position_type ADMINISTRATOR" in bad.reason
    assert "PENGAWAS" not in bad.reason
    logged = decision_tables(bad)["gate_slices"].set_index(["by", "value"])["verdict"]
    assert logged[("position_type", "ADMINISTRATOR")] == "refuse"
    assert logged[("position_type", "PENGAWAS")] == "pass"
    lenient = TrainingConfig(gate=GateConfig(slice_tolerance=0.5))
    assert gate(_sliced(_slice_tables("ADMINISTRATOR"), explained), None, lenient).promoted


def test_outcome_labelled_rounds_are_a_slice_of_their_own(explained):
    tables = _slice_tables(None)
    outcome = frozenset(f"r{i}" for i in range(0, 60, 2))
    tables["ranker"].loc[::2, "ndcg@10"] = tables["seniority"].loc[::2, "ndcg@10"] - 0.2
    decision = gate(_sliced(tables, explained), None, TrainingConfig(), outcome)
    assert not decision.promoted and "OUTCOME-labelled rounds" in decision.reason
    frame = pd.DataFrame({"round_id": ["a", "a", "b"], "label_source": ["NONE", "OUTCOME", "C"]})
    assert outcome_rounds(RankingData(frame, ())) == frozenset({"a"})


def test_protected_attributes_are_never_model_or_merit_features():
    protected = set(PROTECTED_ATTRIBUTES) | set(AUDITED) | {"age_band"}
    assert not protected & set(FEATURE_COLUMNS)
    merit = {name for features in MERIT_FACTORS.values() for name, _ in features}
    assert merit <= set(FEATURE_COLUMNS) and not protected & merit
    config = TrainingConfig()
    assert not protected & set(config.model.monotone_increasing + config.model.monotone_decreasing)


def test_time_served_is_not_merit():
    frame = pd.DataFrame({
        "round_id": ["a"] * 3, "years_of_service": [30.0, 1.0, 10.0],
        "years_one_level_below": [9.0, 0.0, 3.0], "jpm": [1.0, 3.0, 2.0],
    })  # fmt: skip
    assert merit_strata(RankingData(frame, ()), 1).tolist() == [2, 0, 1]  # by JPM alone
