"""Outcomes: later performance ratings of placed people become OUTCOME labels, and how far the
committee's grades agree with them.

The input is a CSV with the columns ``round_id, position_id, decided_on, nip, label``: how well
the person placed by a round did in the post (0-4). Each row becomes that round's OUTCOME label
of that person (``selected`` true): an existing row of the person in the round is updated, a
missing one appended. The merged export is loaded with the data-contract loader before anything
is written, and the rounds file is replaced atomically: a bad file changes nothing.
"""

from __future__ import annotations

import logging
import math
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from features.errors import JobfitError
from features.loader import load_export

logger = logging.getLogger(__name__)

OUTCOME_COLUMNS: tuple[str, ...] = ("round_id", "position_id", "decided_on", "nip", "label")


class OutcomeError(JobfitError):
    """An outcome file that cannot be ingested (named row and column)."""


def _read_outcomes(file: Path) -> pd.DataFrame:
    try:
        frame = pd.read_csv(file, dtype=str, keep_default_na=False, encoding="utf-8")
    except FileNotFoundError as error:
        raise OutcomeError(f"outcome file {file} does not exist") from error
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        message = f"outcome file {file} is not a UTF-8 CSV with a header: {error}"
        raise OutcomeError(message) from error
    missing = [c for c in OUTCOME_COLUMNS if c not in frame.columns]
    if missing:
        raise OutcomeError(f"{file.name}: missing column(s) {', '.join(missing)}")
    frame = frame[list(OUTCOME_COLUMNS)].copy()
    problems: list[str] = []
    for i, row in enumerate(frame.itertuples(index=False), start=2):
        for column in OUTCOME_COLUMNS:
            if not str(getattr(row, column)).strip():
                problems.append(f"{file.name} row {i}, column {column}: empty")
        if row.label.strip() not in {"0", "1", "2", "3", "4"}:
            problems.append(f"{file.name} row {i}, column label: {row.label!r} is not 0-4")
        try:
            pd.Timestamp(row.decided_on)
            if len(row.decided_on) != 10:
                raise ValueError
        except ValueError:
            problems.append(
                f"{file.name} row {i}, column decided_on: {row.decided_on!r} is not YYYY-MM-DD"
            )
    duplicated = frame.duplicated(["round_id", "nip"], keep=False)
    for i in frame.index[duplicated]:
        problems.append(f"{file.name} row {i + 2}: the same round and person appear twice")
    if problems:
        raise OutcomeError("; ".join(problems[:20]) + (" …" if len(problems) > 20 else ""))
    return frame


def _rounds_file(data_dir: Path) -> Path:
    for suffix in (".csv", ".parquet"):
        path = data_dir / f"rounds{suffix}"
        if path.exists():
            return path
    raise OutcomeError(f"{data_dir} holds no rounds.csv or rounds.parquet")


def _read_rounds(path: Path) -> pd.DataFrame:
    if path.suffix == ".csv":
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    return pd.read_parquet(path).astype(str)


def merge_outcomes(rounds: pd.DataFrame, outcomes: pd.DataFrame, source: str) -> pd.DataFrame:
    """Rounds with the outcomes applied (all values as text, the CSV's spelling)."""
    merged = rounds.copy()
    problems: list[str] = []
    key = merged["round_id"] + "|" + merged["nip"]
    for i, row in enumerate(outcomes.itertuples(index=False), start=2):
        in_round = merged["round_id"] == row.round_id
        if in_round.any():
            first = merged.loc[in_round].iloc[0]
            if first["position_id"] != row.position_id:
                problems.append(f"{source} row {i}, column position_id: round {row.round_id} is "
                                f"for position {first['position_id']}")  # fmt: skip
            if str(first["decided_on"])[:10] != row.decided_on:
                problems.append(f"{source} row {i}, column decided_on: round {row.round_id} was "
                                f"decided on {str(first['decided_on'])[:10]}")  # fmt: skip
            selected = merged["selected"].str.lower() == "true"
            other = in_round & selected & (merged["nip"] != row.nip)
            if other.any():
                problems.append(f"{source} row {i}, column nip: round {row.round_id} placed "
                                "another person")  # fmt: skip
        hit = key == row.round_id + "|" + row.nip
        if hit.any():
            merged.loc[hit, ["label", "label_source", "selected"]] = [row.label, "OUTCOME", "true"]
        else:
            merged.loc[len(merged)] = {
                **{c: "" for c in merged.columns}, "round_id": row.round_id,
                "position_id": row.position_id, "decided_on": row.decided_on, "nip": row.nip,
                "label": row.label, "label_source": "OUTCOME", "selected": "true",
            }  # fmt: skip
            key = merged["round_id"] + "|" + merged["nip"]
    if problems:
        raise OutcomeError("; ".join(problems[:20]))
    return merged


def _write(frame: pd.DataFrame, path: Path) -> None:
    if path.suffix == ".csv":
        frame.to_csv(path, index=False, encoding="utf-8")
        return
    typed = frame.copy()
    typed["decided_on"] = pd.to_datetime(typed["decided_on"])
    typed["label"] = typed["label"].astype("int64")
    typed["selected"] = typed["selected"].str.lower() == "true"
    typed.to_parquet(path, index=False)


def ingest_outcomes(data_dir: Path, file: Path) -> str:
    """Add outcome ratings of placed people to the export's rounds as OUTCOME labels.

    Raises
    ------
    OutcomeError
        A malformed outcome file or one that contradicts the rounds (named row and column).
    features.loader.ContractError
        When the merged export would break the data contract; nothing is written.
    """
    data_dir, file = Path(data_dir), Path(file)
    load_export(data_dir)
    outcomes = _read_outcomes(file)
    target = _rounds_file(data_dir)
    rounds = _read_rounds(target)
    before = len(rounds)
    merged = merge_outcomes(rounds, outcomes, file.name)
    with tempfile.TemporaryDirectory(prefix="asn-jobfit-outcomes-") as tmp:
        check = Path(tmp) / "export"
        check.mkdir()
        for entry in data_dir.iterdir():
            if entry.is_file() and entry.name != target.name:
                os.symlink(entry.resolve(), check / entry.name)
        _write(merged, check / target.name)
        load_export(check)
        staged = target.with_name(f".{target.name}.tmp")
        shutil.copyfile(check / target.name, staged)
    os.replace(staged, target)
    added = len(merged) - before
    updated = len(outcomes) - added
    logger.info("ingested %d outcome labels", len(outcomes))
    return (
        f"ingested {len(outcomes)} outcome label(s) into {target}: {updated} updated, "
        f"{added} added; the next `make train` uses them"
    )


AGREEMENT_PARAMS: dict[str, object] = {
    "objective": "lambdarank", "learning_rate": 0.1, "num_leaves": 7, "min_data_in_leaf": 20,
    "lambdarank_truncation_level": 20, "deterministic": True, "force_row_wise": True,
    "verbosity": -1,
}  # fmt: skip
"""The committee's view as a small lambdarank model (50 trees): enough to rank, cheap."""
AGREEMENT_TREES = 50


@dataclass(frozen=True)
class CommitteeAgreement:
    """How far committee grades agree with outcome grades on an export's training rounds.

    A model of the committee's grades (fitted on the committee rows of the other half of the
    rounds) places every candidate of a round; ``outcome_rho`` is the rank correlation of the
    placed person's place with their outcome grade, ``committee_rho`` that of the committee-
    graded candidates' place with their own grades (the same model against what it learnt:
    the ceiling). ``agreement`` = ``outcome_rho / committee_rho`` in [0, 1]: 1 when the
    committee's order predicts outcomes as well as it predicts itself, 0 when not at all.
    """

    rounds: int
    """Rounds with an outcome that were measured."""
    outcome_rho: float
    committee_rho: float
    agreement: float
    """NaN when fewer than the policy's ``min_outcome_rounds`` were measured."""

    @property
    def measured(self) -> bool:
        """Whether there were enough outcomes to measure."""
        return not math.isnan(self.agreement)

    def metrics(self) -> dict[str, float]:
        """MLflow metrics ``labels.agreement.*`` (NaN ones left out)."""
        values = {"rounds": float(self.rounds), "outcome_rho": self.outcome_rho,
                  "committee_rho": self.committee_rho, "ratio": self.agreement}  # fmt: skip
        return {f"labels.agreement.{k}": v for k, v in values.items() if not math.isnan(v)}


def _places(frame: pd.DataFrame, scores: np.ndarray) -> np.ndarray:
    """Each row's place within its round, 0 (lowest score) to 1 (highest), ties averaged."""
    ranks = pd.Series(scores).groupby(frame["round_id"].to_numpy()).rank(method="average")
    sizes = frame.groupby("round_id")["round_id"].transform("size").to_numpy()
    return (ranks.to_numpy() - 1) / np.maximum(sizes - 1, 1)


def _committee_model(
    frame: pd.DataFrame, columns: Sequence[str], seed: int, threads: int
) -> lgb.Booster:
    rows = frame.loc[frame["label_source"] == "COMMITTEE"]
    groups = rows.groupby("round_id", sort=False).size().to_numpy()
    data = lgb.Dataset(rows[list(columns)].to_numpy(np.float64),
                       label=rows["label"].to_numpy(np.int64), group=groups)  # fmt: skip
    params = {**AGREEMENT_PARAMS, "seed": seed, "num_threads": threads}
    return lgb.train(params, data, num_boost_round=AGREEMENT_TREES)


def committee_agreement(
    frame: pd.DataFrame,
    feature_columns: Sequence[str],
    *,
    min_rounds: int,
    seed: int = 0,
    threads: int = 1,
) -> CommitteeAgreement:
    """Measure how far COMMITTEE grades agree with OUTCOME grades (two-fold over rounds).

    Parameters
    ----------
    frame : pandas.DataFrame
        Candidate rows (``round_id``, ``label_source``, ``label`` and the features), sorted by
        round: the training rounds only, so the test rounds stay unseen.
    feature_columns : sequence of str
    min_rounds : int
        Rounds with an outcome needed; fewer gives a NaN ``agreement``.
    """
    frame = frame.reset_index(drop=True)
    round_ids = frame["round_id"].drop_duplicates().to_numpy()
    outcome_rounds = frame.loc[frame["label_source"] == "OUTCOME", "round_id"].nunique()
    fold = frame["round_id"].map({r: i % 2 for i, r in enumerate(round_ids)}).to_numpy()
    committee = frame["label_source"].to_numpy() == "COMMITTEE"
    if outcome_rounds < min_rounds or not all((committee & (fold == k)).any() for k in (0, 1)):
        return CommitteeAgreement(outcome_rounds, math.nan, math.nan, math.nan)
    places = np.full(len(frame), np.nan)
    for k in (0, 1):
        fitted = _committee_model(frame.loc[fold != k], feature_columns, seed, threads)
        part = frame.loc[fold == k]
        scores = fitted.predict(part[list(feature_columns)].to_numpy(np.float64))
        places[fold == k] = _places(part, scores)
    label = frame["label"].to_numpy(np.float64)
    outcome = frame["label_source"].to_numpy() == "OUTCOME"
    rho_o = float(spearmanr(places[outcome], label[outcome]).statistic)
    rho_c = float(spearmanr(places[committee], label[committee]).statistic)
    ratio = float(np.clip(rho_o / rho_c, 0.0, 1.0)) if rho_c > 0 else 0.0
    return CommitteeAgreement(int(outcome.sum()), rho_o, rho_c, ratio)


def committee_weight(
    fixed: float | str, outcome_weight: float, floor: float, agreement: CommitteeAgreement | None
) -> float:
    """A COMMITTEE row's weight: the fixed one if configured; else ``outcome_weight`` times the
    measured agreement (at least ``floor``), or times 1 with too few outcomes to measure."""
    if not isinstance(fixed, str):
        return float(fixed)
    if agreement is None or not agreement.measured:
        return outcome_weight
    return outcome_weight * max(floor, agreement.agreement)
