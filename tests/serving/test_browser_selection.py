"""An open JPT selection end to end in a real headless Chromium: the PPK opens it, the panel
declares, scores and announces each stage, the chair proposes three names, the PPK chooses.

Screenshots go to ``test-artifacts/selection-*.png``; the announcement and the berita acara are
downloaded, their text read with pypdf and their first pages drawn to PNG with pdftoppm.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from pypdf import PdfReader

from features.export import Export
from serving.app import create_app
from serving.auth import create_user
from serving.engine import Engine
from serving.selections.rules import STAGE_IDS
from tests.conftest import CHROMIUM
from tests.serving.conftest import service_settings
from tests.serving.test_browser_review import ARTIFACTS, FLAGS, _serving
from training.bundle import RankerBundle

PASSWORD = "kata-sandi-uji-123"
SCORES = (90, 85, 80, 75)


def _signed_in(browser: Browser, base: str, name: str) -> Page:
    page = browser.new_page(viewport={"width": 1366, "height": 900}, accept_downloads=True)
    page.goto(base)
    page.fill("#user", name)
    page.fill("#password", PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_load_state()
    return page


def _shot(page: Page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"selection-{name}.png"), full_page=True)


def _pdf(page: Page, link: str, name: str) -> str:
    """Download the PDF behind ``link``; keep it and its first page as PNG; return its text."""
    with page.expect_download() as download:
        page.click(link)
    path = ARTIFACTS / f"selection-{name}.pdf"
    download.value.save_as(path)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "1", str(path),
         str(ARTIFACTS / f"selection-{name}")],
        check=True,
    )  # fmt: skip
    return "".join(p.extract_text() for p in PdfReader(path).pages)


@pytest.mark.browser
def test_an_open_selection_from_opening_to_the_announcement(
    small_export: Export, ranker: RankerBundle, tmp_path: Path
) -> None:
    settings = service_settings(tmp_path)
    app = create_app(settings, engine=Engine.build(small_export, ranker, settings))
    positions = small_export.positions
    agency = str(positions["agency_id"].iloc[0])
    post = str(positions.loc[positions["position_type"] == "JPT_PRATAMA", "position_id"].iloc[1])
    e = small_export.employees
    nips = list(e.loc[e["status"] == "ACTIVE", "nip"].astype(str).iloc[20:24])
    ARTIFACTS.mkdir(exist_ok=True)
    with _serving(app) as base, sync_playwright() as playwright:
        db = app.state.db
        create_user(db, "ppk", agency, "Ibu PPK", "2" * 18, PASSWORD)
        for i, name in enumerate(("Ketua Pansel", "Anggota Satu", "Anggota Dua")):
            create_user(db, "panel", agency, name, str(i + 5) * 18, PASSWORD)
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)

        ppk = _signed_in(browser, base, "Ibu PPK")
        ppk.click("nav >> text=Seleksi JPT")
        expect(ppk.get_by_role("heading", name="Seleksi JPT")).to_be_visible()
        ppk.fill("input[name=title]", "Seleksi Terbuka JPT Pratama 2026")
        ppk.check(f"input[name=position_id][value='{post}']")
        for box in ppk.locator("input[name=panel]").all():
            box.check()
        ppk.locator("label:has-text('Ketua Pansel') + label input[name=chair]").check()
        _shot(ppk, "1-open-form")
        ppk.click("#open-form button[type=submit]")
        ppk.wait_for_url("**/selections/*")
        for nip in nips:
            ppk.fill("#register-form input[name=nip]", nip)
            ppk.click("#register-form button[type=submit]")
            expect(ppk.locator("#candidate-list")).to_contain_text(nip)
        url = ppk.url.split("#")[0]
        _shot(ppk, "2-candidates")

        member = _signed_in(browser, base, "Anggota Satu")
        member.goto(url)
        member.fill("#result-form input[name=score]", "80")
        member.click("#result-form button[type=submit]")
        expect(member.get_by_role("alert")).to_contain_text("declare")  # declarations first
        member.click("#declare-form button[type=submit]")
        for stage in STAGE_IDS:
            for nip, score in zip(nips, SCORES, strict=True):
                member.select_option("#result-form select[name=nip]", nip)
                member.fill("#result-form input[name=score]",
                            "100" if stage == "administrative" else str(score))  # fmt: skip
                member.click("#result-form button[type=submit]")
                member.wait_for_load_state()
            if stage == "managerial":
                _shot(member, "3-scores")
            member.click("#announce-form button[type=submit]")
            member.wait_for_load_state()
        expect(member.locator("#results-heading")).to_contain_text("Semua tahap")
        expect(member.locator("#candidate-list")).not_to_contain_text("terlambat")

        member.goto(url + "/announcements/managerial")
        expect(member.locator("ol.announcement li")).to_have_count(4)
        assert "85" not in member.locator("main, body").first.inner_text().replace(nips[1], "")
        _shot(member, "4-announcement")
        text = _pdf(member, "text=Unduh PDF", "announcement")
        assert "PENGUMUMAN" in text and all(nip in text for nip in nips)
        assert "90" not in "".join(text.replace(nip, "") for nip in nips[:1])

        chair = _signed_in(browser, base, "Ketua Pansel")
        chair.goto(url)
        chair.click("#declare-form button[type=submit]")
        expect(chair.locator("#propose-form")).to_be_visible()
        for field in chair.locator("#propose-form input[name=reason]").all():
            field.fill("Nilai akhir tertinggi dan rekam jejak baik.")
        divergence = chair.locator("#propose-form textarea[name=divergence_reason]")
        if divergence.count():
            divergence.fill("Panitia memberi bobot lebih pada wawancara dan rekam jejak.")
        _shot(chair, "5-model-and-names")
        chair.click("#propose-form button[type=submit]")
        expect(chair.locator("#proposals .proposal")).to_have_count(1)
        text = _pdf(chair, "#minutes-link", "berita-acara")
        assert "BERITA ACARA" in text and all(nip in text for nip in nips[:3])
        assert nips[3] not in text

        ppk.goto(url)
        ppk.check(f"#ppk-form input[value='{nips[1]}']")
        ppk.click("#ppk-form button[value=chosen]")
        expect(ppk.get_by_role("alert")).to_contain_text("note")
        ppk.check(f"#ppk-form input[value='{nips[1]}']")
        ppk.fill("#ppk-form textarea[name=note]", "Pengalaman lapangan lebih sesuai kebutuhan.")
        ppk.click("#ppk-form button[value=chosen]")
        ppk.wait_for_load_state()
        expect(ppk.locator("#status")).to_have_attribute("data-status", "chosen")
        expect(ppk.locator("#proposals")).to_contain_text("Dipilih PPK")
        _shot(ppk, "6-ppk-choice")
        browser.close()
