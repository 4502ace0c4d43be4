"""The HTTP API: auth per role and agency, bad input, explanations, replay, audit, reload."""

from __future__ import annotations

import os
import signal
import threading
import time
from dataclasses import replace

import numpy as np
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from features.candidates import subset
from features.export import Export
from serving.app import create_app, reload_on_hangup
from serving.audit import verify
from serving.auth import create_api_key
from serving.engine import Engine
from tests.serving.conftest import Keys, service_settings
from training.bundle import RankerBundle


def _shortlist(
    client: TestClient,
    keys: Keys,
    position_id: str,
    k: int = 5,
    role: str = "committee",
    **headers: str,
) -> dict:
    response = client.post(
        "/v1/shortlists",
        json={"position_id": position_id, "k": k},
        headers={**keys.header(role), **headers},
    )
    assert response.status_code == 201, response.text
    return response.json()


def test_health_says_ready_and_only_an_admin_reads_the_model(
    service: tuple[TestClient, Keys], ranker: RankerBundle
) -> None:
    client, keys = service
    assert client.get("/health").json() == {"status": "ready"}
    status = client.get("/v1/admin/status", headers=keys.header("admin"))
    assert status.json()["status"] == "ready"
    assert status.json()["model"] == {"name": ranker.name, "version": str(ranker.version)}
    assert client.get("/v1/admin/status", headers=keys.header("committee")).status_code == 403
    assert client.get("/v1/admin/status").status_code == 401


@pytest.mark.parametrize("header", [None, "Bearer nope", "Basic abc", "Bearer "])
def test_missing_or_wrong_key_is_401(service: tuple[TestClient, Keys], header: str | None) -> None:
    client, _ = service
    headers = {"Authorization": header} if header else {}
    response = client.get("/v1/positions", headers=headers)
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")


def test_committee_sees_only_its_agency(service: tuple[TestClient, Keys], vacancy: str) -> None:
    client, keys = service
    own = client.get("/v1/positions?vacant=true", headers=keys.header("committee")).json()
    assert vacancy in {p["position_id"] for p in own}
    assert all(p["is_vacant"] for p in own)
    other = client.get("/v1/positions", headers=keys.header("other_committee")).json()
    assert other == []
    response = client.post(
        "/v1/shortlists", json={"position_id": vacancy}, headers=keys.header("other_committee")
    )
    assert response.status_code == 404
    assert "nip" not in response.text


def test_auditor_may_not_create_shortlists(service: tuple[TestClient, Keys], vacancy: str) -> None:
    client, keys = service
    response = client.post(
        "/v1/shortlists", json={"position_id": vacancy}, headers=keys.header("auditor")
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"position_id": "NO-SUCH-POST"}, 404),
        ({"position_id": "X", "k": 0}, 422),
        ({"position_id": "X", "k": 51}, 422),
        ({"position_id": "X", "k": "tenxyzzy"}, 422),
        ({"position_id": "X", "extra": 1}, 422),
        ({}, 422),
        ({"position_id": "X", "position": {"title": "Y"}}, 422),
        ({"position_id": ["X"]}, 422),
    ],
)
def test_bad_requests_get_4xx_problems(
    service: tuple[TestClient, Keys], body: dict, status: int
) -> None:
    client, keys = service
    response = client.post("/v1/shortlists", json=body, headers=keys.header("admin"))
    assert response.status_code == status, response.text
    problem = response.json()
    assert problem["status"] == status and problem["detail"]
    assert "tenxyzzy" not in response.text  # the input's values are not echoed back


def test_malformed_json_and_oversized_bodies(service: tuple[TestClient, Keys]) -> None:
    client, keys = service
    headers = {**keys.header("admin"), "content-type": "application/json"}
    assert client.post("/v1/shortlists", content=b"{not json", headers=headers).status_code == 422
    huge = b'{"position_id": "' + b"x" * 10_000 + b'"}'
    assert client.post("/v1/shortlists", content=huge, headers=headers).status_code == 413


def test_shortlist_is_explained_additive_and_eligible(
    service: tuple[TestClient, Keys], vacancy: str
) -> None:
    client, keys = service
    body = _shortlist(client, keys, vacancy, k=5)
    assert body["candidates"], body["excluded"]
    scores = [c["score"] for c in body["candidates"]]
    assert scores == sorted(scores, reverse=True)
    for candidate in body["candidates"]:
        total = body["base_value"] + sum(c["contribution"] for c in candidate["contributions"])
        assert total == pytest.approx(candidate["score"], abs=1e-9)
        assert all(e["passed"] for e in candidate["eligibility"] if e["severity"] == "hard")
        assert all(e["citation"] for e in candidate["eligibility"])
        assert candidate["reasons"]["positive"] or candidate["reasons"]["negative"]
    bands = [c["merit_band"] for c in body["candidates"]]
    assert bands[0] == 1 and bands == sorted(bands)
    assert body["excluded"]["total"] == body["pool_size"] - body["eligible_count"]


def test_reasons_follow_accept_language(service: tuple[TestClient, Keys], vacancy: str) -> None:
    client, keys = service
    english = _shortlist(client, keys, vacancy, k=3, **{"Accept-Language": "en-GB"})
    indonesian = _shortlist(client, keys, vacancy, k=3)
    assert (
        english["candidates"][0]["eligibility"][0]["message"]
        != indonesian["candidates"][0]["eligibility"][0]["message"]
    )


def test_stored_shortlist_replays_identically(
    service: tuple[TestClient, Keys], vacancy: str
) -> None:
    client, keys = service
    made = _shortlist(client, keys, vacancy, k=4)
    again = client.get(f"/v1/shortlists/{made['shortlist_id']}", headers=keys.header("committee"))
    assert again.status_code == 200 and again.json() == made
    hidden = client.get(
        f"/v1/shortlists/{made['shortlist_id']}", headers=keys.header("other_committee")
    )
    assert hidden.status_code == 404


def test_candidate_fit_explains_and_gives_recourse(
    service: tuple[TestClient, Keys], vacancy: str
) -> None:
    client, keys = service
    body = _shortlist(client, keys, vacancy, k=1)
    nip = body["candidates"][0]["nip"]
    fit = client.get(
        f"/v1/candidates/{nip}/fit",
        params={"position_id": vacancy},
        headers=keys.header("committee"),
    )
    assert fit.status_code == 200, fit.text
    detail = fit.json()
    assert detail["eligible"] is True and detail["failed_rules"] == []
    assert detail["score"] == pytest.approx(body["candidates"][0]["score"], abs=1e-9)
    missing = client.get(
        "/v1/candidates/000000000000000000/fit",
        params={"position_id": vacancy},
        headers=keys.header("committee"),
    )
    assert missing.status_code == 404


def test_model_endpoint(service: tuple[TestClient, Keys], ranker: RankerBundle) -> None:
    client, keys = service
    body = client.get("/v1/model", headers=keys.header("auditor")).json()
    assert body["features"] == list(ranker.feature_columns)
    assert body["alias"] == "champion"
    assert body["scoring"] == "lleaves"  # the compiled copy passed its check at start-up


def test_audit_chain_records_and_detects_tampering(
    service: tuple[TestClient, Keys], vacancy: str
) -> None:
    client, keys = service
    _shortlist(client, keys, vacancy, k=2)
    db = client.app.state.db  # type: ignore[attr-defined]
    result = verify(db)
    assert result.ok, result.lines()
    with db.begin() as connection:
        first = connection.execute(sa.text("select min(entry_id) from audit_log")).scalar_one()
        connection.execute(
            sa.text("update audit_log set subject = 'forged' where entry_id = :i"), {"i": first}
        )
    result = verify(db)
    assert not result.ok and f"entry {first} was changed" in "\n".join(result.lines())


def test_reload_under_load_drops_nothing(
    reloadable_service: tuple[TestClient, Keys], vacancy: str
) -> None:
    client, keys = reloadable_service
    statuses: list[int] = []

    def hammer() -> None:
        for _ in range(8):
            statuses.append(
                client.post(
                    "/v1/shortlists",
                    json={"position_id": vacancy, "k": 3},
                    headers=keys.header("committee"),
                ).status_code
            )

    threads = [threading.Thread(target=hammer) for _ in range(3)]
    for thread in threads:
        thread.start()
    reloads = [
        client.post("/v1/admin/reload", headers=keys.header("admin")).status_code for _ in range(3)
    ]
    for thread in threads:
        thread.join()
    assert reloads == [200, 200, 200]
    assert statuses == [201] * 24
    assert client.post("/v1/admin/reload", headers=keys.header("committee")).status_code == 403


def test_protected_attributes_do_not_move_any_score(
    small_export: Export, ranker: RankerBundle, tmp_path, vacancy: str
) -> None:
    settings = service_settings(tmp_path)
    rng = np.random.default_rng(1)
    employees = small_export.employees.copy()
    for column in (
        "name",
        "religion",
        "ethnicity",
        "origin_region",
        "disability",
        "marital_status",
    ):
        employees[column] = rng.permutation(employees[column].to_numpy())
    position = small_export.positions.set_index("position_id").loc[vacancy].to_dict()
    position["position_id"] = vacancy
    scores = []
    for export in (small_export, replace(small_export, employees=employees)):
        body = Engine.build(export, ranker, settings).shortlist(position, 20, "id", {})
        scores.append({c["nip"]: c["score"] for c in body["candidates"]})
    assert scores[0] == scores[1]


def test_not_ready_without_a_champion(tmp_path, small_export_dir) -> None:
    settings = service_settings(tmp_path).model_copy(
        update={
            "mlflow_tracking_uri": f"sqlite:///{tmp_path / 'empty.db'}",
            "models_dir": tmp_path / "no-models",
        }
    )
    with TestClient(create_app(settings, data_dir=small_export_dir)) as client:
        response = client.get("/health")
        assert response.status_code == 503 and response.json() == {"status": "not ready"}
        admin = {"Authorization": f"Bearer {create_api_key(client.app.state.db, 'admin', None)[1]}"}
        assert client.get("/v1/admin/status", headers=admin).json()["reason"]


def test_a_pool_filtered_to_nobody_gives_an_empty_list(
    service: tuple[TestClient, Keys], vacancy: str
) -> None:
    client, keys = service
    response = client.post(
        "/v1/shortlists",
        headers=keys.header("admin"),
        json={"position_id": vacancy, "filters": {"unit_id": "NO-SUCH-UNIT"}},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["candidates"] == [] and body["pool_size"] == 0


def test_sighup_reloads_the_champion_without_a_restart(
    reloadable_service: tuple[TestClient, Keys], vacancy: str
) -> None:
    client, keys = reloadable_service
    before = client.app.state.runtime.current.engine
    previous = signal.getsignal(signal.SIGHUP)
    try:
        reload_on_hangup(client.app)
        os.kill(os.getpid(), signal.SIGHUP)
        deadline = time.monotonic() + 60
        while client.app.state.runtime.current.engine is before and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        signal.signal(signal.SIGHUP, previous)
    after = client.app.state.runtime.current.engine
    assert after is not before and after.pool is before.pool  # new model object, same data
    assert after.predictor.backend == "lleaves"
    answer = client.post(
        "/v1/shortlists", json={"position_id": vacancy, "k": 3}, headers=keys.header("committee")
    )
    assert answer.status_code == 201


def test_filtered_pools_are_cut_once_and_never_from_another_pool(
    small_export: Export, ranker: RankerBundle, tmp_path
) -> None:
    engine = Engine.build(small_export, ranker, service_settings(tmp_path))
    agency = {"agency_id": str(small_export.positions["agency_id"].iloc[0]), "unit_id": None}
    unit = {"unit_id": str(engine.pool.employees["unit_id"].iloc[0])}
    first = engine.candidates(unit)
    assert engine.candidates(unit) is first and len(first) < len(engine.pool)
    assert set(first.employees["unit_id"]) == {unit["unit_id"]}
    smaller = replace(engine, pool=subset(engine.pool, np.arange(50)))
    assert smaller.filtered is engine.filtered  # the cache travels with replace() ...
    cut = smaller.candidates(unit)
    assert cut is not first and len(cut) <= 50  # ... but knows which pool it was cut from
    assert engine.candidates(agency) is engine.candidates(agency)
