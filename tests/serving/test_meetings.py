"""Committee meetings: attendance, declarations before any consideration, the quorum, the
divergence rule, and the berita acara's text layer (pypdf) with every required element."""

from __future__ import annotations

import io
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from features.export import Export
from features.rules.loading import RuleSetError
from features.rules.policy import load_policy
from serving import audit
from serving.tables import audit_log
from tests.serving.conftest import sign_in
from tests.serving.two_agencies import (
    AGENCY_B,
    PASSWORD,
    Person,
    World,
    person,
    serve_two_agencies,
)
from training.bundle import RankerBundle

PLACE = "Ruang Rapat Sekretariat Daerah, Jl. Merdeka No. 1"
JUSTIFICATION = "Pengalaman lapangan di puskesmas terpencil; lulusan École de Santé, Győr."
SECOND = ("André Ma'ruf", "3" * 17 + "8")
THIRD = ("Ilona Erdős", "3" * 17 + "9")


@pytest.fixture(scope="module")
def world(
    small_export: Export, ranker: RankerBundle, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    yield from serve_two_agencies(small_export, ranker, tmp_path_factory.mktemp("meetings"))


@pytest.fixture(scope="module")
def members(world: World) -> list[Person]:
    """The chair (committee A) and two more committee members of agency A."""
    extra = [
        person(world.client, "committee", world.agency_a, n, nip) for n, nip in (SECOND, THIRD)
    ]
    return [world.people["committee"], *extra]


def _post(world: World, who: Person, path: str, body: dict | None = None) -> dict:
    response = world.client.post(path, json=body or {}, headers=who.header)
    assert response.status_code in (200, 201), response.text
    return response.json()


def _opened(world: World, chair: Person, posts: list[str]) -> str:
    body = {"held_on": "2026-12-01", "place": PLACE, "position_ids": posts, "number": "800/17/BA"}
    return _post(world, chair, "/v1/meetings", body)["meeting_id"]


def _listed(world: World, who: Person, post: str) -> dict:
    return _post(world, who, "/v1/shortlists", {"position_id": post, "k": 4})


def test_a_round_declarations_quorum_divergence_and_the_minutes(
    world: World, members: list[Person], tmp_path: Path
) -> None:
    chair, second, third = members
    posts = world.vacancies(world.agency_a)[:2]
    meeting = _opened(world, chair, posts)
    base = f"/v1/meetings/{meeting}"
    shortlist = _listed(world, chair, posts[0])
    sid, ranked = shortlist["shortlist_id"], [c["nip"] for c in shortlist["candidates"]]
    _post(world, chair, f"{base}/shortlists", {"position_id": posts[0], "shortlist_id": sid})
    consider = {"position_id": posts[0], "nip": ranked[0], "reason": "Terbaik menurut tim."}
    client = world.client

    # the chair has not declared: refused before anything else
    refused = client.post(f"{base}/considerations", json=consider, headers=chair.header)
    assert refused.status_code == 422 and "190(5)" in refused.json()["detail"]
    _post(world, chair, f"/v1/shortlists/{sid}/declarations", {"kind": "none"})

    # 1 of 3 takes part: no quorum (policy default 50%)
    no_quorum = client.post(f"{base}/considerations", json=consider, headers=chair.header)
    assert no_quorum.status_code == 409 and "quorum" in no_quorum.json()["detail"]

    # a present member who has not declared blocks the consideration
    _post(world, second, f"{base}/attendance")
    silent = client.post(f"{base}/considerations", json=consider, headers=chair.header)
    assert silent.status_code == 422 and SECOND[0] in silent.json()["detail"]

    # related to the top candidate: takes no part on them, so no quorum for them
    relation = {"kind": "relation", "related_nips": [ranked[0]]}
    _post(world, second, f"/v1/shortlists/{sid}/declarations", relation)
    related = client.post(f"{base}/considerations", json=consider, headers=chair.header)
    assert related.status_code == 409

    _post(world, third, f"{base}/attendance")
    _post(world, third, f"/v1/shortlists/{sid}/declarations", {"kind": "none"})
    # below the top without a justification: refused; with one: divergent
    second_best = {**consider, "nip": ranked[1]}
    bare = client.post(f"{base}/considerations", json=second_best, headers=chair.header)
    assert bare.status_code == 422 and "justification" in bare.json()["detail"]
    done = _post(
        world, chair, f"{base}/considerations", {**second_best, "justification": JUSTIFICATION}
    )
    assert done["divergent"] and done["rank"] == 2
    assert {v["name"] for v in done["voters"]} == {chair.name, SECOND[0], THIRD[0]}

    # another agency's member sees the meeting as missing, like a missing one
    other = client.get(base, headers=world.people["committee_b"].header)
    missing = client.get("/v1/meetings/" + "0" * 8 + "-0000-0000-0000-" + "0" * 12,
                         headers=world.people["committee_b"].header)  # fmt: skip
    assert other.status_code == missing.status_code == 404 and other.content == missing.content
    assert client.post(f"{base}/close", headers=second.header).status_code == 403
    closed = _post(world, chair, f"{base}/close")
    assert closed["status"] == "closed"
    again = client.post(f"{base}/considerations", json=consider, headers=chair.header)
    assert again.status_code == 409

    db = client.app.state.db  # type: ignore[attr-defined]
    with db.connect() as connection:
        actions = connection.execute(
            sa.select(audit_log.c.action).where(audit_log.c.subject == meeting)
        ).scalars()
        assert sorted(set(actions)) == [
            "meeting.attach",
            "meeting.attend",
            "meeting.close",
            "meeting.consider",
            "meeting.open",
        ]
    assert audit.verify(db).findings == ()
    pdf = client.get(f"{base}/berita-acara.pdf", headers=second.header)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    _check_minutes(world, pdf.content, posts, shortlist, tmp_path)


def _check_minutes(
    world: World, content: bytes, posts: list[str], shortlist: dict, tmp_path: Path
) -> None:
    path = tmp_path / "berita-acara.pdf"
    path.write_bytes(content)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", str(path), "/tmp/meeting-berita-acara"], check=True
    )
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    flat = "".join(text.split())  # wrapped lines come out without a space: compare without
    positions = world.export.positions.set_index("position_id")
    for needed in (
        "BERITA ACARA",
        "SIDANG TIM PENILAI KINERJA",
        "Nomor: 800/17/BA",
        "Undang-Undang Nomor 20 Tahun 2023",
        "Peraturan Pemerintah Nomor 11 Tahun 2017",
        "Pasal 191",
        "Peraturan Badan Kepegawaian Negara Nomor 5 Tahun 2019",
        "Pada hari ini Selasa, tanggal 1 Desember 2026",
        PLACE,
        "I. Kehadiran",
        "Hadir 3 dari 3 anggota",
        "André Ma'ruf",
        "Ilona Erdős",
        "Ketua",
        "Anggota",
        positions.loc[posts[0], "title"],
        positions.loc[posts[0], "unit_name"],
        positions.loc[posts[1], "title"],
        "Peringkat",
        "Pangkat/Gol.",
        "Kelompok merit",
        "Memenuhi syarat",
        "ada hubungan dengan",
        "Rekomendasi tim:",
        "peringkat 2 dalam daftar",
        JUSTIFICATION,
        "ditunda",
        "III. Tanda tangan",
        "Demikian berita acara ini dibuat",
    ):
        assert "".join(str(needed).split()) in flat, needed
    for candidate in shortlist["candidates"]:
        assert "".join(candidate["name"].split()) in flat
        for reason in candidate["reasons"]["positive"] + candidate["reasons"]["negative"]:
            assert "".join(reason.split()) in flat, reason  # in full, never cut


def test_the_meeting_rules_of_a_policy_are_validated(tmp_path: Path) -> None:
    head = "version: a1\ndate: 2026-12-01\nextends: v2\n"
    good = tmp_path / "PEMKOT-X.yaml"
    good.write_text(head + "meeting:\n  quorum: 0.66\n  agency_name: Pemerintah Kota X\n")
    assert load_policy(good).meeting.quorum == 0.66
    for bad, word in (("quorum: 1.5", "quorum"), ("quorom: 0.5", "quorom")):
        path = tmp_path / "PEMKOT-Y.yaml"
        path.write_text(head + f"meeting:\n  {bad}\n")
        with pytest.raises(RuleSetError, match=f"meeting.{word}"):
            load_policy(path)


def test_only_the_agencys_own_posts_go_on_the_agenda(world: World) -> None:
    chair = world.people["committee"]
    foreign = world.vacancy(AGENCY_B)
    body = {"held_on": "2026-12-01", "place": PLACE, "position_ids": [foreign]}
    answer = world.client.post("/v1/meetings", json=body, headers=chair.header)
    assert answer.status_code == 404 and answer.json()["detail"] == "no such position"
    ppk = world.client.post("/v1/meetings", json=body, headers=world.people["ppk"].header)
    assert ppk.status_code == 403


def test_the_pages_open_attach_consider_and_give_the_minutes(
    world: World, members: list[Person]
) -> None:
    client, chair = world.client, members[0]
    post = world.vacancies(world.agency_a)[2]
    listed = _listed(world, chair, post)
    _post(world, chair, f"/v1/shortlists/{listed['shortlist_id']}/declarations", {"kind": "none"})
    sign_in(client, user=chair.name, password=PASSWORD)
    try:
        assert "Buka sidang" in client.get("/meetings").text
        form = {"held_on": "2026-12-02", "place": "Aula", "position_id": [post]}
        opened = client.post("/meetings", data=form, follow_redirects=False)
        assert opened.status_code == 303, opened.text
        page = opened.headers["location"]
        bad = client.post("/meetings", data={**form, "held_on": "besok"})
        assert bad.status_code == 422 and "held_on" in bad.text
        attached = client.post(
            f"{page}/shortlists",
            data={"position_id": post, "shortlist_id": listed["shortlist_id"]},
            follow_redirects=False,
        )
        assert attached.status_code == 303
        nip = listed["candidates"][0]["nip"]
        body = {"position_id": post, "nip": nip, "reason": "Paling sesuai dengan jabatan."}
        quorum = client.post(f"{page}/considerations", data=body)
        assert quorum.status_code == 409 and "quorum" in quorum.text  # 1 of 3
        shown = client.get(page)
        assert shown.status_code == 200 and listed["candidates"][0]["name"] in shown.text
        assert "tidak ada hubungan" in shown.text and "Catat pertimbangan tim" in shown.text
        pdf = client.get(f"{page}/berita-acara.pdf")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    finally:
        client.cookies.clear()
        client.headers.pop("x-csrf-token", None)


def test_the_shortlist_pdf_names_the_post_and_keeps_every_reason_whole(world: World) -> None:
    chair = world.people["committee"]
    post = world.vacancies(world.agency_a)[0]
    listed = _listed(world, chair, post)
    answer = world.client.get(
        f"/v1/shortlists/{listed['shortlist_id']}/export.pdf", headers=chair.header
    )
    assert answer.status_code == 200
    (Path("/tmp") / "meeting-shortlist.pdf").write_bytes(answer.content)
    pages = PdfReader(io.BytesIO(answer.content)).pages
    flat = "".join("".join(page.extract_text().split()) for page in pages)
    position = world.export.positions.set_index("position_id").loc[post]
    assert "".join(f"{position['title']} ({position['unit_name']})".split()) in flat
    assert "Peringkat" in flat and "Kelompokmerit" in flat
    for candidate in listed["candidates"]:
        for reason in candidate["reasons"]["positive"] + candidate["reasons"]["negative"]:
            assert "".join(reason.split()) in flat, reason
