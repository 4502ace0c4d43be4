"""``make bench``: features, rules, shortlists and plain predict at 1k-1M candidates.

Prints medians (and p90) of repeated timings and the ratio of a whole shortlist to plain
``booster.predict`` on the same rows. The machines are shared and noisy: read medians and
ratios, not single runs. Everything lives under ``var/bench/`` (export, MLflow store, DB).
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import logging
import os
import resource
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from features.build import build_features
from features.candidates import CandidatePool, prepare_candidates, subset
from features.loader import load_export
from serving.auth import create_api_key
from serving.db import make_engine
from serving.engine import Engine
from serving.settings import ServiceSettings
from training.bundle import load_champion
from training.pipeline import train_and_register
from training.registry import promote
from training.synthetic import generate_export

ROOT = Path("var/bench")
EMPLOYEES = 100_000
AS_OF = "2026-11-01"


def _timings(run: Callable[[], Any], repeat: int) -> tuple[float, float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples), float(np.percentile(samples, 90))


def _line(label: str, timing: tuple[float, float], extra: str = "") -> None:
    median, p90 = (value * 1000 for value in timing)
    print(f"  {label:<44} median {median:9.1f} ms   p90 {p90:9.1f} ms  {extra}", flush=True)


def _settings() -> ServiceSettings:
    ROOT.mkdir(parents=True, exist_ok=True)
    root = ROOT.resolve()
    return ServiceSettings(
        mlflow_tracking_uri=f"sqlite:///{root / 'mlflow.db'}",
        mlflow_artifact_root=root / "mlartifacts",
        database_url=f"sqlite:///{root / 'service.db'}",
        as_of=AS_OF,
        models_dir=root / "models",
    )


def _export_and_model(settings: ServiceSettings) -> tuple[Any, Any]:
    data = ROOT / f"export-{EMPLOYEES}"
    if not (data / "employees.parquet").exists():
        print(f"generating a {EMPLOYEES:,}-employee export into {data} (once) ...", flush=True)
        generate_export(data, employees=EMPLOYEES, seed=11, fmt="parquet")
    return load_export(data), _champion(settings)


def _champion(settings: ServiceSettings) -> Any:
    """The bench store's champion; trained on a small export and promoted the first time."""
    try:
        bundle = load_champion(settings)
    except Exception:  # no champion in the bench store yet: train one on a small export
        small = ROOT / "export-train"
        if not (small / "employees.csv").exists():
            generate_export(small, employees=5000, seed=12)
        result = train_and_register(
            small, Path("training/configs/default.yaml"), settings=settings, progress=False
        )
        if not result.decision.promoted:
            promote(result.version, settings)
        bundle = load_champion(settings)
    return bundle


def _tile(pool: CandidatePool, times: int) -> CandidatePool:
    """A pool ``times`` as large, by repeating the blocks (NIPs made unique)."""
    changes: dict[str, Any] = {}
    for item in fields(pool):
        value = getattr(pool, item.name)
        if item.name == "employees":
            changes[item.name] = pd.concat([value] * times, ignore_index=True)
        elif item.name == "nips":
            changes[item.name] = np.concatenate(
                [np.char.add(value.astype(str), f"#{i}").astype(object) for i in range(times)]
            )
        elif item.name == "aspired_units":
            changes[item.name] = value.iloc[0:0]
        elif isinstance(value, np.ndarray):
            changes[item.name] = np.concatenate([value] * times)
    return replace(pool, **changes)


def _positions(export: Any) -> dict[str, dict]:
    """A managerial vacancy (few eligible) and a staff vacancy (most of the pool eligible)."""
    positions = export.positions
    out = {}
    for label, types in (("ADMINISTRATOR", ["ADMINISTRATOR"]), ("staff", ["PELAKSANA"])):
        rows = positions[positions["is_vacant"] & positions["position_type"].isin(types)]
        rows = rows if len(rows) else positions[positions["position_type"].isin(types)]
        if len(rows):
            out[label] = rows.iloc[0].to_dict()
    return out


def run_bench() -> None:
    """Run every case and print the figures."""
    settings = _settings()
    export, bundle = _export_and_model(settings)
    print(
        f"\nasn-jobfit bench: model {bundle.name} v{bundle.version} "
        f"({bundle.booster.num_trees()} trees, {len(bundle.feature_columns)} features)",
        flush=True,
    )
    print("features (100k employees):")
    _line(
        "prepare_candidates(export, as_of)", _timings(lambda: prepare_candidates(export, AS_OF), 3)
    )
    tick = time.perf_counter()
    engine = Engine.build(export, bundle, settings)
    print(
        f"  engine start-up (pool + compile/check)  {time.perf_counter() - tick:9.1f} s   "
        f"scoring: {engine.predictor.backend}, max |compiled - LightGBM| on the check matrix "
        f"{engine.predictor.max_difference}",
        flush=True,
    )
    full = engine.pool
    positions = _positions(export)
    for label, position in positions.items():
        _line(
            f"build_features over {len(full):,} candidates ({label})",
            _timings(lambda p=position: build_features(full, p, AS_OF), 7),
        )
    pools = {
        1_000: subset(full, np.arange(1_000)),
        10_000: subset(full, np.arange(10_000)),
        len(full): full,
        1_000_000: _tile(full, int(np.ceil(1_000_000 / len(full)))),
    }
    for label, position in positions.items():
        print(
            f"shortlists for a {label} vacancy (top 10 explained) vs plain LightGBM "
            "booster.predict on the same rows:"
        )
        for pool in pools.values():
            _shortlist_case(engine, pool, position)
    run_http_bench()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (max RSS): {peak:,.0f} MiB")
    print("note: the 1M pool repeats the 100k pool's blocks (same candidates, unique NIPs).")


def _shortlist_case(engine: Any, pool: CandidatePool, position: dict) -> None:
    sized = replace(engine, pool=pool)
    repeat = 7 if len(pool) <= 100_000 else 3
    whole = _timings(lambda: sized.shortlist(position, 10, "id", {}), repeat)
    scored = sized.score(pool, position)
    plain = _timings(lambda: engine.bundle.booster.predict(scored.matrix), repeat)
    compiled = _timings(lambda: engine.predictor.scores(scored.matrix), repeat)
    lightgbm = engine.bundle.booster.predict(scored.matrix)
    difference = np.max(np.abs(engine.predictor.scores(scored.matrix) - lightgbm))
    _line(
        f"shortlist, {len(pool):>9,} candidates ({len(scored.eligible):,} eligible)",
        whole,
        f"LightGBM predict {plain[0] * 1000:8.1f} ms  ratio {whole[0] / plain[0]:5.2f}x  "
        f"(compiled predict {compiled[0] * 1000:7.1f} ms, max diff {difference:.1e})",
    )


HTTP_EMPLOYEES = 10_000
HTTP_CLIENTS, HTTP_REQUESTS, HTTP_ROUNDS = 8, 15, 3


def run_http_bench() -> None:
    """Requests/s of ``serve --workers 1`` and ``--workers 2`` (8 clients, 10,000 candidates)."""
    settings = _settings()
    _champion(settings)  # trained once into the bench store
    data = ROOT / f"export-{HTTP_EMPLOYEES}"
    if not (data / "employees.parquet").exists():
        print(f"generating a {HTTP_EMPLOYEES:,}-employee export into {data} (once) ...")
        generate_export(data, employees=HTTP_EMPLOYEES, seed=13, fmt="parquet")
    position = _positions(load_export(data))["ADMINISTRATOR"]
    rates = {}
    for workers in (1, 2):
        with _served(settings, data, workers) as (base, key):
            samples = [_rate(base, key, position) for _ in range(HTTP_ROUNDS)]
        rates[workers] = statistics.median(samples)
        print(
            f"HTTP, {HTTP_CLIENTS} clients, {HTTP_EMPLOYEES:,} candidates, {workers} worker(s): "
            f"median {rates[workers]:6.1f} req/s  (rounds: "
            + ", ".join(f"{rate:.1f}" for rate in samples)
            + ")",
            flush=True,
        )
    print(f"2 workers / 1 worker: {rates[2] / rates[1]:.2f}x  ({os.cpu_count()} cores)")


@contextlib.contextmanager
def _served(settings: ServiceSettings, data: Path, workers: int) -> Iterator[tuple[str, str]]:
    """``python -m serving serve --workers N`` over ``data``, as ``make serve`` runs it."""
    import httpx  # a dev extra: only the benchmark needs an HTTP client

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "MLFLOW_TRACKING_URI": settings.mlflow_tracking_uri,
        "ASN_JOBFIT_MLFLOW_ARTIFACT_ROOT": str(settings.mlflow_artifact_root),
        "ASN_JOBFIT_MODELS_DIR": str(settings.models_dir),
        "ASN_JOBFIT_AS_OF": AS_OF,
    }
    command = [sys.executable, "-m", "serving", "serve", "--data-dir", str(data)]
    server = subprocess.Popen(
        [*command, "--port", str(port), "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(httpx, base, server)
        db = make_engine(settings.database_url)
        key = create_api_key(db, "admin", None)[1]
        db.dispose()
        yield base, key
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _wait_ready(httpx: Any, base: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and server.poll() is None:
        try:
            if httpx.get(f"{base}/health", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.5)
    raise RuntimeError(f"the bench server at {base} did not start")


def _rate(base: str, key: str, position: dict) -> float:
    """Requests per second of one round: every client posts its shortlists back to back."""
    import httpx

    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line a request otherwise
    headers = {"Authorization": f"Bearer {key}"}
    body = {"position_id": position["position_id"], "k": 10}

    def client(_: int) -> list[int]:
        with httpx.Client(base_url=base, headers=headers, timeout=120) as session:
            return [
                session.post("/v1/shortlists", json=body).status_code for _ in range(HTTP_REQUESTS)
            ]

    with httpx.Client(base_url=base, headers=headers, timeout=120) as warm:
        for _ in range(4):
            warm.post("/v1/shortlists", json=body)  # each worker's first request
    start = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(HTTP_CLIENTS) as pool:
        statuses = [s for batch in pool.map(client, range(HTTP_CLIENTS)) for s in batch]
    elapsed = time.perf_counter() - start
    if statuses.count(201) != len(statuses):
        raise RuntimeError(f"the bench server answered {sorted(set(statuses))}, not only 201")
    return len(statuses) / elapsed
