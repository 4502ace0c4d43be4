"""The promotion gate: quality against baselines and champion, fairness explained, slice floors.

A challenger becomes champion only if

- its NDCG@10 on the test rounds beats every baseline (a first model: the status quo,
  seniority order; the others are then a warning) and is not below the champion's minus a
  tolerance;
- for no audited attribute is the **merit-conditional** top-k impact ratio, with its 95%
  interval, wholly below ``fairness.min_conditional_ratio`` (upper bound below the bound). The
  raw ratio is reported next to it, never gated: the part merit explains is not held against
  the model, the part it does not is (``docs/fairness.md``);
- on no slice (position type, agency, OUTCOME-labelled rounds) with at least
  ``gate.slice_min_rounds`` rounds is it, with 95% confidence, worse than seniority order on
  the same rounds by more than ``gate.slice_tolerance`` (the upper bound of the paired
  per-round difference below ``-slice_tolerance``). Smaller slices are reported, not judged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

import numpy as np
import pandas as pd

from training.config import TrainingConfig
from training.dataset import RankingData
from training.evaluation import Estimate, bootstrap
from training.fairness import FairnessReport, Ratio

GATE_METRIC = "ndcg@10"
BASELINES: tuple[str, ...] = ("seniority", "jpm", "pointwise")
STATUS_QUO = "seniority"
"""The order committees use without the model (DUK); a first model must beat it."""
SLICES: tuple[str, ...] = ("position_type", "agency_id", "outcome")
"""The slices with a floor: per position type, per agency, the OUTCOME-labelled rounds."""
OUTCOME_SLICE = "OUTCOME-labelled rounds"
MAX_SLICES_SAID = 5
"""Refused slices named in the reason (a tag: short); all are in ``gate_slices.csv``."""

Verdict = Literal["pass", "refuse", "not judged"]


class Evaluated(Protocol):
    """What the gate reads of an evaluation (``training.pipeline.Evaluation``)."""

    as_is: dict[str, dict[str, Estimate]]
    tables: dict[str, pd.DataFrame]
    fairness: FairnessReport | None


@dataclass(frozen=True)
class FairnessVerdict:
    """One audited attribute: raw and conditional ratios, and the gate's verdict on it."""

    attribute: str
    raw: Ratio
    conditional: Ratio
    verdict: Verdict
    raw_group: str = ""
    """The worst-off group the raw ratio is of (against the rest of the pool)."""
    conditional_group: str = ""
    """The worst-off group the conditional ratio is of."""


@dataclass(frozen=True)
class SliceVerdict:
    """One slice: the ranker's and seniority's NDCG@10 on its rounds, and the verdict."""

    by: str
    value: str
    rounds: int
    ranker: float
    seniority: float
    difference: Estimate
    """Mean paired per-round difference (ranker - seniority) with its interval."""
    verdict: Verdict


@dataclass(frozen=True)
class GateDecision:
    """Whether the challenger becomes champion, why, and each fairness and slice verdict."""

    promoted: bool
    reason: str
    fairness: tuple[FairnessVerdict, ...] = ()
    slices: tuple[SliceVerdict, ...] = ()


def outcome_rounds(data: RankingData) -> frozenset[str]:
    """The rounds with an OUTCOME label (a placed person's later performance)."""
    frame = data.frame
    return frozenset(frame.loc[frame["label_source"] == "OUTCOME", "round_id"].astype(str))


def fairness_verdicts(
    report: FairnessReport | None, config: TrainingConfig
) -> tuple[FairnessVerdict, ...]:
    """Refuse an attribute whose conditional ratio's upper bound is below the bound."""
    if report is None:
        return ()
    bound = config.fairness.min_conditional_ratio
    out = []
    for attribute, audit in report.attributes.items():
        high = audit.conditional.high
        verdict: Verdict = "not judged" if np.isnan(high) else "refuse" if high < bound else "pass"
        out.append(FairnessVerdict(
            attribute, audit.raw, audit.conditional, verdict, audit.raw_group,
            audit.conditional_group,
        ))  # fmt: skip
    return tuple(out)


def _slice_groups(table: pd.DataFrame, outcome: frozenset[str]) -> list[tuple[str, str, pd.Index]]:
    groups = [
        (by, str(value), rows.index)
        for by in ("position_type", "agency_id")
        for value, rows in table.groupby(by, sort=True)
    ]
    is_outcome = table["round_id"].astype(str).isin(outcome)
    if is_outcome.any():
        groups.append(("outcome", OUTCOME_SLICE, table.index[is_outcome]))
    return groups


def slice_verdicts(
    tables: dict[str, pd.DataFrame], outcome: frozenset[str], config: TrainingConfig
) -> tuple[SliceVerdict, ...]:
    """The ranker against seniority order on each slice of the test rounds (paired by round)."""
    if "ranker" not in tables or STATUS_QUO not in tables:
        return ()
    ours, theirs = tables["ranker"], tables[STATUS_QUO]
    if list(ours["round_id"]) != list(theirs["round_id"]):
        raise ValueError("the ranker's and seniority's per-round tables differ in rounds")
    samples, seed = config.evaluation.bootstrap_samples, config.seed
    out = []
    for by, value, index in _slice_groups(ours, outcome):
        a = ours.loc[index, GATE_METRIC].to_numpy(np.float64)
        b = theirs.loc[index, GATE_METRIC].to_numpy(np.float64)
        paired = ~(np.isnan(a) | np.isnan(b))
        difference = bootstrap(a[paired] - b[paired], samples, seed)
        verdict: Verdict = "not judged"
        if difference.rounds >= config.gate.slice_min_rounds:
            below = difference.high < -config.gate.slice_tolerance
            verdict = "refuse" if below else "pass"
        out.append(SliceVerdict(
            by, value, difference.rounds, float(np.mean(a[paired])) if paired.any() else np.nan,
            float(np.mean(b[paired])) if paired.any() else np.nan, difference, verdict,
        ))  # fmt: skip
    return tuple(out)


def _quality(
    evaluation: Evaluated, champion: dict[str, Estimate] | None, config: TrainingConfig
) -> tuple[list[str], list[str]]:
    """Refusals and (first model only) warnings on NDCG@10 against baselines and champion."""
    ours = evaluation.as_is["ranker"][GATE_METRIC].mean
    reasons: list[str] = []
    warnings: list[str] = []
    for method in BASELINES:
        if method not in evaluation.as_is:
            continue
        theirs = evaluation.as_is[method][GATE_METRIC].mean
        if not ours > theirs + config.gate.baseline_margin:
            shortfall = f"{GATE_METRIC} {ours:.4f} does not beat {method} {theirs:.4f}"
            first_model = champion is None and method != STATUS_QUO
            (warnings if first_model else reasons).append(shortfall)
    if champion is not None:
        best = champion[GATE_METRIC].mean
        if ours < best - config.gate.champion_tolerance:
            reasons.append(
                f"{GATE_METRIC} {ours:.4f} is below the champion's {best:.4f} "
                f"- {config.gate.champion_tolerance}"
            )
    return reasons, warnings


def _fairness_words(verdicts: tuple[FairnessVerdict, ...], k: int, bound: float) -> str:
    judged = [v for v in verdicts if v.verdict != "not judged"]
    if not judged:
        return f"top-{k} fairness not judged (fewer than two groups large enough)"
    parts = ", ".join(f"{v.attribute} raw {v.raw} conditional {v.conditional}" for v in judged)
    return f"top-{k} impact ratio (95% CI) {parts}; bound on the conditional ratio {bound}"


def _slice_words(verdict: SliceVerdict, tolerance: float) -> str:
    return (
        f"{GATE_METRIC} on {verdict.by} {verdict.value} ({verdict.rounds} rounds) "
        f"{verdict.ranker:.3f} vs seniority {verdict.seniority:.3f}: difference "
        f"{verdict.difference} below -{tolerance}"
    )


def gate(
    evaluation: Evaluated,
    champion: dict[str, Estimate] | None,
    config: TrainingConfig,
    outcome: frozenset[str] = frozenset(),
) -> GateDecision:
    """Promote only if the challenger beats every baseline and the champion, its unexplained
    disparity is within the bound and no slice falls below seniority order.

    The first model (no champion yet) must beat the status quo, seniority (DUK) order, and
    pass fairness and slices; falling short of the other baselines is then a warning in the
    reason, not a refusal: refusing would leave committees with seniority order, which it beats.
    ``outcome``: the test rounds with an OUTCOME label (:func:`outcome_rounds`).
    """
    reasons, warnings = _quality(evaluation, champion, config)
    fairness = fairness_verdicts(evaluation.fairness, config)
    slices = slice_verdicts(evaluation.tables, outcome, config)
    k, bound = config.fairness.k, config.fairness.min_conditional_ratio
    unfair = [v for v in fairness if v.verdict == "refuse"]
    if unfair:
        reasons.append(
            "unexplained disparity: merit-conditional top-"
            f"{k} impact ratio below {bound} for "
            + ", ".join(
                f"{v.attribute} {_said(v.conditional, v.conditional_group)} (raw {v.raw})"
                for v in unfair
            )
        )
    tolerance = config.gate.slice_tolerance
    low = [_slice_words(v, tolerance) for v in slices if v.verdict == "refuse"]
    reasons += low[:MAX_SLICES_SAID]
    if len(low) > MAX_SLICES_SAID:
        reasons.append(f"and {len(low) - MAX_SLICES_SAID} more slices below seniority order")
    words = _fairness_words(fairness, k, bound)
    small = sum(v.verdict == "not judged" for v in slices)
    judged = f"{len(slices) - small} slices at least as good as seniority order" + (
        f" ({small} with too few rounds to judge)" if small else ""
    )
    ours = evaluation.as_is["ranker"][GATE_METRIC].mean
    if reasons:
        return GateDecision(False, "; ".join(reasons + [words]), fairness, slices)
    if warnings:
        reason = (
            f"first champion: {GATE_METRIC} {ours:.4f} beats {STATUS_QUO} order; {words}; "
            f"{judged}; warning: {'; '.join(warnings)}"
        )
        return GateDecision(True, reason, fairness, slices)
    vs = "the champion and " if champion is not None else ""
    reason = f"{GATE_METRIC} {ours:.4f} beats {vs}every baseline; {words}; {judged}"
    return GateDecision(True, reason, fairness, slices)


def _said(ratio: Ratio, group: str) -> str:
    return f"{ratio} {group}" if group else str(ratio)


def fairness_table(decision: GateDecision, k: int) -> list[str]:
    """The summary's fairness lines: attribute, raw [CI], conditional [CI], verdict."""
    if not decision.fairness:
        return []
    lines = [
        f"top-{k} impact ratio (95% CI over rounds; the gate decides on the conditional one)",
        "(each: the worst-off group's selection rate against the rest of the pool)",
        f"{'attribute':<14} {'raw':<30} {'merit-conditional':<30} verdict",
    ]
    lines += [
        f"{v.attribute:<14} {_said(v.raw, v.raw_group):<30} "
        f"{_said(v.conditional, v.conditional_group):<30} {v.verdict}"
        for v in decision.fairness
    ]
    refused = [v for v in decision.slices if v.verdict == "refuse"]
    small = sum(v.verdict == "not judged" for v in decision.slices)
    if decision.slices:
        lines.append(
            f"slice floors: {len(decision.slices) - small - len(refused)} pass, "
            f"{len(refused)} refuse, {small} too few rounds to judge"
        )
    return lines


def decision_tables(decision: GateDecision) -> dict[str, pd.DataFrame]:
    """The gate's fairness and slice verdicts as tables (logged as CSV with the run)."""
    fairness = pd.DataFrame([
        {"attribute": v.attribute, "raw_group": v.raw_group,
         "conditional_group": v.conditional_group, "raw_ratio": v.raw.value, "raw_low": v.raw.low,
         "raw_high": v.raw.high, "conditional_ratio": v.conditional.value,
         "conditional_low": v.conditional.low, "conditional_high": v.conditional.high,
         "verdict": v.verdict}
        for v in decision.fairness
    ])  # fmt: skip
    slices = pd.DataFrame([
        {"by": v.by, "value": v.value, "rounds": v.rounds, "ranker": v.ranker,
         "seniority": v.seniority, "difference": v.difference.mean,
         "difference_low": v.difference.low, "difference_high": v.difference.high,
         "verdict": v.verdict}
        for v in decision.slices
    ])  # fmt: skip
    return {"gate_fairness": fairness, "gate_slices": slices}
