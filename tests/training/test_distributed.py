"""The Dask engine (``ASN_JOBFIT_DASK_SCHEDULER``) on a 2-worker ``LocalCluster``: the same
features as the single-process path, the same held-out NDCG@10 within 0.01, and a model
registered in MLflow like a local one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import psutil
import pytest

from features.build import build_features
from features.candidates import prepare_candidates
from features.export import Export
from features.loader import load_export
from tests.conftest import TINY_TRAINING_CONFIG
from tests.serving.two_agencies import two_agencies
from training.bundle import load_version
from training.config import TrainingConfig
from training.dataset import RankingData, build_training_data
from training.distributed import (
    DistributedError,
    _round_partitions,
    check_config,
    dask_client,
    prepare_by_agency,
    rounds_on_cluster,
)
from training.evaluation import per_round
from training.model import train_ranker
from training.pipeline import train_and_register
from training.settings import Settings, get_settings
from training.synthetic import generate_export

pytest.importorskip("distributed", reason="the dask extra is part of the dev install")


@pytest.fixture(scope="module")
def client() -> Iterator[object]:
    """A 2-worker LocalCluster for the module; its worker processes are gone afterwards."""
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    with dask_client("local", n_workers=2, threads_per_worker=1) as c:
        assert len(c.scheduler_info()["workers"]) == 2
        yield c
    new = [p for p in psutil.Process().children(recursive=True) if p.pid not in before]
    # multiprocessing's own helper (the resource tracker) outlives the cluster by design
    workers = [p for p in new if "resource_tracker" not in " ".join(_cmdline(p))]
    _, leaked = psutil.wait_procs(workers, timeout=10)
    assert not leaked, f"worker processes left running: {[p.pid for p in leaked]}"


def _cmdline(process: psutil.Process) -> list[str]:
    try:
        return process.cmdline()
    except psutil.Error:
        return []


@pytest.fixture(scope="module")
def fixed_config(tiny_config: TrainingConfig) -> TrainingConfig:
    """The tiny config with a fixed tree count (lightgbm.dask has no early stopping), and small
    steps: each worker finds the bins of some features on its share of the rounds, so single
    trees differ a little from local ones; 120 trees at 0.05 (the default config's rate)
    average that out, where 20 trees at 0.2 let one tree move NDCG@10 by about 0.01."""
    update = {"early_stopping_rounds": 0, "learning_rate": 0.05, "num_boost_round": 120}
    model = tiny_config.model.model_copy(update=update)
    return tiny_config.model_copy(update={"model": model})


@pytest.fixture(scope="module")
def rounds_export(tmp_path_factory: pytest.TempPathFactory) -> Export:
    """A 1 200-employee export (60 past rounds, 15 held out): the small export's ten held-out
    rounds let one tree more or less move NDCG@10 by 0.01 whatever the engine."""
    out = tmp_path_factory.mktemp("dask") / "export"
    generate_export(out, employees=1200, seed=7, fmt="csv", progress=False)
    return load_export(out)


def _ndcg(data: RankingData, booster) -> float:
    return float(np.nanmean(per_round(data, booster.predict(data.X))["ndcg@10"]))


def test_the_cluster_builds_the_same_features_as_one_process(
    client, small_export, ruleset, fixed_config
):
    export, _ = two_agencies(small_export)  # rounds and staff of two agencies
    local = build_training_data(export, fixed_config, ruleset, progress=False)
    mapped = build_training_data(
        export, fixed_config, ruleset, progress=False, map_rounds=rounds_on_cluster(client)
    )
    assert local.data.frame["agency_id"].nunique() == 2
    pd.testing.assert_frame_equal(local.data.frame, mapped.data.frame)
    assert local.split == mapped.split and local.committee_weight == mapped.committee_weight


def test_agency_pools_prepared_on_workers_give_the_same_features(client, small_export, ruleset):
    export, _ = two_agencies(small_export)
    as_of = export.rounds["decided_on"].max()
    pools = prepare_by_agency(client, export, as_of)
    assert sorted(pools) == sorted(export.employees["agency_id"].astype(str).unique())
    for agency, pool in pools.items():
        staff = export.employees.loc[export.employees["agency_id"] == agency, "nip"]
        local = prepare_candidates(export, as_of, nips=staff.astype(str).tolist())
        np.testing.assert_array_equal(pool.nips, local.nips)
        position = export.positions.loc[export.positions["agency_id"] == agency].iloc[0]
        config = ruleset.feature_config()
        pd.testing.assert_frame_equal(
            build_features(pool, position.to_dict(), as_of, config),
            build_features(local, position.to_dict(), as_of, config),
        )


def test_dask_training_reaches_the_local_held_out_ndcg(
    client, rounds_export, ruleset, fixed_config
):
    td = build_training_data(rounds_export, fixed_config, ruleset, progress=False)
    assert len(td.split.test) >= 15
    train, validation = td.part("train"), td.part("validation")
    test = td.part("test", candidates_only=True)
    local = train_ranker(train, validation, fixed_config)
    dask = train_ranker(train, validation, fixed_config, client=client)
    assert dask.num_trees() == fixed_config.model.num_boost_round
    assert dask.feature_name() == list(td.data.feature_columns)
    print(f"held-out NDCG@10 local {_ndcg(test, local):.4f} dask {_ndcg(test, dask):.4f}")
    assert abs(_ndcg(test, dask) - _ndcg(test, local)) <= 0.01
    assert _ndcg(test, dask) > 0.5


def test_partitions_hold_whole_rounds(training_data):
    data = training_data.part("train")
    parts = _round_partitions(data, 3)
    rows = np.concatenate(parts)
    assert sorted(rows.tolist()) == list(range(len(data.frame)))
    rounds = [set(data.frame["round_id"].iloc[p]) for p in parts]
    for i, a in enumerate(rounds):
        for b in rounds[i + 1 :]:
            assert not a & b  # no round split across two partitions
    sizes = sum(len(RankingData(data.frame.iloc[p], data.feature_columns).groups) for p in parts)
    assert sizes == len(data.groups)


def test_early_stopping_is_refused_with_a_clear_message(tiny_config):
    assert tiny_config.model.early_stopping_rounds > 0
    with pytest.raises(DistributedError, match="early_stopping_rounds"):
        check_config(tiny_config)


def test_a_dask_model_is_registered_like_a_local_one(client, small_export_dir, tmp_path: Path):
    config = tmp_path / "dask.yaml"
    text = TINY_TRAINING_CONFIG.read_text(encoding="utf-8")
    config.write_text(text.replace("early_stopping_rounds: 5", "early_stopping_rounds: 0"))
    settings = get_settings().model_copy(
        update={"dask_scheduler": client.scheduler.address, "model_name": "asn-jobfit-dask"}
    )
    result = train_and_register(small_export_dir, config, settings=settings, progress=False)
    bundle = load_version(settings, result.version)
    assert bundle.booster.model_to_string() == result.booster.model_to_string()
    assert bundle.feature_columns == tuple(result.booster.feature_name())
    import mlflow

    run = mlflow.get_run(result.run_id)
    assert run.data.tags["engine"] == "dask"
    assert run.data.tags["gate"] in ("passed", "refused")


def test_one_setting_chooses_the_engine(monkeypatch):
    monkeypatch.setenv("ASN_JOBFIT_DASK_SCHEDULER", "local")
    assert Settings().dask_scheduler == "local"
    monkeypatch.delenv("ASN_JOBFIT_DASK_SCHEDULER")
    assert Settings().dask_scheduler is None
    with dask_client(Settings().dask_scheduler) as client:
        assert client is None  # unset: today's single-process path
