"""Shadow comparison: challenger against champion on the open vacancies of the export."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from features.export import Export
from features.rules import RuleSet
from tests.conftest import TINY_TRAINING_CONFIG
from training.bundle import RankerBundle
from training.config import ShadowConfig, TrainingConfig, load_config
from training.dataset import RankingData, TrainingData
from training.evaluation import Estimate
from training.fairness import AUDITED
from training.model import train_ranker
from training.pipeline import Evaluation, GateDecision, TrainResult
from training.settings import get_settings
from training.shadow import Ranker, compare, compare_vacancy, shadow_compare, total_variation

CONFIG = ShadowConfig(k=10, min_overlap=0.9, max_vacancies=8)


@pytest.fixture(scope="module")
def same(ranker: RankerBundle, ruleset: RuleSet) -> Ranker:
    return Ranker(ranker.booster, ranker.feature_columns, ruleset)


@pytest.fixture(scope="module")
def other(training_data: TrainingData, tiny_config: TrainingConfig, ruleset: RuleSet) -> Ranker:
    """A different booster: few shallow trees on the training rows with labels shuffled."""
    config = tiny_config.model_copy(
        update={
            "seed": 99,
            "model": tiny_config.model.model_copy(
                update={"num_boost_round": 3, "num_leaves": 3, "early_stopping_rounds": 0}
            ),
        }
    )
    train = training_data.part("train")
    rng = np.random.default_rng(3)
    frame = train.frame.assign(label=rng.permutation(train.frame["label"].to_numpy()))
    shuffled = RankingData(frame, train.feature_columns)
    booster = train_ranker(shuffled, training_data.part("validation"), config)
    return Ranker(booster, training_data.data.feature_columns, ruleset)


def test_the_export_has_open_vacancies(small_export: Export) -> None:
    assert small_export.positions["is_vacant"].astype(bool).sum() >= 1


def test_same_booster_overlaps_fully(small_export: Export, same: Ranker) -> None:
    report = compare(small_export, same, same, CONFIG, champion_name="1")
    assert report.compared
    assert len(report.table) >= 1
    assert (report.table["overlap"] == 1.0).all()
    assert report.mean_tau == pytest.approx(1.0)
    for attribute in AUDITED:
        assert report.fairness_overall[attribute] == 0.0
        assert (report.table[f"tv_{attribute}"] == 0.0).all()
    assert not report.large_change
    assert not any("look before promoting" in line for line in report.lines())
    assert report.metrics()["shadow.overlap_at_10"] == 1.0


def test_a_different_booster_overlaps_less(
    small_export: Export, same: Ranker, other: Ranker
) -> None:
    report = compare(small_export, other, same, CONFIG, champion_name="1")
    assert report.mean_overlap < 1.0
    assert report.mean_tau < 1.0
    assert report.table["overlap"].between(0, 1).all()
    assert report.large_change
    assert any("look before promoting" in line for line in report.lines())
    assert "not a refusal" in report.lines()[-1]


def test_no_champion_is_said(small_export: Export, same: Ranker) -> None:
    report = compare(small_export, same, None, CONFIG)
    assert not report.compared
    assert report.metrics() == {}
    assert report.lines() == ["shadow: no champion: nothing to compare"]


def test_no_champion_in_an_empty_registry(
    small_export: Export,
    ranker: RankerBundle,
    training_data: TrainingData,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'empty.db'}")
    get_settings.cache_clear()
    try:
        report = shadow_compare(small_export, ranker.booster, training_data, get_settings(), CONFIG)
    finally:
        get_settings.cache_clear()
    assert report.champion is None
    assert "nothing to compare" in report.lines()[0]


def test_compare_vacancy_by_hand() -> None:
    nips = np.array(["a", "b", "c", "d"])
    groups = pd.DataFrame({"gender": ["F", "M", "F", "M"]})
    rows = np.arange(4)
    a = (rows, np.array([4.0, 3.0, 2.0, 1.0]))
    b = (rows, np.array([1.0, 2.0, 3.0, 4.0]))
    out = compare_vacancy(a, b, nips, groups, k=2)
    assert out["overlap"] == 0.0  # top 2: {a, b} against {d, c}
    assert out["kendall_tau"] == pytest.approx(-1.0)
    assert out["tv_gender"] == 0.0  # one F and one M in each top 2
    assert total_variation(pd.Series(["F", "F"]), pd.Series(["M", "M"])) == 1.0


def test_config_has_a_shadow_section() -> None:
    config = load_config(TINY_TRAINING_CONFIG)
    assert config.shadow.k == 10
    assert 0 <= config.shadow.min_overlap <= 1


def test_the_registered_champion_is_compared(
    small_export: Export, champion: RankerBundle, ranker: RankerBundle, training_data: TrainingData
) -> None:
    report = shadow_compare(small_export, ranker.booster, training_data, get_settings(), CONFIG)
    assert report.champion == champion.version
    assert report.compared
    assert set(report.table["position_id"]) <= set(small_export.positions["position_id"])
    assert f"champion v{champion.version}" in report.lines()[0]


def test_the_train_summary_prints_the_shadow_lines(small_export: Export, same: Ranker) -> None:
    counts = {f"{p}_{w}": 1 for p in ("train", "validation", "test") for w in ("rounds", "rows")}
    result = TrainResult(
        counts={**counts, "test_candidate_rows": 1},
        evaluation=Evaluation(
            as_is={"ranker": {"ndcg@10": Estimate(0.8, 0.7, 0.9, 5)}}, live_like={}, tables={}
        ),
        decision=GateDecision(True, "fine"), name="asn-jobfit", version="2", aliases=[],
        run_id="r", trees=3, seconds=1.0, ruleset_version="v2", data_hash="0" * 12,
        shadow=compare(small_export, same, same, CONFIG, champion_name="1"),
    )  # fmt: skip
    summary = result.summary().splitlines()
    shadow = next(i for i, line in enumerate(summary) if line.startswith("shadow vs champion v1"))
    assert "overlap@10 mean 1.00" in summary[shadow]
    assert summary[shadow + 2].startswith("gate: PROMOTED")
