"""The review page in a real headless Chromium (Debian's), driven by Playwright."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from playwright.sync_api import expect, sync_playwright

from features.export import Export
from serving.app import create_app
from serving.auth import create_api_key
from serving.engine import Engine
from tests.conftest import CHROMIUM
from tests.serving.conftest import service_settings
from training.bundle import RankerBundle

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def _serving(app: FastAPI) -> Iterator[str]:
    """Serve ``app`` with uvicorn on a free local port in a thread; yield its base URL."""
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.1)
    assert server.started
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@pytest.mark.browser
def test_committee_signs_in_reviews_decides_and_downloads(
    small_export: Export, ranker: RankerBundle, tmp_path: Path, vacancy: str
) -> None:
    settings = service_settings(tmp_path)
    app = create_app(settings, engine=Engine.build(small_export, ranker, settings))
    agency = str(small_export.positions["agency_id"].iloc[0])
    ARTIFACTS.mkdir(exist_ok=True)
    with _serving(app) as base, sync_playwright() as playwright:
        key = create_api_key(app.state.db, "committee", agency)[1]  # the lifespan made the db
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        page = browser.new_page(viewport={"width": 1366, "height": 900}, accept_downloads=True)
        page.goto(base)
        page.fill("#key", "wrong-key")
        page.click("button[type=submit]")
        expect(page.get_by_role("alert")).to_contain_text("Kunci tidak dikenal")
        page.fill("#key", key)
        page.click("button[type=submit]")
        expect(page.get_by_role("heading", name="Lowongan jabatan")).to_be_visible()
        page.screenshot(path=str(ARTIFACTS / "review-1-vacancies.png"), full_page=True)

        page.locator(f"form:has(input[value='{vacancy}']) button").click()
        page.wait_for_url("**/shortlists/*")
        expect(page.locator("tbody tr").first).to_be_visible()
        page.screenshot(path=str(ARTIFACTS / "review-2-shortlist.png"), full_page=True)

        page.click("form[action$='/declarations'] button[type=submit]")
        second = page.locator("#nip option").nth(1).get_attribute("value")
        page.select_option("#nip", index=1)
        page.select_option("#decision", "SELECTED")
        page.fill("#reason", "hasil wawancara")
        for answer in page.locator("textarea[name=warning_answer]").all():
            answer.fill("Sudah dibahas dalam rapat tim.")
        page.click("form[action$='/decisions'] button[type=submit]")
        expect(page.locator("#justify")).to_be_visible()
        page.screenshot(path=str(ARTIFACTS / "review-3-justification.png"), full_page=True)

        page.fill("#justification", "Memiliki sertifikasi keahlian yang dibutuhkan unit ini.")
        page.click("form[action$='/decisions'] button[type=submit]")
        expect(page.locator("table").last).to_contain_text("SELECTED")
        expect(page.locator("table").last).to_contain_text("ya")

        with page.expect_download() as download:
            page.click("text=Unduh CSV")
        text = Path(download.value.path()).read_text(encoding="utf-8")
        assert second in text and "SELECTED" in text

        page.check("tbody input[type=checkbox] >> nth=0")
        page.check("tbody input[type=checkbox] >> nth=1")
        page.click("text=Bandingkan calon terpilih")
        expect(page.get_by_role("heading", name="Bandingkan")).to_be_visible()
        page.goto(page.url + "&lang=en")
        expect(page.get_by_role("heading", name="Compare")).to_be_visible()
        page.screenshot(path=str(ARTIFACTS / "review-4-compare.png"), full_page=True)
        browser.close()


@pytest.mark.browser
def test_committee_runs_a_campaign_reads_it_and_downloads_the_csv(
    small_export: Export, ranker: RankerBundle, tmp_path: Path
) -> None:
    settings = service_settings(tmp_path)
    app = create_app(settings, engine=Engine.build(small_export, ranker, settings))
    ARTIFACTS.mkdir(exist_ok=True)
    with _serving(app) as base, sync_playwright() as playwright:
        agency = str(small_export.positions["agency_id"].iloc[0])
        key = create_api_key(app.state.db, "committee", agency)[1]
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        page = browser.new_page(viewport={"width": 1366, "height": 900}, accept_downloads=True)
        page.goto(base)
        page.fill("#key", key)
        page.click("button[type=submit]")
        expect(page.get_by_role("heading", name="Kampanye rotasi")).to_be_visible()
        expect(page.get_by_text("Belum ada kampanye.")).to_be_visible()
        page.check("input[name=scope][value=selected]")  # nothing ticked: the form comes back
        page.fill("#max_unit_pct", "15")
        page.click("text=Jalankan kampanye")
        expect(page.get_by_role("alert")).to_contain_text("Centang minimal satu lowongan")
        expect(page.locator("#max_unit_pct")).to_have_value("15")
        page.screenshot(path=str(ARTIFACTS / "review-5a-campaign-error.png"), full_page=True)
        page.check("input[name=scope][value=agency]")
        page.fill("#chain_depth", "2")
        page.fill("#max_unit_pct", "20")
        page.screenshot(path=str(ARTIFACTS / "review-5-campaign-form.png"), full_page=True)

        page.click("text=Jalankan kampanye")
        page.wait_for_url("**/campaigns/*")
        campaign_url = page.url
        expect(
            page.get_by_role(
                "heading", name=f"Kampanye rotasi: instansi {agency}, semua lowongan terbuka"
            )
        ).to_be_visible()
        expect(page.get_by_role("note")).to_contain_text("keputusan tetap di tangan tim")
        moves = page.locator("#moves tbody tr")
        expect(moves.first).to_be_visible()
        assert moves.count() >= 1
        expect(page.locator("#fairness")).to_contain_text("Jenis kelamin")
        page.screenshot(path=str(ARTIFACTS / "review-6-campaign.png"), full_page=True)

        with page.expect_download() as download:
            page.click("text=Unduh CSV")
        assert download.value.suggested_filename.startswith("campaign-")
        text = Path(download.value.path()).read_text(encoding="utf-8")
        assert text.startswith("round,position_id,")
        assert text.count("PROPOSED") == moves.count()

        first_position = moves.first.locator("input[name=position_id]").get_attribute("value")
        moves.first.get_by_role("button").click()  # each move is decided on its shortlist
        page.wait_for_url("**/shortlists/*")
        expect(page.locator("h1")).to_contain_text("Daftar calon")
        expect(page.locator("main")).to_contain_text(first_position)

        page.goto(base)
        expect(page.locator(f"a[href='{campaign_url[len(base) :]}']")).to_be_visible()
        page.goto(campaign_url + "?lang=en")
        expect(page.get_by_role("heading", name="Proposed moves")).to_be_visible()
        page.screenshot(path=str(ARTIFACTS / "review-7-campaign-en.png"), full_page=True)
        browser.close()
