"""Run the service: ``make serve`` and the whole demo chain of ``make run``."""

from __future__ import annotations

import json
import logging
import os
import signal
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI

from features.loader import load_export
from serving import audit
from serving.app import create_app, reload_on_hangup
from serving.auth import create_api_key
from serving.db import make_engine, upgrade
from serving.engine import Engine
from serving.settings import ServiceSettings, get_service_settings
from training.pipeline import train_and_register
from training.synthetic import generate_export

logger = logging.getLogger(__name__)


class JsonLines(logging.Formatter):
    """One JSON object a line: time, level, logger, message (and the traceback, if any)."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


LOG_CONFIG = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": JsonLines}},
    "handlers": {
        "default": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stderr",
        }
    },
    "root": {"handlers": ["default"], "level": "INFO"},
    "loggers": {"uvicorn.access": {"handlers": [], "propagate": False}},
}
"""JSON-lines logs. uvicorn's own access lines (raw path and query, client address) are off:
:mod:`serving.access` logs method, route template, status and duration instead."""

UVICORN_OPTIONS: dict[str, Any] = {"log_config": LOG_CONFIG, "access_log": False}
"""How ``serve`` runs uvicorn."""


DATA_DIR_ENV = "ASN_JOBFIT_SERVE_DATA_DIR"
"""Where ``serve`` tells its worker processes which export to serve."""
WORKER_HEALTHCHECK_SECONDS = 120
"""How long uvicorn waits for a worker's answer before it kills it as hung. A new worker
answers only once its imports are done (seconds on a loaded machine; uvicorn's 5 s kills it
over and over)."""


def serve(data_dir: Path, host: str = "127.0.0.1", port: int = 8000, workers: int = 1) -> None:
    """Serve the API and the review page for an export with the configured champion.

    The export and the champion are loaded before the port opens: an invalid export or a
    missing champion raises its user error (``make serve`` exits non-zero with the message)
    instead of a service answering 503 forever. A later reload that fails keeps the runtime.
    With ``workers`` > 1, see :func:`_serve_workers`.
    """
    settings = get_service_settings()
    engine = Engine.load(settings, Path(data_dir))
    if workers > 1:
        del engine  # the check is done and the compiled cache filled: the workers load their own
        _serve_workers(settings, Path(data_dir), host, port, workers)
        return
    app = create_app(settings, data_dir=Path(data_dir), engine=engine)
    reload_on_hangup(app)
    print(f"asn-jobfit on http://{host}:{port}  (API docs: http://{host}:{port}/docs)", flush=True)
    uvicorn.run(app, host=host, port=port, **UVICORN_OPTIONS)


def _serve_workers(
    settings: ServiceSettings, data_dir: Path, host: str, port: int, workers: int
) -> None:
    """``workers`` uvicorn processes on one port, each with its own engine (:func:`worker_app`).

    The schema and the audit key are made here, once, before any worker starts; the workers
    share the compiled-model cache on disk (filled by the check in :func:`serve`) and the
    database, whose audit chain stays linear across processes (:func:`serving.audit.append`).
    ``kill -HUP <this pid>`` replaces the workers one at a time (each loads the champion anew).
    """
    db = make_engine(settings.database_url)
    upgrade(db)
    db.dispose()
    audit.load_key(audit.key_file(settings), create=True)
    os.environ[DATA_DIR_ENV] = str(data_dir.resolve())
    print(
        f"asn-jobfit on http://{host}:{port} with {workers} workers  "
        f"(API docs: http://{host}:{port}/docs)",
        flush=True,
    )
    uvicorn.run(
        f"{__name__}:worker_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
        **UVICORN_OPTIONS,
    )


def worker_app() -> FastAPI:
    """The app of one worker process (a uvicorn factory): it loads its own engine at start."""
    data_dir = Path(os.environ[DATA_DIR_ENV])
    app = create_app(get_service_settings(), data_dir=data_dir)
    reload_on_hangup(app)
    app.state.runtime.after_reload = _replace_siblings
    return app


def _replace_siblings() -> None:
    """After a reload in one worker (admin endpoint, SIGHUP), have the parent replace every
    worker, one at a time, so that all of them serve the new champion."""
    os.kill(os.getppid(), signal.SIGHUP)


def _has_export(data_dir: Path) -> bool:
    return any((data_dir / f"employees.{suffix}").exists() for suffix in ("csv", "parquet"))


def _busiest_agency(data_dir: Path) -> str:
    positions = load_export(data_dir).positions
    vacant = positions[positions["is_vacant"]]
    return str(
        vacant["agency_id"].value_counts().idxmax()
        if len(vacant)
        else positions["agency_id"].iloc[0]
    )


def run_demo(data_dir: Path, *, employees: int, seed: int, config: Path, port: int) -> None:
    """``make run``: a demo export if none, train and register, demo keys, then serve."""
    data_dir = Path(data_dir)
    if not _has_export(data_dir):
        print(f"generating a demo export of {employees} employees into {data_dir} ...", flush=True)
        generate_export(data_dir, employees=employees, seed=seed)
    result = train_and_register(data_dir, config)
    print(result.summary(), flush=True)
    db = make_engine(get_service_settings().database_url)
    upgrade(db)
    agency = _busiest_agency(data_dir)
    _, committee = create_api_key(db, "committee", agency)
    _, admin = create_api_key(db, "admin", None)
    _keys_banner(agency, committee, admin, port)
    db.dispose()
    serve(data_dir, port=port)


def _keys_banner(agency: str, committee: str, admin: str, port: int) -> None:
    line = "=" * 78
    print(
        f"\n{line}\nasn-jobfit is starting on http://127.0.0.1:{port}\n"
        f"  review page : http://127.0.0.1:{port}/\n"
        f"  API docs    : http://127.0.0.1:{port}/docs\n"
        f"  demo committee key ({agency}):\n    {committee}\n"
        f"  demo admin key:\n    {admin}\n"
        f"  e.g. curl -H 'Authorization: Bearer {committee}' "
        f"http://127.0.0.1:{port}/v1/positions?vacant=true\n{line}\n",
        flush=True,
    )


__all__ = ["serve", "run_demo", "worker_app"]
