"""The employee's data and decisions pages, objections and corrections through the forms, the
committee's inbox, and their cells of the authorization matrix (employee own / another
employee's / other agency / missing; committee; admin; auditor; nobody)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from features import i18n
from features.export import Export
from tests.serving.conftest import sign_in
from tests.serving.recourse_world import Decided, decide, password_of
from tests.serving.two_agencies import AGENCY_B, PASSWORD, World, serve_two_agencies
from training.bundle import RankerBundle

OBJECTION = "Sertifikat kompetensi saya tahun 2025 belum tercatat di data."
ANSWER = "Tim sudah memeriksa ulang data; sertifikat belum diverifikasi BKN."
R = i18n.section("recourse", "id")


@pytest.fixture(scope="module")
def world(
    small_export: Export, ranker: RankerBundle, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    yield from serve_two_agencies(small_export, ranker, tmp_path_factory.mktemp("recourse-pages"))


@pytest.fixture(scope="module")
def decided(world: World) -> Decided:
    return decide(world)


def _as(client: TestClient, who: str, world: World) -> None:
    if who.isdigit():
        sign_in(client, user=who, password=password_of(world, who))
    else:
        sign_in(client, user=world.people[who].name, password=PASSWORD)


def _name(world: World, nip: str) -> str:
    e = world.export.employees
    return str(e.loc[e["nip"] == nip, "name"].iloc[0])


def test_each_employee_sees_their_own_outcome_and_nobody_else(
    world: World, decided: Decided
) -> None:
    client = world.client
    _as(client, decided.listed, world)
    page = client.get("/me/decisions").text
    assert R["outcome_not_chosen"] in page and i18n.text("me.band_note", "id") not in page
    assert any(i18n.text(f"me.band_{b}", "id") in page for b in ("strongest", "within_reach"))
    for other in (decided.chosen, decided.excluded):
        assert other not in page and _name(world, other) not in page
    assert R["outcome_pending"] in page  # the second post, listed, not decided
    _as(client, decided.chosen, world)
    page = client.get("/me/decisions").text
    assert R["outcome_chosen"] in page and R["reasons_title"] in page
    _as(client, decided.excluded, world)
    page = client.get("/me/decisions").text
    assert R["outcome_excluded"] in page and "Pasal" in page


def test_my_data_shows_my_records_and_when_they_were_used(world: World, decided: Decided) -> None:
    client = world.client
    _as(client, decided.listed, world)
    page = client.get("/me/data")
    assert page.status_code == 200
    assert _name(world, decided.listed) in page.text and "birth_date" in page.text
    used = page.text.count(R["used_listed"]) + page.text.count(R["used_excluded"])
    assert used == 2  # both posts' shortlists (listed on the first)
    assert decided.chosen not in page.text and _name(world, decided.chosen) not in page.text
    sent = client.post(
        "/me/corrections",
        data={"field": "education_level", "wrong": "S1", "should_be": "S2 sejak 2024"},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    assert R["status_OPEN"] in client.get("/me/data").text
    refused = client.post(
        "/me/corrections", data={"field": "unit_id", "wrong": "", "should_be": ""}
    )
    assert refused.status_code == 422 and R["err_wrong"] in refused.text


def test_an_objection_goes_to_the_inbox_and_the_answer_comes_back(
    world: World, decided: Decided
) -> None:
    client = world.client
    _as(client, decided.excluded, world)
    short = client.post(
        "/me/objections",
        data={"shortlist_id": decided.shortlist_id, "kind": "exclusion", "text": "keliru"},
    )
    assert short.status_code == 422 and R["err_text"] in short.text
    filed = client.post(
        "/me/objections",
        data={"shortlist_id": decided.shortlist_id, "kind": "exclusion", "text": OBJECTION},
        follow_redirects=False,
    )
    assert filed.status_code == 303
    twice = client.post(
        "/me/objections",
        data={"shortlist_id": decided.shortlist_id, "kind": "exclusion", "text": OBJECTION},
    )
    assert twice.status_code == 409 and R["err_twice"] in twice.text
    _as(client, "committee", world)
    box = client.get("/inbox").text
    assert OBJECTION in box and R["status_OPEN"] in box
    objection_id = box.split('action="/inbox/objections/')[1].split('"')[0]
    answered = client.post(
        f"/inbox/objections/{objection_id}",
        data={"verdict": "UPHELD", "text": ANSWER},
        follow_redirects=False,
    )
    assert answered.status_code == 303
    _as(client, decided.excluded, world)
    page = client.get("/me/decisions").text
    assert ANSWER in page and R["status_UPHELD"] in page


def test_the_admin_answers_corrections_in_the_inbox(world: World, decided: Decided) -> None:
    client = world.client
    _as(client, decided.chosen, world)
    client.post("/me/corrections", data={"field": "name", "wrong": "ejaan", "should_be": "Ejaan"})
    _as(client, "admin", world)
    box = client.get("/inbox").text
    correction_id = box.split('action="/inbox/corrections/')[1].split('"')[0]
    done = client.post(
        f"/inbox/corrections/{correction_id}",
        data={"verdict": "ACCEPTED", "text": "diperbaiki di SIASN"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    _as(client, decided.chosen, world)
    assert "diperbaiki di SIASN" in client.get("/me/data").text


# -- the matrix -------------------------------------------------------------------------------

WHO = ("employee", "committee", "committee_b", "ppk", "admin", "admin_b", "auditor", "none")


def _objection_id(world: World, decided: Decided) -> str:
    """An objection of agency A, open (the listed employee's, to the decision)."""
    client = world.client
    _as(client, decided.listed, world)
    client.post(
        "/me/objections",
        data={"shortlist_id": decided.shortlist_id, "kind": "decision", "text": OBJECTION},
    )
    _as(client, "committee", world)
    box = client.get("/inbox").text
    return box.split('action="/inbox/objections/')[1].split('"')[0]


def _call(
    client: TestClient, method: str, path: str, data: dict[str, str] | None
) -> tuple[int, bytes]:
    response = client.request(method, path, data=data, follow_redirects=False)
    return response.status_code, response.content


def test_the_recourse_matrix(world: World, decided: Decided) -> None:
    """Every role on every new action, in each place; another agency's is a missing one's."""
    client = world.client
    objection = _objection_id(world, decided)
    _as(client, decided.listed, world)
    correction = client.post(
        "/me/corrections", data={"field": "unit_id", "wrong": "X", "should_be": "Y"}
    )
    assert correction.status_code == 200
    _as(client, "admin", world)
    correction_id = client.get("/inbox").text.split('action="/inbox/corrections/')[1].split('"')[0]
    client.cookies.clear()
    _as(client, "committee_b", world)
    other = client.post(
        "/v1/shortlists",
        json={"position_id": world.vacancy(AGENCY_B), "k": 3},
        headers=world.people["committee_b"].header,
    ).json()["shortlist_id"]
    bad = {"verdict": "X", "text": ANSWER}  # passes the policy, then refused: nothing written
    objection_to = {"kind": "decision", "text": OBJECTION}
    cells = {
        "me.data": ("GET", "/me/data", None),
        "me.decisions": ("GET", "/me/decisions", None),
        "objection.file other": ("POST", "/me/objections", {"shortlist_id": other, **objection_to}),
        "objection.file missing": (
            "POST",
            "/me/objections",
            {"shortlist_id": str(uuid.uuid4()), **objection_to},
        ),
        "inbox.read": ("GET", "/inbox", None),
        "objection.answer own": ("POST", f"/inbox/objections/{objection}", bad),
        "objection.answer missing": ("POST", f"/inbox/objections/{uuid.uuid4()}", bad),
        "correction.answer own": ("POST", f"/inbox/corrections/{correction_id}", bad),
        "correction.answer missing": ("POST", f"/inbox/corrections/{uuid.uuid4()}", bad),
    }
    expected = {
        "employee": {
            "me.data": 200,
            "me.decisions": 200,
            "objection.file other": 404,
            "objection.file missing": 404,
            "inbox.read": 403,
            "objection.answer own": 403,
            "objection.answer missing": 403,
            "correction.answer own": 403,
            "correction.answer missing": 403,
        },
        "committee": {
            "inbox.read": 200,
            "objection.answer own": 422,
            "objection.answer missing": 404,
        },
        "committee_b": {
            "inbox.read": 200,
            "objection.answer own": 404,
            "objection.answer missing": 404,
        },
        "ppk": {"inbox.read": 200},
        "admin": {
            "inbox.read": 200,
            "correction.answer own": 422,
            "correction.answer missing": 404,
        },
        "admin_b": {
            "inbox.read": 200,
            "correction.answer own": 404,
            "correction.answer missing": 404,
        },
        "auditor": {"inbox.read": 200},
    }
    wrong = []
    for who in WHO:
        client.cookies.clear()
        client.headers.pop("x-csrf-token", None)
        if who != "none":
            _as(client, decided.listed if who == "employee" else who, world)
        answers = {}
        for cell, (method, path, data) in cells.items():
            want = 303 if who == "none" else expected.get(who, {}).get(cell, 403)
            status, body = _call(client, method, path, data)
            answers[cell] = body
            if status != want:
                wrong.append(f"{who} {cell}: {status} not {want}")
        for pair in (
            ("objection.answer own", "objection.answer missing"),
            ("correction.answer own", "correction.answer missing"),
            ("objection.file other", "objection.file missing"),
        ):
            if (
                who in ("committee_b", "admin_b", "employee")
                and all(expected.get(who, {}).get(c) == 404 for c in pair)
                and answers[pair[0]] != answers[pair[1]]
            ):
                wrong.append(f"{who} {pair[0]}: another agency's answer differs from a missing one")
    assert wrong == []


def test_a_list_i_was_not_on_answers_like_a_missing_one(world: World, decided: Decided) -> None:
    """Another employee's shortlist in my own agency: the same 404 as a missing shortlist."""
    client = world.client
    _as(client, decided.bystander, world)
    assert R["decisions_none"] in client.get("/me/decisions").text
    assert R["used_none"] in client.get("/me/data").text
    data = {"kind": "decision", "text": OBJECTION}
    theirs = client.post("/me/objections", data={"shortlist_id": decided.shortlist_id, **data})
    missing = client.post("/me/objections", data={"shortlist_id": str(uuid.uuid4()), **data})
    assert theirs.status_code == missing.status_code == 404
    assert theirs.content == missing.content
