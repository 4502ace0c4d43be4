"""Every form on every page carries the session's CSRF token (the pages after the merges:
declarations, decisions with warnings, a PPK's approval, campaigns, the sign-in form)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from features.export import Export
from serving.auth import create_api_key
from tests.serving.conftest import CSRF, Keys, sign_in
from tests.serving.test_decision_checks import (
    BASIS,
    JUSTIFICATION,
    _agency,
    _answers,
    _decide,
    _declare,
    _failing,
    _shortlist,
    _vacancies,
)

FORM = re.compile(r"<form\b[^>]*>.*?</form>", re.DOTALL | re.IGNORECASE)


def _forms(client: TestClient, path: str) -> list[str]:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return FORM.findall(response.text)


def _unguarded(client: TestClient, paths: list[str]) -> list[str]:
    """The post forms of ``paths`` without the session's token (as ``path: form start``)."""
    token = client.headers["x-csrf-token"]
    return [
        f"{path}: {form[:80]}"
        for path in paths
        for form in _forms(client, path)
        if 'method="post"' in form.lower() and f'name="csrf_token" value="{token}"' not in form
    ]


def test_every_form_carries_the_csrf_token(
    service: tuple[TestClient, Keys], small_export: Export
) -> None:
    client, keys = service
    agency = _agency(small_export)
    vacancy = _vacancies(small_export, agency)[0]
    sid = _shortlist(client, keys, vacancy)["shortlist_id"]
    committee = keys.header("committee")
    _declare(client, committee, sid)
    nip, _ = _failing(client, vacancy, agency)
    pending = _decide(
        client,
        committee,
        sid,
        nip,
        "SELECTED",
        justification=JUSTIFICATION,
        override_basis=BASIS,
        warning_answers=_answers(client, vacancy, agency, nip),
    )
    assert pending.status_code == 201, pending.text
    campaign = client.post("/v1/campaigns", json={"position_ids": [vacancy]}, headers=committee)
    assert campaign.status_code == 201, campaign.text
    paths = [
        "/",
        f"/shortlists/{sid}",
        f"/shortlists/{sid}/compare",
        "/campaigns",
        f"/campaigns/{campaign.json()['campaign_id']}",
    ]
    client.cookies.clear()
    signed_out = [f for f in _forms(client, "/") if 'method="post"' in f.lower()]
    assert signed_out and all(CSRF.search(form) for form in signed_out)
    ppk = create_api_key(client.app.state.db, "ppk", agency)[1]  # type: ignore[attr-defined]
    try:
        for key in (keys.committee, ppk):
            sign_in(client, key)
            page = client.get(f"/shortlists/{sid}").text
            assert "/declarations" in page and f"/shortlists/{sid}/decisions" in page
            assert _unguarded(client, paths) == []
        assert "/approve" in page  # the PPK's form, guarded too
    finally:
        client.cookies.clear()
        client.headers.pop("x-csrf-token", None)
