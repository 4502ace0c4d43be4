"""``make train`` uses all its evidence: the served model is refitted on every round, committee
grades are weighted by their measured agreement, the merit checks are logged and printed."""

from __future__ import annotations

from pathlib import Path

import lightgbm as lgb
import mlflow
import pytest
from mlflow.tracking import MlflowClient

from training.behaviour import Behaviour
from training.outcomes import CommitteeAgreement
from training.pipeline import behaviour_line, committee_line
from training.settings import get_settings

pytestmark = pytest.mark.slow


def test_the_champion_is_the_refit_and_the_gated_model_is_logged_too(champion, tmp_path: Path):
    settings = get_settings()
    client = MlflowClient(settings.mlflow_tracking_uri, settings.mlflow_tracking_uri)
    run = client.get_run(client.get_model_version(settings.model_name, champion.version).run_id)
    params, metrics = run.data.params, run.data.metrics
    assert params["refit.on_all_rounds"] == "True"
    assert int(params["refit.rounds"]) == int(
        metrics["train_rounds"] + metrics["validation_rounds"] + metrics["test_rounds"]
    )
    assert champion.booster.num_trees() == int(params["refit.trees"]) == metrics["trees"]
    gated_file = mlflow.artifacts.download_artifacts(
        run_id=run.info.run_id, artifact_path="gated/booster.txt", dst_path=str(tmp_path)
    )
    gated = lgb.Booster(model_file=gated_file)
    assert gated.num_trees() == metrics["gated.trees"]
    assert gated.model_to_string() != champion.booster.model_to_string()
    logged = (
        "labels.committee_weight", "labels.agreement.rounds", "labels.agreement.ratio",
        "behaviour.dominance_violation_rate", "behaviour.seniority_reversal_rate",
    )  # fmt: skip
    assert set(logged) <= set(metrics)
    assert metrics["behaviour.dominance_violation_rate"] == 0.0
    assert metrics["labels.committee_weight"] == max(0.1, metrics["labels.agreement.ratio"])


def test_the_summary_says_the_measure_the_correction_and_the_checks():
    measured = CommitteeAgreement(rounds=200, outcome_rho=0.59, committee_rho=0.67, agreement=0.88)
    line = committee_line(measured, 0.88)
    assert "200 training rounds" in line and "0.59" in line and "weight 0.88" in line
    assert "trusted fully" in committee_line(CommitteeAgreement(3, *[float("nan")] * 3), 1.0)
    checks = behaviour_line(Behaviour(900, 0, 1800, 47))
    assert "0/900" in checks and "2.6% of 1800 pairs" in checks
