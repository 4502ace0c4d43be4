"""The service's process: JSON-line logs, access lines without personal data, start-up."""

from __future__ import annotations

import io
import json
import logging
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from features.export import Export
from serving.app import create_app
from serving.auth import create_api_key
from serving.engine import Engine
from serving.server import LOG_CONFIG, UVICORN_OPTIONS, JsonLines
from tests.serving.conftest import service_settings
from training.bundle import RankerBundle


def test_log_lines_are_json_even_with_quotes_and_tracebacks() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonLines())
    logger = logging.getLogger("tests.server.json")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning('%s - "%s %s HTTP/1.1" %d', "127.0.0.1:5000", "GET", "/health", 200)
        try:
            raise ValueError('a "quoted" failure')
        except ValueError:
            logger.exception("shortlist failed")
    finally:
        logger.removeHandler(handler)
    first, second = (json.loads(line) for line in stream.getvalue().splitlines() if line[0] == "{")
    assert first["message"] == '127.0.0.1:5000 - "GET /health HTTP/1.1" 200'
    assert first["level"] == "WARNING" and first["logger"] == "tests.server.json"
    assert second["message"] == "shortlist failed" and 'a "quoted" failure' in second["exception"]


def test_the_uvicorn_log_config_uses_it() -> None:
    assert LOG_CONFIG["formatters"]["json"]["()"] is JsonLines


CLIENT_LOGGERS = ("httpx", "httpcore")
"""The test's own HTTP client, which logs the URLs it asks for."""


@pytest.fixture(scope="module")
def live(
    small_export: Export, ranker: RankerBundle, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str]]:
    """A real uvicorn server (``serve``'s options, the test's logging) and an admin key."""
    settings = service_settings(tmp_path_factory.mktemp("live"))
    app = create_app(settings, engine=Engine.build(small_export, ranker, settings))
    config = uvicorn.Config(app, lifespan="on", **{**UVICORN_OPTIONS, "log_config": None})
    server = uvicorn.Server(config)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started
    key = create_api_key(app.state.db, "admin", None)[1]
    yield f"http://127.0.0.1:{sock.getsockname()[1]}", key
    server.should_exit = True
    thread.join(timeout=30)
    sock.close()


def test_access_lines_carry_the_route_template_never_the_nip_or_query(
    live: tuple[str, str], small_export: Export, caplog: pytest.LogCaptureFixture
) -> None:
    base, key = live
    nip = str(small_export.employees["nip"].iloc[0])
    position = str(small_export.positions["position_id"].iloc[0])
    with caplog.at_level(logging.INFO):
        response = httpx.get(
            f"{base}/v1/candidates/{nip}/fit",
            params={"position_id": position},
            headers={"Authorization": f"Bearer {key}"},
        )
        assert response.status_code in (200, 404)
        httpx.get(f"{base}/v1/no/such/{nip}")
        httpx.get(f"{base}/static/{nip}.css")
        time.sleep(0.2)  # the access line is written after the answer
    served = [r for r in caplog.records if not r.name.startswith(CLIENT_LOGGERS)]
    lines = [record.getMessage() for record in served]
    assert f"GET /v1/candidates/{{nip}}/fit {response.status_code}" in " | ".join(lines)
    assert any(line.startswith("GET - 404") for line in lines)
    assert any(line.startswith("GET /static/{path} 404") for line in lines)
    assert not [line for line in lines if nip in line or position in line]


@pytest.fixture
def broken_export_dir(small_export_dir: Path, tmp_path: Path) -> Path:
    """The small export with one employee listed twice (the contract wants NIPs unique)."""
    broken = tmp_path / "broken"
    shutil.copytree(small_export_dir, broken)
    employees = broken / "employees.csv"
    lines = employees.read_text(encoding="utf-8").splitlines(keepends=True)
    employees.write_text("".join([*lines, lines[1]]), encoding="utf-8")
    return broken


@pytest.mark.slow
def test_serve_on_an_invalid_export_exits_non_zero_with_the_message(
    broken_export_dir: Path, tmp_path: Path
) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'service.db'}"}
    command = [sys.executable, "-m", "serving", "serve", "--data-dir", str(broken_export_dir)]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    done = subprocess.run(
        [*command, "--port", str(port)], env=env, capture_output=True, text=True, timeout=90
    )
    assert done.returncode != 0
    assert "breaks the data contract" in done.stderr and "Traceback" not in done.stderr
