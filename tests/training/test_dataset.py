"""Ranking data: groups, time splits, point in time, sampled negatives, label policy."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from features.build import build_features
from features.candidates import prepare_candidates
from features.rules import evaluate_rules
from training.config import LabelPolicy, SplitConfig
from training.dataset import (
    DatasetError,
    RankingData,
    apply_label_policy,
    build_training_data,
    round_rows,
    seniority_z,
    split_rounds,
)


def test_groups_are_contiguous_rounds_and_sum_to_rows(training_data):
    data = training_data.data
    groups = data.groups
    assert groups.sum() == len(data.frame)
    assert len(groups) == data.frame["round_id"].nunique()
    ids = data.frame["round_id"].to_numpy()
    starts = np.r_[0, np.cumsum(groups)[:-1]]
    for start, size in zip(starts, groups, strict=True):
        assert len(set(ids[start : start + size])) == 1
    firsts = data.frame.iloc[starts]
    order = list(zip(firsts["decided_on"], firsts["round_id"], strict=True))
    assert order == sorted(order)  # blocks follow the rounds in time, as LightGBM is told


def test_groups_refuse_a_round_split_in_two_blocks():
    frame = pd.DataFrame({"round_id": ["a", "a", "b", "a"]})
    with pytest.raises(DatasetError, match="not contiguous"):
        RankingData(frame, ()).groups  # noqa: B018


def test_no_round_in_two_splits_and_test_rounds_are_most_recent(training_data, small_export):
    split = training_data.split
    train, val, test = set(split.train), set(split.validation), set(split.test)
    assert not (train & val) and not (train & test) and not (val & test)
    assert train | val | test == set(small_export.rounds["round_id"])
    when = small_export.rounds.groupby("round_id")["decided_on"].max()
    assert when[list(val)].min() >= when[list(train)].max()
    assert when[list(test)].min() >= when[list(val)].max()
    for name in ("train", "validation", "test"):
        part = training_data.part(name)
        assert set(part.frame["round_id"]) == set(split.of(name))
        assert part.groups.sum() == len(part.frame)


def test_split_refuses_too_few_rounds():
    rounds = pd.DataFrame({
        "round_id": ["a", "b", "c", "d"],
        "decided_on": pd.to_datetime(["2020-01-01", "2021-01-01", "2022-01-01", "2023-01-01"]),
    })  # fmt: skip
    with pytest.raises(DatasetError, match="too few"):
        split_rounds(rounds, SplitConfig(min_test_rounds=2, min_validation_rounds=1))


def test_sampled_negatives_are_eligible_non_candidates(training_data, small_export, ruleset):
    frame = training_data.data.frame
    negatives = frame[~frame["is_candidate"]]
    assert len(negatives) > 0
    assert (negatives["label"] == 0).all() and (negatives["raw_label"] == 0).all()
    in_round = small_export.rounds.groupby("round_id")["nip"].apply(set)
    positions = small_export.positions.set_index("position_id")
    for round_id, rows in list(negatives.groupby("round_id"))[:5]:
        assert not set(rows["nip"]) & in_round[round_id]
        position = positions.loc[rows["position_id"].iloc[0]].reset_index().iloc[0]
        position = {**positions.loc[rows["position_id"].iloc[0]].to_dict(),
                    "position_id": rows["position_id"].iloc[0]}  # fmt: skip
        as_of = pd.Timestamp(rows["decided_on"].iloc[0])
        pool = prepare_candidates(small_export, as_of, nips=list(rows["nip"]))
        features = build_features(pool, position, as_of)
        verdict = evaluate_rules(
            pool, position, features, as_of, ruleset, small_export.election_calendar
        )
        assert np.asarray(verdict.eligible).all()
        employees = small_export.employees.set_index("nip")
        assert (employees.loc[list(rows["nip"]), "agency_id"] == position["agency_id"]).all()


def _first_round(export):
    rounds = export.rounds
    round_id = rounds["round_id"].iloc[0]
    rows = rounds[rounds["round_id"] == round_id]
    position = (
        export.positions.set_index("position_id", drop=False)
        .loc[rows["position_id"].iloc[0]]
        .to_dict()
    )
    return rows, position


def test_an_assessment_after_the_decision_does_not_change_the_round(small_export, ruleset):
    rows, position = _first_round(small_export)
    before = round_rows(small_export, ruleset, rows, position, 0, np.random.default_rng(0))
    later = pd.Timestamp(rows["decided_on"].iloc[0]) + pd.Timedelta(days=30)
    template = small_export.competencies.iloc[[0]].copy()
    added = pd.concat([template] * len(rows), ignore_index=True)
    added["nip"] = rows["nip"].to_numpy()
    added["assessed_on"] = later
    for column in ("integritas", "kerja_sama", "komunikasi", "orientasi_hasil"):
        added[column] = 5.0
    changed = dataclasses.replace(
        small_export, competencies=pd.concat([small_export.competencies, added], ignore_index=True)
    )
    after = round_rows(changed, ruleset, rows, position, 0, np.random.default_rng(0))
    pd.testing.assert_frame_equal(before, after)
    # the same assessment dated before the decision does change the rows
    added["assessed_on"] = pd.Timestamp(rows["decided_on"].iloc[0]) - pd.Timedelta(days=1)
    earlier = dataclasses.replace(
        small_export, competencies=pd.concat([small_export.competencies, added], ignore_index=True)
    )
    moved = round_rows(earlier, ruleset, rows, position, 0, np.random.default_rng(0))
    assert not moved.equals(before)


def test_label_policy_keeps_outcomes_and_caps_committee(small_export):
    rounds = small_export.rounds
    policy = LabelPolicy(committee_weight=0.5, committee_max_label=3)
    labels, weights = apply_label_policy(rounds, small_export.employees, policy)
    outcome = (rounds["label_source"] == "OUTCOME").to_numpy()
    assert (labels[outcome] == rounds["label"].to_numpy()[outcome]).all()
    assert labels[~outcome].max() <= 3 and labels.min() >= 0
    assert (weights[outcome] == 1.0).all() and (weights[~outcome] == 0.5).all()


def test_seniority_debias_lowers_senior_committee_grades(small_export):
    rounds = small_export.rounds
    z = seniority_z(rounds, small_export.employees)
    plain, _ = apply_label_policy(
        rounds, small_export.employees,
        LabelPolicy(committee_seniority_debias=False, committee_max_label=4),
    )  # fmt: skip
    debiased, _ = apply_label_policy(
        rounds, small_export.employees,
        LabelPolicy(committee_seniority_debias=True, committee_max_label=4),
    )  # fmt: skip
    committee = (rounds["label_source"] == "COMMITTEE").to_numpy()
    senior = committee & (z > 1)
    assert (debiased[senior] <= plain[senior]).all()
    assert debiased[senior].mean() < plain[senior].mean()


def test_rows_say_whether_the_rules_admit_them_and_negatives_always_pass(training_data):
    frame = training_data.data.frame
    assert frame["eligible"].dtype == bool
    assert frame.loc[~frame["is_candidate"], "eligible"].all()
    # past candidates were pre-screened by the committee, not by today's rules: some fail
    assert not frame.loc[frame["is_candidate"], "eligible"].all()


def test_no_negatives_when_per_round_is_zero(small_export, tiny_config, ruleset):
    config = tiny_config.model_copy(
        update={"negatives": tiny_config.negatives.model_copy(
            update={"per_round": 0, "live_like_per_round": 0})}
    )  # fmt: skip
    data = build_training_data(small_export, config, ruleset, progress=False)
    assert data.data.frame["is_candidate"].all()
    assert len(data.data.frame) == len(small_export.rounds)
