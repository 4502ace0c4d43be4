"""At most one standing SELECTED per position, and one person not SELECTED for two posts
(a fresh database of its own: other tests' selections would stand in the way)."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi.testclient import TestClient

from features.export import Export
from tests.serving.conftest import Keys
from tests.serving.test_decision_checks import (
    JUSTIFICATION,
    SUPERSEDE,
    _agency,
    _decide,
    _declare,
    _shortlist,
    _soft,
    _vacancies,
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
        return _decide(
            client,
            committee,
            sid,
            candidate["nip"],
            "SELECTED",
            justification=JUSTIFICATION,
            warning_answers=_soft(candidate),
            **extra,
        )

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
