"""MLflow end to end: logged inference unit, aliases, gate, promote/rollback, export, privacy."""

from __future__ import annotations

from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import pytest
import yaml
from mlflow.tracking import MlflowClient

from features.build import FEATURE_COLUMNS
from features.rules import DEFAULT_RULESET
from training.bundle import RegistryError, load_champion, load_version
from training.pipeline import train_and_register
from training.registry import CHALLENGER, PREVIOUS, export_champion, promote, rollback
from training.settings import Settings, get_settings

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def trained(champion, small_export_dir: Path, tiny_config_path: Path):
    """A second training on the small export (after the session champion exists)."""
    return train_and_register(small_export_dir, tiny_config_path, progress=False)


@pytest.fixture(scope="module")
def tiny_config_path() -> Path:
    return Path(__file__).resolve().parents[2] / "training" / "configs" / "test.yaml"


def _client() -> MlflowClient:
    settings = get_settings()
    return MlflowClient(settings.mlflow_tracking_uri, settings.mlflow_tracking_uri)


def test_champion_fixture_is_loaded_by_alias(champion):
    settings = get_settings()
    assert champion.name == settings.model_name
    assert champion.version.isdigit()
    assert champion.ruleset_version == DEFAULT_RULESET
    assert len(champion.data_hash) >= 12 and champion.code_version

    assert champion.feature_columns == tuple(FEATURE_COLUMNS)
    assert "ranker.ndcg_at_10" in champion.metrics


def test_registered_version_predicts_like_the_in_memory_booster(trained, training_data):
    settings = get_settings()
    loaded = load_version(settings, trained.version)
    test = training_data.part("test")
    np.testing.assert_allclose(loaded.predict(test.frame), trained.booster.predict(test.X))
    pyfunc = mlflow.pyfunc.load_model(f"models:/{settings.model_name}/{trained.version}")
    np.testing.assert_allclose(
        np.asarray(pyfunc.predict(test.frame[list(loaded.feature_columns)])),
        trained.booster.predict(test.X),
    )
    assert CHALLENGER in trained.aliases
    challenger = _client().get_model_version_by_alias(settings.model_name, CHALLENGER)
    assert str(challenger.version) == trained.version


def test_run_logs_config_hash_counts_versions_and_plots(trained):
    run = _client().get_run(trained.run_id)
    assert run.data.params["model.num_boost_round"] == "20"
    assert run.data.tags["data_hash"] == trained.data_hash
    assert run.data.tags["ruleset_version"] == DEFAULT_RULESET
    assert run.data.tags["code_version"]
    assert run.data.metrics["train_rounds"] > 0 and run.data.metrics["test_rows"] > 0
    for key in ("ranker.ndcg_at_10", "seniority.ndcg_at_10", "pointwise.ndcg_at_10",
                "live.ranker.ndcg_at_10"):  # fmt: skip
        assert key in run.data.metrics
    names = {a.path for a in _client().list_artifacts(trained.run_id, "evaluation")}
    for plot in ("feature_importance.png", "ndcg_at_k.png", "fairness_by_group.png"):
        assert f"evaluation/{plot}" in names
    for table in ("gate_fairness.csv", "gate_slices.csv"):  # the gate's verdicts (fair-gate)
        assert f"evaluation/{table}" in names
    for key in ("raw_ratio", "raw_low", "conditional_ratio", "conditional_high"):
        assert f"fairness.gender.{key}" in run.data.metrics
    assert "conditional" in run.data.tags["gate_reason"]  # the gate never passes silently
    root = Path(get_settings().mlflow_artifact_root).resolve()
    assert Path(mlflow.get_experiment(run.info.experiment_id).artifact_location.removeprefix(
        "file://")).resolve() == root  # fmt: skip


def test_artefacts_hold_no_nip_or_name_of_the_export(trained, small_export, tmp_path):
    settings = get_settings()
    run_dir = Path(mlflow.artifacts.download_artifacts(
        run_id=trained.run_id, dst_path=str(tmp_path / "run")))  # fmt: skip
    model_dir = Path(mlflow.artifacts.download_artifacts(
        artifact_uri=f"models:/{settings.model_name}/{trained.version}",
        dst_path=str(tmp_path / "model")))  # fmt: skip
    files = [p for d in (run_dir, model_dir) for p in d.rglob("*") if p.is_file()]
    assert any(p.name == "booster.txt" for p in files)
    assert any(p.name == "meta.json" for p in files)
    secrets = set(small_export.employees["nip"]) | set(small_export.employees["name"])
    secrets = {s for s in secrets if len(s) >= 6}
    for path in files:
        text = path.read_bytes().decode("utf-8", errors="ignore")
        found = [s for s in secrets if s in text]
        assert not found, f"{path.name} holds personal data"


def test_a_challenger_that_fails_the_gate_leaves_the_champion(
    champion, small_export_dir, tiny_config_path, tmp_path
):
    raw = yaml.safe_load(tiny_config_path.read_text())
    raw["gate"]["baseline_margin"] = 1.0  # nobody beats a baseline by a whole NDCG point
    config = tmp_path / "strict.yaml"
    config.write_text(yaml.safe_dump(raw))
    settings = get_settings()
    before = str(_client().get_model_version_by_alias(settings.model_name, "champion").version)
    result = train_and_register(small_export_dir, config, progress=False)
    assert not result.decision.promoted
    assert "does not beat" in result.decision.reason
    after = str(_client().get_model_version_by_alias(settings.model_name, "champion").version)
    assert after == before != result.version
    tags = _client().get_model_version(settings.model_name, result.version).tags
    assert tags["gate"] == "refused" and "does not beat" in tags["gate_reason"]
    assert "NOT promoted" in result.summary()


def _alias(name: str) -> str:
    return str(_client().get_model_version_by_alias(get_settings().model_name, name).version)


def test_promote_and_rollback_move_the_champion_alias(trained):
    settings = get_settings()
    client = _client()
    current = _alias("champion")
    target = str(int(max(int(v.version) for v in client.search_model_versions(
        f"name='{settings.model_name}'"))))  # fmt: skip
    if target == current:
        target = trained.version if trained.version != current else "1"
    message = promote(target)
    assert f"version {target}" in message
    assert _alias("champion") == target
    assert _alias(PREVIOUS) == current
    rollback()
    assert _alias("champion") == current
    assert _alias(PREVIOUS) == target
    with pytest.raises(RegistryError, match="no version"):
        promote("999")


def test_export_and_offline_fallback(champion, tmp_path):
    out = tmp_path / "models"
    message = export_champion(out)
    assert (out / "booster.txt").exists() and (out / "meta.json").exists()
    assert "exported" in message
    offline = Settings(mlflow_tracking_uri=f"sqlite:///{tmp_path / 'absent.db'}", models_dir=out)
    bundle = load_champion(offline)
    assert bundle.feature_columns == champion.feature_columns
    frame = pd.DataFrame(np.ones((3, len(bundle.feature_columns))),
                         columns=list(bundle.feature_columns))  # fmt: skip
    np.testing.assert_allclose(bundle.predict(frame), champion.predict(frame))
    assert not (tmp_path / "absent.db").exists()


def test_no_champion_anywhere_is_a_clear_error(tmp_path):
    nowhere = Settings(
        mlflow_tracking_uri=f"sqlite:///{tmp_path / 'absent.db'}", models_dir=tmp_path / "none"
    )
    with pytest.raises(RegistryError, match="no champion"):
        load_champion(nowhere)
