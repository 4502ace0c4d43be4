"""The model card of a registered version: what it is for, what it learnt from, how good and
how fair it is, and where it falls short (Mitchell et al., "Model Cards for Model Reporting").

Rendered as Markdown from what training knows (:class:`CardFacts`), logged to the MLflow run
as ``model_card.md`` and stored inside the inference unit beside ``booster.txt`` and
``meta.json``, so that serving shows it (``/v1/model``, the ``/model`` page) without the run.

Fairness is read through the report's flat ``metrics()`` (``fairness.<attribute>.<measure>``),
so a report with raw ratios only and one with raw and merit-conditional ratios and their
intervals both render; a measure the report does not give is shown as "n/a".
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

import pandas as pd

from features import catalogue
from features.export import PROTECTED_ATTRIBUTES, Export, reference_date
from training.behaviour import Behaviour
from training.bundle import installed_versions
from training.dataset import SPLITS, TrainingData
from training.evaluation import Estimate
from training.model import Refit

GATE_METRIC = "ndcg@10"
LIBRARIES: tuple[str, ...] = ("lightgbm", "lleaves", "numpy", "mlflow")
"""Libraries whose versions the card and the bundle's meta record."""

SECTIONS: tuple[str, ...] = (
    "Intended use",
    "Data window",
    "Features",
    "Quality against the baselines",
    "Fairness: raw and explained by merit",
    "Merit checks",
    "Known limits",
    "Versions",
)
"""Every card's second-level headings, in order (the tests check each one)."""

EXCLUDED_WHY: dict[str, str] = {
    "nip": "the NIP encodes birth date and gender",
    "name": "a name identifies a person and hints at gender, religion and origin",
    "gender": "a ground the merit system may not discriminate on (UU 20/2023)",
    "birth_date": "age is a ground the merit system may not discriminate on (UU 20/2023)",
    "age": "age is a ground the merit system may not discriminate on (UU 20/2023)",
    "religion": "a ground the merit system may not discriminate on (UU 20/2023)",
    "ethnicity": "a ground the merit system may not discriminate on (UU 20/2023)",
    "origin_region": "a ground the merit system may not discriminate on (UU 20/2023)",
    "disability": "a ground the merit system may not discriminate on (UU 20/2023)",
    "marital_status": "a ground the merit system may not discriminate on (UU 20/2023)",
}
"""Why each protected attribute is never a feature (read for the fairness audit only)."""

KNOWN_LIMITS: tuple[str, ...] = (
    "It learns from past committee grades and outcomes; where those carry a bias (seniority, a "
    "group favoured), the ranker can inherit it. The fairness section measures what is left.",
    "Past rounds are pre-screened pools of a few dozen; a live shortlist ranks every eligible "
    "employee. The live-like figure (sampled eligible non-candidates as label 0) is a proxy.",
    "Missing assessments and ratings rank a candidate lower, never higher: an unassessed "
    "strong candidate can be missed. The committee must look beyond the list.",
    "Quality and fairness are measured on the most recent rounds of one export; another "
    "agency, a new position type or a changed rule set may behave differently.",
    "Scores rank candidates for one vacancy; they are not probabilities and are not "
    "comparable across vacancies.",
    "The model ages: the export it learnt from describes one day; retrain when the monitor "
    "flags drift or the model is older than the configured maximum.",
)


class FairnessLike(Protocol):
    """What the card reads of a fairness report (old and new shapes alike)."""

    k: int

    def metrics(self) -> dict[str, float]:
        """Flat ``fairness.<attribute>.<measure>`` metrics."""
        ...


@dataclass(frozen=True)
class CardFacts:
    """Everything a card states, gathered by training before the version is registered."""

    name: str
    run_id: str
    trained_at: datetime
    data_hash: str
    export_date: date
    windows: dict[str, tuple[date | None, date | None]]
    """First and last decision date of each split's rounds."""
    counts: dict[str, int]
    feature_columns: tuple[str, ...]
    unranked: tuple[str, ...]
    as_is: dict[str, dict[str, Estimate]]
    live_like: dict[str, dict[str, Estimate]]
    fairness: FairnessLike | None
    behaviour: Behaviour | None
    gate_promoted: bool
    gate_reason: str
    ruleset_version: str
    code_version: str
    libraries: dict[str, str] = field(default_factory=dict)
    refit: Refit | None = None
    """How the served model was refitted on every round after the gate (None: not refitted)."""


def split_windows(td: TrainingData) -> dict[str, tuple[date | None, date | None]]:
    """First and last ``decided_on`` of each split's rounds."""
    frame = td.data.frame
    out: dict[str, tuple[date | None, date | None]] = {}
    for name in SPLITS:
        days = frame.loc[frame["round_id"].isin(set(td.split.of(name))), "decided_on"]
        out[name] = (
            (pd.Timestamp(days.min()).date(), pd.Timestamp(days.max()).date())
            if len(days)
            else (None, None)
        )
    return out


def export_date(export: Export) -> date:
    """The day the export describes."""
    return reference_date(export).date()


def render(facts: CardFacts) -> str:
    """The card as Markdown (headings :data:`SECTIONS`)."""
    parts = [
        f"# Model card: {facts.name}",
        "",
        f"Trained {facts.trained_at:%Y-%m-%d %H:%M} UTC, MLflow run `{facts.run_id}`. "
        f"Gate: {'passed' if facts.gate_promoted else 'refused'}: {facts.gate_reason}",
        *_intended_use(),
        *_data_window(facts),
        *_features(facts),
        *_quality(facts),
        *_fairness(facts.fairness),
        *_merit(facts.behaviour),
        "",
        "## Known limits",
        "",
        *(f"- {line}" for line in KNOWN_LIMITS),
        *_versions(facts),
    ]
    return "\n".join(parts).rstrip() + "\n"


def _intended_use() -> list[str]:
    return [
        "",
        "## Intended use",
        "",
        "A **recommendation to a committee, never a decision.** For one vacancy the model "
        "orders the employees who pass every eligibility rule, and explains each place by the "
        "merit factors. The selection committee considers the list (PP 11/2017 Pasal 191: the "
        "committee considers, the PPK decides); a person decides and records why.",
        "",
        "Not for: rejecting anyone automatically, ranking across vacancies, performance "
        "appraisal, or any use that reads a score as a judgement of a person.",
    ]


def _data_window(f: CardFacts) -> list[str]:
    rows = ["", "## Data window", "",
            f"Export of {f.export_date:%Y-%m-%d}, data hash `{f.data_hash}`.", "",
            "| split | rounds | rows | first decision | last decision |",
            "|---|---:|---:|---|---|"]  # fmt: skip
    for name in SPLITS:
        first, last = f.windows.get(name, (None, None))
        rows.append(
            f"| {name} | {f.counts.get(f'{name}_rounds', 0)} | {f.counts.get(f'{name}_rows', 0)}"
            f" | {first or 'n/a'} | {last or 'n/a'} |"
        )
    r = f.refit
    served = (
        "The served model is the evaluated one, trained on the train rounds."
        if r is None
        else f"The served model was refitted after the gate on all {r.rounds} rounds (test "
        f"rounds included) with {r.trees} trees; the figures below are the evaluated model's "
        f"({r.gated_trees} trees on {r.train_rounds} train rounds)."
    )
    return [*rows, "", served]


def _features(f: CardFacts) -> list[str]:
    ranked = [c for c in f.feature_columns if c not in set(f.unranked)]
    by_family: dict[str, list[str]] = {}
    for column in ranked:
        family = catalogue.CATALOGUE[column].family if column in catalogue.CATALOGUE else "other"
        by_family.setdefault(family, []).append(column)
    rows = ["", "## Features", "", f"{len(ranked)} features move the score, by family:", ""]
    rows += [f"- **{family}**: {', '.join(cols)}" for family, cols in by_family.items()]
    rows += ["", "Present but never moving a score (time served: rules check it and reasons "
             "state it, but merit comes before seniority, UU 20/2023; past grades carry a "
             f"seniority bias): {', '.join(f.unranked) or 'none'}.", "",
             "Excluded, never a feature (read by the fairness audit only):", ""]  # fmt: skip
    why = EXCLUDED_WHY
    rows += [f"- `{a}`: {why.get(a, 'a protected attribute')}" for a in PROTECTED_ATTRIBUTES]
    return rows


def _estimate(e: Estimate | None) -> str:
    return "n/a" if e is None or math.isnan(e.mean) else str(e)


def _quality(f: CardFacts) -> list[str]:
    rows = ["", "## Quality against the baselines", "",
            f"{GATE_METRIC.upper()} on the test rounds with 95% bootstrap intervals over "
            "vacancies: as the rounds were graded, and live-like (every eligible employee).", "",
            "| method | NDCG@10 test rounds [95% CI] | NDCG@10 live-like [95% CI] |",
            "|---|---|---|"]  # fmt: skip
    for method, estimates in f.as_is.items():
        live = f.live_like.get(method, {}).get(GATE_METRIC)
        rows.append(f"| {method} | {_estimate(estimates.get(GATE_METRIC))} | {_estimate(live)} |")
    return rows


def fairness_table(metrics: Mapping[str, float]) -> dict[str, dict[str, float]]:
    """``fairness.<attribute>.<measure>`` metrics as ``{attribute: {measure: value}}``."""
    out: dict[str, dict[str, float]] = {}
    for key, value in metrics.items():
        parts = key.split(".")
        if len(parts) == 3 and parts[0] == "fairness":
            out.setdefault(parts[1], {})[parts[2]] = float(value)
    return out


def _ratio(values: Mapping[str, float], point: str, low: str, high: str) -> str:
    value = values.get(point)
    if value is None or math.isnan(value):
        return "n/a"
    lo, hi = values.get(low), values.get(high)
    if lo is None or hi is None or math.isnan(lo) or math.isnan(hi):
        return f"{value:.2f}"
    return f"{value:.2f} [{lo:.2f}, {hi:.2f}]"


def _fairness(report: FairnessLike | None) -> list[str]:
    rows = ["", "## Fairness: raw and explained by merit", ""]
    if report is None:
        return [*rows, "No fairness audit was run for this version."]
    table = fairness_table(report.metrics())
    rows += [f"Top-{report.k} selection rate of the worst-off group over the rest of the pool "
             "(with two groups: lowest over highest; the four-fifths rule reads it against 0.8, "
             "as a reference, not law). Raw: as the model selects. Conditional on merit: "
             "actual over expected selections, expected from candidates the merit factors "
             "cannot tell apart; what merit does not explain, and what the gate decides on. "
             "95% intervals by bootstrap over vacancies; see docs/fairness.md.",
             "", "| attribute | raw ratio [95% CI] | conditional on merit [95% CI] |",
             "|---|---|---|"]  # fmt: skip
    for attribute, values in table.items():
        raw = values if "raw_ratio" in values else {"raw_ratio": values.get("impact_ratio")}
        rows.append(
            f"| {attribute} | {_ratio(raw, 'raw_ratio', 'raw_low', 'raw_high')} | "
            f"{_ratio(values, 'conditional_ratio', 'conditional_low', 'conditional_high')} |"
        )
    if not table:
        rows.append("| (no group large enough to judge) | n/a | n/a |")
    if not any("conditional_ratio" in values for values in table.values()):
        rows += ["", "This audit gives raw ratios only: how much of each disparity merit "
                 "explains was not measured for this version."]  # fmt: skip
    return rows


def _merit(b: Behaviour | None) -> list[str]:
    rows = ["", "## Merit checks", ""]
    if b is None:
        return [*rows, "Not run for this version."]
    return [*rows,
            "On twins of the test rounds' candidates: a twin strictly better on merit must not "
            "score lower; seniority must not put a lower JPM band first.", "",
            f"- dominance violations: {b.dominance_violations} of {b.dominance_pairs} pairs "
            f"({b.dominance_violation_rate:.2%}; must be 0)",
            f"- seniority reversals across JPM bands: {b.seniority_reversals} of {b.band_pairs} "
            f"pairs ({b.seniority_reversal_rate:.2%})"]  # fmt: skip


def _versions(f: CardFacts) -> list[str]:
    rows = ["", "## Versions", "", f"- eligibility rule set: {f.ruleset_version}",
            f"- code: {f.code_version}"]  # fmt: skip
    rows += [f"- {name}: {version}" for name, version in f.libraries.items()]
    return rows


def facts(  # noqa: PLR0913
    *,
    name: str,
    run_id: str,
    td: TrainingData,
    export: Export,
    evaluation: Any,
    unranked: Sequence[str],
    behaviour: Behaviour | None,
    promoted: bool,
    reason: str,
    code_version: str,
    trained_at: datetime,
    refit: Refit | None = None,
) -> CardFacts:
    """Gather a card's facts from the pipeline's objects (``evaluation``: an ``Evaluation``)."""
    return CardFacts(
        name=name, run_id=run_id, trained_at=trained_at, data_hash=td.snapshot_hash,
        export_date=export_date(export), windows=split_windows(td), counts=td.counts(),
        feature_columns=td.data.feature_columns, unranked=tuple(unranked),
        as_is=evaluation.as_is, live_like=evaluation.live_like, fairness=evaluation.fairness,
        behaviour=behaviour, gate_promoted=promoted, gate_reason=reason,
        ruleset_version=td.ruleset_version, code_version=code_version,
        libraries=installed_versions(LIBRARIES), refit=refit,
    )  # fmt: skip
