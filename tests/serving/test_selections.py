"""JPT selections through the API: the whole open selection, and each refusal on the way."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml
from pypdf import PdfReader

from features.export import Export
from features.rules.loading import RuleSetError
from serving import audit
from serving.selections import rules
from serving.selections.rules import STAGE_IDS
from serving.tables import users
from tests.serving.conftest import sign_in
from tests.serving.two_agencies import AGENCY_B, PASSWORD, World, person, serve_two_agencies
from training.bundle import RankerBundle

SCORES = (90.0, 85.0, 80.0, 75.0, 40.0)
"""Each candidate's score at every stage but the administrative one (the last fails)."""


@pytest.fixture(scope="module")
def world(
    small_export: Export, ranker: RankerBundle, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    yield from serve_two_agencies(small_export, ranker, tmp_path_factory.mktemp("selections"))


def _panel(world: World, tag: str, agency: str | None = None) -> list[Any]:
    agency = agency or world.agency_a
    return [
        person(world.client, "panel", agency, f"panel {tag} {i}", f"9{tag}{i}".ljust(18, "0"))
        for i in range(3)
    ]


def _user_id(world: World, name: str) -> str:
    db = world.client.app.state.db  # type: ignore[attr-defined]
    with db.connect() as connection:
        return connection.execute(
            sa.select(users.c.user_id).where(users.c.name == name)
        ).scalar_one()


def _jpt_post(world: World, agency: str) -> str:
    p = world.export.positions
    chosen = (p["agency_id"] == agency) & (p["position_type"] == "JPT_PRATAMA")
    return str(p.loc[chosen, "position_id"].iloc[0])


def _candidates(world: World, count: int) -> list[str]:
    e = world.export.employees
    active = e.loc[e["status"] == "ACTIVE", "nip"].astype(str)
    return list(active.iloc[10 : 10 + count])


def _open(world: World, panel: list[Any], post: str, **extra: Any) -> dict[str, Any]:
    ids = [_user_id(world, p.name) for p in panel]
    body = {
        "kind": "open",
        "title": "Seleksi terbuka JPT Pratama 2026",
        "position_ids": [post],
        "panel_user_ids": ids,
        "chair_user_id": ids[0],
        **extra,
    }
    response = world.client.post("/v1/selections", json=body, headers=world.people["ppk"].header)
    assert response.status_code == 201, response.text
    return response.json()


def _run_stages(world: World, sid: str, panel: list[Any], nips: list[str]) -> None:
    client = world.client
    for member in panel:
        r = client.post(f"/v1/selections/{sid}/declarations", json={"kind": "none"},
                        headers=member.header)  # fmt: skip
        assert r.status_code == 201, r.text
    for stage in STAGE_IDS:
        for nip, score in zip(nips, SCORES, strict=True):
            value = 100.0 if stage == "administrative" else score
            r = client.post(
                f"/v1/selections/{sid}/results",
                json={"nip": nip, "stage": stage, "score": value},
                headers=panel[1].header,
            )
            if r.status_code == 404:  # failed an earlier stage: out of the running
                continue
            assert r.status_code == 201, r.text
        r = client.post(f"/v1/selections/{sid}/announcements", json={"stage": stage},
                        headers=panel[2].header)  # fmt: skip
        assert r.status_code == 201, r.text


def test_an_open_selection_from_opening_to_the_ppk_choice(world: World) -> None:
    client = world.client
    panel = _panel(world, "1")
    post = _jpt_post(world, world.agency_a)
    opened = _open(world, panel, post)
    sid = opened["selection_id"]
    assert [s["id"] for s in opened["stages"]] == list(STAGE_IDS)
    assert opened["policy"]["id"] == "national"
    nips = _candidates(world, 5)
    for nip in nips:
        r = client.post(f"/v1/selections/{sid}/candidates", json={"nip": nip, "position_id": post},
                        headers=world.people["ppk"].header)  # fmt: skip
        assert r.status_code == 201, r.text
    _run_stages(world, sid, panel, nips)
    whole = client.get(f"/v1/selections/{sid}", headers=panel[0].header).json()
    last = whole["announcements"][-1]
    assert last["passing"][post] == nips[:4]  # the fifth failed the managerial stage

    pdf = client.get(f"/v1/selections/{sid}/announcements/managerial.pdf",
                     headers=panel[0].header)  # fmt: skip
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert nips[0] in text and nips[4] not in text
    assert "90" not in text.replace(nips[0], "")  # no score is announced

    fits = client.get(f"/v1/selections/{sid}/fit", headers=panel[0].header).json()
    side = fits["side_by_side"][post]
    assert [r["nip"] for r in side["rows"]] == nips[:4]
    assert all(r["score"] is not None for r in fits["fit"][post])
    reasons = {nip: "Nilai akhir tertinggi pada semua tahap" for nip in nips[:3]}
    body: dict[str, Any] = {"position_id": post, "reasons": reasons}
    if side["differs"]:
        r = client.post(f"/v1/selections/{sid}/proposals", json=body, headers=panel[0].header)
        assert r.status_code == 422 and "divergence_reason" in r.text
        body["divergence_reason"] = "Panitia menilai wawancara dan rekam jejak lebih berat."
    r = client.post(f"/v1/selections/{sid}/proposals", json=body, headers=panel[1].header)
    assert r.status_code == 403  # only the chair proposes
    r = client.post(f"/v1/selections/{sid}/proposals", json=body, headers=panel[0].header)
    assert r.status_code == 201, r.text
    proposal = r.json()["proposals"][-1]
    assert [n["nip"] for n in proposal["names"]] == nips[:3]

    minutes = client.get(f"/v1/selections/{sid}/berita-acara.pdf", headers=panel[0].header)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(minutes.content)).pages)
    assert "BERITA ACARA" in text and all(nip in text for nip in nips[:3])
    failing = [n for n in proposal["names"] if n["failed_rules"]]
    assert ("Aturan wajib yang tidak terpenuhi" in " ".join(text.split())) == bool(failing)

    ppk = world.people["ppk"].header
    url = f"/v1/selections/{sid}/proposals/{proposal['proposal_id']}/answer"
    r = client.post(url, json={"outcome": "chosen", "nip": nips[1]}, headers=ppk)
    assert r.status_code == 422 and "note" in r.text  # not the first: a written reason
    r = client.post(url, json={"outcome": "chosen", "nip": nips[3], "note": "x" * 30}, headers=ppk)
    assert r.status_code == 422  # not among the three
    note = "Pengalaman lapangan lebih sesuai dengan kebutuhan jabatan."
    r = client.post(url, json={"outcome": "chosen", "nip": nips[1], "note": note}, headers=ppk)
    assert r.status_code == 201, r.text
    done = r.json()
    assert done["status"] == "chosen" and done["choices"][-1]["place"] == 2
    assert (
        client.post(url, json={"outcome": "returned", "note": note}, headers=ppk).status_code == 409
    )


def test_declarations_come_first_and_a_related_member_does_not_score(world: World) -> None:
    client = world.client
    panel = _panel(world, "2")
    post = _jpt_post(world, world.agency_a)
    sid = _open(world, panel, post)["selection_id"]
    nip = _candidates(world, 1)[0]
    client.post(f"/v1/selections/{sid}/candidates", json={"nip": nip, "position_id": post},
                headers=world.people["ppk"].header)  # fmt: skip
    result = {"nip": nip, "stage": "administrative", "score": 100}
    r = client.post(f"/v1/selections/{sid}/results", json=result, headers=panel[0].header)
    assert r.status_code == 422 and "declare" in r.text
    related = {"kind": "relation", "related_nips": [nip]}
    client.post(f"/v1/selections/{sid}/declarations", json=related, headers=panel[0].header)
    r = client.post(f"/v1/selections/{sid}/results", json=result, headers=panel[0].header)
    assert r.status_code == 403
    r = client.post(f"/v1/selections/{sid}/announcements", json={"stage": "administrative"},
                    headers=panel[1].header)  # fmt: skip
    assert r.status_code == 409  # a candidate in the running has no result
    r = client.post(f"/v1/selections/{sid}/results", json={**result, "stage": "interview"},
                    headers=panel[1].header)  # fmt: skip
    assert r.status_code == 409  # not the stage taking results


def test_a_result_after_the_deadline_is_kept_and_marked_late(world: World) -> None:
    client = world.client
    panel = _panel(world, "3")
    post = _jpt_post(world, world.agency_a)
    sid = _open(world, panel, post, deadlines={"administrative": "2020-01-01"})["selection_id"]
    nip = _candidates(world, 1)[0]
    client.post(f"/v1/selections/{sid}/candidates", json={"nip": nip, "position_id": post},
                headers=world.people["ppk"].header)  # fmt: skip
    client.post(
        f"/v1/selections/{sid}/declarations", json={"kind": "none"}, headers=panel[1].header
    )
    r = client.post(f"/v1/selections/{sid}/results",
                    json={"nip": nip, "stage": "administrative", "score": 100},
                    headers=panel[1].header)  # fmt: skip
    assert r.status_code == 201 and r.json()["results"][-1]["late"] is True


def test_the_panel_is_users_with_the_panel_role_of_the_agency(world: World) -> None:
    post = _jpt_post(world, world.agency_a)
    panel = _panel(world, "4")
    ids = [_user_id(world, p.name) for p in panel]
    committee = _user_id(world, world.people["committee"].name)
    body = {"kind": "open", "title": "Seleksi terbuka JPT", "position_ids": [post],
            "panel_user_ids": [*ids[:2], committee], "chair_user_id": ids[0]}  # fmt: skip
    r = world.client.post("/v1/selections", json=body, headers=world.people["ppk"].header)
    assert r.status_code == 422 and committee in r.text
    body["panel_user_ids"] = ids
    body["position_ids"] = [world.vacancy(world.agency_a)]
    r = world.client.post("/v1/selections", json=body, headers=world.people["ppk"].header)
    assert r.status_code == 422 and "JPT" in r.text
    body["position_ids"] = [_jpt_post(world, AGENCY_B)]
    r = world.client.post("/v1/selections", json=body, headers=world.people["ppk"].header)
    assert r.status_code == 404  # another agency's post is a missing one


def test_another_agency_s_selection_answers_like_a_missing_one(world: World) -> None:
    panel = _panel(world, "5")
    sid = _open(world, panel, _jpt_post(world, world.agency_a))["selection_id"]
    other = world.client.get(f"/v1/selections/{sid}", headers=world.people["committee_b"].header)
    missing = world.client.get(
        "/v1/selections/00000000-0000-0000-0000-000000000000",
        headers=world.people["committee_b"].header,
    )
    assert other.status_code == missing.status_code == 404
    assert other.json()["detail"] == missing.json()["detail"]


def test_the_policy_file_sets_weights_and_pass_marks(tmp_path: Path) -> None:
    good = tmp_path / "A.yaml"
    stages = [{"id": s, "weight": w, "pass_mark": 70} for s, w in
              zip(STAGE_IDS, (0.0, 0.4, 0.2, 0.2, 0.2), strict=True)]  # fmt: skip
    section = {"version": "A-sel-1", "stages": stages}
    good.write_text(yaml.safe_dump({"extends": "v2", "version": "A-1", "selection": section}))
    found, source = rules.for_agency(tmp_path, "A")
    assert source == "A" and found.stage("managerial").weight == 0.4
    stages[1]["weight"] = 0.9
    good.write_text(yaml.safe_dump({"selection": {"version": "A-sel-2", "stages": stages}}))
    with pytest.raises(RuleSetError, match="add up to 1"):
        rules.for_agency(tmp_path, "A")
    assert rules.for_agency(tmp_path, "B")[1] == "national"


def test_the_integrity_report_includes_the_jpt_selections(world: World) -> None:
    """Runs after the tests above (one module, one database): a choice of the second name, a
    late result; here two selections with one panel make its members repeated."""
    panel = _panel(world, "6")
    post = _jpt_post(world, world.agency_a)
    first, second = (_open(world, panel, post)["selection_id"] for _ in range(2))
    auditor = world.people["auditor"].header
    r = world.client.get(f"/v1/reports/integrity?agency_id={world.agency_a}", headers=auditor)
    assert r.status_code == 200, r.text
    body = r.json()
    not_first = body["jpt_not_first"]
    assert [(c["place"], bool(c["note"])) for c in not_first] == [(2, True)]
    assert [x["stage"] for x in body["jpt_late_results"]] == ["administrative"]
    repeated = {x["name"]: x["selection_ids"] for x in body["jpt_repeated_panel"]}
    assert repeated == {p.name: sorted([first, second]) for p in panel}
    closed = [x for x in body["jpt_time_to_appointment"] if x["closed_at"]]
    assert len(closed) == 1 and closed[0]["days"] == 0
    csv = world.client.get(
        f"/v1/reports/integrity/jpt_not_first.csv?agency_id={world.agency_a}", headers=auditor
    )
    assert csv.status_code == 200 and "Urutan usulan" in csv.text
    verification = audit.verify(world.client.app.state.db)  # type: ignore[attr-defined]
    assert verification.ok, verification.lines()


def test_a_panel_member_s_pages_answer_without_error(world: World) -> None:
    """The menu's pages for the panel role: its own pages, and refusals (never a 500)."""
    client = world.client
    panel = _panel(world, "7")
    sid = _open(world, panel, _jpt_post(world, world.agency_a))["selection_id"]
    sign_in(client, user=panel[0].name, password=PASSWORD)
    try:
        assert client.get("/selections").status_code == 200
        assert client.get(f"/selections/{sid}").status_code == 200
        for path in ("/", "/staffing", "/model"):
            assert client.get(path).status_code < 500, path
    finally:
        client.cookies.clear()
        client.headers.pop("x-csrf-token", None)


def test_a_job_fit_selection_sets_each_jpt_holder_against_each_post(world: World) -> None:
    """Job-fit takes only the agency's JPT holders, and the model scores each for each post."""
    client, ppk = world.client, world.people["ppk"].header
    p, e = world.export.positions, world.export.employees
    jpt = p.loc[(p["agency_id"] == world.agency_a) & (p["position_type"] == "JPT_PRATAMA")]
    posts = [str(x) for x in jpt["position_id"].iloc[:2]]
    holders = e.loc[e["current_position_id"].isin(jpt["position_id"]) & (e["status"] == "ACTIVE")]
    nips = [str(n) for n in holders["nip"].iloc[:2]]
    assert len(nips) == 2
    panel = _panel(world, "8")
    sid = _open(world, panel, posts[0], kind="jobfit", position_ids=posts)["selection_id"]
    for nip, post in zip(nips, posts, strict=True):
        r = client.post(f"/v1/selections/{sid}/candidates", json={"nip": nip, "position_id": post},
                        headers=ppk)  # fmt: skip
        assert r.status_code == 201, r.text
    other = _candidates(world, 1)[0]
    outsider = {"nip": other, "position_id": posts[0]}
    r = client.post(f"/v1/selections/{sid}/candidates", json=outsider, headers=ppk)
    assert r.status_code in (404, 422)  # not one of the agency's JPT holders
    fits = client.get(f"/v1/selections/{sid}/fit", headers=panel[0].header).json()["fit"]
    assert {post: sorted(r["nip"] for r in fits[post]) for post in posts} == {
        post: sorted(nips) for post in posts
    }
