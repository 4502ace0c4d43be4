"""Issue 16 in a real headless Chromium: a campaign run by need, who is due for rotation and
the posts that fit them, and the oversight summary."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from features.export import Export
from serving.app import create_app
from serving.auth import create_api_key
from serving.engine import Engine
from tests.conftest import CHROMIUM
from tests.serving.conftest import service_settings
from tests.serving.test_browser_review import ARTIFACTS, FLAGS, _serving
from training.bundle import RankerBundle


@pytest.mark.browser
def test_committee_fills_by_need_and_reads_rotation_and_oversight(
    small_export: Export, ranker: RankerBundle, tmp_path: Path
) -> None:
    settings = service_settings(tmp_path)
    app = create_app(settings, engine=Engine.build(small_export, ranker, settings))
    agency = str(small_export.positions["agency_id"].iloc[0])
    ARTIFACTS.mkdir(exist_ok=True)
    with _serving(app) as base, sync_playwright() as playwright:
        key = create_api_key(app.state.db, "committee", agency)[1]
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        page = browser.new_page(viewport={"width": 1366, "height": 900}, accept_downloads=True)
        page.goto(base)
        page.fill("#key", key)
        page.click("button[type=submit]")

        page.fill("#need_weight", "0,5")
        page.fill("#need_floor_pct", "80")
        page.click("text=Jalankan kampanye")
        page.wait_for_url("**/campaigns/*")
        expect(
            page.get_by_role("heading", name="Kebutuhan pegawai sebelum dan sesudah")
        ).to_be_visible()
        expect(page.locator("#need tbody tr").first).to_be_visible()
        expect(page.locator("#need-closed")).to_have_text(re.compile(r"^[+-]?\d+$"))
        page.locator("#need-heading").scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "need-1-campaign.png"), full_page=True)

        page.get_by_role("link", name="Jatuh tempo rotasi").click()
        expect(page.get_by_role("heading", name=f"Jatuh tempo rotasi: {agency}")).to_be_visible()
        expect(page.locator("#rotation-window")).to_contain_text("tidak menetapkan jendela")
        tables = page.locator("table tbody tr")
        expect(tables.first).to_be_visible()
        page.screenshot(path=str(ARTIFACTS / "need-2-rotation.png"))
        first = page.locator("table tbody tr td:nth-child(2) .muted").first.inner_text()
        family = first.split(" · ")[1]
        page.select_option("select[name=job_family]", family)
        page.click("form[action='/rotation'] button[type=submit]")
        expect(page).to_have_url(re.compile(f".*job_family={family}.*"))
        for cell in page.locator("table tbody tr td:nth-child(2) .muted").all_inner_texts():
            assert cell.endswith(f"· {family}")
        page.locator("table tbody tr").first.get_by_role("link").click()
        expect(page.get_by_role("heading", name="Jabatan lowong yang paling cocok")).to_be_visible()
        page.screenshot(path=str(ARTIFACTS / "need-3-best-posts.png"), full_page=True)

        page.goto(base + "/oversight")
        expect(
            page.get_by_role("heading", name="Ringkasan pengawasan sistem merit")
        ).to_be_visible()
        expect(
            page.get_by_role("img", name="Grafik jumlah pegawai per kotak talenta")
        ).to_be_visible()
        expect(page.locator("#boxes tbody tr")).to_have_count(10)
        expect(page.locator("#campaign-gaps tbody tr")).to_have_count(1)
        page.screenshot(path=str(ARTIFACTS / "need-4-oversight.png"), full_page=True)
        browser.close()
