"""Drift and outcome monitoring: profile an export as the model sees it, compare with the
champion's training export, and say OK / WARN / RETRAIN (``make monitor``).

A *profile* holds, for the candidate rows of every past round (their features built through
the one dataset path, :func:`training.dataset.build_training_data`): each model feature's
binned distribution (bins: the reference's deciles; a bin of its own for a missing value), the
share of candidates without a competency assessment or with a missing rating, the grade
distribution of COMMITTEE and OUTCOME labels, the share of rounds with an outcome, and counts.
``make train`` logs the training export's profile with the run
(``monitor/reference_profile.json``); ``make monitor`` profiles a new export on the same bins.

Drift of one feature is its population stability index (PSI): ``sum((q - p) ln(q / p))`` over
the bins, ``p`` the reference shares, ``q`` the new ones. The usual reading (Siddiqi, *Credit
Risk Scorecards*, 2006; Yurdakul, *Statistical properties of the population stability index*,
2018) is < 0.1 stable, 0.1-0.25 a change worth a look, > 0.25 a shift: the defaults of
:class:`MonitorConfig`. A numpy PSI is used rather than evidently or nannyml: a dozen lines,
no heavy dependency, and the bins are ours (the reference's, stored in the profile).
"""

from __future__ import annotations

import dataclasses
import html
import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import mlflow
import numpy as np
import pandas as pd
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

from features import catalogue
from features.errors import JobfitError
from features.export import Export
from features.loader import load_export
from features.rules import load_ruleset
from training.bundle import configure_tracking, load_version, store_exists
from training.config import MonitorConfig, TrainingConfig, load_config
from training.dataset import RankingData, build_training_data
from training.settings import Settings, get_settings

logger = logging.getLogger(__name__)

PROFILE_ARTIFACT = "monitor/reference_profile.json"
"""Where a training run keeps its export's profile."""
PROFILE_VERSION = 1
BINS = 10
"""Quantile bins of the reference (deciles); discrete features get fewer (distinct edges)."""
SMOOTHING = 0.5
"""Pseudo-count added to every bin before shares are taken (an empty bin is not infinite drift)."""
MONITOR_SUFFIX = "-monitor"
"""Monitor runs go to the experiment ``<experiment>-monitor``."""
GRADES: tuple[int, ...] = (0, 1, 2, 3, 4)
NOISE_SPLITS = 200
"""Random halves of the rounds that measure a reference's sampling noise."""

KIND_TAG = "monitor.kind"
STATUS_TAG = "monitor.status"
REASONS_TAG = "monitor.reasons"
TOP_REASONS = 5
"""Reasons kept with a monitor run and shown to admins."""

Status = Literal["OK", "WARN", "RETRAIN"]
_RANK: dict[str, int] = {"OK": 0, "WARN": 1, "RETRAIN": 2}


class MonitorError(JobfitError):
    """Nothing to compare with (no champion, no reference profile) or an unusable export."""


@dataclass(frozen=True)
class Distribution:
    """One quantity's bins and the share of rows in each.

    ``shares`` has ``len(edges) + 2`` entries: below the first edge, one per edge up to the
    next, and missing (NaN). ``n`` is the rows counted; ``noise`` the sampling noise of its
    PSI per unit of ``1/n_ref + 1/n_cur`` (:func:`split_noise`), 0 when not measured.
    """

    group: str
    edges: list[float]
    shares: list[float]
    n: int
    mean: float
    noise: float = 0.0


@dataclass(frozen=True)
class Profile:
    """An export as the model sees it (see the module docstring).

    ``features``: one distribution per model feature (group: its family); ``others``: the
    missing shares (``missing.assessment``, ``missing.ratings``: 0/1 per candidate) and the
    grade distributions (``labels.committee``, ``labels.outcome``: grades 0-4 per label).
    """

    features: dict[str, Distribution]
    others: dict[str, Distribution]
    counts: dict[str, int]
    window: dict[str, str]
    data_hash: str
    version: int = PROFILE_VERSION

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form (the MLflow artefact)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Profile:
        """Read the artefact back."""
        try:
            return cls(
                features={k: Distribution(**v) for k, v in raw["features"].items()},
                others={k: Distribution(**v) for k, v in raw["others"].items()},
                counts=dict(raw["counts"]), window=dict(raw["window"]),
                data_hash=str(raw["data_hash"]), version=int(raw["version"]),
            )  # fmt: skip
        except (KeyError, TypeError, ValueError) as error:
            raise MonitorError(f"the reference profile is not readable: {error}") from error

    @property
    def edges(self) -> dict[str, list[float]]:
        """Every distribution's bin edges (to profile another export on the same bins)."""
        return {k: d.edges for k, d in {**self.features, **self.others}.items()}


def family_of(column: str) -> str:
    """The feature family of a model column (``features.catalogue.FAMILIES``)."""
    for family, columns in catalogue.FAMILIES.items():
        if column in columns:
            return family
    return "other"


def quantile_edges(values: np.ndarray, bins: int = BINS) -> list[float]:
    """Distinct inner quantile edges of the finite values, from their minimum (empty if none)."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return []
    cuts = np.quantile(finite, np.linspace(0, 1, bins + 1)[1:-1])
    return sorted({float(c) for c in cuts} | {float(finite.min())})


def bin_counts(values: np.ndarray, edges: Sequence[float]) -> np.ndarray:
    """Rows of ``values`` per bin of ``edges``, plus a last bin of NaN."""
    finite = np.isfinite(values)
    index = np.searchsorted(np.asarray(edges, dtype=np.float64), values[finite], side="right")
    counts = np.bincount(index, minlength=len(edges) + 1).astype(np.float64)
    return np.r_[counts, float((~finite).sum())]


def psi_counts(reference: np.ndarray, current: np.ndarray) -> float:
    """Population stability index of two count vectors over the same bins.

    Each bin gets :data:`SMOOTHING` rows, so that a bin empty on one side stays finite.
    """
    p = np.asarray(reference, dtype=np.float64) + SMOOTHING
    q = np.asarray(current, dtype=np.float64) + SMOOTHING
    p, q = p / p.sum(), q / q.sum()
    return float(np.sum((q - p) * np.log(q / p)))


def psi(reference: Distribution, current: Distribution) -> float:
    """PSI of a distribution against the reference's (same bins)."""
    return psi_counts(
        np.asarray(reference.shares) * reference.n, np.asarray(current.shares) * current.n
    )


def noise_floor(reference: Distribution, current: Distribution) -> float:
    """The PSI that sampling alone reaches (99th percentile) at these two sizes."""
    return reference.noise * (1 / max(reference.n, 1) + 1 / max(current.n, 1))


def split_noise(
    values: np.ndarray, rounds: np.ndarray, edges: Sequence[float], seed: int = 0
) -> float:
    """PSI between random halves of the rounds, per unit of ``1/n1 + 1/n2``: 99th percentile.

    Rows of a round share a position and a pool, so they are not independent draws: halves of
    whole rounds measure the noise a PSI has between two exports of the same population. PSI
    under no change grows as ``1/n1 + 1/n2`` (Yurdakul 2018), hence the unit.
    """
    ids, which = np.unique(rounds, return_inverse=True)
    if len(ids) < 4:
        return 0.0
    per_round = np.zeros((len(ids), len(edges) + 2))
    finite = np.isfinite(values)
    column = np.full(len(values), len(edges) + 1)
    column[finite] = np.searchsorted(np.asarray(edges, np.float64), values[finite], "right")
    np.add.at(per_round, (which, column), 1.0)
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(NOISE_SPLITS):
        half = np.zeros(len(ids), dtype=bool)
        half[rng.permutation(len(ids))[: len(ids) // 2]] = True
        a, b = per_round[half].sum(axis=0), per_round[~half].sum(axis=0)
        n1, n2 = a.sum(), b.sum()
        if n1 and n2:
            out.append(psi_counts(a, b) / (1 / n1 + 1 / n2))
    return float(np.quantile(out, 0.99)) if out else 0.0


def distribution(
    group: str,
    values: np.ndarray,
    rounds: np.ndarray,
    edges: Sequence[float] | None,
) -> Distribution:
    """Bin ``values`` on ``edges`` (default: their own deciles, with their noise measured)."""
    own = edges is None
    cuts = quantile_edges(values) if own else list(edges)  # type: ignore[arg-type]
    counts = bin_counts(values, cuts)
    finite = values[np.isfinite(values)]
    return Distribution(
        group=group, edges=cuts, shares=(counts / max(counts.sum(), 1)).tolist(),
        n=len(values), mean=float(finite.mean()) if finite.size else math.nan,
        noise=split_noise(values, rounds, cuts) if own else 0.0,
    )  # fmt: skip


def profile_export(
    data: RankingData, export: Export, edges: Mapping[str, Sequence[float]] | None = None
) -> Profile:
    """Profile the candidate rows of ``data`` (an export's past rounds) and its rounds' labels.

    Parameters
    ----------
    data : RankingData
        The export's ranking rows, from :func:`training.dataset.build_training_data`.
    export : Export
        The same export (its rounds table gives the grade distributions and outcome share).
    edges : mapping, optional
        The reference's bin edges (``Profile.edges``); default: this export's own deciles,
        and the sampling noise is measured (a reference profile).
    """
    frame = data.frame.loc[data.frame["is_candidate"]]
    if frame.empty:
        raise MonitorError("the export has no candidate rows in its past rounds to profile")
    rid = frame["round_id"].to_numpy()
    features = {
        c: distribution(family_of(c), frame[c].to_numpy(np.float64), rid, _get(edges, c))
        for c in data.feature_columns
    }
    others = {
        "missing.assessment": (frame["assessment_missing"] > 0).to_numpy(np.float64),
        "missing.ratings": (frame["perf_missing_years"] > 0).to_numpy(np.float64),
    }
    profile_others = {
        k: distribution("missing", v, rid, _get(edges, k) if edges else [0.0, 1.0])
        for k, v in others.items()
    }
    rounds = export.rounds
    for source in ("COMMITTEE", "OUTCOME"):
        rows = rounds.loc[rounds["label_source"] == source]
        key = f"labels.{source.lower()}"
        profile_others[key] = distribution(
            "labels", rows["label"].to_numpy(np.float64), rows["round_id"].to_numpy(),
            _get(edges, key) if edges else [float(g) for g in GRADES],
        )  # fmt: skip
    if edges is None:  # the fixed bins above are a reference's too: measure their noise
        profile_others = {
            k: _with_noise(d, others.get(k), rid, rounds, k) for k, d in profile_others.items()
        }
    n_rounds = int(rounds["round_id"].nunique())
    with_outcome = rounds.loc[rounds["label_source"] == "OUTCOME", "round_id"].nunique()
    decided = pd.to_datetime(rounds["decided_on"])
    return Profile(
        features=features,
        others=profile_others,
        counts={
            "rows": len(frame),
            "rounds": n_rounds,
            "rounds_with_outcome": int(with_outcome),
            "employees": len(export.employees),
        },  # fmt: skip
        window={"first": str(decided.min().date()), "last": str(decided.max().date())},
        data_hash=export.snapshot_hash,
    )


def _get(edges: Mapping[str, Sequence[float]] | None, key: str) -> Sequence[float] | None:
    if edges is None:
        return None
    if key not in edges:
        raise MonitorError(f"the reference profile has no bins for {key}")
    return edges[key]


def _with_noise(
    d: Distribution, values: np.ndarray | None, rid: np.ndarray, rounds: pd.DataFrame, key: str
) -> Distribution:
    if values is None:
        source = key.removeprefix("labels.").upper()
        rows = rounds.loc[rounds["label_source"] == source]
        values, rid = rows["label"].to_numpy(np.float64), rows["round_id"].to_numpy()
    return dataclasses.replace(d, noise=split_noise(values, rid, d.edges))


def log_reference_profile(data: RankingData, export: Export) -> None:
    """Log the training export's profile with the active MLflow run (``make train``)."""
    mlflow.log_dict(profile_export(data, export).to_dict(), PROFILE_ARTIFACT)


@dataclass(frozen=True)
class Finding:
    """One flagged change: what, how much, and the status it calls for."""

    what: str
    value: float
    status: Status
    reason: str


@dataclass
class Comparison:
    """A new export's profile against the reference: PSI, noise floors, flagged changes."""

    psi: dict[str, float]
    floor: dict[str, float]
    groups: dict[str, str]
    missing: dict[str, tuple[float, float]]
    outcome_rounds: tuple[float, float]
    findings: list[Finding] = field(default_factory=list)

    @property
    def status(self) -> Status:
        """The worst status of the findings (OK with none)."""
        worst = max((_RANK[f.status] for f in self.findings), default=0)
        return next(s for s, r in _RANK.items() if r == worst)  # type: ignore[return-value]

    def reasons(self) -> list[str]:
        """The findings' reasons, worst first."""
        ordered = sorted(self.findings, key=lambda f: (-_RANK[f.status], -f.value))
        return [f.reason for f in ordered]

    def families(self) -> dict[str, dict[str, float]]:
        """Max and mean PSI of each feature family (and of the missing shares and labels)."""
        out: dict[str, list[float]] = {}
        for key, value in self.psi.items():
            out.setdefault(self.groups[key], []).append(value)
        return {g: {"max": float(np.max(v)), "mean": float(np.mean(v))} for g, v in out.items()}

    def metrics(self) -> dict[str, float]:
        """Flat MLflow metrics: ``psi.<key>``, ``psi.family.<family>.max|mean``, shares, status."""
        out = {f"psi.{k}": v for k, v in self.psi.items()}
        for family, values in self.families().items():
            out.update({f"psi.family.{family}.{k}": v for k, v in values.items()})
        for what, (ref, cur) in self.missing.items():
            out[f"{what}.reference"], out[f"{what}.current"] = ref, cur
        out["outcome_rounds.reference"], out["outcome_rounds.current"] = self.outcome_rounds
        out["status"] = float(_RANK[self.status])
        return out


def _share_of_ones(d: Distribution) -> float:
    return float(d.shares[2]) if len(d.shares) > 2 else 0.0


def compare(reference: Profile, current: Profile, limits: MonitorConfig) -> Comparison:
    """PSI of every distribution against the reference's, its noise floor, and the findings.

    ``current`` must be profiled on the reference's bins (``profile_export(..., edges=...)``).
    """
    ref_all = {**reference.features, **reference.others}
    cur_all = {**current.features, **current.others}
    keys = [k for k in ref_all if k in cur_all and ref_all[k].n and cur_all[k].n]
    comparison = Comparison(
        psi={k: psi(ref_all[k], cur_all[k]) for k in keys},
        floor={k: noise_floor(ref_all[k], cur_all[k]) for k in keys},
        groups={k: ref_all[k].group for k in keys},
        missing={
            k: (_share_of_ones(reference.others[k]), _share_of_ones(current.others[k]))
            for k in reference.others
            if k.startswith("missing.")
        },  # fmt: skip
        outcome_rounds=(
            reference.counts["rounds_with_outcome"] / max(reference.counts["rounds"], 1),
            current.counts["rounds_with_outcome"] / max(current.counts["rounds"], 1),
        ),
    )
    comparison.findings = _findings(comparison, limits)
    return comparison


def _findings(c: Comparison, limits: MonitorConfig) -> list[Finding]:
    """Distributions whose PSI beyond the noise floor reaches the thresholds."""
    out: list[Finding] = []
    for key, value in c.psi.items():
        excess = value - c.floor[key]
        if excess < limits.psi_warn:
            continue
        status: Status = "RETRAIN" if excess >= limits.psi_drift else "WARN"
        shift = ""
        if key in c.missing:
            ref, cur = c.missing[key]
            shift = f" ({ref:.1%} -> {cur:.1%})"
        out.append(Finding(key, excess, status, f"{c.groups[key]}: {key}{shift} PSI {value:.2f}, "
                           f"{excess:.2f} beyond sampling noise {c.floor[key]:.2f}"))  # fmt: skip
    return out


# --- make monitor: the new export against the champion's training export -------------------


@dataclass
class MonitorResult:
    """What ``make monitor`` prints and logs."""

    version: str
    reference: Profile
    current: Profile
    comparison: Comparison
    report: Path
    run_id: str

    def summary(self) -> str:
        """Status, reasons, and the PSI per family."""
        c = self.comparison
        lines = [
            f"monitor: {c.status} against {self.reference.data_hash[:12]} (champion version "
            f"{self.version}'s training export), new export {self.current.data_hash[:12]}",
            f"candidate rows {self.reference.counts['rows']} -> {self.current.counts['rows']}, "
            f"rounds {self.reference.counts['rounds']} -> {self.current.counts['rounds']}",
        ]
        for what, (ref, cur) in c.missing.items():
            lines.append(f"{what}: {ref:.1%} -> {cur:.1%}")
        ref_o, cur_o = c.outcome_rounds
        lines.append(f"rounds with an outcome: {ref_o:.1%} -> {cur_o:.1%}")
        lines.append("PSI per family (max / mean): " + ", ".join(
            f"{g} {v['max']:.2f}/{v['mean']:.2f}" for g, v in c.families().items()
        ))  # fmt: skip
        lines += [f"  {r}" for r in c.reasons()] or ["  no change beyond sampling noise"]
        lines.append(f"report {self.report}  (MLflow run {self.run_id})")
        return "\n".join(lines)


def monitor_experiment(settings: Settings) -> str:
    """The id of the monitor experiment ``<experiment>-monitor`` (created once)."""
    client = configure_tracking(settings)
    name = settings.experiment_name + MONITOR_SUFFIX
    experiment = client.get_experiment_by_name(name)
    if experiment is not None:
        return experiment.experiment_id
    root = Path(settings.mlflow_artifact_root).resolve()
    root.mkdir(parents=True, exist_ok=True)
    return client.create_experiment(name, artifact_location=root.as_uri())


def champion_reference(settings: Settings) -> tuple[str, Profile]:
    """The champion's version and its training export's profile, from MLflow.

    Raises
    ------
    MonitorError
        No store, no champion, or a champion trained before profiles were logged.
    """
    if not store_exists(settings):
        raise MonitorError(f"no MLflow store at {settings.mlflow_tracking_uri}: train first")
    client = configure_tracking(settings)
    try:
        mv = client.get_model_version_by_alias(settings.model_name, settings.model_alias)
    except MlflowException as error:
        raise MonitorError(
            f"no champion '{settings.model_name}@{settings.model_alias}' to monitor: train one "
            "with `make train`"
        ) from error
    try:
        raw = mlflow.artifacts.load_dict(f"runs:/{mv.run_id}/{PROFILE_ARTIFACT}")
    except (MlflowException, OSError) as error:
        raise MonitorError(
            f"champion version {mv.version} has no {PROFILE_ARTIFACT} (trained before "
            "monitoring): retrain it with `make train`"
        ) from error
    return str(mv.version), Profile.from_dict(raw)


def profiling_config(config: TrainingConfig) -> TrainingConfig:
    """The config with no sampled non-candidates and a fixed committee weight: a profile reads
    candidate rows' features and raw grades, which depend on neither (each row is built from
    the candidate's own rows), so neither is computed."""
    negatives = config.negatives.model_copy(update={"per_round": 0, "live_like_per_round": 0})
    labels = config.labels.model_copy(update={"committee_weight": 1.0})
    return config.model_copy(update={"negatives": negatives, "labels": labels})


def run_monitor(
    data_dir: Path,
    config_path: Path,
    *,
    settings: Settings | None = None,
    out_dir: Path = Path("reports/monitor"),
) -> MonitorResult:
    """Compare a new export with the champion's training export; report, log, return.

    Raises
    ------
    JobfitError
        No champion or reference profile, a bad export or config (exit code 2 at the CLI).
    """
    settings = settings or get_settings()
    config = load_config(config_path)
    version, reference = champion_reference(settings)
    export = load_export(Path(data_dir))
    td = build_training_data(export, profiling_config(config), load_ruleset(), progress=False)
    current = profile_export(td.data, export, reference.edges)
    comparison = compare(reference, current, config.monitor)
    today = datetime.now(UTC)
    out_dir.mkdir(parents=True, exist_ok=True)
    report = out_dir / f"{today:%Y-%m-%d}.html"
    report.write_text(render_html(version, reference, current, comparison, today), "utf-8")
    experiment_id = monitor_experiment(settings)
    with mlflow.start_run(experiment_id=experiment_id, run_name=f"monitor {today:%Y-%m-%d}") as run:
        mlflow.set_tags({
            KIND_TAG: "drift", "champion_version": version, STATUS_TAG: comparison.status,
            REASONS_TAG: "\n".join(comparison.reasons()[:TOP_REASONS]) or "none",
            "reference_data_hash": reference.data_hash, "data_hash": current.data_hash,
        })  # fmt: skip
        mlflow.log_metrics(comparison.metrics())
        mlflow.log_artifact(str(report), artifact_path="monitor")
        mlflow.log_dict(current.to_dict(), "monitor/current_profile.json")
    return MonitorResult(version, reference, current, comparison, report, run.info.run_id)


_CSS = """body{font-family:system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:.2em .6em;
text-align:right}th:first-child,td:first-child{text-align:left}tr.WARN{background:#fff3c4}
tr.RETRAIN{background:#ffd0d0}.status{font-size:1.4em;font-weight:bold}"""


def render_html(
    version: str, reference: Profile, current: Profile, c: Comparison, when: datetime
) -> str:
    """A self-contained HTML report: status, reasons, a table per family (flagged rows
    highlighted), missing shares and grade distributions."""
    flagged = {f.what: f.status for f in c.findings}
    esc = html.escape
    parts = [
        f"<!doctype html><html><head><meta charset='utf-8'><title>asn-jobfit monitor "
        f"{when:%Y-%m-%d}</title><style>{_CSS}</style></head><body>",
        f"<h1>Drift monitor, {when:%Y-%m-%d %H:%M} UTC</h1>",
        f"<p class='status'>Status: {esc(c.status)}</p>",
        f"<p>Champion version {esc(version)}, trained on export {esc(reference.data_hash[:12])} "
        f"(rounds {esc(reference.window['first'])} to {esc(reference.window['last'])}); new "
        f"export {esc(current.data_hash[:12])} (rounds {esc(current.window['first'])} to "
        f"{esc(current.window['last'])}). Candidate rows {reference.counts['rows']} / "
        f"{current.counts['rows']}.</p>",
        "<ul>" + "".join(f"<li>{esc(r)}</li>" for r in c.reasons())
        + ("" if c.findings else "<li>no change beyond sampling noise</li>") + "</ul>",
        "<p>PSI: population stability index on the reference's decile bins; noise: the PSI "
        "that random halves of the reference's rounds reach (99th percentile) at these sizes; "
        "beyond: PSI minus noise, the figure the thresholds apply to.</p>",
    ]  # fmt: skip
    groups: dict[str, list[str]] = {}
    for key in c.psi:
        groups.setdefault(c.groups[key], []).append(key)
    for group, keys in groups.items():
        ref_all = {**reference.features, **reference.others}
        cur_all = {**current.features, **current.others}
        rows = "".join(
            f"<tr class='{flagged.get(k, 'OK')}'><td>{esc(k)}</td>"
            f"<td>{ref_all[k].mean:.3f}</td><td>{cur_all[k].mean:.3f}</td>"
            f"<td>{c.psi[k]:.3f}</td><td>{c.floor[k]:.3f}</td>"
            f"<td>{c.psi[k] - c.floor[k]:.3f}</td><td>{flagged.get(k, 'OK')}</td></tr>"
            for k in keys
        )
        parts.append(
            f"<h2>{esc(group)}</h2><table><tr><th>distribution</th><th>mean, reference</th>"
            f"<th>mean, new</th><th>PSI</th><th>noise</th><th>beyond</th><th>status</th></tr>"
            f"{rows}</table>"
        )
    parts.append("</body></html>")
    return "\n".join(parts)


# --- the page: the latest monitor status ----------------------------------------------------


@dataclass(frozen=True)
class MonitorStatus:
    """The latest drift monitor run, as an admin reads it."""

    status: str
    date: str
    reasons: tuple[str, ...]
    champion_version: str


def latest_status(settings: Settings) -> MonitorStatus | None:
    """The latest ``make monitor`` run's status, or None when there is none or MLflow cannot
    be read (never raises: the service starts without it)."""
    try:
        if not store_exists(settings):
            return None
        client = configure_tracking(settings)
        experiment = client.get_experiment_by_name(settings.experiment_name + MONITOR_SUFFIX)
        if experiment is None:
            return None
        runs = client.search_runs(
            [experiment.experiment_id], filter_string=f"tags.{KIND_TAG} = 'drift'",
            order_by=["attributes.start_time DESC"], max_results=1,
        )  # fmt: skip
    except (MlflowException, OSError) as error:
        logger.warning("latest monitor status unreadable: %s", type(error).__name__)
        return None
    if not runs:
        return None
    run = runs[0]
    tags = run.data.tags
    reasons = [r for r in tags.get(REASONS_TAG, "").split("\n") if r and r != "none"]
    when = datetime.fromtimestamp(run.info.start_time / 1000, UTC)
    return MonitorStatus(
        status=tags.get(STATUS_TAG, "unknown"), date=f"{when:%Y-%m-%d %H:%M} UTC",
        reasons=tuple(reasons[:TOP_REASONS]), champion_version=tags.get("champion_version", ""),
    )  # fmt: skip


# --- realised quality: how placements a version recommended went ----------------------------


@dataclass(frozen=True)
class Realised:
    """Outcomes of placed people, split by whether a version had them in its top k."""

    version: str
    k: int
    recommended: int
    recommended_mean: float
    other: int
    other_mean: float
    after_window: int
    """Of the rounds counted, those decided after the version's training export ended."""

    @property
    def gap(self) -> float:
        """Mean outcome of recommended placements minus that of the others (NaN if a side
        is empty)."""
        return self.recommended_mean - self.other_mean

    def metrics(self) -> dict[str, float]:
        """MLflow metrics ``realised.*`` (NaN ones left out)."""
        values = {
            "recommended": float(self.recommended), "recommended_mean": self.recommended_mean,
            "other": float(self.other), "other_mean": self.other_mean, "gap": self.gap,
            "after_window": float(self.after_window),
        }  # fmt: skip
        return {f"realised.{k}": v for k, v in values.items() if not math.isnan(v)}

    def line(self) -> str:
        """One line of the ``ingest-outcomes`` output."""

        def mean(value: float) -> str:
            return "n/a" if math.isnan(value) else f"{value:.2f}"

        return (
            f"version {self.version}: placed in its top {self.k} {self.recommended} (mean "
            f"outcome {mean(self.recommended_mean)}), not {self.other} (mean "
            f"{mean(self.other_mean)}); {self.after_window} round(s) after its training window"
        )


def realised_of(
    frame: pd.DataFrame, scores: np.ndarray, version: str, k: int, window_end: str | None
) -> Realised:
    """Split the placed people of OUTCOME rounds by their place in a version's order.

    Parameters
    ----------
    frame : pandas.DataFrame
        Candidate rows of the rounds (``round_id``, ``label_source``, ``raw_label``,
        ``decided_on``), sorted by round.
    scores : numpy.ndarray
        The version's score of each row.
    """
    place = pd.Series(-scores).groupby(frame["round_id"].to_numpy()).rank(method="first").to_numpy()
    placed = (frame["label_source"] == "OUTCOME").to_numpy()
    outcome = frame["raw_label"].to_numpy(np.float64)
    top = place <= k
    after = 0
    if window_end:
        late = pd.to_datetime(frame["decided_on"]) > pd.Timestamp(window_end)
        after = int(frame.loc[placed & late.to_numpy(), "round_id"].nunique())

    def mean(mask: np.ndarray) -> float:
        return float(outcome[mask].mean()) if mask.any() else math.nan

    return Realised(
        version=version, k=k, recommended=int((placed & top).sum()),
        recommended_mean=mean(placed & top), other=int((placed & ~top).sum()),
        other_mean=mean(placed & ~top), after_window=after,
    )  # fmt: skip


def _window_end(client: MlflowClient, run_id: str | None) -> str | None:
    if not run_id:
        return None
    try:
        raw = mlflow.artifacts.load_dict(f"runs:/{run_id}/{PROFILE_ARTIFACT}")
        return str(raw["window"]["last"])
    except (MlflowException, OSError, KeyError, TypeError):
        return None


def realised_quality(
    data_dir: Path,
    config_path: Path = Path("training/configs/default.yaml"),
    *,
    settings: Settings | None = None,
) -> list[Realised]:
    """Realised quality of every registered version over the export's OUTCOME rounds, each
    logged as a monitor run tagged with the version. Empty when nothing is registered."""
    settings = settings or get_settings()
    if not store_exists(settings):
        return []
    client = configure_tracking(settings)
    try:
        versions = client.search_model_versions(f"name = '{settings.model_name}'")
    except MlflowException:
        return []
    if not versions:
        return []
    config = load_config(config_path)
    export = load_export(Path(data_dir))
    td = build_training_data(export, profiling_config(config), load_ruleset(), progress=False)
    frame = td.data.frame.loc[td.data.frame["is_candidate"]]
    outcome_rounds = frame.loc[frame["label_source"] == "OUTCOME", "round_id"].unique()
    frame = frame.loc[frame["round_id"].isin(set(outcome_rounds))].reset_index(drop=True)
    out: list[Realised] = []
    experiment_id = monitor_experiment(settings)
    for mv in sorted(versions, key=lambda v: int(v.version)):
        bundle = load_version(settings, str(mv.version))
        scores = bundle.predict(frame) if len(frame) else np.zeros(0)
        result = realised_of(frame, scores, str(mv.version), config.fairness.k,
                             _window_end(client, mv.run_id))  # fmt: skip
        with mlflow.start_run(experiment_id=experiment_id, run_name=f"realised v{mv.version}"):
            mlflow.set_tags({KIND_TAG: "realised", "model_version": str(mv.version),
                             "data_hash": export.snapshot_hash})  # fmt: skip
            mlflow.log_metrics(result.metrics())
        out.append(result)
    return out


def realised_summary(results: Sequence[Realised]) -> str:
    """The realised-quality lines of ``make ingest-outcomes``."""
    if not results:
        return "realised quality: no registered model version yet"
    return "\n".join(["realised quality (outcomes of placed people, all OUTCOME rounds):"]
                     + [f"  {r.line()}" for r in results])  # fmt: skip
