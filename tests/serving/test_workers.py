"""Several worker processes: one compiled cache, one linear audit chain, a real 2-worker server.

The writers are real processes (``spawn``), each with its own engine, pool and audit setup, as
uvicorn's workers are; a barrier starts them together.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import lightgbm as lgb
import numpy as np
import pytest
import sqlalchemy as sa

from features.export import Export
from serving import audit
from serving.auth import Principal, create_api_key
from serving.db import make_engine, upgrade
from serving.predictor import TOLERANCE, _cache_key, _compile_cached, check_matrix
from serving.settings import ServiceSettings
from serving.tables import audit_log
from training.bundle import RankerBundle

STARTERS = 4
WRITERS, APPENDS = 4, 25
CONTEXT = multiprocessing.get_context("spawn")


def _compile_in_process(model_text: str, cache_dir: str, barrier: object) -> tuple[bool, list]:
    """One worker's start: wait for the others, then load or build the compiled model."""
    import lleaves

    model_file = Path(cache_dir).parent / f"booster-{os.getpid()}.txt"
    model_file.write_text(model_text)
    compiled = lleaves.Model(model_file=str(model_file))
    barrier.wait()  # type: ignore[attr-defined]
    built = _compile_cached(compiled, Path(cache_dir), _cache_key(model_text))
    booster = lgb.Booster(model_str=model_text)
    return built, compiled.predict(check_matrix(booster), n_jobs=1).tolist()


def test_the_compiled_cache_is_built_once_under_concurrent_starts(
    ranker: RankerBundle, tmp_path: Path
) -> None:
    text = ranker.booster.model_to_string()
    cache = tmp_path / "compiled"
    with CONTEXT.Manager() as manager, CONTEXT.Pool(STARTERS) as pool:
        barrier = manager.Barrier(STARTERS)
        results = pool.starmap(
            _compile_in_process, [(text, str(cache), barrier) for _ in range(STARTERS)]
        )
    assert sum(built for built, _ in results) == 1
    assert [path.suffix for path in sorted(cache.iterdir())] == [".lock", ".o"]
    expected = ranker.booster.predict(check_matrix(ranker.booster), raw_score=True)
    for _, scores in results:
        assert np.max(np.abs(np.asarray(scores) - expected)) <= TOLERANCE


def _settings(url: str, folder: Path) -> ServiceSettings:
    return ServiceSettings(
        database_url=url,
        audit_key_file=folder / "audit.key",
        audit_checkpoint_file=folder / "audit-checkpoints.log",
        audit_checkpoint_every=7,
    )


def _append_in_process(url: str, folder: str, writer: int, barrier: object) -> None:
    """One worker: ``APPENDS`` entries, each in its own transaction, all at once with the rest."""
    db = make_engine(url)
    audit.install(db, _settings(url, Path(folder)), create_key=False)
    who = Principal(key_id=f"writer-{writer}", role="admin", agency_id=None)
    barrier.wait()  # type: ignore[attr-defined]
    for index in range(APPENDS):
        with db.begin() as connection:
            audit.append(connection, who, "test.append", f"{writer}-{index}", {"i": index})
    db.dispose()


def _concurrent_appends(url: str, folder: Path) -> sa.Engine:
    db = make_engine(url)
    upgrade(db)
    audit.install(db, _settings(url, folder))  # makes the key the writers read
    with CONTEXT.Manager() as manager, CONTEXT.Pool(WRITERS) as pool:
        barrier = manager.Barrier(WRITERS)
        pool.starmap(_append_in_process, [(url, str(folder), n, barrier) for n in range(WRITERS)])
    return db


def _assert_one_linear_chain(db: sa.Engine) -> None:
    verification = audit.verify(db)
    assert verification.ok, verification.lines()
    assert verification.entries == WRITERS * APPENDS
    with db.connect() as connection:
        rows = connection.execute(
            sa.select(audit_log.c.seq, audit_log.c.prev_hash, audit_log.c.entry_hash).order_by(
                audit_log.c.entry_id
            )
        ).all()
    assert [row.seq for row in rows] == list(range(1, WRITERS * APPENDS + 1))
    assert len({row.prev_hash for row in rows}) == len(rows)  # no entry has two successors
    subjects = {f"{n}-{i}" for n in range(WRITERS) for i in range(APPENDS)}
    with db.connect() as connection:
        assert set(connection.execute(sa.select(audit_log.c.subject)).scalars()) == subjects


def test_concurrent_writers_keep_one_linear_chain_on_sqlite(tmp_path: Path) -> None:
    db = _concurrent_appends(f"sqlite:///{tmp_path / 'service.db'}", tmp_path)
    _assert_one_linear_chain(db)
    db.dispose()


def test_concurrent_writers_keep_one_linear_chain_on_postgresql(
    postgres_url: str, tmp_path: Path
) -> None:
    db = _concurrent_appends(postgres_url, tmp_path)
    _assert_one_linear_chain(db)
    db.dispose()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _workers(pid: int) -> set[int]:
    """The worker processes of uvicorn's supervisor ``pid`` (not its resource tracker)."""
    found = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            try:
                command = Path(f"/proc/{child}/cmdline").read_bytes()
            except FileNotFoundError:
                continue
            if b"spawn_main" in command:
                found.add(int(child))
    return found


@pytest.fixture
def two_workers(
    champion: RankerBundle, small_export_dir: Path, tmp_path: Path
) -> Iterator[tuple[str, int, str]]:
    """``serve --workers 2`` as a real process: its URL, its pid and its database URL."""
    url, port = f"sqlite:///{tmp_path / 'service.db'}", _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "ASN_JOBFIT_AS_OF": "2026-11-01",
        "ASN_JOBFIT_COMPILED_DIR": str(tmp_path / "compiled"),
    }
    command = [sys.executable, "-m", "serving", "serve", "--data-dir", str(small_export_dir)]
    process = subprocess.Popen(
        [*command, "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(tmp_path / "server.log", "w"),  # noqa: SIM115 (closed with the process)
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if httpx.get(f"{base}/health", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.5)
        assert process.poll() is None, (tmp_path / "server.log").read_text()[-3000:]
        yield base, process.pid, url
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.mark.slow
def test_two_workers_serve_and_keep_one_audit_chain(
    two_workers: tuple[str, int, str], small_export: Export, tmp_path: Path
) -> None:
    base, pid, url = two_workers
    assert len(_workers(pid)) == 2
    db = make_engine(url)
    key = create_api_key(db, "admin", None)[1]
    headers = {"Authorization": f"Bearer {key}"}
    vacant = small_export.positions[small_export.positions["is_vacant"]]
    positions = [str(p) for p in vacant["position_id"].head(4)]

    def client(index: int) -> list[int]:
        with httpx.Client(base_url=base, headers=headers, timeout=120) as session:
            return [
                session.post(
                    "/v1/shortlists", json={"position_id": positions[(index + n) % 4], "k": 5}
                ).status_code
                for n in range(5)
            ]

    with ThreadPoolExecutor(8) as pool:
        statuses = [status for batch in pool.map(client, range(8)) for status in batch]
    assert statuses == [201] * 40
    settings = ServiceSettings(database_url=url)
    audit.install(db, settings, create_key=False)
    verification = audit.verify(db)
    assert verification.ok, verification.lines()
    with db.connect() as connection:
        seqs = connection.execute(sa.select(audit_log.c.seq)).scalars().all()
    assert len(seqs) == len(set(seqs)) >= 40
    db.dispose()


@pytest.mark.slow
def test_a_reload_in_one_worker_replaces_every_worker(two_workers: tuple[str, int, str]) -> None:
    base, pid, url = two_workers
    before = _workers(pid)
    db = make_engine(url)
    key = create_api_key(db, "admin", None)[1]
    db.dispose()
    headers = {"Authorization": f"Bearer {key}"}
    assert httpx.post(f"{base}/v1/admin/reload", headers=headers, timeout=120).status_code == 200
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and (len(_workers(pid)) != 2 or _workers(pid) & before):
        time.sleep(1)
    assert len(_workers(pid)) == 2 and not _workers(pid) & before
    assert httpx.get(f"{base}/health", timeout=30).status_code == 200
