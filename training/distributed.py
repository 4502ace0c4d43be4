"""Dask as the distributed engine, chosen by one setting: ``ASN_JOBFIT_DASK_SCHEDULER``.

``tcp://host:8786`` joins a running cluster (``dask scheduler`` / ``dask worker``), ``local``
starts a :class:`distributed.LocalCluster` for the run, unset keeps today's single-process path.
Nothing here forks the feature code: the workers run the same :func:`training.dataset.round_frame`
(``prepare_candidates`` + ``build_features`` + the rules) on each agency's partition, and the
ranker is fitted with :class:`lightgbm.dask.DaskLGBMRanker` on partitions made of whole rounds
(one round = one vacancy = one query, never split). The fitted model comes back as a plain
:class:`lightgbm.Booster` (``to_local()``), so registration, the gate and the artefact are those
of a local model.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import lightgbm as lgb
import numpy as np
import pandas as pd

from features.candidates import CandidatePool, prepare_candidates
from features.errors import JobfitError
from features.export import Export
from training.config import TrainingConfig
from training.dataset import ExportSlicer, RankingData, RoundJob, RoundMapper, round_frame

if TYPE_CHECKING:
    from distributed import Client

logger = logging.getLogger(__name__)

LOCAL = "local"
"""The setting's value that starts a ``LocalCluster`` for the run."""
CONNECT_TIMEOUT = "60s"
"""How long to wait for the scheduler (and a local cluster's workers) before giving up."""


class DistributedError(JobfitError):
    """The Dask engine cannot run: not installed, scheduler unreachable, unsupported config."""


def _import_distributed() -> Any:
    try:
        import distributed
    except ImportError as error:  # the optional extra is not installed
        raise DistributedError(
            "ASN_JOBFIT_DASK_SCHEDULER is set but Dask is not installed: "
            "pip install 'asn-jobfit[dask]'"
        ) from error
    return distributed


@contextmanager
def dask_client(
    scheduler: str | None, *, n_workers: int = 2, threads_per_worker: int = 1
) -> Iterator[Client | None]:
    """A Dask client for ``scheduler`` (None when unset: the single-process path).

    ``local`` starts a ``LocalCluster`` of ``n_workers`` processes (closed on exit); any other
    value is a scheduler address (``tcp://host:8786``) whose workers must see the same code.
    """
    if not scheduler:
        yield None
        return
    distributed = _import_distributed()
    try:
        if scheduler.strip().lower() == LOCAL:
            with (
                distributed.LocalCluster(
                    n_workers=n_workers, threads_per_worker=threads_per_worker,
                    processes=True, dashboard_address=":0", timeout=CONNECT_TIMEOUT,
                ) as cluster,
                distributed.Client(cluster, timeout=CONNECT_TIMEOUT) as client,
            ):  # fmt: skip
                client.wait_for_workers(n_workers, timeout=CONNECT_TIMEOUT)
                yield client
            return
        client = distributed.Client(scheduler, timeout=CONNECT_TIMEOUT)
    except OSError as error:
        raise DistributedError(
            f"Dask scheduler {scheduler!r} cannot be reached: {error}"
        ) from error
    with client:
        yield client


def check_config(config: TrainingConfig) -> None:
    """Refuse what ``lightgbm.dask`` cannot do: early stopping on validation rounds."""
    if config.model.early_stopping_rounds > 0:
        raise DistributedError(
            "model.early_stopping_rounds is "
            f"{config.model.early_stopping_rounds}: lightgbm.dask has no early stopping; set it "
            "to 0 (a fixed num_boost_round) to train on the Dask cluster"
        )


def _agency_frames(
    export: Export, ruleset: Any, jobs: Sequence[RoundJob], config: TrainingConfig
) -> list[pd.DataFrame]:
    """On a worker: the frames of one agency's rounds from that agency's cut of the export."""
    slicer = ExportSlicer(export)
    return [round_frame(export, ruleset, job, config, slicer) for job in jobs]


def agency_partitions(
    jobs: Sequence[RoundJob], max_rounds: int
) -> list[tuple[str, list[RoundJob]]]:
    """The rounds grouped by their position's agency (time order kept), a large agency's rounds
    cut into pieces of at most ``max_rounds`` so that every worker gets a share."""
    by_agency: dict[str, list[RoundJob]] = {}
    for job in jobs:
        by_agency.setdefault(str(job.position["agency_id"]), []).append(job)
    step = max(1, max_rounds)
    return [
        (agency, part[start : start + step])
        for agency, part in by_agency.items()
        for start in range(0, len(part), step)
    ]


def agency_cut(export: Export, agency_id: str, jobs: Sequence[RoundJob]) -> Export:
    """The export cut to one agency's employees and its rounds' candidates (every per-person
    table, export order kept), so a worker builds the same pools as the whole export would:
    the sampled non-candidates come from the position's agency, every block is per person."""
    emp = export.employees
    nips = emp.loc[emp["agency_id"].astype(str) == agency_id, "nip"].astype(str).tolist()
    seen = set(nips)
    for job in jobs:
        extra = [n for n in job.rows["nip"].astype(str) if n not in seen]
        nips += extra
        seen.update(extra)
    return ExportSlicer(export)(nips)


def _agency_pool(export: Export, as_of: Any) -> CandidatePool:
    return prepare_candidates(export, as_of)


def prepare_by_agency(client: Client, export: Export, as_of: Any) -> dict[str, CandidatePool]:
    """Every agency's candidate pool on ``as_of``, each prepared on a worker from that agency's
    cut of the export by the same ``prepare_candidates`` (for campaigns and validation runs
    that look across agencies)."""
    agencies = [str(a) for a in pd.unique(export.employees["agency_id"].astype(str))]
    futures = {
        agency: client.submit(_agency_pool, agency_cut(export, agency, ()), as_of, pure=False)
        for agency in agencies
    }
    return {agency: future.result() for agency, future in futures.items()}


def rounds_on_cluster(client: Client) -> RoundMapper:
    """A :data:`training.dataset.RoundMapper` that computes each agency's rounds on a worker."""

    def map_rounds(
        export: Export,
        ruleset: Any,
        jobs: Sequence[RoundJob],
        config: TrainingConfig,
        progress: bool = False,
    ) -> list[pd.DataFrame]:
        workers = max(1, len(client.scheduler_info().get("workers", {})))
        parts = agency_partitions(jobs, -(-len(jobs) // (2 * workers)))
        futures = [
            client.submit(
                _agency_frames, agency_cut(export, agency, part), ruleset, part, config,
                pure=False,
            )
            for agency, part in parts
        ]  # fmt: skip
        by_index: dict[int, pd.DataFrame] = {}
        for (_, part), future in zip(parts, futures, strict=True):
            for job, frame in zip(part, future.result(), strict=True):
                by_index[job.index] = frame
        logger.info("built %d rounds in %d agency partitions", len(by_index), len(parts))
        return [by_index[job.index] for job in jobs]

    return map_rounds


def _round_partitions(data: RankingData, n_parts: int) -> list[np.ndarray]:
    """Row positions of ``n_parts`` partitions of whole rounds: each agency's rounds dealt in
    turn, so every partition (one per worker) is a like sample of the rounds and finds
    LightGBM's feature bins close to those of the whole data."""
    groups = data.groups
    starts = np.r_[0, np.cumsum(groups)[:-1]]
    agency = data.frame["agency_id"].to_numpy()[starts].astype(str)
    deal = np.zeros(len(groups), dtype=np.int64)
    for name in pd.unique(agency):
        rounds = np.flatnonzero(agency == name)
        deal[rounds] = np.arange(len(rounds)) % n_parts
    parts = [np.flatnonzero(deal == k) for k in range(n_parts)]
    return [
        np.concatenate([np.arange(starts[g], starts[g] + groups[g]) for g in part])
        for part in parts
        if len(part)
    ]


def _dask_arrays(client: Client, data: RankingData, workers: list[str]) -> tuple[Any, ...]:
    """X, y, weights and group sizes as Dask arrays, one chunk of whole rounds per worker
    (placed in a fixed order, so that a fit is reproducible)."""
    import dask.array as da

    pieces: list[tuple[np.ndarray, ...]] = []
    for rows in _round_partitions(data, len(workers)):
        part = RankingData(data.frame.iloc[rows].reset_index(drop=True), data.feature_columns)
        weight = part.frame["weight"].to_numpy(dtype=np.float64)
        pieces.append((part.X, part.y.astype(np.float64), weight, part.groups))
    arrays = []
    for column in zip(*pieces, strict=True):
        chunks = []
        for worker, values in zip(workers, column, strict=False):
            future = client.scatter(values, workers=[worker], hash=False)
            chunks.append(da.from_delayed(future, shape=values.shape, dtype=values.dtype))
        arrays.append(da.concatenate(chunks, axis=0))
    return tuple(arrays)


def fit_on_cluster(
    client: Client, data: RankingData, params: dict[str, Any], trees: int
) -> lgb.Booster:
    """``trees`` lambdarank trees fitted by ``DaskLGBMRanker`` on the cluster; a local Booster.

    Raises
    ------
    DistributedError
        When the cluster has no worker.
    """
    from lightgbm.dask import DaskLGBMRanker

    workers = sorted(client.scheduler_info().get("workers", {}))
    if not workers:
        raise DistributedError("the Dask cluster has no worker")
    X, y, weight, group = _dask_arrays(client, data, workers)  # noqa: N806
    seed = params.get("seed")
    unused = ("num_threads", "seed", "metric", "eval_at")  # threads per worker; no eval set
    params = {k: v for k, v in params.items() if k not in unused}
    params["time_out"] = 2  # minutes for the workers' LightGBM network to form
    ranker = DaskLGBMRanker(client=client, n_estimators=trees, random_state=seed, **params)
    ranker.fit(X, y, sample_weight=weight, group=group, feature_name=list(data.feature_columns))
    booster = ranker.to_local().booster_
    return lgb.Booster(model_str=booster.model_to_string())
