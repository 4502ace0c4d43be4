"""Decisions explained to the employee, objections and correction requests (service level).

One two-agency service: A's committee lists a post and selects its top candidate; the chosen
employee, a listed one not chosen, and one a hard rule excluded each see their own outcome, can
object within the period, and see the committee's answer. Walls: another agency's committee or
admin answers like a missing object. Everything is sealed in the audit log.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from features.errors import ConflictError, ForbiddenError, InputError, NotFoundError
from features.export import Export
from serving import audit, considered, corrections, inbox, integrity, objections
from serving.auth import Principal
from tests.serving.two_agencies import AGENCY_B, World, serve_two_agencies
from training.bundle import RankerBundle

TEXT = "Saya memiliki sertifikat kompetensi yang belum tercatat di data."
ANSWER = "Tim telah memeriksa ulang; sertifikat belum terverifikasi BKN."


@dataclass(frozen=True)
class Case:
    """The post decided, its shortlist, and the people considered on it."""

    world: World
    post: str
    shortlist_id: str
    chosen: Principal
    listed: Principal
    excluded: Principal
    outsider: Principal
    committee: Principal
    committee_b: Principal
    admin: Principal
    admin_b: Principal


def _principal(role: str, agency: str | None, nip: str | None, name: str) -> Principal:
    return Principal(key_id=f"k-{name}", role=role, agency_id=agency, user_id=name, name=name)


def _employee(agency: str, nip: str, name: str) -> Principal:
    return Principal(
        key_id=f"k-{name}", role="employee", agency_id=agency, user_id=name, name=name, nip=nip
    )


def _staff(world: World, who: str) -> Principal:
    person = world.people[who]
    return _principal(person.role, person.agency, None, person.name)


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
        "reason": "hasil rapat tim",
        "warning_answers": answers,
    }
    response = client.post(f"/v1/shortlists/{sid}/decisions", json=body, headers=header)
    assert response.status_code == 201, response.text


@pytest.fixture(scope="module")
def case(
    small_export: Export, ranker: RankerBundle, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Case]:
    for world in serve_two_agencies(small_export, ranker, tmp_path_factory.mktemp("recourse")):
        a, post = world.agency_a, world.vacancy(world.agency_a)
        made = world.client.post(
            "/v1/shortlists",
            json={"position_id": post, "k": 3},
            headers=world.people["committee"].header,
        )
        assert made.status_code == 201, made.text
        body = made.json()
        listed = [c["nip"] for c in body["candidates"]]
        excluded = body["excluded"]["candidates"][0]["nip"]
        _select(world, body["shortlist_id"], body["candidates"][0])
        yield Case(
            world,
            post,
            body["shortlist_id"],
            _employee(a, listed[0], "chosen"),
            _employee(a, listed[1], "listed"),
            _employee(a, excluded, "excluded"),
            _employee(AGENCY_B, world.staff(AGENCY_B), "outsider"),
            _staff(world, "committee"),
            _staff(world, "committee_b"),
            _staff(world, "admin"),
            _staff(world, "admin_b"),
        )


@pytest.fixture
def db(case: Case) -> sa.Engine:
    return case.world.client.app.state.db  # type: ignore[attr-defined,no-any-return]


def _only(outcomes: list[considered.Outcome], post: str) -> considered.Outcome:
    (found,) = [o for o in outcomes if o.appearance.position_id == post]
    return found


def test_each_person_sees_the_final_decision_as_it_concerned_them(
    case: Case, db: sa.Engine
) -> None:
    chosen = _only(considered.outcomes(db, case.chosen), case.post)
    assert chosen.kind == "chosen" and chosen.decided_at is not None
    assert chosen.appearance.factors and all("says" in f for f in chosen.appearance.factors)
    listed = _only(considered.outcomes(db, case.listed), case.post)
    assert listed.kind == "not_chosen" and listed.appearance.listed
    excluded = _only(considered.outcomes(db, case.excluded), case.post)
    assert excluded.kind == "excluded"
    assert excluded.appearance.exclusions
    assert all(r["citation"] and r["message"] for r in excluded.appearance.exclusions)


def test_nobody_else_on_the_list_is_shown_to_an_employee(case: Case, db: sa.Engine) -> None:
    seen = considered.considered_on(db, case.listed, case.shortlist_id)
    text = repr(seen)
    for other in (case.chosen, case.excluded):
        assert other.nip not in text
    assert "rank" not in {k for f in seen.factors for k in f}


def test_an_employee_not_on_a_list_finds_no_such_list(case: Case, db: sa.Engine) -> None:
    with pytest.raises(NotFoundError) as outsider:
        considered.considered_on(db, case.outsider, case.shortlist_id)
    with pytest.raises(NotFoundError) as missing:
        considered.considered_on(db, case.chosen, "no-such-list")
    assert str(outsider.value) == str(missing.value)
    with pytest.raises(NotFoundError):
        objections.file(db, case.outsider, case.shortlist_id, "decision", TEXT)


def test_only_an_employee_reads_an_own_record(case: Case, db: sa.Engine) -> None:
    with pytest.raises(ForbiddenError):
        considered.outcomes(db, case.committee)
    with pytest.raises(ForbiddenError):
        objections.file(db, case.committee, case.shortlist_id, "decision", TEXT)


def test_an_objection_is_heard_and_its_answer_shown(case: Case, db: sa.Engine) -> None:
    filed = objections.file(db, case.listed, case.shortlist_id, "decision", TEXT)
    assert filed.status == "OPEN"
    assert filed.due_at - filed.filed_at == timedelta(days=objections.ANSWER_DAYS)
    with db.connect() as connection:
        inbox = objections.of_agency(connection, case.world.agency_a)
    assert filed.objection_id in {o.objection_id for o in inbox}
    with pytest.raises(ConflictError):
        objections.file(db, case.listed, case.shortlist_id, "decision", TEXT)
    with pytest.raises(NotFoundError) as walled:
        objections.answer(db, case.committee_b, filed.objection_id, "DISMISSED", ANSWER)
    with pytest.raises(NotFoundError) as missing:
        objections.answer(db, case.committee, "no-such-objection", "DISMISSED", ANSWER)
    assert str(walled.value) == str(missing.value)
    with pytest.raises(ForbiddenError):
        objections.answer(db, case.admin, filed.objection_id, "DISMISSED", ANSWER)
    with pytest.raises(ForbiddenError):
        objections.answer(db, case.listed, filed.objection_id, "UPHELD", ANSWER)
    answered = objections.answer(db, case.committee, filed.objection_id, "DISMISSED", ANSWER)
    assert answered.status == "DISMISSED"
    with pytest.raises(ConflictError):
        objections.answer(db, case.committee, filed.objection_id, "UPHELD", ANSWER)
    (mine,) = objections.mine(db, case.listed)
    assert mine.answer is not None and mine.answer["answer"] == ANSWER
    assert objections.mine(db, case.chosen) == []
    assert audit.verify(db).findings == ()


def test_an_exclusion_is_objected_to_by_the_one_excluded(case: Case, db: sa.Engine) -> None:
    with pytest.raises(InputError, match="no rule excluded you"):
        objections.file(db, case.chosen, case.shortlist_id, "exclusion", TEXT)
    filed = objections.file(db, case.excluded, case.shortlist_id, "exclusion", TEXT)
    assert filed.kind == "exclusion" and filed.position_id == case.post


@pytest.mark.parametrize(
    ("kind", "text", "match"),
    [
        ("decision", "terlalu pendek", "between"),
        ("complaint", TEXT, "kind"),
    ],
)
def test_a_bad_objection_is_refused_clearly(
    case: Case, db: sa.Engine, kind: str, text: str, match: str
) -> None:
    with pytest.raises(InputError, match=match):
        objections.file(db, case.chosen, case.shortlist_id, kind, text)


def test_the_period_to_object_closes(case: Case, db: sa.Engine) -> None:
    decided = _only(considered.outcomes(db, case.chosen), case.post).decided_at
    assert decided is not None
    late = decided + timedelta(days=objections.WINDOW_DAYS, minutes=1)
    with pytest.raises(InputError, match="period"):
        objections.file(db, case.chosen, case.shortlist_id, "decision", TEXT, now=late)


def test_the_integrity_report_counts_objections_and_their_ends(case: Case, db: sa.Engine) -> None:
    report = integrity.report(db, case.admin)
    (row,) = report["objections"]
    assert row["agency_id"] == case.world.agency_a
    assert row["filed"] == row["open"] + row["upheld"] + row["dismissed"]
    assert row["filed"] >= 1
    assert "objections" in integrity.to_csv(report, "objections", "en").lower()
    assert integrity.report(db, case.admin_b)["objections"] == []


def test_a_correction_goes_to_the_admin_and_back(case: Case, db: sa.Engine) -> None:
    asked = corrections.request(db, case.listed, "education_level", "S1", "S2 sejak 2024")
    assert asked.status == "OPEN"
    assert asked.due_at - asked.filed_at == timedelta(days=corrections.ANSWER_DAYS)
    with pytest.raises(NotFoundError):
        corrections.answer(db, case.admin_b, asked.correction_id, "ACCEPTED", "diperbaiki")
    with pytest.raises(ForbiddenError):
        corrections.answer(db, case.committee, asked.correction_id, "ACCEPTED", "diperbaiki")
    with pytest.raises(InputError, match="status"):
        corrections.answer(db, case.admin, asked.correction_id, "MAYBE", "diperbaiki")
    done = corrections.answer(
        db, case.admin, asked.correction_id, "ACCEPTED", "diperbaiki di SIASN"
    )
    assert done.status == "ACCEPTED"
    assert [c.status for c in corrections.mine(db, case.listed)] == ["ACCEPTED"]
    assert corrections.mine(db, case.chosen) == []
    with pytest.raises(InputError, match="wrong"):
        corrections.request(db, case.listed, "unit", "", "SETDA")
    assert audit.verify(db).findings == ()


def test_an_open_item_past_its_deadline_is_overdue_in_the_inbox(case: Case, db: sa.Engine) -> None:
    box = inbox.read(db, case.committee)
    assert box.agency_id == case.world.agency_a and box.objections
    item = next(o for o in box.objections if o.answer is None)
    assert not item.overdue(item.due_at) and item.overdue(item.due_at + timedelta(seconds=1))
    answered = next(o for o in box.objections if o.answer is not None)
    assert not answered.overdue(answered.due_at + timedelta(days=365))
    late = replace(box, now=max(o.due_at for o in box.objections) + timedelta(seconds=1))
    assert late.overdue_count == late.open_count > 0
    assert inbox.read(db, case.committee_b).objections == []
    with pytest.raises(ForbiddenError):
        inbox.read(db, case.listed)
