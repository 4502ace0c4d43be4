"""No personal data in the logs: the scanner every test runs under, and a service's lines."""

from __future__ import annotations

import logging

from fastapi.testclient import TestClient

from features.export import Export
from tests.conftest import LogLines, personal_data
from tests.serving.conftest import Keys


def test_the_scanner_finds_a_nip_and_a_name_and_nothing_else() -> None:
    lines = [
        "serving.access: GET /v1/candidates/{nip}/fit 200 12ms",
        "serving.x: asked for 199001012020121001",
        "serving.x: Budi Santoso was chosen",
        "serving.x: hash 94bde8c7d02d185031234567890123456789a",
        "serving.x: 20 vacancies",
    ]
    assert personal_data(lines, ["Budi Santoso"]) == lines[1:3]


def test_the_session_handler_hears_the_product(log_lines: LogLines) -> None:
    logging.getLogger("serving.pii_probe").info("asked for %s", "199001012020121001")
    line = log_lines.lines.pop()  # taken back, or this test's own guard would fail it
    assert line.startswith("serving.pii_probe:") and personal_data([line]) == [line]


def test_a_service_session_logs_templates_not_people(
    service: tuple[TestClient, Keys], small_export: Export, vacancy: str, log_lines: LogLines
) -> None:
    client, keys = service
    start = len(log_lines.lines)
    employees = small_export.employees
    for nip in [*employees["nip"].astype(str).head(5), "199001012020121999"]:
        client.get(
            f"/v1/candidates/{nip}/fit",
            params={"position_id": vacancy},
            headers=keys.header("committee"),
        )
    client.post("/v1/shortlists", json={"position_id": vacancy}, headers=keys.header("admin"))
    lines = log_lines.lines[start:]
    assert sum("GET /v1/candidates/{nip}/fit" in line for line in lines) == 6
    assert personal_data(lines, employees["name"].astype(str)) == []
