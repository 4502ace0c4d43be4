"""The review page in a real headless Chromium (Debian's), driven by Playwright."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import pytest
import uvicorn

from features.export import Export
from serving.app import create_app
from serving.auth import create_api_key
from serving.engine import Engine
from tests.serving.conftest import service_settings
from training.registry import RankerBundle

CHROMIUM = Path("/usr/bin/chromium")
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


@pytest.mark.browser
def test_committee_signs_in_reviews_decides_and_downloads(
    small_export: Export, champion: RankerBundle, tmp_path: Path, vacancy: str
) -> None:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (make install installs it)")
    from playwright.sync_api import expect, sync_playwright

    settings = service_settings(tmp_path)
    app = create_app(settings, engine=Engine.build(small_export, champion, settings))
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.1)
    assert server.started
    agency = str(small_export.positions["agency_id"].iloc[0])
    key = create_api_key(app.state.db, "committee", agency)[1]
    ARTIFACTS.mkdir(exist_ok=True)
    base = f"http://127.0.0.1:{port}"
    try:
        with sync_playwright() as playwright:
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

            second = page.locator("#nip option").nth(1).get_attribute("value")
            page.select_option("#nip", index=1)
            page.select_option("#decision", "SELECTED")
            page.fill("#reason", "hasil wawancara")
            page.fill("#reviewer", "Ketua Tim")
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
    finally:
        server.should_exit = True
        thread.join(timeout=30)
