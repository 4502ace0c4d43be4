"""Committee decisions: immutable history, the divergence rule, the report, SQLite and PostgreSQL,
and durability across a kill -9."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from features.export import Export
from serving.app import create_app
from serving.auth import create_api_key
from serving.db import make_engine, upgrade
from serving.engine import Engine
from tests.serving.conftest import AS_OF, Keys, service_settings
from training.bundle import RankerBundle

JUSTIFICATION = "Kandidat memiliki sertifikasi khusus yang dibutuhkan unit ini."
ANSWER = "Sudah dibahas tim; masa jabatan sesuai kebutuhan unit."
SUPERSEDES = "Pilihan sebelumnya diganti setelah rapat ulang tim."
SOFT_RULES = ("rank_eselon_range", "long_tenure_note")


def _shortlist(client: TestClient, keys: Keys, vacancy: str, k: int = 5) -> dict:
    response = client.post(
        "/v1/shortlists", json={"position_id": vacancy, "k": k}, headers=keys.header("committee")
    )
    assert response.status_code == 201, response.text
    return response.json()


def _declare(client: TestClient, keys: Keys, shortlist_id: str, role: str = "committee") -> None:
    """The member declares no relation to the list's candidates (needed before deciding)."""
    response = client.post(
        f"/v1/shortlists/{shortlist_id}/declarations",
        json={"kind": "none"},
        headers=keys.header(role),
    )
    assert response.status_code in (201, 404), response.text


def _decide(
    client: TestClient,
    keys: Keys,
    shortlist_id: str,
    nip: str,
    decision: str,
    justification: str | None = None,
    role: str = "committee",
) -> httpx.Response:
    """A decision, declared first; a selection answers its warnings and supersedes any other."""
    _declare(client, keys, shortlist_id, role if role != "auditor" else "committee")
    body = {
        "nip": nip,
        "decision": decision,
        "reason": "hasil rapat tim penilai kinerja",
        "justification": justification,
        "warning_answers": {rule: ANSWER for rule in SOFT_RULES},
        "supersedes_reason": SUPERSEDES,
    }
    return client.post(
        f"/v1/shortlists/{shortlist_id}/decisions", json=body, headers=keys.header(role)
    )


def _flow(client: TestClient, keys: Keys, vacancy: str) -> None:
    """The decision rules, through the API, on whatever database the app uses."""
    shortlist = _shortlist(client, keys, vacancy)
    sid, ranked = shortlist["shortlist_id"], [c["nip"] for c in shortlist["candidates"]]
    assert len(ranked) >= 2
    assert _decide(client, keys, sid, ranked[0], "SHORTLISTED").status_code == 201
    off = _decide(client, keys, sid, ranked[1], "SELECTED")
    assert off.status_code == 422 and "justification" in off.json()["detail"]
    assert _decide(client, keys, sid, ranked[1], "SELECTED", JUSTIFICATION).status_code == 201
    assert _decide(client, keys, sid, ranked[0], "REJECTED").status_code == 201
    history = client.get(f"/v1/shortlists/{sid}/decisions", headers=keys.header("auditor")).json()
    assert [d["decision"] for d in history["decisions"]] == ["SHORTLISTED", "SELECTED", "REJECTED"]
    assert history["current"] == {ranked[0]: "REJECTED", ranked[1]: "SELECTED"}
    assert [d["divergent"] for d in history["decisions"]] == [False, True, False]


def test_decisions_history_and_divergence_on_sqlite(
    service: tuple[TestClient, Keys], vacancy: str
) -> None:
    client, keys = service
    _flow(client, keys, vacancy)


def test_the_top_candidate_needs_no_justification(
    service: tuple[TestClient, Keys], vacancy: str
) -> None:
    client, keys = service
    shortlist = _shortlist(client, keys, vacancy)
    first = shortlist["candidates"][0]["nip"]
    response = _decide(client, keys, shortlist["shortlist_id"], first, "SELECTED")
    assert response.status_code == 201 and response.json()["divergent"] is False


def test_bad_decisions_are_4xx(service: tuple[TestClient, Keys], vacancy: str) -> None:
    client, keys = service
    shortlist = _shortlist(client, keys, vacancy)
    sid, first = shortlist["shortlist_id"], shortlist["candidates"][0]["nip"]
    assert _decide(client, keys, sid, first, "MAYBE").status_code == 422
    assert _decide(client, keys, sid, "199001012020011999", "REJECTED").status_code == 422
    unknown = _decide(client, keys, sid, "199001012020011999", "SELECTED", JUSTIFICATION)
    assert unknown.status_code == 404
    assert _decide(client, keys, str(uuid.uuid4()), first, "REJECTED").status_code == 404
    assert _decide(client, keys, sid, first, "REJECTED", role="auditor").status_code == 403
    assert _decide(client, keys, sid, first, "REJECTED", role="other_committee").status_code == 404


def test_divergence_report_counts_off_list_choices(
    service: tuple[TestClient, Keys], vacancy: str
) -> None:
    client, keys = service
    shortlist = _shortlist(client, keys, vacancy)
    second = shortlist["candidates"][1]["nip"]
    _decide(client, keys, shortlist["shortlist_id"], second, "SELECTED", JUSTIFICATION)
    report = client.get("/v1/reports/divergence", headers=keys.header("admin")).json()
    divergent = sum(g["divergent"] for g in report["groups"])
    assert divergent >= 1
    assert any(JUSTIFICATION in g["justifications"] for g in report["groups"])
    assert all(0 <= g["divergence_rate"] <= 1 for g in report["groups"])


@pytest.mark.postgres
def test_decisions_on_postgresql(
    postgres_url: str, small_export: Export, ranker: RankerBundle, tmp_path: Path, vacancy: str
) -> None:
    settings = service_settings(tmp_path).model_copy(update={"database_url": postgres_url})
    app = create_app(settings, engine=Engine.build(small_export, ranker, settings))
    with TestClient(app) as client:
        db = app.state.db
        assert db.dialect.name == "postgresql"
        agency = str(small_export.positions["agency_id"].iloc[0])
        keys = Keys(
            committee=create_api_key(db, "committee", agency)[1],
            other_committee=create_api_key(db, "committee", "X")[1],
            admin=create_api_key(db, "admin", None)[1],
            auditor=create_api_key(db, "auditor", None)[1],
        )
        _flow(client, keys, vacancy)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start(env: dict[str, str], data_dir: Path, port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "serving",
            "serve",
            "--data-dir",
            str(data_dir),
            "--port",
            str(port),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.5)
    process.kill()
    raise AssertionError("the server did not become ready within 120 s")


@pytest.mark.slow
def test_a_decision_survives_kill_9_right_after_its_2xx(
    small_export_dir: Path,
    champion: RankerBundle,
    small_export: Export,
    tmp_path: Path,
    vacancy: str,
) -> None:
    database = f"sqlite:///{tmp_path / 'durable.db'}"
    env = {**os.environ, "DATABASE_URL": database, "ASN_JOBFIT_AS_OF": AS_OF.isoformat()}

    db = make_engine(database)
    upgrade(db)
    agency = str(small_export.positions["agency_id"].iloc[0])
    key = create_api_key(db, "committee", agency)[1]
    headers = {"Authorization": f"Bearer {key}"}
    port = _free_port()
    server = _start(env, small_export_dir, port)
    try:
        base = f"http://127.0.0.1:{port}"
        shortlist = httpx.post(
            f"{base}/v1/shortlists",
            json={"position_id": vacancy, "k": 3},
            headers=headers,
            timeout=60,
        ).json()
        nip = shortlist["candidates"][0]["nip"]
        httpx.post(
            f"{base}/v1/shortlists/{shortlist['shortlist_id']}/declarations",
            json={"kind": "none"},
            headers=headers,
            timeout=60,
        )
        response = httpx.post(
            f"{base}/v1/shortlists/{shortlist['shortlist_id']}/decisions",
            json={
                "nip": nip,
                "decision": "SELECTED",
                "reason": "terbaik",
                "warning_answers": {rule: ANSWER for rule in SOFT_RULES},
            },
            headers=headers,
            timeout=60,
        )
        assert response.status_code == 201
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=30)
    finally:
        if server.poll() is None:
            server.kill()
    server = _start(env, small_export_dir, port)
    try:
        history = httpx.get(
            f"http://127.0.0.1:{port}/v1/shortlists/{shortlist['shortlist_id']}/decisions",
            headers=headers,
            timeout=60,
        ).json()
        assert history["current"] == {nip: "SELECTED"}
    finally:
        server.kill()
        server.wait(timeout=30)
