"""Learning-to-rank data from past rounds: one row per (round, candidate), point in time.

Every round's features are built by the same ``prepare_candidates`` + ``build_features`` that
serving uses, with ``as_of`` = the round's ``decided_on``: nothing dated later is the
candidate's. Rows are sorted by round; group sizes are derived from that order and checked.

Rounds are split by time, never by row: the most recent rounds are the test set, those just
before are the validation set (early stopping), the rest train. Past rounds are pre-screened
pools of a few dozen, while a live shortlist ranks every eligible employee, so each round also
gets sampled *eligible non-candidates* (employees of the position's agency, active and passing
every hard rule on ``decided_on``, not in the round) as label-0 rows (``is_candidate`` False).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from features.build import FEATURE_COLUMNS, build_features
from features.candidates import prepare_candidates
from features.errors import JobfitError
from features.export import PROTECTED_ATTRIBUTES, Export
from features.rules import evaluate_rules
from training.config import LabelPolicy, SplitConfig, TrainingConfig
from training.outcomes import CommitteeAgreement, committee_agreement, committee_weight

logger = logging.getLogger(__name__)

KEY_COLUMNS: tuple[str, ...] = (
    "round_id", "position_id", "agency_id", "position_type", "decided_on", "nip",
    "raw_label", "label", "weight", "label_source", "selected", "is_candidate", "eligible",
)  # fmt: skip
"""Columns of a ranking frame besides the features."""

SPLITS: tuple[str, ...] = ("train", "validation", "test")


class DatasetError(JobfitError):
    """Past rounds that cannot make a training set (too few rounds, unknown positions)."""


@dataclass(frozen=True)
class RoundSplit:
    """Round ids of each split, in time order."""

    train: tuple[str, ...]
    validation: tuple[str, ...]
    test: tuple[str, ...]

    def of(self, name: str) -> tuple[str, ...]:
        """The round ids of split ``name``."""
        return getattr(self, name)


@dataclass(frozen=True)
class RankingData:
    """Rows of one or more rounds, sorted by (decided_on, round_id), with their features.

    Attributes
    ----------
    frame : pandas.DataFrame
        ``KEY_COLUMNS`` + ``feature_columns``, one row per (round, candidate).
    feature_columns : tuple of str
    """

    frame: pd.DataFrame
    feature_columns: tuple[str, ...]

    @property
    def groups(self) -> np.ndarray:
        """Rows per round, in row order; checked to sum to the row count."""
        ids = self.frame["round_id"].to_numpy()
        if len(ids) == 0:
            return np.zeros(0, dtype=np.int64)
        starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
        sizes = np.diff(np.r_[starts, len(ids)]).astype(np.int64)
        if len(np.unique(ids)) != len(sizes):
            raise DatasetError("rows of a round are not contiguous: the frame is not sorted")
        if int(sizes.sum()) != len(self.frame):
            raise DatasetError("group sizes do not add up to the row count")
        return sizes

    @property
    def X(self) -> np.ndarray:  # noqa: N802
        """The feature matrix (float64) in ``feature_columns`` order."""
        return self.frame[list(self.feature_columns)].to_numpy(dtype=np.float64)

    @property
    def y(self) -> np.ndarray:
        """Training labels (after the label policy), int."""
        return self.frame["label"].to_numpy(dtype=np.int64)

    @property
    def rounds(self) -> np.ndarray:
        """Round ids in order, one per group."""
        ids = self.frame["round_id"].to_numpy()
        return ids[np.r_[True, ids[1:] != ids[:-1]]] if len(ids) else ids

    def select(self, round_ids: Iterable[str], *, candidates_only: bool = False) -> RankingData:
        """The rows of ``round_ids`` (order kept); only the real candidates if asked."""
        keep = self.frame["round_id"].isin(set(round_ids))
        if candidates_only:
            keep &= self.frame["is_candidate"]
        return RankingData(self.frame.loc[keep].reset_index(drop=True), self.feature_columns)


@dataclass(frozen=True)
class TrainingData:
    """The assembled data set: one frame of every split's rows and the split itself."""

    data: RankingData
    split: RoundSplit
    snapshot_hash: str
    ruleset_version: str
    agreement: CommitteeAgreement | None = None
    """Committee grades against outcome grades on the training rounds (the label policy's
    measure); None when the policy fixes the committee weight."""
    committee_weight: float = 1.0
    """The weight COMMITTEE rows were given."""

    def part(self, name: str, *, candidates_only: bool = False) -> RankingData:
        """Rows of split ``name``."""
        return self.data.select(self.split.of(name), candidates_only=candidates_only)

    def all_rounds(self, negatives_per_round: int) -> RankingData:
        """The training rows of every round (the refit's data): train and validation as they
        are, each test round's candidates and up to ``negatives_per_round`` of its sampled
        non-candidates (the rest are the live-like proxy's rows, not training rows)."""
        frame = self.data.frame
        test = frame["round_id"].isin(set(self.split.test))
        extra = (~frame["is_candidate"]).astype(np.int64).groupby(frame["round_id"]).cumsum()
        keep = ~test | frame["is_candidate"] | (extra <= negatives_per_round)
        return RankingData(frame.loc[keep].reset_index(drop=True), self.data.feature_columns)

    def counts(self) -> dict[str, int]:
        """Rows and rounds per split (for MLflow and the summary)."""
        out: dict[str, int] = {}
        frame = self.data.frame
        for name in SPLITS:
            rows = frame["round_id"].isin(set(self.split.of(name)))
            out[f"{name}_rounds"] = len(self.split.of(name))
            out[f"{name}_rows"] = int(rows.sum())
            out[f"{name}_candidate_rows"] = int((rows & frame["is_candidate"]).sum())
        return out


def split_rounds(rounds: pd.DataFrame, config: SplitConfig) -> RoundSplit:
    """Split round ids by time: oldest train, then validation, the most recent test.

    Raises
    ------
    DatasetError
        When there are too few rounds to hold out the minimum test and validation rounds
        and still train.
    """
    order = (
        rounds.groupby("round_id", sort=False)["decided_on"].max().reset_index()
        .sort_values(["decided_on", "round_id"], kind="stable")["round_id"].to_numpy()
    )  # fmt: skip
    n = len(order)
    n_test = max(config.min_test_rounds, int(round(n * config.test_fraction)))
    n_val = max(config.min_validation_rounds, int(round(n * config.validation_fraction)))
    if n - n_test - n_val < 2:
        raise DatasetError(
            f"the export has {n} past rounds: too few to hold out {n_test} test and {n_val} "
            "validation rounds and train on the rest (at least "
            f"{n_test + n_val + 2} needed)"
        )
    train = tuple(order[: n - n_test - n_val])
    validation = tuple(order[n - n_test - n_val : n - n_test])
    test = tuple(order[n - n_test :])
    return RoundSplit(train=train, validation=validation, test=test)


def _years(when: pd.Timestamp, since: pd.Series) -> np.ndarray:
    days = (when - since).dt.days.to_numpy(dtype=np.float64)
    return np.clip(np.nan_to_num(days, nan=0.0) / 365.25, 0.0, None)


def seniority_z(rounds: pd.DataFrame, employees: pd.DataFrame) -> np.ndarray:
    """Within-round z-score of seniority (years in rank + years of service / 10) per row."""
    emp = employees.set_index("nip")
    rank_since = emp["rank_since"].reindex(rounds["nip"]).reset_index(drop=True)
    service = emp["service_start"].reindex(rounds["nip"]).reset_index(drop=True)
    decided = rounds["decided_on"].reset_index(drop=True)
    days_rank = (decided - rank_since).dt.days.to_numpy(dtype=np.float64)
    days_service = (decided - service).dt.days.to_numpy(dtype=np.float64)
    raw = np.clip(np.nan_to_num(days_rank), 0, None) / 365.25
    raw = raw + np.clip(np.nan_to_num(days_service), 0, None) / 3652.5
    frame = pd.DataFrame({"round_id": rounds["round_id"].to_numpy(), "s": raw})
    grouped = frame.groupby("round_id")["s"]
    std = grouped.transform("std").fillna(0.0).to_numpy()
    return (raw - grouped.transform("mean").to_numpy()) / (std + 1e-9)


def apply_label_policy(
    rounds: pd.DataFrame,
    employees: pd.DataFrame,
    policy: LabelPolicy,
    committee_weight: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Training labels and row weights for the rounds' rows (see docs/training.md).

    OUTCOME labels (what the placed person achieved in the post) are kept as they are, with
    weight ``outcome_weight``. COMMITTEE grades are de-biased for seniority when the policy
    says so (the slope of grade on within-round seniority, estimated over all committee rows,
    is removed), rounded, capped at ``committee_max_label`` and weighted ``committee_weight``
    (default: the policy's fixed weight, or ``outcome_weight`` when it is measured).
    """
    raw = rounds["label"].to_numpy(dtype=np.float64)
    committee = rounds["label_source"].to_numpy() == "COMMITTEE"
    adjusted = raw.copy()
    if policy.committee_seniority_debias and committee.sum() > 10:
        z = seniority_z(rounds, employees)
        zc, yc = z[committee], raw[committee]
        denom = float(np.dot(zc - zc.mean(), zc - zc.mean()))
        slope = float(np.dot(zc - zc.mean(), yc - yc.mean()) / denom) if denom > 0 else 0.0
        slope = max(slope, 0.0)
        adjusted[committee] = raw[committee] - slope * z[committee]
    labels = raw.copy()
    labels[committee] = np.clip(np.rint(adjusted[committee]), 0, policy.committee_max_label)
    if committee_weight is None:
        committee_weight = _committee_weight(policy, None)
    weights = np.where(committee, committee_weight, policy.outcome_weight)
    return labels.astype(np.int64), weights.astype(np.float64)


def _committee_weight(policy: LabelPolicy, agreement: CommitteeAgreement | None) -> float:
    return committee_weight(
        policy.committee_weight, policy.outcome_weight, policy.committee_min_weight, agreement
    )


def measure_committee(
    data: RankingData, split: RoundSplit, config: TrainingConfig
) -> CommitteeAgreement | None:
    """The agreement of committee with outcome grades on the train and validation rounds'
    candidates (None when the policy fixes the committee weight)."""
    if not isinstance(config.labels.committee_weight, str):
        return None
    rows = data.select([*split.train, *split.validation], candidates_only=True)
    return committee_agreement(
        rows.frame, data.feature_columns, min_rounds=config.labels.min_outcome_rounds,
        seed=config.seed, threads=config.model.num_threads,
    )  # fmt: skip


def _check_features(columns: Sequence[str]) -> tuple[str, ...]:
    leaked = sorted(set(columns) & set(PROTECTED_ATTRIBUTES))
    if leaked:
        raise DatasetError(f"protected attributes among the model features: {leaked}")
    return tuple(columns)


PER_PERSON_TABLES: tuple[str, ...] = (
    "employees", "competencies", "performance", "position_history", "discipline", "trainings",
    "aspirations",
)  # fmt: skip


class ExportSlicer:
    """Cuts an export down to a few employees' rows fast (row positions indexed by NIP once).

    Every candidate block is computed per employee from that employee's own rows, so a round's
    pool gives the same features from the cut export as from the whole one; the positions and
    the election calendar are kept whole.
    """

    def __init__(self, export: Export) -> None:
        self.export = export
        self._rows = {
            name: export.table(name).groupby("nip", sort=False).indices
            for name in PER_PERSON_TABLES
        }

    def __call__(self, nips: Sequence[str]) -> Export:
        """The export restricted to ``nips`` (their rows in every per-person table)."""
        empty = np.zeros(0, dtype=np.int64)
        changes: dict[str, pd.DataFrame] = {}
        for name, index in self._rows.items():
            rows = [index.get(nip, empty) for nip in nips]
            picked = np.sort(np.concatenate(rows)) if rows else empty
            changes[name] = self.export.table(name).iloc[picked]
        return dataclasses.replace(self.export, **changes)


def round_rows(
    export: Export,
    ruleset: Any,
    round_frame: pd.DataFrame,
    position: dict[str, Any],
    negatives: int,
    rng: np.random.Generator,
    slicer: ExportSlicer | None = None,
) -> pd.DataFrame:
    """Features of one round's candidates plus up to ``negatives`` eligible non-candidates.

    Everything is computed as of the round's ``decided_on`` (point in time).
    """
    as_of = pd.Timestamp(round_frame["decided_on"].iloc[0]).normalize()
    in_round = round_frame["nip"].astype(str).tolist()
    sampled: list[str] = []
    if negatives > 0:
        emp = export.employees
        others = emp.loc[
            (emp["agency_id"] == position["agency_id"])
            & (emp["status"] == "ACTIVE")
            & (emp["service_start"] <= as_of)
            & ~emp["nip"].isin(set(in_round)),
            "nip",
        ].to_numpy()
        draw = min(len(others), max(4 * negatives, 50))
        if draw:
            sampled = [str(n) for n in rng.choice(others, size=draw, replace=False)]
    pool_nips = in_round + sampled
    source = slicer(pool_nips) if slicer is not None else export
    pool = prepare_candidates(source, as_of, nips=pool_nips)
    features = build_features(pool, position, as_of, ruleset.feature_config())
    nips = np.asarray(pool.nips).astype(str)
    is_candidate = np.isin(nips, in_round)
    verdict = evaluate_rules(pool, position, features, as_of, ruleset, export.election_calendar)
    eligible = np.asarray(verdict.eligible, dtype=bool)
    if sampled:
        # a random sample of the eligible non-candidates (the pool is in export order)
        others = np.flatnonzero(~is_candidate & eligible)
        negative_idx = np.sort(rng.permutation(others)[:negatives])
    else:
        negative_idx = np.zeros(0, dtype=np.int64)
    keep = np.sort(np.r_[np.flatnonzero(is_candidate), negative_idx]).astype(np.int64)
    out = features.iloc[keep].reset_index(drop=True)
    out.insert(0, "nip", nips[keep])
    out.insert(1, "is_candidate", is_candidate[keep])
    out.insert(2, "eligible", eligible[keep])
    return out


@dataclass(frozen=True)
class RoundJob:
    """One past round to turn into ranking rows: its rows, position and negatives to sample."""

    index: int
    """The round's place in the time order (seeds its negative sample)."""
    rows: pd.DataFrame
    position: dict[str, Any]
    negatives: int


RoundMapper = Callable[[Export, Any, Sequence[RoundJob], TrainingConfig, bool], list[pd.DataFrame]]
"""Computes :func:`round_frame` for every job, in job order (locally or on a cluster)."""


def round_frame(
    export: Export,
    ruleset: Any,
    job: RoundJob,
    config: TrainingConfig,
    slicer: ExportSlicer | None = None,
) -> pd.DataFrame:
    """The ranking rows of one round: key columns (labels of its candidates, 0 for sampled
    non-candidates) and ``FEATURE_COLUMNS``, as of the round's ``decided_on``."""
    rows, position = job.rows, job.position
    rng = np.random.default_rng([config.seed, job.index])
    feats = round_rows(export, ruleset, rows, position, job.negatives, rng, slicer)
    known = rows.set_index(rows["nip"].astype(str))
    cand = feats["is_candidate"].to_numpy()
    nip = feats["nip"].to_numpy()
    frame = pd.DataFrame({
        "round_id": rows["round_id"].iloc[0],
        "position_id": position["position_id"],
        "agency_id": position["agency_id"],
        "position_type": position["position_type"],
        "decided_on": rows["decided_on"].iloc[0],
        "nip": nip,
        "raw_label": np.where(cand, known["raw_label"].reindex(nip, fill_value=0), 0),
        "label": np.where(cand, known["label"].reindex(nip, fill_value=0), 0),
        "weight": np.where(
            cand, known["weight"].reindex(nip, fill_value=1.0), config.labels.outcome_weight
        ),
        "label_source": np.where(cand, known["label_source"].reindex(nip, fill_value=""), "NONE"),
        "selected": np.where(
            cand, known["selected"].astype(bool).reindex(nip, fill_value=False), False
        ),
        "is_candidate": cand,
        "eligible": feats["eligible"].to_numpy(dtype=bool),
    })  # fmt: skip
    for column in FEATURE_COLUMNS:
        frame[column] = feats[column].to_numpy(dtype=np.float64)
    return frame


def map_rounds_locally(
    export: Export,
    ruleset: Any,
    jobs: Sequence[RoundJob],
    config: TrainingConfig,
    progress: bool = False,
) -> list[pd.DataFrame]:
    """Every round's frame computed in this process (the default, single-machine path)."""
    slicer = ExportSlicer(export)
    bar = tqdm(jobs, desc="rounds", unit="round", disable=not progress)
    return [round_frame(export, ruleset, job, config, slicer) for job in bar]


def build_training_data(
    export: Export,
    config: TrainingConfig,
    ruleset: Any,
    *,
    progress: bool = True,
    map_rounds: RoundMapper | None = None,
) -> TrainingData:
    """Assemble the ranking rows of every past round, split by time.

    Parameters
    ----------
    export : Export
    config : TrainingConfig
    ruleset : features.rules.RuleSet
        The hard rules that decide which sampled non-candidates are eligible.
    progress : bool
        Show a tqdm bar over the rounds.
    map_rounds : RoundMapper, optional
        Computes every round's frame; default :func:`map_rounds_locally` (this process).
        :func:`training.distributed.rounds_on_cluster` maps the same :func:`round_frame` over
        agency partitions on Dask workers.
    """
    feature_columns = _check_features(FEATURE_COLUMNS)
    rounds = export.rounds.copy()
    if rounds.empty:
        raise DatasetError("the export has no past rounds (rounds table is empty)")
    positions = export.positions.set_index("position_id", drop=False)
    unknown = sorted(set(rounds["position_id"]) - set(positions.index))
    if unknown:
        raise DatasetError(f"rounds name positions absent from positions: {unknown[:5]}")
    split = split_rounds(rounds, config.split)
    labels, weights = apply_label_policy(rounds, export.employees, config.labels, 1.0)
    rounds["raw_label"] = rounds["label"].astype(np.int64)
    rounds["label"] = labels
    rounds["weight"] = weights
    test_ids = set(split.test)
    order = [*split.train, *split.validation, *split.test]
    by_round = dict(tuple(rounds.groupby("round_id", sort=False)))
    jobs = [
        RoundJob(
            index=index,
            rows=by_round[round_id],
            position=positions.loc[by_round[round_id]["position_id"].iloc[0]].to_dict(),
            negatives=config.negatives.live_like_per_round
            if round_id in test_ids
            else config.negatives.per_round,
        )
        for index, round_id in enumerate(order)
    ]
    frames = (map_rounds or map_rounds_locally)(export, ruleset, jobs, config, progress)
    frame = pd.concat(frames, ignore_index=True)
    frame = frame.astype(
        {"raw_label": np.int64, "label": np.int64, "weight": np.float64, "selected": bool,
         "is_candidate": bool, "eligible": bool}
    )  # fmt: skip
    data = RankingData(frame, feature_columns)
    data.groups  # noqa: B018  (checks contiguity and sum)
    agreement = measure_committee(data, split, config)
    weight = _committee_weight(config.labels, agreement)
    frame.loc[frame["label_source"] == "COMMITTEE", "weight"] = weight
    return TrainingData(
        data=data,
        split=split,
        snapshot_hash=export.snapshot_hash,
        ruleset_version=str(getattr(ruleset, "version", "unknown")),
        agreement=agreement,
        committee_weight=weight,
    )
