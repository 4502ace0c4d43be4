"""At most one standing SELECTED per position, and one person not SELECTED for two posts
(a fresh database of its own: other tests' selections would stand in the way)."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi.testclient import TestClient

from features.export import Export
from serving.auth import create_api_key
from tests.serving.conftest import Keys, sign_in
from tests.serving.test_decision_checks import (
    BASIS,
    JUSTIFICATION,
    SUPERSEDE,
    _agency,
    _answers,
    _decide,
    _declare,
    _failing,
    _shortlist,
    _soft,
    _vacancies,
)


def _select(
    client: TestClient,
    headers: dict[str, str],
    sid: str,
    candidate: dict[str, Any],
    **extra: Any,
) -> httpx.Response:
    """SELECTED with a justification and the candidate's warnings answered."""
    extra.setdefault("warning_answers", _soft(candidate))
    return _decide(
        client, headers, sid, candidate["nip"], "SELECTED", justification=JUSTIFICATION, **extra
    )


def test_one_standing_selection_per_position_and_per_person(
    service: tuple[TestClient, Keys], small_export: Export
) -> None:
    client, keys = service
    committee = keys.header("committee")
    first, second = _vacancies(small_export, _agency(small_export))[-2:]
    one = _shortlist(client, keys, first, k=50)
    two = _shortlist(client, keys, second, k=50)
    on_two = {c["nip"]: c for c in two["candidates"]}
    top = one["candidates"][0]
    chosen = next(c for c in one["candidates"][1:] if c["nip"] in on_two)
    again = _shortlist(client, keys, first, k=50)
    for sid in (one["shortlist_id"], two["shortlist_id"], again["shortlist_id"]):
        _declare(client, committee, sid)

    def select(sid: str, candidate: dict[str, Any], **extra: Any) -> httpx.Response:
        return _select(client, committee, sid, candidate, **extra)

    first_choice = select(one["shortlist_id"], top)
    assert first_choice.status_code == 201, first_choice.text
    clash = select(again["shortlist_id"], chosen)
    assert clash.status_code == 409 and "supersede" in clash.json()["detail"]
    replaced = select(again["shortlist_id"], chosen, supersedes_reason=SUPERSEDE)
    assert replaced.status_code == 201, replaced.text
    assert replaced.json()["supersedes"] == [first_choice.json()["decision_id"]]
    assert replaced.json()["supersedes_reason"] == SUPERSEDE
    assert select(one["shortlist_id"], top).status_code == 409  # the old one was superseded
    twice = select(two["shortlist_id"], on_two[chosen["nip"]])
    assert twice.status_code == 409  # the same person for a second post
    withdrawn = _decide(client, committee, again["shortlist_id"], chosen["nip"], "REJECTED")
    assert withdrawn.status_code == 201
    assert select(two["shortlist_id"], on_two[chosen["nip"]]).status_code == 201


def test_a_pending_exception_neither_stands_nor_supersedes_until_the_ppk_approves_on_the_page(
    service: tuple[TestClient, Keys], small_export: Export
) -> None:
    client, keys = service
    committee = keys.header("committee")
    agency = _agency(small_export)
    vacancy = _vacancies(small_export, agency)[1]
    shortlist = _shortlist(client, keys, vacancy, k=5)
    sid, (top, second) = shortlist["shortlist_id"], shortlist["candidates"][:2]
    _declare(client, committee, sid)
    standing = _select(client, committee, sid, top, supersedes_reason=SUPERSEDE)
    assert standing.status_code == 201, standing.text
    nip, _ = _failing(client, vacancy, agency)
    answers = _answers(client, vacancy, agency, nip)
    pending = _select(
        client,
        committee,
        sid,
        {"nip": nip, "eligibility": []},
        override_basis=BASIS,
        supersedes_reason=SUPERSEDE,
        warning_answers=answers,
    )
    assert pending.status_code == 201, pending.text
    assert pending.json()["supersedes"] == [standing.json()["decision_id"]]
    clash = _select(client, committee, sid, second)
    assert clash.status_code == 409  # the first still stands while the exception waits
    assert str(standing.json()["decision_id"]) in clash.json()["detail"]

    ppk = create_api_key(client.app.state.db, "ppk", agency)[1]  # type: ignore[attr-defined]
    sign_in(client, ppk)
    declared = client.post(
        f"/shortlists/{sid}/declarations", data={"kind": "none"}, follow_redirects=False
    )
    assert declared.status_code == 303
    page = client.get(f"/shortlists/{sid}")
    action = f"/shortlists/{sid}/overrides/{pending.json()['override']['override_id']}/approve"
    assert f'action="{action}"' in page.text
    elsewhere = action.replace(sid, _shortlist(client, keys, vacancy)["shortlist_id"])
    assert client.post(elsewhere, follow_redirects=False).status_code == 404  # not that list's
    approved = client.post(action, follow_redirects=False)
    client.cookies.clear()
    assert approved.status_code == 303
    history = client.get(f"/v1/shortlists/{sid}/decisions", headers=keys.header("auditor"))
    (record,) = [d for d in history.json()["decisions"] if d["override"]]
    assert record["override"]["approved"] is True
    assert _select(client, committee, sid, second).status_code == 409  # now the exception stands
