"""After the committee: the PPK approves or returns, a draft SK, the announcement, the SIASN
file, deadlines; each refused step says why; another agency sees nothing."""

from __future__ import annotations

import csv
import io
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pypdf
import pytest
import sqlalchemy as sa
from docx import Document
from fastapi.testclient import TestClient

from features.export import Export
from serving import announcements, approvals, audit, decrees, offices
from serving.app import create_app
from serving.auth import create_api_key, key_principal
from serving.decrees import SIASN_COLUMNS
from serving.engine import Engine
from serving.settings import ServiceSettings
from serving.tables import announcements as announcement_rows
from serving.tables import audit_log
from serving.tables import decrees as decree_rows
from tests.serving.conftest import AS_OF, sign_in
from training.bundle import RankerBundle

REASON = "hasil rapat tim penilai kinerja"
JUSTIFICATION = "Kandidat memiliki sertifikasi khusus yang dibutuhkan unit ini."
BASIS = "Pasal 190 ayat (3) PP 11/2017, persetujuan khusus"
RETURN_NOTE = "Mohon dikaji ulang kebutuhan unit penerima."
OFFICE = """
agencies:
  {agency}:
    government: Pemerintah Kota Contoh
    head_title: Wali Kota
    region: Contoh
    office: Badan Kepegawaian dan Pengembangan Sumber Daya Manusia
    address: Jl. Merdeka No. 1, Contoh
    place: Contoh
    signer_name: "Dr. Ir. Rahmat Hidayat, M.Si."
    number_format: "800.1.3.3/{{seq:03d}}/BKPSDM/{{year}}"
    deadlines: {{approval_days: 0, decree_days: 0}}
"""


class Svc:
    """The app, its database, its engine and a key per person."""

    def __init__(self, client: TestClient, agency: str) -> None:
        self.client, self.agency = client, agency
        self.db: sa.Engine = client.app.state.db  # type: ignore[attr-defined]
        self.engine: Engine = client.app.state.runtime.current.engine  # type: ignore[attr-defined]
        self.keys = {
            "committee": create_api_key(self.db, "committee", agency)[1],
            "ppk": create_api_key(self.db, "ppk", agency)[1],
            "other": create_api_key(self.db, "committee", "PEMKAB-LAIN")[1],
            "auditor": create_api_key(self.db, "auditor", None)[1],
        }

    def header(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[who]}"}

    def api(self, who: str, path: str, body: dict[str, Any]) -> Any:
        response = self.client.post(path, json=body, headers=self.header(who))
        assert response.status_code == 201, response.text
        return response.json()


@pytest.fixture(scope="module")
def svc(
    small_export: Export, ranker: RankerBundle, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Svc]:
    yield from _service(small_export, ranker, tmp_path_factory.mktemp("decree"))


@pytest.fixture(scope="module")
def fresh(
    small_export: Export, ranker: RankerBundle, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Svc]:
    """Another service, with nothing decided yet."""
    yield from _service(small_export, ranker, tmp_path_factory.mktemp("decree-matrix"))


def _service(small_export: Export, ranker: RankerBundle, folder: Path) -> Iterator[Svc]:
    agency = str(small_export.positions["agency_id"].iloc[0])
    config = folder / "office.yaml"
    config.write_text(OFFICE.format(agency=agency), encoding="utf-8")
    settings = ServiceSettings(
        database_url=f"sqlite:///{folder / 'service.db'}",
        as_of=AS_OF,
        mlflow_tracking_uri=os.environ["MLFLOW_TRACKING_URI"],
        max_k=50,
        decree_config=config,
    )
    app = create_app(settings, engine=Engine.build(small_export, ranker, settings))
    with TestClient(app) as client:
        yield Svc(client, agency)


def _vacancies(export: Export, agency: str) -> list[str]:
    p = export.positions
    mask = p["is_vacant"] & p["position_type"].isin(["PENGAWAS", "ADMINISTRATOR"])
    return [str(x) for x in p.loc[mask & (p["agency_id"] == agency), "position_id"]]


def _recommend(svc: Svc, vacancy: str, pick: int, **extra: Any) -> tuple[str, int, str]:
    """A shortlist, the committee's declaration and its SELECTED of the ``pick``-th; the PPK
    declares too. Returns (shortlist id, decision id, nip)."""
    shortlist = svc.api("committee", "/v1/shortlists", {"position_id": vacancy, "k": 5})
    sid = shortlist["shortlist_id"]
    nip = shortlist["candidates"][pick]["nip"]
    for who in ("committee", "ppk"):
        svc.api(who, f"/v1/shortlists/{sid}/declarations", {"kind": "none"})
    answers = {
        e["rule_id"]: "Sudah dibahas tim; kebutuhan unit diutamakan."
        for e in shortlist["candidates"][pick]["eligibility"]
        if e["severity"] != "hard" and not e["passed"]
    }
    body = {"nip": nip, "decision": "SELECTED", "reason": REASON, "warning_answers": answers}
    made = svc.api("committee", f"/v1/shortlists/{sid}/decisions", {**body, **extra})
    return sid, made["decision_id"], nip


def _name(export: Export, nip: str) -> str:
    return str(export.employees.loc[export.employees["nip"] == nip, "name"].iat[0])


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


def _actions(svc: Svc) -> list[str]:
    with svc.db.connect() as connection:
        return list(connection.execute(sa.select(audit_log.c.action)).scalars())


def test_one_round_from_recommendation_to_siasn_file(svc: Svc, small_export: Export) -> None:
    first, second = _vacancies(small_export, svc.agency)[:2]
    _, approved_id, approved_nip = _recommend(svc, first, 0)
    _, returned_id, _ = _recommend(svc, second, 2, justification=JUSTIFICATION)
    client = svc.client
    sign_in(client, svc.keys["ppk"])
    page = client.get("/approvals")
    assert page.status_code == 200
    assert "Menunggu persetujuan PPK" in page.text and "Berbeda dari urutan sistem" in page.text
    assert JUSTIFICATION in page.text
    assert "2 rekomendasi terlambat disetujui (batas 0 hari)" in page.text  # deadline 0 days
    bare = client.post(f"/approvals/d{returned_id}", data={"verdict": "RETURNED", "note": "x"})
    assert bare.status_code == 422
    assert "say why it is returned (at least 10 characters)" in bare.text
    for decision_id, verdict, note in (
        (returned_id, "RETURNED", RETURN_NOTE),
        (approved_id, "APPROVED", ""),
    ):
        done = client.post(
            f"/approvals/d{decision_id}",
            data={"verdict": verdict, "note": note},
            follow_redirects=False,
        )
        assert done.status_code == 303, done.text
    again = client.post(
        f"/approvals/d{approved_id}", data={"verdict": "RETURNED", "note": RETURN_NOTE}
    )
    assert again.status_code == 409 and "already answered" in again.text
    page = client.get("/approvals").text
    assert "Dikembalikan ke tim" in page and RETURN_NOTE in page
    assert "1 persetujuan terlambat dibuatkan SK (batas 0 hari)" in page

    drafted = client.post("/decrees", data={"agency_id": svc.agency}, follow_redirects=False)
    assert drafted.status_code == 303, drafted.text
    decree_path = drafted.headers["location"]
    name = _name(small_export, approved_nip)
    shown = client.get(decree_path).text
    assert "800.1.3.3/001/BKPSDM/" in shown and name in shown
    sk_pdf = _pdf_text(client.get(f"{decree_path}/sk.pdf").content)
    for needed in (
        "PEMERINTAH KOTA CONTOH",
        "KEPUTUSAN WALI KOTA CONTOH",
        "PEMBERHENTIAN DARI DAN PENGANGKATAN DALAM JABATAN",
        "Menimbang",
        "Mengingat",
        "Undang-Undang Nomor 20 Tahun 2023",
        "LAMPIRAN",
        approved_nip,
        name,
        "Dr. Ir. Rahmat Hidayat, M.Si.",
    ):
        assert needed in sk_pdf, needed
    docx = Document(io.BytesIO(client.get(f"{decree_path}/sk.docx").content))
    words = "\n".join(p.text for p in docx.paragraphs)
    cells = [c.text for row in docx.tables[0].rows for c in row.cells]
    assert "Menimbang:" in words and "KEPUTUSAN WALI KOTA CONTOH" in words
    assert approved_nip in cells and name in cells
    siasn = client.get(f"{decree_path}/siasn.csv")
    assert siasn.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(siasn.text)))
    assert tuple(rows[0]) == SIASN_COLUMNS and len(rows) == 2
    assert rows[1][0] == approved_nip and rows[1][9].startswith("800.1.3.3/001/")
    assert client.post("/decrees", data={"agency_id": svc.agency}).status_code == 409

    published = client.post(
        "/announcements", data={"agency_id": svc.agency}, follow_redirects=False
    )
    assert published.status_code == 303, published.text
    notice = client.get(published.headers["location"]).text
    assert name in notice and approved_nip not in notice and "0." not in notice.split("<main")[1]
    notice_pdf = _pdf_text(client.get(f"{published.headers['location']}/pengumuman.pdf").content)
    assert "PENGUMUMAN" in notice_pdf and name in notice_pdf and approved_nip not in notice_pdf
    for action in ("recommendation.return", "recommendation.approve", "decree.draft"):
        assert action in _actions(svc)
    assert "announcement.publish" in _actions(svc)
    assert audit.verify(svc.db).ok


def test_another_agency_sees_a_decree_and_an_announcement_as_missing(svc: Svc) -> None:
    client = svc.client
    sign_in(client, svc.keys["ppk"])
    page = client.get("/approvals").text
    decree = page.split('href="/decrees/')[1][:36]
    notice = page.split('href="/announcements/')[1][:36]
    missing = "00000000-0000-0000-0000-000000000000"
    sign_in(client, svc.keys["other"])
    for path in ("/decrees/{}", "/decrees/{}/siasn.csv", "/announcements/{}"):
        theirs, none = client.get(path.format(decree if "decree" in path else notice)), None
        none = client.get(path.format(missing))
        assert theirs.status_code == none.status_code == 404
    assert client.get(f"/approvals?agency={svc.agency}").status_code == 404
    sign_in(client, svc.keys["auditor"])
    assert client.get(f"/decrees/{decree}").status_code == 200
    assert client.get(f"/decrees/{decree}/siasn.csv").status_code == 403


def test_the_committee_may_not_approve_nor_the_recommender(svc: Svc, small_export: Export) -> None:
    _, decision_id, _ = _recommend(svc, _vacancies(small_export, svc.agency)[2], 0)
    sign_in(svc.client, svc.keys["committee"])
    refused = svc.client.post(f"/approvals/d{decision_id}", data={"verdict": "APPROVED"})
    assert refused.status_code == 403


def test_an_exception_is_approved_only_with_the_ppk_s_own_word(
    svc: Svc, small_export: Export
) -> None:
    vacancy = _vacancies(small_export, svc.agency)[3]
    scored = svc.engine.score(
        svc.engine.candidates({"agency_id": svc.agency}), svc.engine.position(vacancy)
    )
    row = int(np.flatnonzero(~np.asarray(scored.verdict.eligible, dtype=bool))[0])
    nip = str(scored.pool.nips[row])
    shortlist = svc.api("committee", "/v1/shortlists", {"position_id": vacancy, "k": 5})
    sid = shortlist["shortlist_id"]
    for who in ("committee", "ppk"):
        svc.api(who, f"/v1/shortlists/{sid}/declarations", {"kind": "none"})
    warnings = {
        o.id: "Sudah dibahas tim; kebutuhan unit diutamakan."
        for o in scored.verdict.outcomes_for(row)
        if o.applies and not o.passed and scored.verdict.results[o.id].rule.severity != "hard"
    }
    made = svc.api(
        "committee",
        f"/v1/shortlists/{sid}/decisions",
        {
            "nip": nip,
            "decision": "SELECTED",
            "reason": REASON,
            "justification": JUSTIFICATION,
            "override_basis": BASIS,
            "warning_answers": warnings,
        },
    )
    sign_in(svc.client, svc.keys["ppk"])
    path = f"/approvals/d{made['decision_id']}"
    plain = svc.client.post(path, data={"verdict": "APPROVED"})
    assert plain.status_code == 422 and "approve_exception" in plain.text
    assert "Pengecualian aturan wajib" in svc.client.get("/approvals").text
    both = svc.client.post(
        path, data={"verdict": "APPROVED", "approve_exception": "yes"}, follow_redirects=False
    )
    assert both.status_code == 303, both.text
    assert {"override.approve", "recommendation.approve"} <= set(_actions(svc))


def test_the_office_file_is_validated_strictly(tmp_path: Path) -> None:
    good = OFFICE.format(agency="A1")
    for bad, what in (
        (good.replace("place: Contoh", "place: Contoh\n    colour: red"), "A1.colour"),
        (good.replace("{seq:03d}", "{nomor}"), "A1.number_format"),
        (good.replace("Wali Kota", "Camat"), "A1.head_title"),
        (good.replace("approval_days: 0", "approval_days: -1"), "approval_days"),
    ):
        path = tmp_path / f"{abs(hash(bad))}.yaml"
        path.write_text(bad, encoding="utf-8")
        with pytest.raises(offices.ConfigError, match=what):
            offices.load(path)
    path = tmp_path / "good.yaml"
    path.write_text(good, encoding="utf-8")
    office = offices.require_office(path, "A1")
    assert office.number(7, AS_OF) == "800.1.3.3/007/BKPSDM/2026"
    with pytest.raises(offices.InputError, match="no decree configuration for agency B2"):
        offices.require_office(path, "B2")


# -- the matrix of these pages: role x action x (own / other agency / missing) ----------------

CAN = {
    "committee": {"decree.read", "siasn.export", "announcement.read", "decree.draft"}
    | {"announcement.publish"},
    "ppk": {"decree.read", "siasn.export", "announcement.read", "decree.draft"}
    | {"announcement.publish", "decision.approve"},
    "admin": {"decree.read", "siasn.export", "announcement.read"},
    "auditor": {"decree.read", "announcement.read"},
}
"""Written out here, not read from the policy it checks."""
EVERYWHERE = {"auditor"}
DONE = {"decree.draft": {303, 409}, "announcement.publish": {303, 409}, "decision.approve": {303}}
OTHER = "PEMKAB-LAIN"


def _copy_to_other(svc: Svc, table: sa.Table, key: str, row_id: str) -> str:
    """The same stored object under another agency (a new id): the wall's other side."""
    with svc.db.begin() as connection:
        row = dict(
            connection.execute(sa.select(table).where(table.c[key] == row_id)).one()._mapping
        )
        row |= {key: str(uuid.uuid4()), "agency_id": OTHER}
        connection.execute(table.insert().values(**row))
    return row[key]


def test_the_matrix_of_decrees_announcements_and_answers(fresh: Svc, small_export: Export) -> None:
    svc = fresh
    post = _vacancies(small_export, svc.agency)[0]
    _, decision_id, _ = _recommend(svc, post, 0)
    ppk = key_principal(svc.db, svc.keys["ppk"])
    approvals.answer(svc.db, ppk, f"d{decision_id}", "APPROVED", "")
    office = offices.require_office(svc.client.app.state.settings.decree_config, svc.agency)
    decree = decrees.draft(svc.db, svc.engine, ppk, svc.agency, office, AS_OF)["decree_id"]
    notice = announcements.publish(svc.db, svc.engine, ppk, svc.agency)["announcement_id"]
    _, waiting, _ = _recommend(svc, _vacancies(small_export, svc.agency)[1], 0)
    missing = "00000000-0000-0000-0000-000000000000"
    ids = {
        "decree": {"own": decree, "other": _copy_to_other(svc, decree_rows, "decree_id", decree)},
        "announcement": {
            "own": notice,
            "other": _copy_to_other(svc, announcement_rows, "announcement_id", notice),
        },
        "agency": {"own": svc.agency, "other": OTHER, "missing": "NO-SUCH-AGENCY"},
        "key": {"own": f"d{waiting}", "missing": "d2147483647"},
    }
    ids["decree"]["missing"] = ids["announcement"]["missing"] = missing
    calls = {
        "decree.read": lambda w: ("GET", f"/decrees/{ids['decree'][w]}", None),
        "siasn.export": lambda w: ("GET", f"/decrees/{ids['decree'][w]}/siasn.csv", None),
        "announcement.read": lambda w: ("GET", f"/announcements/{ids['announcement'][w]}", None),
        "decree.draft": lambda w: ("POST", "/decrees", {"agency_id": ids["agency"][w]}),
        "announcement.publish": lambda w: (
            "POST",
            "/announcements",
            {"agency_id": ids["agency"][w]},
        ),
        "decision.approve": lambda w: (
            "POST",
            f"/approvals/{ids['key'][w]}",
            {"verdict": "APPROVED"},
        ),
    }
    svc.keys["admin"] = create_api_key(svc.db, "admin", svc.agency)[1]
    wrong = []
    for role in ("none", "auditor", "admin", "committee", "ppk"):
        svc.client.cookies.clear()
        svc.client.headers.pop("x-csrf-token", None)
        if role != "none":
            sign_in(svc.client, svc.keys[role])
        for action, call in calls.items():
            bodies = {}
            for where in ("missing", "other", "own"):
                if where not in ids["key"] and action == "decision.approve":
                    continue  # a recommendation of the other agency: see the policy cells
                method, path, data = call(where)
                got = svc.client.request(method, path, data=data, follow_redirects=False)
                bodies[where] = got.content
                want = _expected(role, action, where)
                if got.status_code not in want:
                    wrong.append(f"{role} {action} {where}: {got.status_code} not {want}")
            walled = role in CAN and action in CAN[role] and role not in EVERYWHERE
            if walled and "other" in bodies and bodies["other"] != bodies["missing"]:
                wrong.append(f"{role} {action}: other's answer differs from missing")
    assert wrong == []


def _expected(role: str, action: str, where: str) -> set[int]:
    if role == "none":
        return {303}
    if action not in CAN[role]:
        return {403}
    if where == "missing" or (where == "other" and role not in EVERYWHERE):
        return {404}
    return DONE.get(action, {200})


def test_the_api_answers_drafts_publishes_and_exports(fresh: Svc, small_export: Export) -> None:
    svc = fresh
    post = _vacancies(small_export, svc.agency)[2]
    _, decision_id, nip = _recommend(svc, post, 0)
    client = svc.client
    client.cookies.clear()
    listed = client.get("/v1/recommendations", headers=svc.header("ppk"))
    assert listed.status_code == 200
    mine = next(r for r in listed.json() if r["key"] == f"d{decision_id}")
    assert mine["stage"] == "approval" and mine["overdue"] is True  # 0 days allowed
    path = f"/v1/recommendations/d{decision_id}/answer"
    refused = client.post(path, json={"verdict": "MAYBE"}, headers=svc.header("ppk"))
    assert refused.status_code == 422
    by_committee = client.post(path, json={"verdict": "APPROVED"}, headers=svc.header("committee"))
    assert by_committee.status_code == 403
    done = client.post(path, json={"verdict": "APPROVED"}, headers=svc.header("ppk"))
    assert done.status_code == 200 and done.json()["stage"] == "decree"
    made = svc.api("ppk", "/v1/decrees", {"agency_id": svc.agency})
    assert nip in [m["nip"] for m in made["moves"]]
    got = client.get(f"/v1/decrees/{made['decree_id']}/siasn.csv", headers=svc.header("ppk"))
    assert got.status_code == 200 and nip in got.text
    notice = svc.api("committee", "/v1/announcements", {"agency_id": svc.agency})
    assert notice["entries"] and nip not in str(notice)
    other = client.get(
        f"/v1/announcements/{notice['announcement_id']}", headers=svc.header("other")
    )
    missing = client.get(
        "/v1/announcements/00000000-0000-0000-0000-000000000000", headers=svc.header("other")
    )
    assert other.status_code == missing.status_code == 404 and other.content == missing.content
