"""Staleness study: trained at earlier cut-offs, scored on each later year."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from mlflow.tracking import MlflowClient

from tests.conftest import TINY_TRAINING_CONFIG
from training.config import TrainingConfig
from training.dataset import TrainingData
from training.settings import get_settings
from training.staleness import (
    COLUMNS,
    StalenessError,
    StalenessStudy,
    cutoff_years,
    run_staleness,
    staleness_study,
    years_of,
)


@pytest.fixture(scope="module")
def study(training_data: TrainingData, tiny_config: TrainingConfig) -> StalenessStudy:
    return staleness_study(training_data, tiny_config, cutoffs=2)


def test_rows_are_each_cutoff_with_each_later_year(
    study: StalenessStudy, training_data: TrainingData
) -> None:
    table = study.table
    assert tuple(table.columns) == COLUMNS
    last = int(years_of(training_data.data).max())
    assert sorted(table["cutoff"].unique()) == [last - 2, last - 1]
    expected = {(c, w) for c in (last - 2, last - 1) for w in range(c + 1, last + 1)}
    windows_with_rounds = set(np.unique(years_of(training_data.data)))
    expected = {(c, w) for c, w in expected if w in windows_with_rounds}
    assert set(zip(table["cutoff"], table["window"], strict=True)) == expected
    assert (table["window"] > table["cutoff"]).all()


def test_age_increases_with_the_window(study: StalenessStudy) -> None:
    table = study.table
    assert (table["age_months"] == 12 * (table["window"] - table["cutoff"]) - 6).all()
    for _, rows in table.groupby("cutoff"):
        assert np.all(np.diff(rows["age_months"].to_numpy()) > 0)
    assert table["age_months"].min() == 6


def test_figures_are_ndcg_with_an_interval(study: StalenessStudy) -> None:
    table = study.table
    assert table["ndcg_at_10"].between(0, 1).all()
    assert (table["ci_low"] <= table["ndcg_at_10"]).all()
    assert (table["ndcg_at_10"] <= table["ci_high"]).all()
    assert (table["rounds"] >= 1).all()
    freshest = table.loc[table.groupby("window")["cutoff"].idxmax()]
    assert (freshest["vs_freshest"] == 0).all()
    assert "vs freshest" in study.lines()[0]
    assert len(study.lines()) == len(table) + 3


def test_too_few_years_is_a_clear_error(training_data: TrainingData) -> None:
    years = len(np.unique(years_of(training_data.data)))
    with pytest.raises(StalenessError, match=f"span {years} year"):
        cutoff_years(training_data.data, years)


def test_run_logs_to_mlflow(small_export_dir: Path) -> None:
    study, run_id = run_staleness(small_export_dir, TINY_TRAINING_CONFIG, 2, progress=False)
    run = MlflowClient(get_settings().mlflow_tracking_uri).get_run(run_id)
    assert run.data.tags["kind"] == "staleness"
    for row in study.table.itertuples(index=False):
        key = f"staleness.cutoff_{row.cutoff}.window_{row.window}.ndcg_at_10"
        assert run.data.metrics[key] == pytest.approx(row.ndcg_at_10)
    assert "staleness.age_6m.ndcg_at_10" in run.data.metrics
    artefacts = MlflowClient(get_settings().mlflow_tracking_uri).list_artifacts(run_id, "staleness")
    assert {"staleness/staleness.csv", "staleness/staleness.json"} <= {a.path for a in artefacts}
