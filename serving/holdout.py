"""``make holdout``: serve every open vacancy the truth grades and score the served top k.

Loads the export and the champion, builds the serving engine for the truth's date, asks
``Engine.shortlist(position, k, "en", {})`` for every graded vacancy (the pool is every active
employee, eligible candidates ranked) and compares the served top k with the truth's grades
(:mod:`training.holdout`): mean NDCG@k over vacancies with a bootstrap interval, the same for
the seniority (DUK) order of the truth's eligible pool, and how many served candidates the
truth's rules call ineligible (must be 0) or does not know (another agency's employees).
"""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from features.export import Export
from features.loader import load_export
from serving.engine import Engine
from serving.settings import ServiceSettings, get_service_settings
from training.bundle import RankerBundle, load_champion
from training.evaluation import bootstrap
from training.holdout import (
    HoldoutResult,
    PoolScorer,
    ndcg_served,
    pool_frames,
    score_pools,
    seniority_scorer,
)
from training.truth import Truth, load_truth

logger = logging.getLogger(__name__)


def serve_and_score(
    export: Export, bundle: RankerBundle, settings: ServiceSettings, truth: Truth, k: int
) -> tuple[pd.DataFrame, int, int]:
    """Serve every graded vacancy through the engine; NDCG@k of each served list.

    Returns the per-vacancy table, the count of served candidates the truth calls ineligible
    and the count it does not know.
    """
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
    settings: ServiceSettings | None = None,
    bundle: RankerBundle | None = None,
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
    settings = settings or get_service_settings()
    truth = load_truth(truth_dir)
    export = load_export(Path(data_dir))
    if truth.meta.get("export_hash") not in (None, export.snapshot_hash):
        logger.warning("the truth was written for another export (hash %s, export %s)",
                       truth.meta.get("export_hash"), export.snapshot_hash)  # fmt: skip
    bundle = bundle or load_champion(settings)
    table, ineligible, outside = serve_and_score(export, bundle, settings, truth, k)
    methods = {"ranker": bootstrap(table["ndcg"].to_numpy(), samples, seed)}
    pools = pool_frames(export, truth)
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
