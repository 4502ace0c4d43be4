"""``make bench``: features, rules, shortlists and plain predict at 1k-1M candidates.

Prints medians (and p90) of repeated timings and the ratio of a whole shortlist to plain
``booster.predict`` on the same rows. The machines are shared and noisy: read medians and
ratios, not single runs. Everything lives under ``var/bench/`` (export, MLflow store, DB).
"""

from __future__ import annotations

import concurrent.futures
import logging
import resource
import socket
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import uvicorn

from features.build import build_features
from features.candidates import CandidatePool, prepare_candidates, subset
from features.loader import load_export
from serving.app import create_app
from serving.auth import create_api_key
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
    return load_export(data), bundle


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
    _throughput(engine, positions["ADMINISTRATOR"])
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


def _throughput(engine: Any, position: dict) -> None:
    """Requests per second over HTTP with 8 concurrent clients, 10k candidates."""
    import httpx  # a dev extra: only the benchmark needs an HTTP client

    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line a request otherwise
    sized = replace(engine, pool=subset(engine.pool, np.arange(10_000)))
    app = create_app(_settings(), engine=sized)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    key = create_api_key(app.state.db, "admin", None)[1]
    url, headers = f"http://127.0.0.1:{port}/v1/shortlists", {"Authorization": f"Bearer {key}"}
    body = {"position_id": position["position_id"], "k": 10}

    def client(_: int) -> list[int]:
        with httpx.Client(timeout=60) as session:
            return [session.post(url, json=body, headers=headers).status_code for _ in range(10)]

    start = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        statuses = [s for batch in pool.map(client, range(8)) for s in batch]
    elapsed = time.perf_counter() - start
    server.should_exit = True
    thread.join(timeout=30)
    ok = sum(s == 201 for s in statuses)
    print(
        f"HTTP, 8 concurrent clients, 10,000 candidates: {len(statuses) / elapsed:6.1f} req/s "
        f"({ok}/{len(statuses)} answered 201)"
    )
