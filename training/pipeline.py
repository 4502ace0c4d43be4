"""Train, evaluate against baselines, audit, log to MLflow, register and gate: ``make train``."""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import lightgbm as lgb
import mlflow
import numpy as np
import pandas as pd
from mlflow.models import infer_signature

from features.errors import JobfitError
from features.export import Export
from features.loader import load_export
from features.rules import load_ruleset
from training import model_card
from training.baselines import fit_pointwise, jpm_column, jpm_scores, seniority_scores
from training.behaviour import Behaviour, check_pools, round_pools
from training.bundle import (
    CARD_FILE,
    RankerBundle,
    RegistryError,
    ScoreCheckError,
    check_booster,
    check_scores,
    configure_tracking,
    installed_versions,
    load_version,
    write_bundle,
)
from training.config import TrainingConfig, load_config
from training.dataset import RankingData, TrainingData, build_training_data
from training.distributed import check_config, dask_client, rounds_on_cluster
from training.evaluation import Estimate, ndcg_curve, per_round, slices, summarize
from training.fairness import FairnessReport, audit
from training.gate import (
    GATE_METRIC,
    GateDecision,
    decision_tables,
    fairness_table,
    gate,
    outcome_rounds,
)
from training.model import Refit, refit_plan, refit_ranker, train_ranker
from training.monitor import log_reference_profile
from training.outcomes import CommitteeAgreement
from training.registry import (
    CHALLENGER,
    GATE_REASON_TAG,
    GATE_TAG,
    JobfitRanker,
    champion_version,
    code_version,
    ensure_experiment,
    set_champion,
)
from training.settings import Settings, get_settings
from training.shadow import ShadowReport, shadow_compare

logger = logging.getLogger(__name__)


@dataclass
class Evaluation:
    """Scores of every method on the test rounds, as-is and live-like."""

    as_is: dict[str, dict[str, Estimate]]
    live_like: dict[str, dict[str, Estimate]]
    tables: dict[str, pd.DataFrame]
    fairness: FairnessReport | None = None
    curves: dict[str, pd.Series] = field(default_factory=dict)

    def metrics(self) -> dict[str, float]:
        """Flat MLflow metrics: ``<method>.<metric>`` (as-is) and ``live.<method>.<metric>``."""
        out: dict[str, float] = {}
        for prefix, table in (("", self.as_is), ("live.", self.live_like)):
            for method, estimates in table.items():
                for metric, e in estimates.items():
                    if not np.isnan(e.mean):
                        key = f"{prefix}{method}.{metric.replace('@', '_at_')}"
                        out[key] = e.mean
                        out[key + ".ci_low"] = e.low
                        out[key + ".ci_high"] = e.high
        if self.fairness is not None:
            out.update(self.fairness.metrics())
        return out


@dataclass
class TrainResult:
    """What ``make train`` prints."""

    counts: dict[str, int]
    evaluation: Evaluation
    decision: GateDecision
    name: str
    version: str
    aliases: list[str]
    run_id: str
    trees: int
    seconds: float
    ruleset_version: str
    data_hash: str
    booster: lgb.Booster | None = None
    """The served (registered) booster: the refit on every round if there is one."""
    refit: Refit | None = None
    agreement: CommitteeAgreement | None = None
    committee_weight: float = 1.0
    behaviour: Behaviour | None = None
    """Merit checks of the served model on twins of the test rounds' candidates."""
    shadow: ShadowReport | None = None

    def summary(self) -> str:
        """A readable summary: data, ranker vs baselines, gate decision, registered version."""
        c = self.counts
        lines = [
            f"data {self.data_hash[:12]}  rules {self.ruleset_version}",
            f"rounds train/validation/test: {c['train_rounds']}/{c['validation_rounds']}/"
            f"{c['test_rounds']}  rows: {c['train_rows']}/{c['validation_rows']}/{c['test_rows']}"
            f" (test candidates {c['test_candidate_rows']})",
            f"trees: {self.trees}  time: {self.seconds:.1f} s",
            self._refit_line(),
            committee_line(self.agreement, self.committee_weight),
            behaviour_line(self.behaviour),
            "",
            f"{'method':<12} {'NDCG@10 test rounds [95% CI]':<32} {'NDCG@10 live-like pool':<28}",
        ]
        for method in self.evaluation.as_is:
            a = self.evaluation.as_is[method].get(GATE_METRIC)
            b = self.evaluation.live_like.get(method, {}).get(GATE_METRIC)
            lines.append(f"{method:<12} {a!s:<32} {b!s:<28}")
        if self.evaluation.fairness is not None:
            lines += ["", *fairness_table(self.decision, self.evaluation.fairness.k)]
        verdict = "PROMOTED to champion" if self.decision.promoted else "NOT promoted"
        lines += ["", *(self.shadow.lines() if self.shadow is not None else [])]
        lines += [
            f"gate: {verdict}: {self.decision.reason}",
            f"registered {self.name} version {self.version} "
            f"(aliases: {', '.join(self.aliases)})  run {self.run_id}",
        ]
        return "\n".join(lines)

    def _refit_line(self) -> str:
        r = self.refit
        if r is None:
            return "served model: the evaluated one (no refit)"
        how = "early stopping, scaled" if r.early_stopped else "configured count"
        return (
            f"served model: refitted on all {r.rounds} rounds with {r.trees} trees ({how}; the "
            f"evaluated model has {r.gated_trees} trees on {r.train_rounds} training rounds)"
        )


def committee_line(agreement: CommitteeAgreement | None, weight: float) -> str:
    """The label policy's measure and correction, in one line of the summary."""
    if agreement is None:
        return f"committee grades: fixed weight {weight:.2f}"
    if not agreement.measured:
        return (
            f"committee grades: {agreement.rounds} rounds with an outcome, too few to measure "
            f"their agreement; trusted fully (weight {weight:.2f})"
        )
    return (
        f"committee grades vs outcomes over {agreement.rounds} training rounds: rank "
        f"correlation {agreement.outcome_rho:.2f} (committee vs itself "
        f"{agreement.committee_rho:.2f}), agreement {agreement.agreement:.2f}: committee weight "
        f"{weight:.2f}"
    )


def behaviour_line(behaviour: Behaviour | None) -> str:
    """The served model's merit checks, in one line of the summary."""
    if behaviour is None:
        return "merit checks: not run"
    b = behaviour
    return (
        f"merit checks (served model, twins of test-round candidates): dominating twin ranked "
        f"below {b.dominance_violations}/{b.dominance_pairs}; seniority reverses the JPM band "
        f"order in {b.seniority_reversal_rate:.1%} of {b.band_pairs} pairs"
    )


@dataclass
class EvaluationResult:
    """What ``make evaluate`` prints."""

    name: str
    version: str
    evaluation: Evaluation

    def summary(self) -> str:
        """Metrics of the registered version next to the baselines."""
        lines = [f"{self.name} version {self.version} on the held-out rounds"]
        for method, est in self.evaluation.as_is.items():
            live = self.evaluation.live_like.get(method, {})
            lines.append(
                f"  {method:<12} "
                + "  ".join(f"{m} {e}" for m, e in est.items())
                + (f"  live ndcg@10 {live[GATE_METRIC]}" if GATE_METRIC in live else "")
            )
        return "\n".join(lines)


Scorer = Callable[[RankingData], np.ndarray]


def method_scorers(
    booster: lgb.Booster, td: TrainingData, export: Export, config: TrainingConfig
) -> dict[str, Scorer]:
    """The ranker and each baseline as functions of a ranking frame."""
    pointwise = fit_pointwise(td.part("train"), config.seed, config.model.num_threads)
    scorers: dict[str, Scorer] = {
        "ranker": lambda d: np.asarray(booster.predict(d.X), dtype=np.float64),
        "seniority": lambda d: seniority_scores(d, export.employees),
        "pointwise": lambda d: np.asarray(pointwise.predict(d.X), dtype=np.float64),
    }
    try:
        jpm_column(td.data.feature_columns)
        scorers["jpm"] = jpm_scores
    except KeyError:
        logger.warning("no JPM feature: the JPM baseline is skipped")
    return scorers


def evaluate_methods(
    td: TrainingData,
    scorers: dict[str, Scorer],
    export: Export,
    config: TrainingConfig,
) -> Evaluation:
    """Score every method on the test rounds (as-is and live-like) and audit the ranker's top-k."""
    as_is_data = td.part("test", candidates_only=True)
    live_data = td.part("test")
    seed, samples = config.seed, config.evaluation.bootstrap_samples
    as_is: dict[str, dict[str, Estimate]] = {}
    live: dict[str, dict[str, Estimate]] = {}
    tables: dict[str, pd.DataFrame] = {}
    curves: dict[str, pd.Series] = {}
    fairness = None
    for method, scorer in scorers.items():
        s_as_is = scorer(as_is_data)
        table = per_round(as_is_data, s_as_is)
        tables[method] = table
        as_is[method] = summarize(table, samples, seed)
        s_live = scorer(live_data)
        live[method] = summarize(per_round(live_data, s_live), samples, seed)
        curves[method] = ndcg_curve(as_is_data, s_as_is)
        if method == "ranker":
            fairness = audit(
                live_data, s_live, export.employees, config.fairness.k,
                config.fairness.min_group_size, stratum_size=config.fairness.stratum_size,
                min_expected=config.fairness.min_expected_selections, samples=samples, seed=seed,
            )  # fmt: skip
    return Evaluation(as_is=as_is, live_like=live, tables=tables, fairness=fairness, curves=curves)


def _plots(
    booster: lgb.Booster, evaluation: Evaluation, feature_columns: tuple[str, ...], out: Path
) -> None:
    """Feature importance, NDCG@k curves and fairness by group as PNG files in ``out``."""
    import matplotlib  # a plotting backend is chosen before pyplot loads: headless Agg

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    gain = booster.feature_importance(importance_type="gain")
    order = np.argsort(gain)
    fig, ax = plt.subplots(figsize=(7, max(3, 0.25 * len(gain))))
    ax.barh(np.array(feature_columns)[order], gain[order])
    ax.set_xlabel("total gain")
    ax.set_title("Feature importance (gain)")
    fig.tight_layout()
    fig.savefig(out / "feature_importance.png", dpi=100)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(6, 4))
    for method, curve in evaluation.curves.items():
        ax.plot(curve.index, curve.to_numpy(), marker=".", label=method)
    ax.set_xlabel("k")
    ax.set_ylabel("mean NDCG@k (test rounds)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "ndcg_at_k.png", dpi=100)
    plt.close(fig)

    if evaluation.fairness is not None:
        rates = evaluation.fairness.rates
        fig, axes = plt.subplots(1, len(rates), figsize=(4 * len(rates), 3.5))
        for ax, (attribute, table) in zip(np.atleast_1d(axes), rates.items(), strict=True):
            ax.bar(table["group"], table["selection_rate"])
            ax.set_title(attribute)
            ax.tick_params(axis="x", rotation=60, labelsize=7)
        fig.suptitle(f"Top-{evaluation.fairness.k} selection rate by group (test rounds)")
        fig.tight_layout()
        fig.savefig(out / "fairness_by_group.png", dpi=100)
        plt.close(fig)


def input_example(feature_columns: tuple[str, ...]) -> pd.DataFrame:
    """A synthetic feature row (no employee's data) for the model's signature and example."""
    return pd.DataFrame([[0.5] * len(feature_columns)], columns=list(feature_columns))


def _champion_estimates(
    settings: Settings, td: TrainingData, config: TrainingConfig
) -> tuple[str | None, dict[str, Estimate] | None]:
    version = champion_version(settings)
    if version is None:
        return None, None
    try:
        bundle = load_version(settings, version)
    except (RegistryError, ScoreCheckError) as error:
        logger.warning("champion version %s cannot be loaded: %s", version, error)
        return version, None
    data = td.part("test", candidates_only=True)
    missing = set(bundle.feature_columns) - set(data.frame.columns)
    if missing:
        logger.warning("champion uses features this code no longer builds: %s", sorted(missing))
        return version, None
    scores = bundle.predict(data.frame)
    return version, summarize(
        per_round(data, scores), config.evaluation.bootstrap_samples, config.seed
    )


def _log_model(bundle: RankerBundle, config: TrainingConfig, settings: Settings, work: Path) -> Any:
    """Log the pyfunc inference unit (booster text + meta JSON) and register a new version."""
    booster_path, meta_path = write_bundle(bundle, work / "unit")
    meta = bundle.meta()
    meta["feature_config"] = {"label_policy": config.labels.model_dump()}
    meta_path.write_text(pd.Series(meta).to_json(indent=2), encoding="utf-8")
    example = input_example(bundle.feature_columns)
    signature = infer_signature(example, bundle.predict(example))
    artifacts = {"booster": str(booster_path), "meta": str(meta_path)}
    if bundle.model_card:
        artifacts["model_card"] = str(booster_path.parent / CARD_FILE)
    return mlflow.pyfunc.log_model(
        name="model",
        python_model=JobfitRanker(),
        artifacts=artifacts,
        signature=signature,
        input_example=example,
        registered_model_name=settings.model_name,
        pip_requirements=[
            f"lightgbm=={lgb.__version__}", f"mlflow=={mlflow.__version__}",
            f"pandas=={pd.__version__}", f"numpy=={np.__version__}",
        ],
    )  # fmt: skip


def _refit(
    gated: lgb.Booster,
    td: TrainingData,
    config: TrainingConfig,
    decision: GateDecision,
    client: Any = None,
) -> tuple[Refit | None, lgb.Booster]:
    """The served booster: after a passed gate, the gated settings refitted on every round
    (when the config says so); else the evaluated booster itself."""
    if not (decision.promoted and config.model.refit_on_all_rounds):
        return None, gated
    rounds = len(td.split.train) + len(td.split.validation) + len(td.split.test)
    plan = refit_plan(gated, rounds, len(td.split.train), config)
    rows = td.all_rounds(config.negatives.per_round)
    return plan, refit_ranker(rows, plan, config, client=client)


def _log_refit(refit: Refit | None, gated: lgb.Booster, work: Path) -> None:
    """The refit's choices as params, and the evaluated (gated) booster as an artefact."""
    mlflow.log_params({"refit.on_all_rounds": refit is not None,
                       "refit.trees": refit.trees if refit else gated.num_trees()})  # fmt: skip
    if refit is not None:
        mlflow.log_params(
            {"refit.rounds": refit.rounds, "refit.early_stopped": refit.early_stopped}
        )
    gated_dir = work / "gated"
    gated_dir.mkdir()
    gated.save_model(str(gated_dir / "booster.txt"))
    mlflow.log_artifacts(str(gated_dir), artifact_path="gated")


def _load_inputs(data_dir: Path) -> tuple[Export, Any]:
    return load_export(Path(data_dir)), load_ruleset()


def train_and_register(
    data_dir: Path,
    config_path: Path,
    *,
    settings: Settings | None = None,
    progress: bool = True,
) -> TrainResult:
    """Train on an export, evaluate, log everything to MLflow, register and gate.

    Raises
    ------
    JobfitError
        For a bad export or config (the CLI turns it into a message and exit code 2).
    """
    settings = settings or get_settings()
    with dask_client(settings.dask_scheduler) as client:
        return _train_and_register(data_dir, config_path, settings, progress, client)


def _train_and_register(
    data_dir: Path, config_path: Path, settings: Settings, progress: bool, client: Any
) -> TrainResult:
    """:func:`train_and_register` with the Dask ``client`` (None: in this process)."""
    started = time.perf_counter()
    config = load_config(config_path)
    if client is not None:
        check_config(config)  # before the rounds are built, not after
    export, ruleset = _load_inputs(data_dir)
    mapper = rounds_on_cluster(client) if client is not None else None
    td = build_training_data(export, config, ruleset, progress=progress, map_rounds=mapper)

    booster = train_ranker(td.part("train"), td.part("validation"), config, client=client)
    scorers = method_scorers(booster, td, export, config)
    evaluation = evaluate_methods(td, scorers, export, config)
    old_version, champion = _champion_estimates(settings, td, config)
    shadow = shadow_compare(export, booster, td, settings, config.shadow)
    decision = gate(
        evaluation, champion, config, outcome_rounds(td.part("test", candidates_only=True))
    )
    refit, served = _refit(booster, td, config, decision, client)
    behaviour = check_pools(
        lambda f: served.predict(f[list(td.data.feature_columns)].to_numpy(np.float64)),
        round_pools(export, td.split.test), seed=config.seed,
    )  # fmt: skip

    check_booster(served)
    check_scores(served.predict(td.part("test").X), "the test rounds", varied=True)
    experiment_id = ensure_experiment(settings)
    client = configure_tracking(settings)
    version_code = code_version()
    bundle = RankerBundle(
        booster=served,
        feature_columns=td.data.feature_columns,
        ruleset_version=td.ruleset_version,
        code_version=version_code,
        data_hash=td.snapshot_hash,
        name=settings.model_name,
        metrics={k: v for k, v in evaluation.metrics().items() if not k.endswith(("low", "high"))},
        trained_at=datetime.now(UTC),
        libraries=installed_versions(),
    )
    counts = td.counts()
    with mlflow.start_run(experiment_id=experiment_id) as run, tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        mlflow.log_params(config.flat())
        mlflow.log_dict(config.model_dump(mode="json"), "config.yaml")
        mlflow.set_tags({
            "data_hash": td.snapshot_hash, "code_version": version_code,
            "ruleset_version": td.ruleset_version, "gate": "passed" if decision.promoted
            else "refused", "gate_reason": decision.reason,
            "engine": "dask" if client is not None else "local",
        })  # fmt: skip
        mlflow.log_metrics({**{k: float(v) for k, v in counts.items()},
                            "trees": float(served.num_trees()),
                            "gated.trees": float(booster.num_trees())})  # fmt: skip
        mlflow.log_metrics(evaluation.metrics())
        if champion is not None:
            mlflow.log_metric("champion.ndcg_at_10", champion[GATE_METRIC].mean)
        mlflow.log_metric("labels.committee_weight", td.committee_weight)
        mlflow.log_metrics(behaviour.metrics())
        log_reference_profile(td.data, export)
        if td.agreement is not None:
            mlflow.log_metrics(td.agreement.metrics())
        _plots(booster, evaluation, td.data.feature_columns, work)
        for name in ("position_type", "agency_id"):
            table = slices(evaluation.tables["ranker"], name)
            table.to_csv(work / f"slice_{name}.csv", index=False)
        for method, table in evaluation.tables.items():
            table.to_csv(work / f"rounds_{method}.csv", index=False)
        for name, table in decision_tables(decision).items():
            table.to_csv(work / f"{name}.csv", index=False)
        if evaluation.fairness is not None:
            pd.concat(
                {a: t for a, t in evaluation.fairness.rates.items()}, names=["attribute"]
            ).to_csv(work / "fairness_by_group.csv")
        mlflow.log_artifacts(str(work), artifact_path="evaluation")
        shadow.log(work)
        _log_refit(refit, booster, work)
        bundle.model_card = model_card.render(model_card.facts(
            name=settings.model_name, run_id=run.info.run_id, td=td, export=export,
            evaluation=evaluation, unranked=config.model.unranked, behaviour=behaviour,
            promoted=decision.promoted, reason=decision.reason, code_version=version_code,
            trained_at=bundle.trained_at or datetime.now(UTC), refit=refit,
        ))  # fmt: skip
        mlflow.log_text(bundle.model_card, CARD_FILE)
        info = _log_model(bundle, config, settings, work)
        run_id = run.info.run_id
    version = str(info.registered_model_version)
    bundle.version = version
    name = settings.model_name
    client.set_registered_model_alias(name, CHALLENGER, version)
    verdict = "passed" if decision.promoted else "refused"
    client.set_model_version_tag(name, version, GATE_TAG, verdict)
    client.set_model_version_tag(name, version, GATE_REASON_TAG, decision.reason)
    client.set_model_version_tag(name, version, "ruleset_version", td.ruleset_version)
    client.set_model_version_tag(name, version, "data_hash", td.snapshot_hash)
    aliases = [CHALLENGER]
    if decision.promoted:
        set_champion(client, settings, version)
        aliases.append(settings.model_alias)
    elif old_version is not None:
        logger.info("champion stays at version %s: %s", old_version, decision.reason)
    return TrainResult(
        counts=counts, evaluation=evaluation, decision=decision, name=name, version=version,
        aliases=aliases, run_id=run_id, trees=served.num_trees(),
        seconds=time.perf_counter() - started, ruleset_version=td.ruleset_version,
        data_hash=td.snapshot_hash, booster=served, refit=refit, agreement=td.agreement,
        committee_weight=td.committee_weight, behaviour=behaviour, shadow=shadow,
    )  # fmt: skip


def evaluate_registered(
    data_dir: Path,
    version: str | None = None,
    *,
    config_path: Path = Path("training/configs/default.yaml"),
    settings: Settings | None = None,
) -> EvaluationResult:
    """Evaluate a registered version (default: the champion) on the export's held-out rounds."""
    settings = settings or get_settings()
    bundle = load_version(settings, version or settings.model_alias)
    config = load_config(config_path)
    export, ruleset = _load_inputs(data_dir)
    td = build_training_data(export, config, ruleset)
    missing = set(bundle.feature_columns) - set(td.data.frame.columns)
    if missing:
        raise JobfitError(f"version {bundle.version} needs features not built: {sorted(missing)}")
    scorers = method_scorers(bundle.booster, td, export, config)
    scorers["ranker"] = lambda d: bundle.predict(d.frame)
    evaluation = evaluate_methods(td, scorers, export, config)
    return EvaluationResult(name=bundle.name, version=bundle.version, evaluation=evaluation)
