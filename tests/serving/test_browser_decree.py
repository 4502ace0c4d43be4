"""Issue 17's round end to end in a real Chromium: the meeting (attendance, a conflict declared,
two posts considered, one divergent with its justification), the PPK approving one and returning
the other, the draft SK, the announcement and the SIASN file; the PDFs rendered to PNG."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from fastapi import FastAPI
from fastapi.testclient import TestClient
from playwright.sync_api import expect, sync_playwright
from pypdf import PdfReader

from features.export import Export
from serving.app import create_app
from serving.auth import create_user, issue_key
from serving.decrees import SIASN_COLUMNS
from serving.engine import Engine
from tests.conftest import CHROMIUM
from tests.serving.conftest import service_settings
from tests.serving.test_browser_review import ARTIFACTS, FLAGS, _serving
from training.bundle import RankerBundle

JUSTIFICATION = "Pengalaman lapangan di unit terpencil; lulusan École de Santé, Győr."
NOTE_RETURN = "Mohon dikaji ulang: kebutuhan unit penerima belum dijelaskan."
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
    deadlines: {{approval_days: 7, decree_days: 14}}
"""


def _vacancies(export: Export, agency: str) -> list[str]:
    p = export.positions
    mask = p["is_vacant"] & p["position_type"].isin(["PENGAWAS", "ADMINISTRATOR"])
    return [str(x) for x in p.loc[mask & (p["agency_id"] == agency), "position_id"]]


class Api:
    """The meeting's steps through the API, each as the person signed in with their key."""

    def __init__(self, app: FastAPI) -> None:
        self.client = TestClient(app)

    def post(self, key: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = self.client.post(
            path, json=body or {}, headers={"Authorization": f"Bearer {key}"}
        )
        assert response.status_code in (200, 201), response.text
        return response.json()

    def get(self, key: str, path: str) -> bytes:
        response = self.client.get(path, headers={"Authorization": f"Bearer {key}"})
        assert response.status_code == 200, response.text
        return response.content


def _png(pdf: Path, stem: str) -> list[Path]:
    """Every page of ``pdf`` rendered by pdftoppm (poppler) into the artefacts folder."""
    tool = shutil.which("pdftoppm")
    assert tool, "pdftoppm (Debian poppler-utils) renders the PDFs to look at"
    subprocess.run([tool, "-png", "-r", "70", str(pdf), str(ARTIFACTS / stem)], check=True)
    return sorted(ARTIFACTS.glob(f"{stem}-*.png"))


def _text(pdf: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(pdf).pages)


def _name(export: Export, nip: str) -> str:
    return str(export.employees.loc[export.employees["nip"] == nip, "name"].iat[0])


@pytest.mark.browser
def test_one_round_from_the_meeting_to_the_siasn_file(
    small_export: Export, ranker: RankerBundle, tmp_path: Path
) -> None:
    agency = str(small_export.positions["agency_id"].iloc[0])
    config = tmp_path / "office.yaml"
    config.write_text(OFFICE.format(agency=agency), encoding="utf-8")
    settings = service_settings(tmp_path).model_copy(update={"decree_config": config})
    app = create_app(settings, engine=Engine.build(small_export, ranker, settings))
    posts = _vacancies(small_export, agency)[:2]
    ARTIFACTS.mkdir(exist_ok=True)
    for old in ARTIFACTS.glob("decree-*"):
        old.unlink()
    with _serving(app) as base, sync_playwright() as playwright:
        db = app.state.db
        people = {
            role: issue_key(db, create_user(db, kind, agency, name, nip, None), 30)[1]
            for role, kind, name, nip in (
                ("chair", "committee", "Siti Rahmawati", "1" * 18),
                ("member", "committee", "André Ma'ruf", "2" * 18),
                ("ppk", "ppk", "Ir. Bambang Sutrisno", "3" * 18),
            )
        }
        api = Api(app)
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        chair, member, page = (_signed_in(browser, base, people[w]) for w in people)
        # shortlists made; the chair declares no relation, the member declares a conflict
        sids, chosen = [], []
        for post in posts:
            chair.goto(base)
            chair.locator(f"form:has(input[value='{post}']) button").click()
            chair.wait_for_url("**/shortlists/*")
            sids.append(chair.url.rsplit("/", 1)[1])
            chair.click("form[action$='/declarations'] button[type=submit]")
            body = json.loads(api.get(people["chair"], f"/v1/shortlists/{sids[-1]}"))
            ranked = [c["nip"] for c in body["candidates"]]
            member.goto(f"{base}/shortlists/{sids[-1]}")
            member.check("input[name=kind][value=relation]")
            member.fill("#related_nips", ranked[-1])
            member.fill("#statement", "Saudara ipar")
            member.click("form[action$='/declarations'] button[type=submit]")
            expect(member.locator("main")).to_contain_text(ranked[-1])
            chosen.append(ranked[0] if not chosen else ranked[2])
        member.screenshot(path=str(ARTIFACTS / "decree-0a-conflict.png"), full_page=True)
        # 1. the meeting opened, attendance taken
        chair.goto(f"{base}/meetings")
        chair.fill("#place", "Ruang Rapat BKPSDM, Jl. Merdeka No. 1")
        for post in posts:
            chair.check(f"input[name=position_id][value='{post}']")
        chair.click("form[action='/meetings'] button[type=submit]")
        chair.wait_for_url("**/meetings/*")
        meeting_url = chair.url
        for who in (chair, member):
            who.goto(meeting_url)
            attend = who.locator("form[action$='/attendance'] button[type=submit]")
            if attend.count():  # the chair may be present from the opening
                attend.click()
        expect(member.locator("main")).not_to_contain_text("tidak hadir")
        # 2. shortlists considered, recommendations made, one divergent with its justification
        chair.goto(meeting_url)
        for post, nip in zip(posts, chosen, strict=True):
            chair.locator(f"form[action$='/shortlists']:has(input[value='{post}']) button").click()
            form = chair.locator(f"form[action$='/considerations']:has(input[value='{post}'])")
            form.locator("select[name=nip]").select_option(nip)
            form.locator("textarea[name=reason]").fill("Hasil sidang tim penilai kinerja")
            if nip != chosen[0]:
                form.locator("textarea[name=justification]").fill(JUSTIFICATION)
            form.locator("button[type=submit]").click()
            expect(chair.get_by_role("alert")).to_have_count(0)
        expect(chair.locator("main")).to_contain_text(JUSTIFICATION)
        chair.screenshot(path=str(ARTIFACTS / "decree-0b-meeting.png"), full_page=True)
        page.goto(f"{base}/approvals")  # an open meeting's considerations may still change
        expect(page.locator("tbody tr").first).to_contain_text("sidang masih dibuka")
        expect(page.locator("tbody form")).to_have_count(0)
        chair.click("form[action$='/close'] button[type=submit]")
        meeting = meeting_url.rstrip("/").rsplit("/", 1)[1]
        minutes = tmp_path / "berita-acara.pdf"
        minutes.write_bytes(api.get(people["chair"], f"/v1/meetings/{meeting}/berita-acara.pdf"))
        assert JUSTIFICATION in _text(minutes).replace("\n", " ")
        assert _png(minutes, "decree-0-berita-acara")

        page.goto(f"{base}/approvals")
        expect(
            page.get_by_role("heading", name="Persetujuan PPK dan tindak lanjut")
        ).to_be_visible()
        rows = page.locator("tbody tr")
        expect(rows).to_have_count(2)
        expect(rows.nth(1)).to_contain_text("Berbeda dari urutan sistem")
        expect(rows.nth(1)).to_contain_text(JUSTIFICATION)
        page.screenshot(path=str(ARTIFACTS / "decree-1-approvals.png"), full_page=True)

        # 3. the PPK declares on each shortlist, approves one, returns the other
        refused = rows.first.locator("form")
        refused.locator("button[value=APPROVED]").click()
        expect(page.get_by_role("alert")).to_contain_text("190(5)")  # not declared yet
        for sid in sids:
            page.goto(f"{base}/shortlists/{sid}")
            page.click("form[action$='/declarations'] button[type=submit]")
        page.goto(f"{base}/approvals")
        rows.first.locator("textarea[name=note]").fill("Sesuai pertimbangan tim.")
        rows.first.locator("button[value=APPROVED]").click()
        expect(rows.first).to_contain_text("Disetujui, menunggu draf SK")
        rows.nth(1).locator("button[value=RETURNED]").click()
        expect(page.get_by_role("alert")).to_contain_text("say why it is returned")
        rows.nth(1).locator("textarea[name=note]").fill(NOTE_RETURN)
        rows.nth(1).locator("button[value=RETURNED]").click()
        expect(rows.nth(1)).to_contain_text("Dikembalikan ke tim")
        expect(rows.nth(1)).to_contain_text(NOTE_RETURN)
        page.screenshot(path=str(ARTIFACTS / "decree-2-answered.png"), full_page=True)

        # 4. the draft SK and the announcement
        page.click("text=Buat draf SK untuk semua yang disetujui")
        page.wait_for_url("**/decrees/*")
        name = _name(small_export, chosen[0])
        expect(page.locator("main")).to_contain_text(name)
        expect(page.locator("main")).to_contain_text("800.1.3.3/001/BKPSDM/")
        expect(page.locator("main")).not_to_contain_text(_name(small_export, chosen[1]))
        page.screenshot(path=str(ARTIFACTS / "decree-3-sk.png"), full_page=True)
        files = {}
        for link in ("#sk-pdf", "#sk-docx", "#siasn-csv"):
            with page.expect_download() as download:
                page.click(link)
            files[link] = tmp_path / download.value.suggested_filename
            download.value.save_as(files[link])
        sk = _text(files["#sk-pdf"])
        for needed in (
            "KEPUTUSAN WALI KOTA CONTOH",
            "PEMBERHENTIAN DARI DAN PENGANGKATAN DALAM JABATAN",
            "Menimbang",
            "Mengingat",
            "LAMPIRAN",
            chosen[0],
            name,
        ):
            assert needed in sk, needed
        assert len(_png(files["#sk-pdf"], "decree-4-sk-pdf")) >= 2
        cells = [c.text for r in Document(str(files["#sk-docx"])).tables[0].rows for c in r.cells]
        assert chosen[0] in cells and name in cells

        # 5. the SIASN CSV
        rows_csv = list(csv.reader(io.StringIO(files["#siasn-csv"].read_text(encoding="utf-8"))))
        assert tuple(rows_csv[0]) == SIASN_COLUMNS
        assert [r[0] for r in rows_csv[1:]] == [chosen[0]]

        page.goto(f"{base}/approvals")
        page.click("text=Terbitkan pengumuman hasil")
        page.wait_for_url("**/announcements/*")
        expect(page.locator("main table")).to_contain_text(name)
        expect(page.locator("main table")).not_to_contain_text(chosen[0])
        page.screenshot(path=str(ARTIFACTS / "decree-5-announcement.png"), full_page=True)
        with page.expect_download() as download:
            page.click("#announcement-pdf")
        notice = tmp_path / "pengumuman.pdf"
        download.value.save_as(notice)
        assert name in _text(notice) and chosen[0] not in _text(notice)
        assert _png(notice, "decree-6-pengumuman")
        page.goto(f"{base}/approvals?lang=en")
        expect(
            page.get_by_role("heading", name="The PPK's approval and what follows")
        ).to_be_visible()
        expect(page.locator("tbody tr").nth(1)).to_contain_text("Returned to the committee")
        page.screenshot(path=str(ARTIFACTS / "decree-7-approvals-en.png"), full_page=True)
        browser.close()


def _signed_in(browser: Any, base: str, key: str) -> Any:
    """A page of its own browser context (its own cookies), signed in with ``key``."""
    page = browser.new_context(
        viewport={"width": 1366, "height": 900}, accept_downloads=True
    ).new_page()
    page.goto(base)
    page.fill("#key", key)
    page.click("form:has(#key) button[type=submit]")
    expect(page.locator("header")).to_contain_text("Keluar")
    return page
