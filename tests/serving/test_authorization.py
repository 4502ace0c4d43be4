"""The one policy over API and pages: role x action x (own / other agency / missing).

Another agency's object must answer exactly like a missing one (status and body, byte for
byte), so that an agency learns nothing of another's ids and NIPs.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from features.errors import ForbiddenError, NotFoundError
from features.export import Export
from serving import policy
from serving.auth import Principal
from tests.serving.two_agencies import AGENCY_B, World, serve_two_agencies
from training.bundle import RankerBundle

MISSING_NIP = "199001012020011999"


@pytest.fixture(scope="module")
def world(
    small_export: Export, ranker: RankerBundle, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    yield from serve_two_agencies(small_export, ranker, tmp_path_factory.mktemp("walls"))


# -- the policy function ------------------------------------------------------------------


def _who(role: str, agency: str | None) -> Principal:
    return Principal(key_id="k", role=role, agency_id=agency)


@pytest.mark.parametrize(
    ("role", "agency", "action", "target", "grants", "outcome"),
    [
        ("committee", "A", "shortlist.create", "A", (), None),
        ("committee", "A", "shortlist.create", "B", (), NotFoundError),
        ("committee", "A", "shortlist.create", None, (), NotFoundError),
        ("committee", "A", "pool.read", "B", (), NotFoundError),
        ("committee", "A", "pool.read", "B", ("B",), None),
        ("committee", "A", "candidate.read", "B", ("B",), None),
        ("committee", "A", "shortlist.create", "B", ("B",), NotFoundError),
        ("committee", "A", "admin.reload", "A", (), ForbiddenError),
        ("ppk", "A", "decision.approve", "A", (), None),
        ("ppk", "A", "decision.record", "A", (), ForbiddenError),
        ("ppk", "A", "shortlist.create", "A", (), ForbiddenError),
        ("admin", "A", "grant.manage", "A", (), None),
        ("admin", "A", "grant.manage", "B", (), NotFoundError),
        ("admin", None, "grant.manage", "B", (), None),
        ("auditor", None, "shortlist.read", "B", (), None),
        ("auditor", "A", "shortlist.read", "B", (), None),
        ("auditor", None, "shortlist.create", "A", (), ForbiddenError),
        ("auditor", None, "decision.record", None, (), ForbiddenError),
    ],
)
def test_the_policy_allows_walls_and_forbids(
    role: str,
    agency: str | None,
    action: str,
    target: str | None,
    grants: tuple[str, ...],
    outcome: type[Exception] | None,
) -> None:
    who = _who(role, agency)
    if outcome is None:
        policy.authorize(who, action, target, grants, "position")
    else:
        with pytest.raises(outcome) as raised:
            policy.authorize(who, action, target, grants, "position")
        if outcome is NotFoundError:
            assert str(raised.value) == policy.MISSING["position"]


def test_an_unknown_action_is_a_bug_not_a_refusal() -> None:
    with pytest.raises(ValueError, match="unknown action"):
        policy.authorize(_who("admin", None), "shortlist.delete", "A", (), "shortlist")


# -- findings 1 and 2 ---------------------------------------------------------------------


def test_a_committee_cannot_rank_another_agencys_staff(world: World) -> None:
    """Finding 1: ``filters.agency_id`` naming another agency is a missing position."""
    client, a = world.client, world.people["committee"]
    post = world.vacancy(world.agency_a)

    def ask(agency: str) -> bytes:
        body = {"position_id": post, "k": 3, "filters": {"agency_id": agency}}
        response = client.post("/v1/shortlists", json=body, headers=a.header)
        assert response.status_code == 404
        return response.content

    assert ask(AGENCY_B) == ask("NO-SUCH-AGENCY")
    missing = client.post("/v1/shortlists", json={"position_id": "NOPE-1"}, headers=a.header)
    assert ask(AGENCY_B) == missing.content and b"NOPE" not in missing.content
    own = client.post(
        "/v1/shortlists",
        json={"position_id": post, "k": 3, "filters": {"agency_id": world.agency_a}},
        headers=a.header,
    )
    assert own.status_code == 201
    staff_b = set(
        world.export.employees.loc[world.export.employees["agency_id"] == AGENCY_B, "nip"]
    )
    assert not {c["nip"] for c in own.json()["candidates"]} & staff_b
    unfiltered = client.post("/v1/shortlists", json={"position_id": post}, headers=a.header)
    assert not {c["nip"] for c in unfiltered.json()["candidates"]} & staff_b


def test_candidate_fit_of_another_agencys_nip_is_an_unknown_nip(world: World) -> None:
    """Finding 2: B's NIP answers A's committee exactly like an unknown NIP."""
    client, a = world.client, world.people["committee"]
    post = world.vacancy(world.agency_a)

    def fit(nip: str) -> tuple[int, bytes]:
        response = client.get(f"/v1/candidates/{nip}/fit?position_id={post}", headers=a.header)
        return response.status_code, response.content

    assert fit(world.staff(world.agency_a))[0] == 200
    other, missing = fit(world.staff(AGENCY_B)), fit(MISSING_NIP)
    assert other == missing and other[0] == 404
    assert world.staff(AGENCY_B).encode() not in other[1]
    auditor = world.people["auditor"].header
    seen = client.get(
        f"/v1/candidates/{world.staff(AGENCY_B)}/fit?position_id={post}", headers=auditor
    )
    assert seen.status_code == 200
