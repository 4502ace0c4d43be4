"""The staffing gaps page in a real headless Chromium: from the nav to the gaps, a unit's
classes, the trend, the vacancies by need and the CSV."""

from __future__ import annotations

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
def test_committee_walks_through_the_staffing_gaps(
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
        page.get_by_role("link", name="Kebutuhan pegawai").click()
        expect(
            page.get_by_role("heading", name="Kebutuhan dan kesenjangan pegawai")
        ).to_be_visible()
        expect(page.get_by_role("img", name="Grafik selisih per unit")).to_be_visible()
        rows = page.locator("#gaps tbody tr")
        expect(rows).to_have_count(small_export.staffing_needs["unit_id"].nunique())
        expect(page.locator("#trend tbody tr")).to_have_count(3)
        expect(page.locator("#vacancies-by-need tbody tr").first).to_be_visible()
        page.screenshot(path=str(ARTIFACTS / "staffing-1-gaps.png"), full_page=True)

        rows.first.get_by_role("link").click()
        expect(page.locator("#classes tbody tr").first).to_be_visible()
        expect(page.get_by_role("img", name="Grafik selisih per kelas jabatan")).to_be_visible()
        page.screenshot(path=str(ARTIFACTS / "staffing-2-unit.png"), full_page=True)

        with page.expect_download() as download:
            page.click("text=Unduh CSV")
        text = Path(download.value.path()).read_text(encoding="utf-8")
        assert text.startswith("agency_id,unit_id,unit_name,as_of,needed,filled,gap,over,under")
        assert len(text.strip().splitlines()) == 1 + 3  # one unit, three dates
        browser.close()
