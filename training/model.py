"""The ranker: LightGBM ``lambdarank``, one query per round, early stopping on validation rounds,
then (after the gate) the served model refitted on every round with the gated settings."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import lightgbm as lgb
import numpy as np

from training.config import TrainingConfig
from training.dataset import RankingData

if TYPE_CHECKING:
    from distributed import Client

logger = logging.getLogger(__name__)


def monotone_constraints(config: TrainingConfig, feature_columns: Sequence[str]) -> list[int]:
    """LightGBM's per-feature directions: 1 never lowers the score, -1 never raises it."""
    up, down = set(config.model.monotone_increasing), set(config.model.monotone_decreasing)
    return [1 if name in up else -1 if name in down else 0 for name in feature_columns]


def lgb_params(config: TrainingConfig, feature_columns: Sequence[str]) -> dict[str, Any]:
    """LightGBM parameters from the config: deterministic, fixed threads, real shortlist sizes,
    merit directions as monotone constraints, time served never split on."""
    m = config.model
    return {
        "objective": "lambdarank",
        "metric": "ndcg",
        "eval_at": list(m.eval_at),
        "lambdarank_truncation_level": m.lambdarank_truncation_level,
        "label_gain": list(m.label_gain),
        "learning_rate": m.learning_rate,
        "num_leaves": m.num_leaves,
        "min_data_in_leaf": m.min_data_in_leaf,
        "feature_fraction": m.feature_fraction,
        "bagging_fraction": m.bagging_fraction,
        "bagging_freq": m.bagging_freq,
        "lambda_l2": m.lambda_l2,
        "monotone_constraints": monotone_constraints(config, feature_columns),
        "monotone_constraints_method": m.monotone_constraints_method,
        "feature_contri": [0.0 if name in m.unranked else 1.0 for name in feature_columns],
        "num_threads": m.num_threads,
        "seed": config.seed,
        "deterministic": True,
        "force_row_wise": True,
        "verbosity": -1,
    }


def _dataset(data: RankingData, reference: lgb.Dataset | None = None) -> lgb.Dataset:
    return lgb.Dataset(
        data.X,
        label=data.y,
        weight=data.frame["weight"].to_numpy(dtype=np.float64),
        group=data.groups,
        feature_name=list(data.feature_columns),
        reference=reference,
        free_raw_data=False,
    )


def train_ranker(
    train: RankingData,
    validation: RankingData,
    config: TrainingConfig,
    *,
    client: Client | None = None,
) -> lgb.Booster:
    """Train the lambdarank booster; early stopping on the NDCG of ``validation`` if configured.

    With ``model.early_stopping_rounds`` 0 (the default) exactly ``num_boost_round`` trees are
    grown and ``validation`` is only evaluated. With a Dask ``client`` the trees are grown on
    the cluster (:mod:`training.distributed`; no early stopping there).

    Returns
    -------
    lightgbm.Booster
        The booster; ``best_iteration`` is the early-stopping round.
    """
    params = lgb_params(config, train.feature_columns)
    if client is not None:
        from training.distributed import check_config, fit_on_cluster

        check_config(config)
        return fit_on_cluster(client, train, params, config.model.num_boost_round)
    train_set = _dataset(train)
    valid_set = _dataset(validation, reference=train_set)
    callbacks: list = [lgb.log_evaluation(period=0)]
    if config.model.early_stopping_rounds > 0:
        callbacks.insert(0, lgb.early_stopping(config.model.early_stopping_rounds,
                                               first_metric_only=False, verbose=False))  # fmt: skip
    booster = lgb.train(
        params,
        train_set,
        num_boost_round=config.model.num_boost_round,
        valid_sets=[valid_set],
        valid_names=["validation"],
        callbacks=callbacks,
    )
    if booster.best_iteration > 0:
        best = booster.model_to_string(num_iteration=booster.best_iteration)
        booster = lgb.Booster(model_str=best)
    logger.info("trained %d trees", booster.num_trees())
    return booster


@dataclass(frozen=True)
class Refit:
    """How the served model is refitted on every round after the gate (logged to MLflow)."""

    trees: int
    """Trees grown on all rounds."""
    gated_trees: int
    """Trees of the evaluated (gated) model."""
    rounds: int
    train_rounds: int
    early_stopped: bool
    """True: ``trees`` is the early-stopping round scaled by ``rounds / train_rounds``."""


def refit_plan(
    gated: lgb.Booster, all_rounds: int, train_rounds: int, config: TrainingConfig
) -> Refit:
    """The tree count of the refit: the configured count without early stopping; with it, the
    early-stopping round scaled by how many more rounds the refit sees (more data, more trees
    before the validation NDCG would peak)."""
    early = config.model.early_stopping_rounds > 0
    trees = config.model.num_boost_round
    if early:
        trees = max(1, int(round(gated.num_trees() * all_rounds / max(train_rounds, 1))))
    return Refit(
        trees=trees, gated_trees=gated.num_trees(), rounds=all_rounds,
        train_rounds=train_rounds, early_stopped=early,
    )  # fmt: skip


def refit_ranker(
    data: RankingData, plan: Refit, config: TrainingConfig, *, client: Client | None = None
) -> lgb.Booster:
    """The served booster: the gated settings trained on ``data`` (every round) for
    ``plan.trees`` trees, no validation set (on the Dask cluster when a ``client`` is given)."""
    params = lgb_params(config, data.feature_columns)
    if client is not None:
        from training.distributed import fit_on_cluster

        booster = fit_on_cluster(client, data, params, plan.trees)
    else:
        booster = lgb.train(params, _dataset(data), num_boost_round=plan.trees)
    logger.info("refitted %d trees on %d rounds", booster.num_trees(), plan.rounds)
    return booster
