"""Staleness study: how NDCG@10 falls as a model ages (``make staleness``).

The ranking rows of every past round are assembled once (``build_training_data``). For each
cut-off year ``c`` (the last ``cutoffs`` years before the export's latest year) a ranker is
trained, with the same trainer and config as ``make train``, on the rounds decided up to the
end of ``c`` (its latest rounds held out for early stopping), and scored on the real
candidates of each later calendar year ``w``. The model's age in a window is counted from the
cut-off to the window's middle: ``12 * (w - c) - 6`` months.

A later window can be easier or harder for every model, so each row also carries the
difference to the freshest model scored on the same window (``vs_freshest``): the drop with
age at fixed data.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import lightgbm as lgb
import mlflow
import numpy as np
import pandas as pd

from features.errors import JobfitError
from features.export import Export
from features.loader import load_export
from features.rules import load_ruleset
from training.config import TrainingConfig, load_config
from training.dataset import RankingData, TrainingData, build_training_data
from training.evaluation import Estimate, per_round, summarize
from training.model import train_ranker
from training.registry import ensure_experiment
from training.settings import Settings, get_settings

logger = logging.getLogger(__name__)

METRIC = "ndcg@10"
COLUMNS: tuple[str, ...] = (
    "cutoff", "window", "age_months", "rounds", "ndcg_at_10", "ci_low", "ci_high", "vs_freshest",
)  # fmt: skip


class StalenessError(JobfitError):
    """The export's rounds do not span enough years for the study."""


@dataclass(frozen=True)
class StalenessStudy:
    """One row per (cut-off, later window): the model's age and its NDCG@10 there."""

    table: pd.DataFrame

    def by_age(self) -> pd.Series:
        """Mean NDCG@10 per age (months) over cut-offs, and the mean drop against the
        freshest model on the same windows."""
        return self.table.groupby("age_months")[["ndcg_at_10", "vs_freshest"]].mean()

    def lines(self) -> list[str]:
        """The table as printed by ``make staleness``."""
        out = [f"{'cut-off':<8} {'window':<7} {'age (months)':>12} {'rounds':>7}  NDCG@10 [95% CI]"
               "   vs freshest"]  # fmt: skip
        for r in self.table.itertuples(index=False):
            out.append(
                f"{r.cutoff:<8} {r.window:<7} {r.age_months:>12} {r.rounds:>7}  "
                f"{r.ndcg_at_10:.3f} [{r.ci_low:.3f}, {r.ci_high:.3f}]   {r.vs_freshest:+.3f}"
            )
        out.append("")
        out.append("mean by age: " + ", ".join(
            f"{age} months {row.ndcg_at_10:.3f} ({row.vs_freshest:+.3f})"
            for age, row in self.by_age().iterrows()
        ))  # fmt: skip
        return out

    def metrics(self) -> dict[str, float]:
        """``staleness.<cutoff>.<window>.ndcg_at_10`` and the means by age, for MLflow."""
        out = {
            f"staleness.cutoff_{r.cutoff}.window_{r.window}.ndcg_at_10": r.ndcg_at_10
            for r in self.table.itertuples(index=False)
        }
        for age, row in self.by_age().iterrows():
            out[f"staleness.age_{age}m.ndcg_at_10"] = float(row.ndcg_at_10)
            out[f"staleness.age_{age}m.vs_freshest"] = float(row.vs_freshest)
        return out


def years_of(data: RankingData) -> np.ndarray:
    """The calendar year each row's round was decided in."""
    return pd.to_datetime(data.frame["decided_on"]).dt.year.to_numpy()


def cutoff_years(data: RankingData, cutoffs: int) -> list[int]:
    """The ``cutoffs`` years before the latest round's year, oldest first."""
    years = np.unique(years_of(data))
    if len(years) < cutoffs + 1:
        raise StalenessError(
            f"the rounds span {len(years)} year(s) ({', '.join(map(str, years))}): "
            f"{cutoffs} cut-offs need at least {cutoffs + 1}"
        )
    last = int(years.max())
    return list(range(last - cutoffs, last))


def rows_where(data: RankingData, keep: np.ndarray) -> RankingData:
    """The rows of ``data`` where ``keep`` holds (order kept)."""
    return RankingData(data.frame.loc[keep].reset_index(drop=True), data.feature_columns)


def train_until(td: TrainingData, year: int, config: TrainingConfig) -> lgb.Booster:
    """A ranker trained on the rounds decided up to the end of ``year``: the latest of them
    (``split.validation_fraction``, at least one) for early stopping, as ``make train`` does."""
    rows = td.all_rounds(config.negatives.per_round)
    rows = rows_where(rows, years_of(rows) <= year)
    rounds = rows.rounds
    if len(rounds) < 2:
        raise StalenessError(f"fewer than two rounds up to {year}: nothing to train on")
    held = max(1, int(round(len(rounds) * config.split.validation_fraction)))
    train, validation = rounds[:-held], rounds[-held:]
    return train_ranker(rows.select(train), rows.select(validation), config)


def score_window(
    booster: lgb.Booster, data: RankingData, year: int, config: TrainingConfig
) -> Estimate:
    """NDCG@10 of ``booster`` over the real candidates of the rounds decided in ``year``."""
    window = rows_where(data, (years_of(data) == year) & data.frame["is_candidate"].to_numpy())
    if window.frame.empty:
        return Estimate(float("nan"), float("nan"), float("nan"), 0)
    scores = np.asarray(booster.predict(window.X), dtype=np.float64)
    return summarize(per_round(window, scores), config.evaluation.bootstrap_samples, config.seed)[
        METRIC
    ]


def staleness_study(td: TrainingData, config: TrainingConfig, cutoffs: int = 3) -> StalenessStudy:
    """Train at each cut-off and score every later year; the table of NDCG@10 by age."""
    years = cutoff_years(td.data, cutoffs)
    last = years[-1] + 1
    rows: list[dict[str, float | int]] = []
    for cutoff in years:
        booster = train_until(td, cutoff, config)
        for window in range(cutoff + 1, last + 1):
            est = score_window(booster, td.data, window, config)
            if est.rounds == 0:
                continue
            rows.append({
                "cutoff": cutoff, "window": window, "age_months": 12 * (window - cutoff) - 6,
                "rounds": est.rounds, "ndcg_at_10": est.mean, "ci_low": est.low,
                "ci_high": est.high,
            })  # fmt: skip
        logger.info("staleness: cut-off %d scored", cutoff)
    table = pd.DataFrame(rows, columns=[c for c in COLUMNS if c != "vs_freshest"])
    freshest = table.loc[table.groupby("window")["cutoff"].idxmax(), ["window", "ndcg_at_10"]]
    fresh = dict(zip(freshest["window"], freshest["ndcg_at_10"], strict=True))
    table["vs_freshest"] = table["ndcg_at_10"] - table["window"].map(fresh)
    return StalenessStudy(table[list(COLUMNS)])


def log_study(
    study: StalenessStudy, export: Export, config: TrainingConfig, settings: Settings
) -> str:
    """Log the study (params, metrics, ``staleness.csv``) as an MLflow run; its run id."""
    experiment_id = ensure_experiment(settings)
    with mlflow.start_run(experiment_id=experiment_id, run_name="staleness") as run:
        mlflow.set_tags({"kind": "staleness", "data_hash": export.snapshot_hash})
        mlflow.log_params(config.flat())
        mlflow.log_metrics(study.metrics())
        mlflow.log_table(study.table, artifact_file="staleness/staleness.json")
        mlflow.log_text(study.table.to_csv(index=False), "staleness/staleness.csv")
        return run.info.run_id


def run_staleness(
    data_dir: Path,
    config_path: Path,
    cutoffs: int = 3,
    *,
    settings: Settings | None = None,
    progress: bool = True,
) -> tuple[StalenessStudy, str]:
    """``make staleness``: the study on an export, logged to MLflow; the study and run id."""
    settings = settings or get_settings()
    config = load_config(config_path)
    export = load_export(data_dir)
    td = build_training_data(export, config, load_ruleset(), progress=progress)
    study = staleness_study(td, config, cutoffs)
    return study, log_study(study, export, config, settings)
