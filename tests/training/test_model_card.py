"""The model card (sections, artefact of run and version), finite-score checks, version notice."""

from __future__ import annotations

import json
import logging
import math
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import lightgbm as lgb
import mlflow
import numpy as np
import pytest
import yaml
from mlflow.tracking import MlflowClient

from features.catalogue import SENIORITY
from features.export import PROTECTED_ATTRIBUTES
from training.bundle import (
    CARD_FILE,
    META_FILE,
    RankerBundle,
    ScoreCheckError,
    check_booster,
    check_scores,
    installed_versions,
    read_bundle,
    write_bundle,
)
from training.evaluation import Estimate
from training.model_card import SECTIONS, CardFacts, render
from training.pipeline import train_and_register
from training.settings import get_settings

TEST_CONFIG = Path(__file__).resolve().parents[2] / "training" / "configs" / "test.yaml"


def _nan_booster(booster: lgb.Booster) -> lgb.Booster:
    """``booster`` with its first tree's leaf values replaced by NaN (every score NaN)."""
    out, done = [], False
    for line in booster.model_to_string().splitlines():
        if line.startswith("tree_sizes="):  # byte offsets: dropped, LightGBM parses without
            continue
        if line.startswith("leaf_value=") and not done:
            leaves = len(line.split("=", 1)[1].split())
            line, done = "leaf_value=" + " ".join(["nan"] * leaves), True
        out.append(line)
    return lgb.Booster(model_str="\n".join(out) + "\n")


class _NewShape:
    """A fairness report of the rewritten shape: raw and conditional ratios with intervals."""

    k = 10

    def metrics(self) -> dict[str, float]:
        values = {
            "raw_ratio": 0.61, "raw_low": 0.5, "raw_high": 0.72,
            "conditional_ratio": 0.93, "conditional_low": 0.85, "conditional_high": 1.0,
        }  # fmt: skip
        return {f"fairness.religion.{k}": v for k, v in values.items()}


class _OldShape:
    k = 10

    def metrics(self) -> dict[str, float]:
        return {"fairness.gender.impact_ratio": 0.97}


def _facts(fairness: object) -> CardFacts:
    estimate = Estimate(0.7, 0.65, 0.75, 12)
    return CardFacts(
        name="asn-jobfit", run_id="r1", trained_at=datetime(2026, 1, 2, tzinfo=UTC),
        data_hash="abc", export_date=datetime(2026, 1, 1).date(), windows={}, counts={},
        feature_columns=("jpm", "years_of_service"), unranked=("years_of_service",),
        as_is={"ranker": {"ndcg@10": estimate}}, live_like={}, fairness=fairness,  # type: ignore[arg-type]
        behaviour=None, gate_promoted=True, gate_reason="ok", ruleset_version="rs-1",
        code_version="c1", libraries={"lightgbm": "4.7.0"},
    )  # fmt: skip


def test_fairness_renders_raw_and_conditional_ratios_of_either_report_shape() -> None:
    new = render(_facts(_NewShape()))
    assert "| religion | 0.61 [0.50, 0.72] | 0.93 [0.85, 1.00] |" in new
    assert "raw ratios only" not in new
    old = render(_facts(_OldShape()))
    assert "| gender | 0.97 | n/a |" in old and "raw ratios only" in old
    assert "No fairness audit" in render(_facts(None))


def test_the_champion_card_holds_every_required_section(champion: RankerBundle) -> None:
    card = champion.model_card
    headings = [line[3:] for line in card.splitlines() if line.startswith("## ")]
    assert headings == list(SECTIONS)
    assert "never a decision" in card and "Pasal 191" in card
    assert champion.data_hash in card and f"rule set: {champion.ruleset_version}" in card
    assert f"code: {champion.code_version}" in card
    for library, version in installed_versions(("lightgbm", "lleaves", "mlflow")).items():
        assert f"- {library}: {version}" in card
    for attribute in PROTECTED_ATTRIBUTES:
        assert f"- `{attribute}`:" in card
    features = card.split("## Features", 1)[1].split("## Quality", 1)[0]
    moving = features.split("Present but never", 1)[0]
    assert all(name not in moving for name in SENIORITY)
    assert all(name in features for name in SENIORITY)
    assert "The served model" in card.split("## Features", 1)[0]
    quality = card.split("## Quality against the baselines", 1)[1].split("##", 1)[0]
    for method in ("ranker", "seniority"):
        row = next(line for line in quality.splitlines() if line.startswith(f"| {method} |"))
        assert row.count("[") == 2, row  # as-is and live-like, each with an interval
    fairness = card.split("## Fairness", 1)[1].split("## Merit", 1)[0]
    assert "| gender |" in fairness or "no group large enough" in fairness


def test_the_card_is_an_artefact_of_the_run_and_of_the_version(
    champion: RankerBundle, tmp_path: Path
) -> None:
    settings = get_settings()
    client = MlflowClient(settings.mlflow_tracking_uri)
    run_id = client.get_model_version(settings.model_name, champion.version).run_id
    of_run = Path(client.download_artifacts(run_id, CARD_FILE, str(tmp_path / "run")))
    assert of_run.read_text(encoding="utf-8") == champion.model_card
    unit = Path(
        mlflow.artifacts.download_artifacts(
            artifact_uri=f"models:/{settings.model_name}/{champion.version}",
            dst_path=str(tmp_path / "unit"),
        )
    )
    cards = list(unit.rglob(CARD_FILE))
    assert len(cards) == 1 and cards[0].read_text(encoding="utf-8") == champion.model_card
    meta = json.loads(next(unit.rglob(META_FILE)).read_text(encoding="utf-8"))
    assert meta["libraries"] == installed_versions() and meta["trained_at"]


def test_a_booster_that_scores_nan_is_refused_at_load(ranker: RankerBundle, tmp_path: Path) -> None:
    broken = _nan_booster(ranker.booster)
    assert all(math.isnan(v) for v in broken.predict(np.zeros((3, broken.num_feature()))))
    with pytest.raises(ScoreCheckError, match="non-finite score"):
        check_booster(broken)
    write_bundle(replace(ranker, booster=broken), tmp_path)
    with pytest.raises(ScoreCheckError, match="leaf values"):
        read_bundle(tmp_path)
    check_booster(ranker.booster)  # the healthy one passes


def test_scores_that_cannot_rank_are_refused() -> None:
    check_scores(np.array([0.1, 0.3]), "rows", varied=True)
    with pytest.raises(ScoreCheckError, match="same score"):
        check_scores(np.full(5, 0.2), "the test rounds", varied=True)
    with pytest.raises(ScoreCheckError, match="1 non-finite score"):
        check_scores(np.array([0.1, np.inf]), "the test rounds")


def test_a_model_trained_with_other_library_versions_warns_naming_both(
    ranker: RankerBundle, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    write_bundle(replace(ranker, libraries=installed_versions()), tmp_path)
    with caplog.at_level(logging.WARNING, logger="training.bundle"):
        assert read_bundle(tmp_path).version_notices() == []
    assert not [r for r in caplog.records if "trained with" in r.getMessage()]
    meta_path = tmp_path / META_FILE
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta["libraries"]["lightgbm"] = "3.3.5"
    meta_path.write_text(json.dumps(meta), encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="training.bundle"):
        notices = read_bundle(tmp_path).version_notices()
    installed = installed_versions()["lightgbm"]
    assert notices == [f"lightgbm {installed} is installed but the model was trained with 3.3.5"]
    assert any(notices[0] in r.getMessage() for r in caplog.records if r.levelname == "WARNING")


@pytest.mark.slow
def test_a_model_that_cannot_rank_is_not_registered(small_export_dir: Path, tmp_path: Path) -> None:
    """No leaf can hold 100 000 rows: every tree is one leaf, every score the same."""
    config = yaml.safe_load(TEST_CONFIG.read_text(encoding="utf-8"))
    config["model"].update(min_data_in_leaf=100_000, num_boost_round=3, early_stopping_rounds=0)
    path = tmp_path / "flat.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    settings = get_settings()
    client = MlflowClient(settings.mlflow_tracking_uri)

    def versions() -> int:
        if not client.search_registered_models(f"name = '{settings.model_name}'"):
            return 0
        return len(client.search_model_versions(f"name = '{settings.model_name}'"))

    before = versions()
    with pytest.raises(ScoreCheckError, match="same score"):
        train_and_register(small_export_dir, path, progress=False)
    assert versions() == before
