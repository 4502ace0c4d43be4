"""A two-agency service where A's committee decided one post: the people it concerned.

Shared by the recourse page tests and the journey browser tests: the shortlist (k=3), the
chosen employee, a listed one not chosen, one a hard rule excluded, each with an employee
account (sign-in: NIP and :data:`EMPLOYEE_PASSWORD`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from serving.employees import create_employee
from tests.serving.two_agencies import PASSWORD, World

EMPLOYEE_PASSWORD = "kata-sandi-pegawai-1"
ANSWER = "Sudah dibahas tim; kebutuhan unit diutamakan."


@dataclass(frozen=True)
class Decided:
    """The decided post, its shortlist and the NIPs it concerned."""

    post: str
    shortlist_id: str
    chosen: str
    listed: str
    excluded: str
    undecided_post: str
    bystander: str
    """An active employee of A on neither list (eligible below the top three)."""


def password_of(world: World, nip: str) -> str:
    """An employee's password: the world's own people keep theirs."""
    known = {p.nip for p in world.people.values()}
    return PASSWORD if nip in known else EMPLOYEE_PASSWORD


def _select(world: World, sid: str, candidate: dict[str, Any]) -> None:
    """A's committee declares and selects ``candidate``, answering its soft-rule warnings."""
    client, header = world.client, world.people["committee"].header
    declared = client.post(
        f"/v1/shortlists/{sid}/declarations", json={"kind": "none"}, headers=header
    )
    assert declared.status_code == 201, declared.text
    answers = {e["rule_id"]: ANSWER for e in candidate["eligibility"] if not e["passed"]}
    body = {
        "nip": candidate["nip"],
        "decision": "SELECTED",
        "reason": "hasil rapat tim penilai",
        "warning_answers": answers,
    }
    response = client.post(f"/v1/shortlists/{sid}/decisions", json=body, headers=header)
    assert response.status_code == 201, response.text


def _shortlist(world: World, post: str) -> dict[str, Any]:
    made = world.client.post(
        "/v1/shortlists",
        json={"position_id": post, "k": 3},
        headers=world.people["committee"].header,
    )
    assert made.status_code == 201, made.text
    return made.json()  # type: ignore[no-any-return]


def decide(world: World) -> Decided:
    """List A's first vacancy and select its top candidate; list a second post, undecided;
    give the chosen, a listed and an excluded employee an account."""
    posts = world.vacancies(world.agency_a)
    body = _shortlist(world, posts[0])
    _select(world, body["shortlist_id"], body["candidates"][0])
    second = _shortlist(world, posts[1])
    on_lists = {
        c["nip"] for b in (body, second) for c in [*b["candidates"], *b["excluded"]["candidates"]]
    }
    staff = world.export.employees
    staff = staff[(staff["agency_id"] == world.agency_a) & (staff["status"] == "ACTIVE")]
    bystander = next(str(n) for n in staff["nip"] if str(n) not in on_lists)
    decided = Decided(
        posts[0],
        body["shortlist_id"],
        body["candidates"][0]["nip"],
        body["candidates"][1]["nip"],
        body["excluded"]["candidates"][0]["nip"],
        posts[1],
        bystander,
    )
    db = world.client.app.state.db  # type: ignore[attr-defined]
    for nip in (decided.chosen, decided.listed, decided.excluded, bystander):
        if nip not in {p.nip for p in world.people.values()}:
            create_employee(db, world.export, nip, world.agency_a, EMPLOYEE_PASSWORD)
    return decided
