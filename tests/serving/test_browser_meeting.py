"""A committee meeting in a real headless Chromium: opened, attendance taken by each member
signed in, a conflict declared, a divergent recommendation refused then justified, the meeting
closed and its berita acara downloaded and rendered to PNG (pdftoppm) for a person to look at."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from pypdf import PdfReader

from features.export import Export
from serving.app import create_app
from serving.auth import create_user
from serving.engine import Engine
from tests.conftest import CHROMIUM
from tests.serving.conftest import service_settings
from tests.serving.test_browser_review import ARTIFACTS, FLAGS, _serving
from training.bundle import RankerBundle

PASSWORD = "kata-sandi-uji-123"
MEMBERS = (
    ("Ketut Suryadarma", "1" * 17 + "1"),
    ("André Ma'ruf", "1" * 17 + "2"),
    ("Ilona Erdős", "1" * 17 + "3"),
)
JUSTIFICATION = "Pengalaman lapangan di puskesmas terpencil; lulusan École de Santé, Győr."


def _signed_in(browser: Browser, base: str, name: str) -> Page:
    page = browser.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page.goto(base)
    page.fill("#user", name)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.get_by_role("heading", name="Lowongan jabatan")).to_be_visible()
    return page


def _declare(page: Page, meeting: str, related: str = "") -> None:
    """From the meeting page to the shortlist's declaration form, and back."""
    page.goto(meeting)
    page.click("text=Nyatakan di halaman daftar calon")
    if related:
        page.check("input[name=kind][value=relation]")
        page.fill("#related_nips", related)
    page.click("form[action$='/declarations'] button[type=submit]")
    page.goto(meeting)


@pytest.mark.browser
def test_a_meeting_from_opening_to_the_signed_minutes(
    small_export: Export, ranker: RankerBundle, tmp_path: Path, vacancy: str
) -> None:
    settings = service_settings(tmp_path)
    app = create_app(settings, engine=Engine.build(small_export, ranker, settings))
    agency = str(small_export.positions["agency_id"].iloc[0])
    ARTIFACTS.mkdir(exist_ok=True)
    with _serving(app) as base, sync_playwright() as playwright:
        for name, nip in MEMBERS:
            create_user(app.state.db, "committee", agency, name, nip, PASSWORD)
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        chair, second, third = (_signed_in(browser, base, name) for name, _ in MEMBERS)

        chair.locator(f"form:has(input[value='{vacancy}']) button").click()
        chair.wait_for_url("**/shortlists/*")
        top = chair.locator("#nip option").first.get_attribute("value")
        chair.click("text=Sidang")
        chair.fill("#place", "Ruang Rapat Bappeda, Lt. 2")
        chair.fill("#number", "800/17/BA/2026")
        chair.check(f"input[name=position_id][value='{vacancy}']")
        chair.click("form[action='/meetings'] button[type=submit]")
        chair.wait_for_url("**/meetings/*")
        meeting = chair.url.split("#")[0]
        chair.click("form[action$='/shortlists'] button[type=submit]")
        expect(chair.locator("#agenda ~ section")).to_contain_text("belum menyatakan")
        chair.screenshot(path=str(ARTIFACTS / "meeting-1-opened.png"), full_page=True)

        for member in (second, third):
            member.goto(meeting)
            member.click("text=Catat kehadiran saya")
        _declare(chair, meeting)
        _declare(second, meeting, related=str(top))
        _declare(third, meeting)
        chair.reload()
        expect(chair.locator("#agenda ~ section")).to_contain_text("ada hubungan dengan kandidat")
        chair.screenshot(
            path=str(ARTIFACTS / "meeting-2-attendance-declarations.png"), full_page=True
        )

        chair.select_option("select[name=nip]", index=1)
        chair.fill("textarea[name=reason]", "Paling sesuai dengan kebutuhan unit.")
        chair.click("form[action$='/considerations'] button[type=submit]")
        expect(chair.get_by_role("alert")).to_contain_text("justification")
        chair.screenshot(path=str(ARTIFACTS / "meeting-3-justification.png"), full_page=True)
        chair.select_option("select[name=nip]", index=1)
        chair.fill("textarea[name=reason]", "Paling sesuai dengan kebutuhan unit.")
        chair.fill("textarea[name=justification]", JUSTIFICATION)
        chair.click("form[action$='/considerations'] button[type=submit]")
        expect(chair.locator("#agenda ~ section")).to_contain_text("berbeda dari urutan sistem")

        chair.click("text=Tutup sidang")
        expect(chair.locator("h1 ~ p").first).to_contain_text("ditutup")
        chair.screenshot(path=str(ARTIFACTS / "meeting-4-closed.png"), full_page=True)
        with chair.expect_download() as download:
            chair.click("text=Unduh berita acara (PDF)")
        pdf = Path(download.value.path()).read_bytes()
        browser.close()
    text = "".join("".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages)
    for needed in ("BERITA ACARA", "800/17/BA/2026", "Hadir 3 dari 3", JUSTIFICATION, "Ketua"):
        assert "".join(needed.split()) in text, needed
    path = ARTIFACTS / "meeting-berita-acara.pdf"
    path.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "70", str(path), str(ARTIFACTS / "meeting-berita-acara")],
        check=True,
    )
