"""Decisions the rules can trust: who decides, whom they may select, exceptions, warnings,
one standing selection per post and per person, declarations, and page = API."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import numpy as np
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from markupsafe import escape

from features.export import Export
from serving import decisions
from serving.auth import Principal, create_api_key, key_principal
from serving.engine import Engine
from serving.tables import audit_log
from tests.serving.conftest import Keys, sign_in
from tests.serving.two_agencies import AGENCY_B, World, serve_two_agencies
from training.bundle import RankerBundle

REASON = "hasil rapat tim penilai kinerja"
ANSWER = "Sudah dibahas tim; kebutuhan unit diutamakan."
BASIS = "Pasal 190 ayat (3) PP 11/2017, persetujuan khusus"
SUPERSEDE = "Pilihan sebelumnya dibatalkan setelah klarifikasi."
JUSTIFICATION = "Kandidat memiliki sertifikasi khusus yang dibutuhkan unit ini."


def _engine(client: TestClient) -> Engine:
    return client.app.state.runtime.current.engine  # type: ignore[attr-defined]


def _agency(small_export: Export) -> str:
    return str(small_export.positions["agency_id"].iloc[0])


def _vacancies(small_export: Export, agency: str) -> list[str]:
    positions = small_export.positions
    mask = (
        positions["is_vacant"]
        & positions["position_type"].isin(["PENGAWAS", "ADMINISTRATOR"])
        & (positions["agency_id"] == agency)
    )
    return [str(p) for p in positions.loc[mask, "position_id"]]


def _shortlist(client: TestClient, keys: Keys, vacancy: str, k: int = 5) -> dict[str, Any]:
    response = client.post(
        "/v1/shortlists", json={"position_id": vacancy, "k": k}, headers=keys.header("committee")
    )
    assert response.status_code == 201, response.text
    return response.json()


def _declare(
    client: TestClient, headers: dict[str, str], sid: str, kind: str = "none", nips: Any = ()
) -> httpx.Response:
    return client.post(
        f"/v1/shortlists/{sid}/declarations",
        json={"kind": kind, "related_nips": list(nips)},
        headers=headers,
    )


def _decide(
    client: TestClient, headers: dict[str, str], sid: str, nip: str, decision: str, **extra: Any
) -> httpx.Response:
    body = {"nip": nip, "decision": decision, "reason": REASON, **extra}
    return client.post(f"/v1/shortlists/{sid}/decisions", json=body, headers=headers)


def _soft(candidate: dict[str, Any]) -> dict[str, str]:
    """Answers to the candidate's soft-rule warnings (from the stored list)."""
    return {
        e["rule_id"]: ANSWER
        for e in candidate["eligibility"]
        if e["severity"] != "hard" and not e["passed"]
    }


def _pool_outcomes(engine: Engine, vacancy: str, agency: str) -> tuple[Any, Any]:
    scored = engine.score(engine.candidates({"agency_id": agency}), engine.position(vacancy))
    return scored.pool, scored.verdict


@pytest.fixture(scope="module")
def agency(small_export: Export) -> str:
    return _agency(small_export)


@pytest.fixture(scope="module")
def ppk(service: tuple[TestClient, Keys], agency: str) -> dict[str, str]:
    client, _ = service
    key = create_api_key(client.app.state.db, "ppk", agency)[1]  # type: ignore[attr-defined]
    return {"Authorization": f"Bearer {key}"}


def test_the_body_has_no_typed_reviewer_and_the_record_names_the_person(
    service: tuple[TestClient, Keys], small_export: Export, agency: str
) -> None:
    client, keys = service
    vacancy = _vacancies(small_export, agency)[1]
    shortlist = _shortlist(client, keys, vacancy)
    sid, first = shortlist["shortlist_id"], shortlist["candidates"][0]["nip"]
    committee = keys.header("committee")
    assert _declare(client, committee, sid).status_code == 201
    typed = _decide(client, committee, sid, first, "SHORTLISTED", reviewer="Ketua Tim")
    assert typed.status_code == 422
    done = _decide(client, committee, sid, first, "SHORTLISTED")
    assert done.status_code == 201
    db = client.app.state.db  # type: ignore[attr-defined]
    owner = key_principal(db, keys.committee)
    assert (done.json()["user_id"], done.json()["reviewer"]) == (owner.user_id, owner.name)
    member = Principal(key_id="k1", role="committee", agency_id=agency, user_id="u-7", name="Siti")
    decisions.declare(db, member, sid, "none", [], None)
    proposal = decisions.Proposal(nip=first, decision="NEEDS_INFO", reason=REASON)
    recorded = decisions.record(db, _engine(client), member, sid, proposal)
    assert (recorded["reviewer"], recorded["user_id"]) == ("Siti", "u-7")


@pytest.fixture(scope="module")
def world(
    small_export: Export, ranker: RankerBundle, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    yield from serve_two_agencies(small_export, ranker, tmp_path_factory.mktemp("two"))


def test_an_unknown_nip_and_another_agency_s_nip_get_the_same_404(world: World) -> None:
    client, b = world.client, world.people["committee_b"]
    response = client.post(
        "/v1/shortlists", json={"position_id": world.vacancy(AGENCY_B), "k": 3}, headers=b.header
    )
    assert response.status_code == 201, response.text
    sid = response.json()["shortlist_id"]
    assert _declare(client, b.header, sid).status_code == 201
    extra = {"justification": JUSTIFICATION}
    unknown = _decide(client, b.header, sid, "199001012020011999", "SELECTED", **extra)
    other = _decide(client, b.header, sid, world.staff(world.agency_a), "SELECTED", **extra)
    assert unknown.status_code == other.status_code == 404
    assert unknown.json()["detail"] == other.json()["detail"] == decisions.NO_EMPLOYEE
    assert unknown.content == other.content


def test_an_inactive_employee_is_refused(
    service: tuple[TestClient, Keys], small_export: Export, vacancy: str, agency: str
) -> None:
    client, keys = service
    employees = small_export.employees
    inactive = employees.loc[(employees["agency_id"] == agency) & (employees["status"] != "ACTIVE")]
    assert not inactive.empty, "the small export has inactive employees in the agency"
    sid = _shortlist(client, keys, vacancy)["shortlist_id"]
    committee = keys.header("committee")
    _declare(client, committee, sid)
    response = _decide(
        client,
        committee,
        sid,
        str(inactive["nip"].iloc[0]),
        "SELECTED",
        justification=JUSTIFICATION,
        override_basis=BASIS,
    )
    assert response.status_code == 422 and "not active" in response.json()["detail"]


def _failing(client: TestClient, vacancy: str, agency: str) -> tuple[str, list[str]]:
    """An active employee of the agency who fails hard rules, and those rules."""
    pool, verdict = _pool_outcomes(_engine(client), vacancy, agency)
    row = int(np.flatnonzero(~np.asarray(verdict.eligible, dtype=bool))[0])
    rules = [o.id for o in verdict.outcomes_for(row) if o.applies and not o.passed]
    hard = [r for r in rules if verdict.results[r].rule.severity == "hard"]
    return str(pool.nips[row]), hard


def test_a_hard_rule_failure_goes_only_through_an_override_a_ppk_approves(
    service: tuple[TestClient, Keys],
    small_export: Export,
    agency: str,
    ppk: dict[str, str],
) -> None:
    client, keys = service
    vacancy = _vacancies(small_export, agency)[2]
    nip, hard = _failing(client, vacancy, agency)
    sid = _shortlist(client, keys, vacancy)["shortlist_id"]
    committee = keys.header("committee")
    _declare(client, committee, sid)
    refused = _decide(client, committee, sid, nip, "SELECTED", justification=JUSTIFICATION)
    assert refused.status_code == 422
    assert all(rule in refused.json()["detail"] for rule in hard)
    pending = _decide(
        client,
        committee,
        sid,
        nip,
        "SELECTED",
        justification=JUSTIFICATION,
        override_basis=BASIS,
        warning_answers=_answers(client, vacancy, agency, nip),
        supersedes_reason=SUPERSEDE,
    )
    assert pending.status_code == 201, pending.text
    override = pending.json()["override"]
    assert override == {
        "override_id": override["override_id"],
        "legal_basis": BASIS,
        "approved": False,
        "approver_name": None,
    }
    approve = f"/v1/overrides/{override['override_id']}/approve"
    assert client.post(approve, headers=committee).status_code == 403
    other_ppk = create_api_key(client.app.state.db, "ppk", "PEMKAB-LAIN")[1]  # type: ignore[attr-defined]
    theirs = client.post(approve, headers={"Authorization": f"Bearer {other_ppk}"})
    missing = client.post(f"/v1/overrides/{2**31 - 1}/approve", headers=ppk)
    assert theirs.status_code == missing.status_code == 404
    assert theirs.content == missing.content  # another agency's override = a missing one
    undeclared = client.post(approve, headers=ppk)
    assert undeclared.status_code == 422 and "declare" in undeclared.json()["detail"]
    assert _declare(client, ppk, sid).status_code == 201
    approved = client.post(approve, headers=ppk)
    assert approved.status_code == 200 and approved.json()["override"]["approved"] is True
    assert client.post(approve, headers=ppk).status_code == 409
    actions = _actions(client)
    assert "override.request" in actions and "override.approve" in actions


def _actions(client: TestClient) -> list[str]:
    with client.app.state.db.connect() as connection:  # type: ignore[attr-defined]
        return list(connection.execute(sa.select(audit_log.c.action)).scalars())


def _answers(client: TestClient, vacancy: str, agency: str, nip: str) -> dict[str, str]:
    """Answers to every soft-rule warning ``nip`` gets for ``vacancy``."""
    pool, verdict = _pool_outcomes(_engine(client), vacancy, agency)
    row = int(np.flatnonzero(np.asarray(pool.nips) == nip)[0])
    return {
        o.id: ANSWER
        for o in verdict.outcomes_for(row)
        if o.applies and not o.passed and o.severity == "soft"
    }


def _warned(client: TestClient, vacancy: str, agency: str) -> tuple[str, list[str]]:
    """An eligible employee of the agency with soft-rule warnings, and those warnings."""
    pool, verdict = _pool_outcomes(_engine(client), vacancy, agency)
    for row in np.flatnonzero(np.asarray(verdict.eligible, dtype=bool)):
        soft = [
            o.id
            for o in verdict.outcomes_for(int(row))
            if o.applies and not o.passed and o.severity == "soft"
        ]
        if soft:
            return str(pool.nips[row]), soft
    raise AssertionError("no eligible employee with a warning in the small export")


def test_every_soft_warning_needs_a_written_answer(
    service: tuple[TestClient, Keys], small_export: Export, agency: str
) -> None:
    client, keys = service
    vacancies = _vacancies(small_export, agency)
    for vacancy in vacancies[3:]:
        try:
            nip, soft = _warned(client, vacancy, agency)
            break
        except AssertionError:
            continue
    else:
        raise AssertionError("no vacancy with a warned eligible employee")
    sid = _shortlist(client, keys, vacancy)["shortlist_id"]
    committee = keys.header("committee")
    _declare(client, committee, sid)
    extra = {"justification": JUSTIFICATION, "supersedes_reason": SUPERSEDE}
    refused = _decide(client, committee, sid, nip, "SELECTED", **extra)
    assert refused.status_code == 422
    assert all(rule in refused.json()["detail"] for rule in soft)
    answers = dict.fromkeys(soft, ANSWER)
    done = _decide(client, committee, sid, nip, "SELECTED", warning_answers=answers, **extra)
    assert done.status_code == 201, done.text
    assert done.json()["warning_answers"] == answers


def test_a_member_declares_before_deciding_and_may_not_decide_on_a_relation(
    service: tuple[TestClient, Keys], vacancy: str
) -> None:
    client, keys = service
    shortlist = _shortlist(client, keys, vacancy)
    sid, ranked = shortlist["shortlist_id"], [c["nip"] for c in shortlist["candidates"]]
    committee = keys.header("committee")
    undeclared = _decide(client, committee, sid, ranked[0], "SHORTLISTED")
    assert undeclared.status_code == 422 and "declare" in undeclared.json()["detail"]
    assert _declare(client, committee, sid, "relation").status_code == 422  # names no NIP
    assert _declare(client, committee, sid, "relation", ranked[:1]).status_code == 201
    related = _decide(client, committee, sid, ranked[0], "SHORTLISTED")
    assert related.status_code == 403 and "relation" in related.json()["detail"]
    assert _decide(client, committee, sid, ranked[1], "SHORTLISTED").status_code == 201
    assert _declare(client, committee, sid, "recused").status_code == 201
    recused = _decide(client, committee, sid, ranked[1], "REJECTED")
    assert recused.status_code == 403 and "recused" in recused.json()["detail"]
    listed = client.get(f"/v1/shortlists/{sid}/declarations", headers=keys.header("auditor"))
    assert [d["kind"] for d in listed.json()] == ["relation", "recused"]
    assert _declare(client, keys.header("auditor"), sid).status_code == 403
    assert _declare(client, keys.header("other_committee"), sid).status_code == 404
    assert _actions(client).count("declaration.record") >= 2


@pytest.mark.parametrize("case", ["unknown", "hard_rule", "warning"])
def test_the_page_and_the_api_refuse_the_same_decision_the_same_way(
    service: tuple[TestClient, Keys], small_export: Export, agency: str, case: str
) -> None:
    client, keys = service
    vacancy = _vacancies(small_export, agency)[0]
    sid = _shortlist(client, keys, vacancy)["shortlist_id"]
    committee = keys.header("committee")
    _declare(client, committee, sid)
    nip = {
        "unknown": lambda: "199001012020011999",
        "hard_rule": lambda: _failing(client, vacancy, agency)[0],
        "warning": lambda: _warned(client, vacancy, agency)[0],
    }[case]()
    form = {"nip": nip, "decision": "SELECTED", "reason": REASON, "justification": JUSTIFICATION}
    api = client.post(f"/v1/shortlists/{sid}/decisions", json=form, headers=committee)
    sign_in(client, keys.committee)
    page = client.post(f"/shortlists/{sid}/decisions", data=form, follow_redirects=False)
    client.cookies.clear()
    assert api.status_code == page.status_code and api.status_code in (404, 422)
    detail = api.json()["detail"]
    assert str(escape(detail)) in page.text


def test_the_page_records_a_declaration_and_a_decision_as_the_person(
    service: tuple[TestClient, Keys], vacancy: str
) -> None:
    client, keys = service
    shortlist = _shortlist(client, keys, vacancy)
    sid, first = shortlist["shortlist_id"], shortlist["candidates"][0]["nip"]
    sign_in(client, keys.committee)
    page = client.get(f"/shortlists/{sid}")
    assert 'name="reviewer"' not in page.text and 'action="/shortlists/' in page.text
    form = {"nip": first, "decision": "SHORTLISTED", "reason": REASON}
    refused = client.post(f"/shortlists/{sid}/decisions", data=form, follow_redirects=False)
    assert refused.status_code == 422
    declared = client.post(
        f"/shortlists/{sid}/declarations", data={"kind": "none"}, follow_redirects=False
    )
    assert declared.status_code == 303
    done = client.post(f"/shortlists/{sid}/decisions", data=form, follow_redirects=False)
    client.cookies.clear()
    assert done.status_code == 303
    history = client.get(f"/v1/shortlists/{sid}/decisions", headers=keys.header("auditor")).json()
    owner = key_principal(client.app.state.db, keys.committee)  # type: ignore[attr-defined]
    last = history["decisions"][-1]
    assert (last["user_id"], last["reviewer"]) == (owner.user_id, owner.name)
