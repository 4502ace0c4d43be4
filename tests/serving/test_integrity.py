"""Integrity reports: divergence by reviewer, selections in an election freeze and the
Minister's letter, overrides, repeated origins; JSON and CSV, for auditors and admins only.

The service here serves on a date inside the small export's post-inauguration freeze
(inauguration 2025-02-20, six months), so every shortlist it makes carries the freeze flag.
"""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from features.export import Export
from serving import cli, integrity
from serving.app import create_app
from serving.auth import create_api_key
from serving.engine import Engine
from serving.settings import get_service_settings
from tests.serving.conftest import service_settings
from training.bundle import RankerBundle

FROZEN_DAY = date(2025, 3, 1)
REASON = "hasil rapat tim penilai kinerja"
JUSTIFICATION = "Kandidat memiliki sertifikasi khusus yang dibutuhkan unit ini."
FORMULA_BASIS = '=HYPERLINK("http://x") Pasal 190 PP 11/2017'


def _header(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture(scope="module")
def frozen(
    small_export: Export, ranker: RankerBundle, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[TestClient, dict[str, dict[str, str]]]]:
    folder: Path = tmp_path_factory.mktemp("integrity")
    settings = service_settings(folder).model_copy(update={"as_of": FROZEN_DAY})
    app = create_app(settings, engine=Engine.build(small_export, ranker, settings))
    agency = str(small_export.positions["agency_id"].iloc[0])
    with TestClient(app) as client:
        db = app.state.db
        keys = {
            "ana": create_api_key(db, "committee", agency)[1],
            "budi": create_api_key(db, "committee", agency)[1],
            "ppk": create_api_key(db, "ppk", agency)[1],
            "admin": create_api_key(db, "admin", None)[1],
            "auditor": create_api_key(db, "auditor", None)[1],
        }
        yield client, {name: _header(key) for name, key in keys.items()}


def _vacancies(small_export: Export) -> list[str]:
    positions = small_export.positions
    managerial = positions["position_type"].isin(["PENGAWAS", "ADMINISTRATOR"])
    return [str(p) for p in positions.loc[positions["is_vacant"] & managerial, "position_id"]]


def _shortlist(client: TestClient, keys: dict[str, dict[str, str]], vacancy: str) -> dict[str, Any]:
    """A shortlist made by Ana, on which Ana and Budi declare no relation."""
    response = client.post(
        "/v1/shortlists", json={"position_id": vacancy, "k": 5}, headers=keys["ana"]
    )
    assert response.status_code == 201, response.text
    for member in ("ana", "budi"):
        client.post(
            f"/v1/shortlists/{response.json()['shortlist_id']}/declarations",
            json={"kind": "none"},
            headers=keys[member],
        )
    return response.json()


def _select(
    client: TestClient, headers: dict[str, str], sid: str, candidate: dict[str, Any], **extra: Any
) -> httpx.Response:
    answers = {
        e["rule_id"]: "Sudah dibahas dalam rapat tim."
        for e in candidate.get("eligibility", [])
        if e["severity"] != "hard" and not e["passed"]
    }
    body = {
        "nip": candidate["nip"],
        "decision": "SELECTED",
        "reason": REASON,
        "justification": JUSTIFICATION,
        "warning_answers": answers,
        **extra,
    }
    return client.post(f"/v1/shortlists/{sid}/decisions", json=body, headers=headers)


@pytest.fixture(scope="module")
def recorded(
    frozen: tuple[TestClient, dict[str, dict[str, str]]], small_export: Export
) -> dict[str, Any]:
    """Ana selects the top candidate (with the Minister's letter), Budi the third (without);
    Budi asks an exception for someone failing a hard rule."""
    client, keys = frozen
    lists = sorted(
        (_shortlist(client, keys, v) for v in _vacancies(small_export)),
        key=lambda s: len(s["candidates"]),
    )
    two = lists[-1]
    assert len(two["candidates"]) >= 3
    third_of_two = two["candidates"][2]["nip"]
    one, three = [
        s for s in lists[:-1] if s["candidates"] and s["candidates"][0]["nip"] != third_of_two
    ][:2]
    assert one["excluded"]["vacancy_flags"], "the serving day lies in the freeze"
    letter = {"minister_letter_number": "800/123/OTDA", "minister_letter_date": "2025-02-27"}
    top = _select(client, keys["ana"], one["shortlist_id"], one["candidates"][0], **letter)
    assert top.status_code == 201, top.text
    low = _select(client, keys["budi"], two["shortlist_id"], two["candidates"][2])
    assert low.status_code == 201, low.text
    engine: Engine = client.app.state.runtime.current.engine  # type: ignore[attr-defined]
    agency = str(small_export.positions["agency_id"].iloc[0])
    position = engine.position(three["position_id"])
    scored = engine.score(engine.candidates({"agency_id": agency}), position)
    taken = {third_of_two, one["candidates"][0]["nip"]}
    row = next(
        int(r)
        for r in np.flatnonzero(~np.asarray(scored.verdict.eligible, dtype=bool))
        if str(scored.pool.nips[r]) not in taken
    )
    failing = {"nip": str(scored.pool.nips[row]), "eligibility": []}
    answers = {
        o.id: "Sudah dibahas dalam rapat tim."
        for o in scored.verdict.outcomes_for(row)
        if o.applies and not o.passed and o.severity == "soft"
    }
    asked = _select(
        client,
        keys["budi"],
        three["shortlist_id"],
        failing,
        override_basis=FORMULA_BASIS,
        warning_answers=answers,
    )
    assert asked.status_code == 201, asked.text
    return {"top": top.json(), "low": low.json(), "asked": asked.json()}


def test_only_auditors_and_admins_read_the_integrity_reports(
    frozen: tuple[TestClient, dict[str, dict[str, str]]], recorded: dict[str, Any]
) -> None:
    client, keys = frozen
    for role, status in (("ana", 403), ("ppk", 403), ("auditor", 200), ("admin", 200)):
        assert client.get("/v1/reports/integrity", headers=keys[role]).status_code == status
        csv = client.get("/v1/reports/integrity/overrides.csv", headers=keys[role])
        assert csv.status_code == status
    other = create_api_key(client.app.state.db, "admin", "PEMKAB-LAIN")[1]  # type: ignore[attr-defined]
    theirs = client.get("/v1/reports/integrity", headers=_header(other)).json()
    assert theirs["agency_id"] == "PEMKAB-LAIN" and theirs["selections"] == 0


def test_divergence_by_reviewer_says_how_far_down_the_list(
    frozen: tuple[TestClient, dict[str, dict[str, str]]], recorded: dict[str, Any]
) -> None:
    client, keys = frozen
    report = client.get("/v1/reports/integrity", headers=keys["auditor"]).json()
    rows = {r["reviewer"]: r for r in report["divergence_by_reviewer"]}
    ana, budi = rows[recorded["top"]["reviewer"]], rows[recorded["low"]["reviewer"]]
    assert (ana["selections"], ana["diverged"], ana["median_rank"], ana["max_rank"]) == (1, 0, 1, 1)
    assert (budi["selections"], budi["diverged"], budi["off_list"], budi["max_rank"]) == (
        2,
        2,
        1,
        3,
    )
    assert budi["divergence_rate"] == 1.0


def test_freeze_selections_say_whether_the_minister_s_approval_is_recorded(
    frozen: tuple[TestClient, dict[str, dict[str, str]]], recorded: dict[str, Any]
) -> None:
    client, keys = frozen
    report = client.get("/v1/reports/integrity", headers=keys["admin"]).json()
    recorded_approval = {
        r["decision_id"]: r["approval_recorded"] for r in report["freeze_selections"]
    }
    assert recorded_approval[recorded["top"]["decision_id"]] is True
    assert recorded_approval[recorded["low"]["decision_id"]] is False
    assert recorded["top"]["minister_letter_number"] == "800/123/OTDA"


def test_overrides_are_listed_and_their_csv_defuses_formulas(
    frozen: tuple[TestClient, dict[str, dict[str, str]]], recorded: dict[str, Any]
) -> None:
    client, keys = frozen
    report = client.get("/v1/reports/integrity", headers=keys["auditor"]).json()
    (listed,) = report["overrides"]
    assert listed["decision_id"] == recorded["asked"]["decision_id"]
    assert (listed["approved"], listed["legal_basis"]) == (False, FORMULA_BASIS)
    csv = client.get(
        "/v1/reports/integrity/overrides.csv",
        headers={**keys["auditor"], "Accept-Language": "en"},
    ).text
    lines = csv.splitlines()
    assert lines[0].startswith("# Exceptions to hard rules") and "Legal basis" in lines[1]
    assert "'=HYPERLINK" in csv and ",=HYPERLINK" not in csv


def test_repeated_origins_count_selections_per_unit_above_a_threshold(
    frozen: tuple[TestClient, dict[str, dict[str, str]]], recorded: dict[str, Any]
) -> None:
    client, keys = frozen
    every = client.get(
        "/v1/reports/integrity", params={"threshold": 1}, headers=keys["auditor"]
    ).json()
    assert sum(r["selections"] for r in every["repeated_origins"]) == 3
    many = client.get(
        "/v1/reports/integrity", params={"threshold": 4}, headers=keys["auditor"]
    ).json()
    assert many["repeated_origins"] == []
    assert (
        client.get(
            "/v1/reports/integrity", params={"threshold": 0}, headers=keys["auditor"]
        ).status_code
        == 422
    )


def test_the_cli_writes_the_reports_readable_by_the_owner_only(
    frozen: tuple[TestClient, dict[str, dict[str, str]]],
    recorded: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client, _ = frozen
    url = client.app.state.settings.database_url  # type: ignore[attr-defined]
    monkeypatch.setenv("DATABASE_URL", url)
    get_service_settings.cache_clear()
    try:
        result = CliRunner().invoke(
            cli.app, ["integrity", "--out", str(tmp_path / "out"), "--threshold", "1"]
        )
    finally:
        get_service_settings.cache_clear()
    assert result.exit_code == 0, result.output
    files = sorted((tmp_path / "out").iterdir())
    assert [f.name for f in files] == sorted(
        ["integrity.json", *(f"integrity-{s}.csv" for s in integrity.SECTIONS)]
    )
    assert all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files)
    body = json.loads((tmp_path / "out" / "integrity.json").read_text(encoding="utf-8"))
    assert body["selections"] == 3 and len(body["overrides"]) == 1
