"""Score served shortlists against a held-back truth, the way the product owner does.

``make holdout DATA_DIR=D TRUTH=T`` (``python -m training holdout --data-dir D --truth T``):
load the export and the champion, build the serving engine for the truth's date
(``serving.engine.Engine.build`` then ``Engine.shortlist(position, k, "en", {})`` for every
open vacancy the truth grades: the pool is every active employee, eligible candidates
ranked), and compare the served top k with the truth's grades: mean NDCG@k over vacancies with
a bootstrap interval, the same for the seniority (DUK) order of the truth's eligible pool, and
how many served candidates the truth's rules call ineligible (must be 0) or does not know
(another agency's employees).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from training.evaluation import Estimate, bootstrap
from training.truth import Truth, load_truth

logger = logging.getLogger(__name__)

PoolScorer = Callable[[pd.DataFrame, pd.DataFrame], np.ndarray]
"""Scores of an eligible pool: (feature frame, keys: position_id, nip, grade, decided_on)."""


def dcg(gains: np.ndarray, k: int) -> float:
    """Discounted cumulative gain of the first ``k`` gains (linear gain, log2 discount)."""
    gains = np.asarray(gains, dtype=np.float64)[:k]
    return float((gains / np.log2(np.arange(2, len(gains) + 2))).sum())


def ndcg_served(served: np.ndarray, pool: np.ndarray, k: int) -> float:
    """NDCG@k of a served list (gains in served order) against every gain of the pool.

    The ideal is the pool's ``k`` best gains; NaN when the pool has no positive gain. Equal to
    ``sklearn.metrics.ndcg_score`` when scores have no ties (tested).
    """
    ideal = dcg(np.sort(np.asarray(pool, dtype=np.float64))[::-1], k)
    if ideal <= 0:
        return float("nan")
    return dcg(served, k) / ideal


def top_k(scores: np.ndarray, nips: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` best scores, best first, ties broken by NIP (as serving does)."""
    order = np.lexsort((np.asarray(nips).astype(str), -np.asarray(scores, dtype=np.float64)))
    return order[:k]


@dataclass
class HoldoutResult:
    """What ``make holdout`` prints."""

    model: str
    k: int
    methods: dict[str, Estimate]
    table: pd.DataFrame
    ineligible: int
    outside: int
    meta: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> str:
        """NDCG@k of the served lists and the baselines, and the eligibility check."""
        lines = [
            f"holdout: {self.model} on {len(self.table)} open vacancies "
            f"(truth: latent {self.meta.get('latent', '?')}, as of {self.meta.get('as_of', '?')})",
            f"{'method':<12} NDCG@{self.k} [95% CI]",
        ]
        for method, estimate in self.methods.items():
            lines.append(f"{method:<12} {estimate!s}  ({estimate.rounds} vacancies)")
        lines.append(
            f"ineligible candidates in any served top {self.k}: {self.ineligible}"
            + (f"  (outside the truth: {self.outside})" if self.outside else "")
        )
        return "\n".join(lines)


def _pool_frames(
    export: Any, truth: Truth
) -> dict[str, tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]]:
    """Per vacancy: the truth-eligible pool's features, its keys (nip, grade) and the position."""
    from features.build import build_features
    from features.candidates import prepare_candidates, subset

    as_of = truth.as_of
    eligible = truth.frame[truth.frame["eligible"]]
    nips = sorted(eligible["nip"].unique())
    pool = prepare_candidates(export, as_of, nips=nips)
    index = pd.Index(np.asarray(pool.nips).astype(str))
    positions = export.positions.set_index("position_id", drop=False)
    out = {}
    for position_id, rows in eligible.groupby("position_id", sort=True):
        position = positions.loc[position_id].to_dict()
        part = subset(pool, index.get_indexer(rows["nip"].to_numpy()))
        features = build_features(part, position, as_of)
        keys = pd.DataFrame({
            "position_id": position_id, "nip": rows["nip"].to_numpy(),
            "grade": rows["grade"].to_numpy(), "decided_on": as_of,
        })  # fmt: skip
        out[position_id] = (features, keys, position)
    return out


def seniority_scorer(employees: pd.DataFrame) -> PoolScorer:
    """The DUK order (training.baselines.seniority_scores) as a pool scorer."""
    from training.baselines import seniority_scores
    from training.dataset import RankingData

    def score(features: pd.DataFrame, keys: pd.DataFrame) -> np.ndarray:
        return seniority_scores(RankingData(keys, ()), employees)

    return score


def score_pools(
    pools: dict[str, tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]],
    truth: Truth,
    scorer: PoolScorer,
    k: int,
) -> pd.Series:
    """NDCG@k per vacancy of ``scorer``'s top k over the truth-eligible pool."""
    grades = truth.frame.groupby("position_id")["grade"]
    out = {}
    for position_id, (features, keys, _) in pools.items():
        scores = scorer(features, keys)
        top = top_k(scores, keys["nip"].to_numpy(), k)
        out[position_id] = ndcg_served(
            keys["grade"].to_numpy()[top], grades.get_group(position_id).to_numpy(), k
        )
    return pd.Series(out, dtype=np.float64)


def serve_and_score(
    export: Any, bundle: Any, settings: Any, truth: Truth, k: int
) -> tuple[pd.DataFrame, int, int]:
    """Serve every graded vacancy through the engine; NDCG@k of each served list.

    Returns the per-vacancy table, the count of served candidates the truth calls ineligible
    and the count it does not know.
    """
    from serving.engine import Engine

    engine = Engine.build(export, bundle, settings.model_copy(update={"as_of": truth.as_of.date()}))
    positions = export.positions.set_index("position_id", drop=False)
    by_position = {p: rows for p, rows in truth.frame.groupby("position_id", sort=True)}
    rows, ineligible, outside = [], 0, 0
    for position_id, known in by_position.items():
        position = positions.loc[position_id].to_dict()
        listed = engine.shortlist(position, k=k, lang="en", filters={})
        nips = [str(c["nip"]) for c in listed["candidates"]]
        lookup = known.set_index("nip")
        present = [n for n in nips if n in lookup.index]
        outside += len(nips) - len(present)
        ineligible += int((~lookup.loc[present, "eligible"]).sum()) if present else 0
        gains = lookup["grade"].reindex(nips, fill_value=0).to_numpy()
        rows.append({
            "position_id": position_id, "position_type": position["position_type"],
            "eligible": int(known["eligible"].sum()), "served": len(nips),
            "ndcg": ndcg_served(gains, known["grade"].to_numpy(), k),
        })  # fmt: skip
    return pd.DataFrame(rows), ineligible, outside


def evaluate_holdout(
    data_dir: Path,
    truth_dir: Path,
    *,
    k: int = 10,
    settings: Any = None,
    bundle: Any = None,
    scorers: dict[str, PoolScorer] | None = None,
    samples: int = 1000,
    seed: int = 42,
) -> HoldoutResult:
    """The served top ``k`` of the champion (or ``bundle``) against the truth; see module doc.

    Parameters
    ----------
    scorers : dict, optional
        Further methods scored on the truth-eligible pools (the seniority order always is).
    """
    from features.loader import load_export
    from training.registry import load_champion
    from training.settings import get_settings

    settings = settings or get_settings()
    truth = load_truth(truth_dir)
    export = load_export(Path(data_dir))
    if truth.meta.get("export_hash") not in (None, export.snapshot_hash):
        logger.warning("the truth was written for another export (hash %s, export %s)",
                       truth.meta.get("export_hash"), export.snapshot_hash)  # fmt: skip
    bundle = bundle or load_champion(settings)
    table, ineligible, outside = serve_and_score(export, bundle, settings, truth, k)
    methods = {"ranker": bootstrap(table["ndcg"].to_numpy(), samples, seed)}
    pools = _pool_frames(export, truth)
    extra: dict[str, PoolScorer] = {"seniority": seniority_scorer(export.employees)}
    extra.update(scorers or {})
    for name, scorer in extra.items():
        values = score_pools(pools, truth, scorer, k)
        table[name] = values.reindex(table["position_id"]).to_numpy()
        methods[name] = bootstrap(values.to_numpy(), samples, seed)
    return HoldoutResult(
        model=f"{bundle.name} v{bundle.version}", k=k, methods=methods, table=table,
        ineligible=ineligible, outside=outside, meta=truth.meta,
    )  # fmt: skip


def evaluate_scorers(
    export: Any,
    truth: Truth,
    scorers: dict[str, PoolScorer],
    k: int = 10,
    names: Sequence[str] | None = None,
) -> pd.DataFrame:
    """NDCG@k per vacancy of several scorers on the truth-eligible pools (experiments)."""
    pools = _pool_frames(export, truth)
    return pd.DataFrame(
        {name: score_pools(pools, truth, scorer, k) for name, scorer in scorers.items()
         if names is None or name in names}
    )  # fmt: skip
