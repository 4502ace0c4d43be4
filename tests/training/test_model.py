"""The lambdarank ranker: determinism, parameters, and it learns the order of the rounds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from features.catalogue import SENIORITY
from training.config import ModelConfig, load_config
from training.evaluation import per_round
from training.model import lgb_params, refit_plan, refit_ranker, train_ranker


def test_params_are_deterministic_lambdarank_at_shortlist_sizes(tiny_config):
    params = lgb_params(tiny_config, ("jpm", "years_of_service", "sanction_active"))
    assert params["objective"] == "lambdarank"
    assert params["monotone_constraints"] == [1, 0, -1]  # seniority is left free
    assert params["eval_at"] == [5, 10]
    assert params["deterministic"] is True and params["num_threads"] == 1
    assert params["lambdarank_truncation_level"] >= 10


def test_two_trainings_with_the_same_seed_are_identical(training_data, tiny_config):
    train, val = training_data.part("train"), training_data.part("validation")
    test = training_data.part("test", candidates_only=True)
    first = train_ranker(train, val, tiny_config)
    second = train_ranker(train, val, tiny_config)
    assert first.model_to_string() == second.model_to_string()
    np.testing.assert_array_equal(first.predict(test.X), second.predict(test.X))


def test_the_ranker_orders_test_rounds_better_than_chance(training_data, tiny_config):
    booster = train_ranker(
        training_data.part("train"), training_data.part("validation"), tiny_config
    )
    test = training_data.part("test", candidates_only=True)
    ours = np.nanmean(per_round(test, booster.predict(test.X))["ndcg@10"])
    rng = np.random.default_rng(0)
    chance = np.mean([
        np.nanmean(per_round(test, rng.random(len(test.frame)))["ndcg@10"]) for _ in range(20)
    ])  # fmt: skip
    assert ours > chance


def test_without_early_stopping_exactly_num_boost_round_trees_are_grown(training_data, tiny_config):
    config = tiny_config.model_copy(
        update={"model": tiny_config.model.model_copy(update={"early_stopping_rounds": 0})}
    )
    booster = train_ranker(training_data.part("train"), training_data.part("validation"), config)
    assert booster.num_trees() == config.model.num_boost_round


def test_the_default_config_trains_on_past_candidates_only_without_early_stopping():
    config = load_config(Path(__file__).resolve().parents[2] / "training/configs/default.yaml")
    assert config.negatives.per_round == 0
    assert config.negatives.live_like_per_round > 0
    assert config.model.early_stopping_rounds == 0


def test_more_merit_never_ranks_a_candidate_lower(training_data, tiny_config):
    """Direction test: raising a merit factor (or lowering a shortfall) never lowers a score."""
    booster = train_ranker(
        training_data.part("train"), training_data.part("validation"), tiny_config
    )
    test = training_data.part("test")
    columns = list(test.feature_columns)
    before = booster.predict(test.X)
    for feature, step in [("jpm", 15.0), ("perf_mean", 1.0), ("major_family_match", 0.5),
                          ("shortfall_sum", -2.0), ("sanction_active", -1.0)]:  # fmt: skip
        better = test.X.copy()
        better[:, columns.index(feature)] += step
        assert (booster.predict(better) >= before - 1e-12).all(), feature


def test_monotone_constraints_must_name_features_once():
    with pytest.raises(ValueError, match="unknown features: no_such"):
        ModelConfig(monotone_increasing=("jpm", "no_such"))
    with pytest.raises(ValueError, match="both directions: jpm"):
        ModelConfig(monotone_increasing=("jpm",), monotone_decreasing=("jpm",))


def test_the_refit_learns_every_round_and_leaves_out_the_live_like_rows(training_data):
    rows = training_data.all_rounds(negatives_per_round=0)
    assert set(rows.rounds) == {*training_data.split.train, *training_data.split.validation,
                                *training_data.split.test}  # fmt: skip
    test = rows.frame["round_id"].isin(set(training_data.split.test))
    assert rows.frame.loc[test, "is_candidate"].all()  # live-like negatives are not trained on
    assert len(rows.frame.loc[test]) == len(training_data.part("test", candidates_only=True).frame)
    with_some = training_data.all_rounds(negatives_per_round=3).frame
    extra = with_some.loc[~with_some["is_candidate"]].groupby("round_id").size()
    in_test = extra.reindex(list(training_data.split.test), fill_value=0)
    assert extra.max() <= 5 and in_test.max() == 3
    rows.groups  # noqa: B018  (every round contiguous)


def test_the_refit_grows_the_configured_trees_or_scales_the_early_stopping_round(
    training_data, tiny_config
):
    train, val = training_data.part("train"), training_data.part("validation")
    gated = train_ranker(train, val, tiny_config)
    n_all = len(training_data.data.rounds)
    n_train = len(training_data.split.train)
    plan = refit_plan(gated, n_all, n_train, tiny_config)
    assert plan.early_stopped and plan.gated_trees == gated.num_trees()
    assert plan.trees == max(1, round(gated.num_trees() * n_all / n_train)) > plan.gated_trees
    served = refit_ranker(training_data.all_rounds(0), plan, tiny_config)
    assert served.num_trees() == plan.trees
    assert served.model_to_string() != gated.model_to_string()
    fixed = tiny_config.model_copy(
        update={"model": tiny_config.model.model_copy(update={"early_stopping_rounds": 0})}
    )
    assert refit_plan(gated, n_all, n_train, fixed).trees == fixed.model.num_boost_round


def test_grades_gain_linearly_as_in_the_ndcg_shortlists_are_judged_by(tiny_config):
    params = lgb_params(tiny_config, ("jpm",))
    assert params["label_gain"] == [0.0, 1.0, 2.0, 3.0, 4.0]
    with pytest.raises(ValueError, match="label_gain"):
        ModelConfig(label_gain=(0.0, 2.0, 1.0, 3.0, 4.0))


def test_the_talent_box_only_rises_with_merit_so_it_is_constrained_too(tiny_config):
    params = lgb_params(tiny_config, ("talent_box", "perf_trend"))
    assert params["monotone_constraints"] == [1, 0]


def test_time_served_never_moves_a_score(training_data, tiny_config):
    """Seniority features are never split on: their contribution is exactly 0 for every row,
    and a senior twin (more service, rank, time in post) scores exactly the same."""
    assert set(tiny_config.model.unranked) == set(SENIORITY)
    booster = train_ranker(
        training_data.part("train"), training_data.part("validation"), tiny_config
    )
    test = training_data.part("test")
    columns = list(test.feature_columns)
    seniority = [columns.index(name) for name in SENIORITY]
    contributions = booster.predict(test.X, pred_contrib=True)
    assert (contributions[:, seniority] == 0.0).all()
    senior = test.X.copy()
    senior[:, seniority] += 10.0
    np.testing.assert_array_equal(booster.predict(senior), booster.predict(test.X))
    free = tiny_config.model.model_copy(update={"unranked": ()})
    unconstrained = train_ranker(
        training_data.part("train"),
        training_data.part("validation"),
        tiny_config.model_copy(update={"model": free}),
    )
    used = unconstrained.feature_importance("split")[seniority]
    assert used.sum() > 0  # left free, the committee's grades teach the trees seniority
