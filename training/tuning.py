"""Hyperparameter search with Optuna; each trial is a nested MLflow run."""

from __future__ import annotations

import logging
from pathlib import Path

import mlflow
import numpy as np
import optuna

from features.loader import load_export
from features.rules import load_ruleset
from training.config import TrainingConfig, load_config
from training.dataset import build_training_data
from training.evaluation import per_round
from training.model import train_ranker
from training.registry import ensure_experiment
from training.settings import get_settings

logger = logging.getLogger(__name__)


def _trial_config(base: TrainingConfig, trial) -> TrainingConfig:
    model = base.model.model_copy(update={
        "learning_rate": trial.suggest_float("learning_rate", 0.02, 0.2, log=True),
        "num_leaves": trial.suggest_int("num_leaves", 7, 63, log=True),
        "min_data_in_leaf": trial.suggest_int("min_data_in_leaf", 5, 60, log=True),
        "feature_fraction": trial.suggest_float("feature_fraction", 0.5, 1.0),
        "lambda_l2": trial.suggest_float("lambda_l2", 1e-3, 10.0, log=True),
    })  # fmt: skip
    return base.model_copy(update={"model": model})


def tune(data_dir: Path, config: Path, trials: int = 20) -> str:
    """Search a few LightGBM hyperparameters on the validation rounds (NDCG@10).

    The test rounds are not used: they stay held out for ``make train``'s gate. Returns a
    printable summary of the best trial.
    """
    base = load_config(config)
    export = load_export(Path(data_dir))
    td = build_training_data(export, base, load_ruleset())
    train, validation = td.part("train"), td.part("validation")
    experiment_id = ensure_experiment(get_settings())

    def objective(trial: optuna.Trial) -> float:
        cfg = _trial_config(base, trial)
        with mlflow.start_run(experiment_id=experiment_id, nested=True,
                              run_name=f"trial-{trial.number}"):  # fmt: skip
            booster = train_ranker(train, validation, cfg)
            table = per_round(validation, booster.predict(validation.X))
            score = float(np.nanmean(table["ndcg@10"]))
            mlflow.log_params(trial.params)
            mlflow.log_metrics({"validation.ndcg_at_10": score, "trees": booster.num_trees()})
        return score

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sampler = optuna.samplers.TPESampler(seed=base.seed)
    study = optuna.create_study(direction="maximize", sampler=sampler)
    with mlflow.start_run(experiment_id=experiment_id, run_name="tune"):
        mlflow.set_tag("data_hash", td.snapshot_hash)
        study.optimize(objective, n_trials=trials, show_progress_bar=True)
        mlflow.log_params({f"best.{k}": v for k, v in study.best_params.items()})
        mlflow.log_metric("best.validation.ndcg_at_10", study.best_value)
    params = "\n".join(f"  {k}: {v}" for k, v in study.best_params.items())
    return (
        f"best of {trials} trials: validation NDCG@10 {study.best_value:.4f} (trial "
        f"{study.best_trial.number})\nset in the config's model section:\n{params}"
    )
