"""The typed training config: ``training/configs/*.yaml`` loaded into pydantic models."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from features import catalogue
from features.build import FEATURE_COLUMNS
from features.errors import JobfitError


class ConfigError(JobfitError):
    """A training config file that cannot be read or breaks a rule."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SplitConfig(_Strict):
    """Time split by round: the most recent rounds are the test set, those before validation."""

    test_fraction: float = Field(0.2, gt=0, lt=1)
    validation_fraction: float = Field(0.15, gt=0, lt=1)
    min_test_rounds: int = Field(3, ge=1)
    min_validation_rounds: int = Field(2, ge=1)


class NegativesConfig(_Strict):
    """Sampled eligible non-candidates (label 0) added to rounds."""

    per_round: int = Field(0, ge=0)
    """Added to each training and validation round."""
    live_like_per_round: int = Field(200, ge=0)
    """Added to each test round for the live-like evaluation."""


class LabelPolicy(_Strict):
    """How OUTCOME and COMMITTEE labels are treated (see docs/training.md)."""

    outcome_weight: float = Field(1.0, gt=0)
    committee_weight: float | Literal["measured"] = "measured"
    """A COMMITTEE row's weight relative to ``outcome_weight``; ``measured``: the agreement of
    committee grades with outcome grades measured on the export's training rounds
    (``training.outcomes.committee_agreement``), 1 when there are too few outcomes to tell."""
    committee_min_weight: float = Field(0.1, gt=0, le=1)
    """The least weight a measured disagreement leaves committee grades (some order is still
    learnt from them)."""
    min_outcome_rounds: int = Field(20, ge=2)
    """Rounds with an outcome needed to measure the agreement."""
    committee_max_label: int = Field(4, ge=0, le=4)
    """The highest COMMITTEE grade kept (4: no cap)."""
    committee_seniority_debias: bool = True
    """Remove the part of COMMITTEE grades explained by within-round seniority."""

    @field_validator("committee_weight")
    @classmethod
    def _positive_weight(cls, value: float | str) -> float | str:
        if not isinstance(value, str) and value <= 0:
            raise ValueError("committee_weight must be > 0 or 'measured'")
        return value


MERIT_UP: tuple[str, ...] = catalogue.MERIT_UP
"""Merit factors (direction +1 in the feature catalogue): more never ranks a candidate lower
(measured: +0.03-0.06 served NDCG@10 on three held-back truths, docs/training.md). The talent
box is one: its number rises with the last rating and with potential; left free, a better
rating lowered scores through it (810 of 1 265 twins on the perturbed generator)."""
MERIT_DOWN: tuple[str, ...] = catalogue.MERIT_DOWN
"""Shortfalls, sanctions and missing records (direction -1): more never ranks a candidate higher."""


class ModelConfig(_Strict):
    """LightGBM lambdarank hyperparameters."""

    num_boost_round: int = Field(300, ge=1)
    early_stopping_rounds: int = Field(0, ge=0)
    """0: no early stopping, exactly ``num_boost_round`` trees. Validation rounds are
    pre-screened pools whose NDCG peaks after a handful of trees, long before the whole-pool
    order is learnt (docs/training.md, held-back truth)."""
    learning_rate: float = Field(0.05, gt=0, le=1)
    num_leaves: int = Field(15, ge=2)
    min_data_in_leaf: int = Field(40, ge=1)
    feature_fraction: float = Field(0.9, gt=0, le=1)
    bagging_fraction: float = Field(0.8, gt=0, le=1)
    bagging_freq: int = Field(1, ge=0)
    lambda_l2: float = Field(1.0, ge=0)
    eval_at: tuple[int, ...] = (5, 10)
    lambdarank_truncation_level: int = Field(20, ge=1)
    label_gain: tuple[float, ...] = (0.0, 1.0, 2.0, 3.0, 4.0)
    """The gain of each grade 0-4 in the lambdarank objective: linear, the gain of the NDCG
    the shortlists are judged by (``make holdout``, ``sklearn.metrics.ndcg_score``). LightGBM's
    default ``2**grade - 1`` weighs a single (often committee) top grade like fifteen 1s."""
    num_threads: int = Field(2, ge=1)
    monotone_increasing: tuple[str, ...] = MERIT_UP
    """Features whose rise may never lower a candidate's score (merit: competency, education,
    performance, related experience, the post's training)."""
    monotone_decreasing: tuple[str, ...] = MERIT_DOWN
    """Features whose rise may never raise it (shortfalls, sanctions, missing data)."""
    monotone_constraints_method: Literal["basic", "intermediate", "advanced"] = "advanced"
    unranked: tuple[str, ...] = catalogue.SENIORITY
    """Features the ranker may never split on (LightGBM ``feature_contri`` 0): built, checked by
    the rules and stated in reasons, with a contribution of exactly 0 (time served,
    ``features.catalogue.SENIORITY``)."""
    refit_on_all_rounds: bool = True
    """After the gate passes, the served model is these settings refitted on every round
    (train, validation and test): the gated model is the evaluated one, the refit the served
    one (with early stopping, its tree count scaled by the rounds it sees)."""

    @model_validator(mode="after")
    def _monotone_features_exist(self) -> ModelConfig:
        both = set(self.monotone_increasing) & set(self.monotone_decreasing)
        if both:
            raise ValueError(f"monotone in both directions: {', '.join(sorted(both))}")
        named = self.monotone_increasing + self.monotone_decreasing + self.unranked
        unknown = sorted(set(named) - set(FEATURE_COLUMNS))
        if unknown:
            raise ValueError(f"monotone or unranked, unknown features: {', '.join(unknown)}")
        return self

    @model_validator(mode="after")
    def _gain_per_grade(self) -> ModelConfig:
        gain = self.label_gain
        if len(gain) < 5 or gain[0] < 0 or list(gain) != sorted(gain):
            raise ValueError("label_gain must give grades 0-4 a non-negative, non-decreasing gain")
        return self

    @model_validator(mode="after")
    def _truncation_covers_eval(self) -> ModelConfig:
        if not self.eval_at or min(self.eval_at) < 1:
            raise ValueError("eval_at must list shortlist sizes >= 1")
        if self.lambdarank_truncation_level < max(self.eval_at):
            raise ValueError("lambdarank_truncation_level must be >= the largest eval_at")
        return self


class GateConfig(_Strict):
    """When a challenger may become champion."""

    champion_tolerance: float = Field(0.005, ge=0)
    baseline_margin: float = Field(0.0, ge=0)
    slice_min_rounds: int = Field(10, ge=2)
    """Test rounds a slice (position type, agency, OUTCOME-labelled rounds) needs to be judged;
    smaller slices are reported, not judged."""
    slice_tolerance: float = Field(0.02, ge=0)
    """A slice refuses when the ranker's NDCG@10 is, with 95% confidence, below seniority
    order's on the same rounds by more than this (upper bound of the paired difference)."""


class FairnessConfig(_Strict):
    """Top-k fairness audit (raw and merit-conditional impact ratios) and its gate bound."""

    k: int = Field(10, ge=1)
    min_impact_ratio: float = Field(0.8, ge=0, le=1)
    """The reference the raw ratio is read against (the four-fifths rule); reported, not gated."""
    min_conditional_ratio: float = Field(0.8, ge=0, le=1)
    """The gate refuses when an attribute's merit-conditional ratio has its 95% upper bound
    below this (docs/fairness.md)."""
    min_group_size: int = Field(20, ge=1)
    """Rows a group needs to be judged and shown (smaller cells re-identify people)."""
    min_expected_selections: float = Field(20.0, ge=0)
    """Selections a group must be expected to have (at parity and at its merit standing) to be
    judged: with fewer, chance alone can put its ratio far below parity."""
    stratum_size: int = Field(1, ge=1)
    """Merit ranks of a round per merit stratum (1: each merit rank, pooled across rounds)."""


class EvaluationConfig(_Strict):
    """Bootstrap over rounds for confidence intervals."""

    bootstrap_samples: int = Field(1000, ge=10)


class MonitorConfig(_Strict):
    """When a change is worth a look (WARN) and when it calls for a retrain (RETRAIN).

    Both apply to the *noise-corrected* PSI: a distribution's PSI minus the PSI that sampling
    alone reaches at these sizes (``training.monitor.noise_floor``: the 99th percentile over
    random halves of the reference's rounds). The usual readings of a raw PSI, 0.1 "a change"
    and 0.25 "a shift" (Siddiqi 2006), assume large independent samples; past rounds are a few
    dozen pools whose rows share a position, and their PSI between two halves of one export
    reaches 0.1-0.45 on the competency gaps of a 800-employee export (measured,
    docs/monitoring.md). So the noise is subtracted first and the lower reading, 0.1, calls
    for a retrain.
    """

    psi_warn: float = Field(0.05, gt=0)
    psi_drift: float = Field(0.1, gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> MonitorConfig:
        if self.psi_warn > self.psi_drift:
            raise ValueError("monitor psi_warn must be <= psi_drift")
        return self


class ShadowConfig(_Strict):
    """Shadow comparison of challenger and champion on the export's open vacancies."""

    k: int = Field(10, ge=1)
    min_overlap: float = Field(0.5, ge=0, le=1)
    """A mean overlap@k below this is a warning to look before promoting, not a refusal."""
    max_vacancies: int = Field(200, ge=1)


class TrainingConfig(_Strict):
    """The whole training config, logged to MLflow in full."""

    seed: int = 42
    split: SplitConfig = SplitConfig()
    negatives: NegativesConfig = NegativesConfig()
    labels: LabelPolicy = LabelPolicy()
    model: ModelConfig = ModelConfig()
    gate: GateConfig = GateConfig()
    fairness: FairnessConfig = FairnessConfig()
    evaluation: EvaluationConfig = EvaluationConfig()
    monitor: MonitorConfig = MonitorConfig()
    shadow: ShadowConfig = ShadowConfig()

    def flat(self) -> dict[str, Any]:
        """The config as flat ``section.key`` parameters (for ``mlflow.log_params``)."""
        out: dict[str, Any] = {}
        for section, values in self.model_dump().items():
            if isinstance(values, dict):
                for key, value in values.items():
                    out[f"{section}.{key}"] = value
            else:
                out[section] = values
        return out


def load_config(path: Path | str) -> TrainingConfig:
    """Read and validate a training config file.

    Raises
    ------
    ConfigError
        When the file is missing, not YAML, or breaks a rule (named by its key).
    """
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as error:
        raise ConfigError(f"cannot read training config {path}: {error.strerror}") from error
    except yaml.YAMLError as error:
        raise ConfigError(f"training config {path} is not valid YAML: {error}") from error
    if not isinstance(raw, dict):
        raise ConfigError(f"training config {path} must be a mapping of sections")
    try:
        return TrainingConfig.model_validate(raw)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()
        )
        raise ConfigError(f"training config {path}: {problems}") from error
