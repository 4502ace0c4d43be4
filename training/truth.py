"""The held-back truth of a synthetic export: graded fit of its open vacancies, kept outside it.

``python -m training data --out D --truth T`` writes, next to (never inside) the export ``D``,
``T/truth.csv``: one row per (open vacancy, active employee of the vacancy's agency) with the
generator's noise-free latent fit, whether the eligibility rules admit the employee on the
export's reference date, and a graded relevance ``grade`` (0-4) among the eligible ones; and
``T/truth.json`` (reference date, latent variant, seed, the export's snapshot hash, the
grading). The export stays exactly the data contract: the truth is what an owner scores a
served shortlist against, the way they do with another government's generator.

Grades are given by rank of fit within the vacancy's eligible pool (``GRADE_SHARES``): the top
1% (at least 1 person) 4, the top 3% (at least 3) 3, the top 6% (at least 6) 2, the top 10%
(at least 10) 1, everybody else 0. Relevance is concentrated on few people of the pool, as
on a live shortlist.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from features.build import build_features
from features.candidates import prepare_candidates
from features.errors import JobfitError
from features.loader import load_export
from features.private import owner_only
from features.rules import evaluate_rules, load_ruleset

logger = logging.getLogger(__name__)

TRUTH_FILE = "truth.csv"
TRUTH_META = "truth.json"
TRUTH_COLUMNS: tuple[str, ...] = ("position_id", "nip", "fit", "eligible", "grade")

GRADE_SHARES: tuple[tuple[int, float, int], ...] = ((4, 0.01, 1), (3, 0.03, 3), (2, 0.06, 6),
                                                    (1, 0.10, 10))  # fmt: skip
"""(grade, share of the eligible pool, at least this many people): the best ranks by fit."""


class TruthError(JobfitError):
    """A truth folder that is missing, malformed or does not belong to the export."""


@dataclass(frozen=True)
class Truth:
    """A loaded truth: its rows and its metadata."""

    frame: pd.DataFrame
    meta: dict[str, Any]

    @property
    def as_of(self) -> pd.Timestamp:
        """The date the truth (and its eligibility) holds on: the export's reference date."""
        return pd.Timestamp(self.meta["as_of"]).normalize()

    def positions(self) -> list[str]:
        """The vacancies the truth grades, sorted."""
        return sorted(self.frame["position_id"].unique())


def grade_pool(fit: np.ndarray, eligible: np.ndarray) -> np.ndarray:
    """Graded relevance 0-4 by rank of ``fit`` among the ``eligible`` rows (others 0).

    Ties in fit keep row order (stable), so the grading is deterministic.
    """
    fit = np.asarray(fit, dtype=np.float64)
    eligible = np.asarray(eligible, dtype=bool)
    grades = np.zeros(len(fit), dtype=np.int64)
    rows = np.flatnonzero(eligible)
    n = len(rows)
    if n == 0:
        return grades
    order = rows[np.argsort(-fit[rows], kind="stable")]
    for grade, share, floor in sorted(GRADE_SHARES):  # lowest first: higher grades overwrite
        grades[order[: max(floor, math.ceil(share * n))]] = grade
    return grades


def eligibility(export: Any, as_of: pd.Timestamp, position_ids: list[str]) -> pd.DataFrame:
    """Whether each active employee passes the hard rules for each position on ``as_of``.

    Returns
    -------
    pandas.DataFrame
        ``position_id``, ``nip``, ``eligible`` for every (position, active employee).
    """
    ruleset = load_ruleset()
    active = export.employees.loc[export.employees["status"] == "ACTIVE", "nip"]
    pool = prepare_candidates(export, as_of, nips=list(active))
    positions = export.positions.set_index("position_id", drop=False)
    frames = []
    for position_id in position_ids:
        position = positions.loc[position_id].to_dict()
        features = build_features(pool, position, as_of, ruleset.feature_config())
        verdict = evaluate_rules(pool, position, features, as_of, ruleset, export.election_calendar)
        frames.append(pd.DataFrame({
            "position_id": position_id, "nip": np.asarray(pool.nips).astype(str),
            "eligible": np.asarray(verdict.eligible, dtype=bool),
        }))  # fmt: skip
    if not frames:
        return pd.DataFrame({"position_id": [], "nip": [], "eligible": []})
    return pd.concat(frames, ignore_index=True)


def write_truth(
    export_dir: Path,
    truth_dir: Path,
    fit: pd.DataFrame,
    reference_date: str,
    *,
    latent: str,
    seed: int,
) -> Path:
    """Grade the generator's latent fit with the rules on the reference date; write the truth.

    Parameters
    ----------
    export_dir : Path
        The export just written (loaded with the contract loader, so the truth is the one of
        the export as the service reads it).
    truth_dir : Path
        Folder to write ``truth.csv`` and ``truth.json`` into (outside the export).
    fit : pandas.DataFrame
        ``position_id``, ``nip``, ``fit`` from the generator.
    """
    export = load_export(Path(export_dir))
    as_of = pd.Timestamp(reference_date).normalize()
    fit = fit.astype({"position_id": str, "nip": str}).reset_index(drop=True)
    position_ids = sorted(fit["position_id"].unique())
    rules = eligibility(export, as_of, position_ids)
    frame = fit.merge(rules, on=["position_id", "nip"], how="left", validate="one_to_one")
    frame["eligible"] = frame["eligible"].fillna(False).astype(bool)
    frame = frame.sort_values(["position_id", "nip"], kind="stable").reset_index(drop=True)
    frame["grade"] = 0
    for _, rows in frame.groupby("position_id", sort=False).indices.items():
        frame.loc[rows, "grade"] = grade_pool(
            frame["fit"].to_numpy()[rows], frame["eligible"].to_numpy()[rows]
        )
    truth_dir = Path(truth_dir)
    truth_dir.mkdir(parents=True, exist_ok=True)
    out = frame[list(TRUTH_COLUMNS)].copy()
    out["eligible"] = np.where(out["eligible"], "true", "false")
    with owner_only(truth_dir / TRUTH_FILE) as handle:
        out.to_csv(handle, index=False, float_format="%.6f", lineterminator="\n")
    meta = {
        "as_of": as_of.date().isoformat(),
        "latent": latent,
        "seed": seed,
        "export_hash": export.snapshot_hash,
        "grading": [list(g) for g in GRADE_SHARES],
        "vacancies": len(position_ids),
        "rows": len(out),
    }
    (truth_dir / TRUTH_META).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    logger.info("wrote the truth of %d vacancies (%d rows) to %s", len(position_ids), len(out),
                truth_dir)  # fmt: skip
    return truth_dir / TRUTH_FILE


def load_truth(truth_dir: Path) -> Truth:
    """Read ``truth.csv`` and ``truth.json`` from ``truth_dir``.

    Raises
    ------
    TruthError
        When a file is missing or lacks a column.
    """
    truth_dir = Path(truth_dir)
    path, meta_path = truth_dir / TRUTH_FILE, truth_dir / TRUTH_META
    if not path.exists() or not meta_path.exists():
        raise TruthError(f"no truth in {truth_dir}: {TRUTH_FILE} and {TRUTH_META} expected "
                         "(python -m training data --out DIR --truth TRUTH_DIR)")  # fmt: skip
    frame = pd.read_csv(path, dtype={"position_id": str, "nip": str})
    missing = sorted(set(TRUTH_COLUMNS) - set(frame.columns))
    if missing:
        raise TruthError(f"{path} lacks columns {missing}")
    frame["eligible"] = frame["eligible"].astype(str).str.lower().eq("true")
    frame["grade"] = frame["grade"].astype(np.int64)
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    return Truth(frame=frame, meta=meta)
