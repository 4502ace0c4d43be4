"""Shadow comparison on retrain: how the challenger's top 10 differ from the champion's.

Before the gate decides, ``make train`` scores the **open vacancies of the current export**
(positions flagged ``is_vacant``) over the active pool with both models, through the one
feature path (``features.build.build_features``) and the hard rules (``evaluate_rules`` with
each model's own rule set, as serving does), as of the export's date. Per vacancy and overall:

- overlap@k: the share of the champion's top k the challenger keeps;
- rank correlation: Kendall's tau of the two models' scores over the union of both top k;
- fairness change: for each audited protected attribute, the total-variation distance between
  the two top k's group compositions (half the summed absolute share differences), audit only.

A mean overlap below ``shadow.min_overlap`` is a warning ("look before promoting"), never a
refusal: the gate still decides on quality and fairness. Agency policy files are a serving
setting, so the national rule set of each model stands in for them here.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import lightgbm as lgb
import mlflow
import numpy as np
import pandas as pd
from scipy.stats import kendalltau

from features.build import FEATURE_COLUMNS, build_features
from features.candidates import CandidatePool, prepare_candidates
from features.export import Export, reference_date
from features.ordinals import age_bands
from features.ranking import top_k
from features.rules import DEFAULT_RULESET, RuleSet, evaluate_rules, load_ruleset
from training.bundle import RegistryError, load_version
from training.config import ShadowConfig
from training.dataset import TrainingData
from training.fairness import AUDITED
from training.registry import champion_version
from training.settings import Settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Ranker:
    """A booster with what it needs to score a pool: its feature order and its rule set."""

    booster: lgb.Booster
    feature_columns: tuple[str, ...]
    ruleset: RuleSet


@dataclass(frozen=True)
class ShadowReport:
    """The comparison over the open vacancies; ``table`` has one row per vacancy."""

    k: int
    table: pd.DataFrame
    min_overlap: float
    champion: str | None
    fairness_overall: dict[str, float] = field(default_factory=dict)

    @property
    def compared(self) -> bool:
        """False when there was no champion (or no open vacancy) to compare with."""
        return self.champion is not None and not self.table.empty

    @property
    def mean_overlap(self) -> float:
        return float(self.table["overlap"].mean()) if self.compared else float("nan")

    @property
    def mean_tau(self) -> float:
        return float(self.table["kendall_tau"].mean()) if self.compared else float("nan")

    @property
    def large_change(self) -> bool:
        """True when the mean overlap@k falls below the configured threshold."""
        return self.compared and self.mean_overlap < self.min_overlap

    def metrics(self) -> dict[str, float]:
        """Flat MLflow metrics ``shadow.*`` (empty when nothing was compared)."""
        if not self.compared:
            return {}
        out = {
            "shadow.vacancies": float(len(self.table)),
            f"shadow.overlap_at_{self.k}": self.mean_overlap,
            f"shadow.overlap_at_{self.k}.min": float(self.table["overlap"].min()),
            "shadow.kendall_tau": self.mean_tau,
            "shadow.large_change": float(self.large_change),
        }
        for attribute in AUDITED:
            out[f"shadow.fairness.{attribute}.tv_mean"] = float(
                self.table[f"tv_{attribute}"].mean()
            )
            out[f"shadow.fairness.{attribute}.tv_overall"] = self.fairness_overall[attribute]
        return out

    def lines(self) -> list[str]:
        """A few lines for the train summary."""
        if self.champion is None:
            return ["shadow: no champion: nothing to compare"]
        if self.table.empty:
            return [f"shadow vs champion v{self.champion}: no open vacancy to compare on"]
        t = self.table
        changes = ", ".join(f"{a} {self.fairness_overall[a]:.2f}" for a in AUDITED)
        out = [
            f"shadow vs champion v{self.champion} on {len(t)} open vacancies: "
            f"overlap@{self.k} mean {self.mean_overlap:.2f} (min {t['overlap'].min():.2f}), "
            f"Kendall tau {self.mean_tau:.2f}",
            f"shadow top-{self.k} composition change (total variation, all vacancies; audit "
            f"only): {changes}",
        ]
        if self.large_change:
            out.append(
                f"WARNING shadow: mean overlap@{self.k} {self.mean_overlap:.2f} < "
                f"{self.min_overlap}: a large change, look before promoting (a warning, not a "
                "refusal; the gate decides)"
            )
        return out

    def log(self, work: Path) -> None:
        """Log the metrics and ``shadow/shadow_by_vacancy.csv`` to the active MLflow run."""
        mlflow.log_metrics(self.metrics())
        if self.compared:
            folder = work / "shadow"
            folder.mkdir(exist_ok=True)
            self.table.to_csv(folder / "shadow_by_vacancy.csv", index=False)
            mlflow.log_artifacts(str(folder), artifact_path="shadow")


def open_vacancies(export: Export, limit: int) -> pd.DataFrame:
    """The positions flagged vacant, by id, at most ``limit`` (the first ids)."""
    positions = export.positions
    vacant = positions[positions["is_vacant"].astype(bool)]
    return vacant.sort_values("position_id").head(limit)


def protected_groups(pool: CandidatePool, as_of: pd.Timestamp) -> pd.DataFrame:
    """The audited attributes of every pool row (age band on ``as_of``); audit only."""
    emp = pool.employees
    out = pd.DataFrame({"age_band": age_bands(emp["birth_date"].to_numpy(), as_of)})
    for column in AUDITED:
        if column == "age_band":
            continue
        values = emp[column].fillna("").astype(str).to_numpy() if column in emp else ""
        out[column] = np.where(values == "", "UNKNOWN", values)
    return out[list(AUDITED)]


def eligible_scores(
    rankers: tuple[Ranker, ...],
    pool: CandidatePool,
    position: dict,
    as_of: pd.Timestamp,
    export: Export,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """For each ranker: the pool rows passing its rule set's hard rules and its score of each
    (the serving path; features and rules are computed once per rule set)."""
    verdicts: dict[str, tuple[pd.DataFrame, np.ndarray]] = {}
    out: list[tuple[np.ndarray, np.ndarray]] = []
    for ranker in rankers:
        ruleset = ranker.ruleset
        if ruleset.version not in verdicts:
            features = build_features(pool, position, as_of, ruleset.feature_config())
            verdict = evaluate_rules(
                pool, position, features, as_of, ruleset, export.election_calendar
            )
            verdicts[ruleset.version] = (
                features, np.flatnonzero(np.asarray(verdict.eligible, dtype=bool))
            )  # fmt: skip
        features, eligible = verdicts[ruleset.version]
        matrix = features[list(ranker.feature_columns)].to_numpy(dtype=np.float64)[eligible]
        out.append((eligible, np.asarray(ranker.booster.predict(matrix), dtype=np.float64)))
    return out


def total_variation(a: pd.Series, b: pd.Series) -> float:
    """Half the summed absolute difference of the two group shares (0 same, 1 disjoint)."""
    pa = a.value_counts(normalize=True)
    pb = b.value_counts(normalize=True)
    return float(pa.subtract(pb, fill_value=0.0).abs().sum() / 2)


def compare_vacancy(
    challenger: tuple[np.ndarray, np.ndarray],
    champion: tuple[np.ndarray, np.ndarray],
    nips: np.ndarray,
    groups: pd.DataFrame,
    k: int,
) -> dict[str, float]:
    """Overlap@k, Kendall tau on the union of both top k, and composition change, one vacancy."""
    (rows_a, scores_a), (rows_b, scores_b) = challenger, champion
    top_a = rows_a[top_k(scores_a, nips[rows_a], k)]
    top_b = rows_b[top_k(scores_b, nips[rows_b], k)]
    size = max(min(len(top_a), len(top_b)), 1)
    out: dict[str, float] = {
        "eligible": float(len(rows_a)),
        "overlap": len(np.intersect1d(top_a, top_b)) / size,
    }
    union = np.union1d(top_a, top_b)
    by_a = pd.Series(scores_a, index=rows_a).reindex(union)
    by_b = pd.Series(scores_b, index=rows_b).reindex(union)
    both = by_a.notna() & by_b.notna()
    tau = kendalltau(by_a[both], by_b[both]).statistic if both.sum() > 1 else np.nan
    out["kendall_tau"] = float(tau)
    for attribute in groups.columns:
        column = groups[attribute]
        out[f"tv_{attribute}"] = total_variation(column.iloc[top_a], column.iloc[top_b])
    return out


def compare(
    export: Export,
    challenger: Ranker,
    champion: Ranker | None,
    config: ShadowConfig,
    *,
    champion_name: str | None = None,
) -> ShadowReport:
    """Score every open vacancy with both rankers and compare their top k."""
    k = config.k
    if champion is None:
        return ShadowReport(k, pd.DataFrame(), config.min_overlap, None)
    as_of = reference_date(export)
    active = export.employees.loc[export.employees["status"] == "ACTIVE", "nip"]
    pool = prepare_candidates(export, as_of, nips=list(active))
    nips = pool.nips.astype(str)
    groups = protected_groups(pool, as_of)
    rows: list[dict[str, object]] = []
    tops: dict[str, list[np.ndarray]] = {"challenger": [], "champion": []}
    for position in open_vacancies(export, config.max_vacancies).to_dict("records"):
        a, b = eligible_scores((challenger, champion), pool, position, as_of, export)
        if len(a[0]) == 0 or len(b[0]) == 0:
            continue
        rows.append(
            {"position_id": position["position_id"], **compare_vacancy(a, b, nips, groups, k)}
        )
        tops["challenger"].append(a[0][top_k(a[1], nips[a[0]], k)])
        tops["champion"].append(b[0][top_k(b[1], nips[b[0]], k)])
    overall = _overall_change(groups, tops)
    logger.info("shadow: %d open vacancies compared with champion v%s", len(rows), champion_name)
    return ShadowReport(k, pd.DataFrame(rows), config.min_overlap, champion_name, overall)


def _overall_change(groups: pd.DataFrame, tops: dict[str, list[np.ndarray]]) -> dict[str, float]:
    """Composition change of all top-k places together, per attribute."""
    if not tops["challenger"]:
        return {}
    a = np.concatenate(tops["challenger"])
    b = np.concatenate(tops["champion"])
    return {
        attribute: total_variation(groups[attribute].iloc[a], groups[attribute].iloc[b])
        for attribute in groups.columns
    }


def shadow_compare(
    export: Export,
    booster: lgb.Booster,
    td: TrainingData,
    settings: Settings,
    config: ShadowConfig,
) -> ShadowReport:
    """The challenger (a freshly trained booster on ``td``) against the champion, if any."""
    ruleset = load_ruleset(td.ruleset_version)
    challenger = Ranker(booster, td.data.feature_columns, ruleset)
    version = champion_version(settings)
    if version is None:
        return compare(export, challenger, None, config)
    try:
        bundle = load_version(settings, version)
    except RegistryError as error:
        logger.warning("shadow: champion version %s cannot be loaded: %s", version, error)
        return compare(export, challenger, None, config)
    unknown = sorted(set(bundle.feature_columns) - set(FEATURE_COLUMNS))
    if unknown:
        logger.warning("shadow: champion v%s uses features no longer built: %s", version, unknown)
        return compare(export, challenger, None, config)
    ruleset = load_ruleset(bundle.ruleset_version or DEFAULT_RULESET)
    champion = Ranker(bundle.booster, bundle.feature_columns, ruleset)
    return compare(export, challenger, champion, config, champion_name=version)
