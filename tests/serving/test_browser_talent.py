"""The talent pages in a real headless Chromium: from the nav to the pools, a key post's
succession list, its PDF for the leadership and a development plan."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from features.export import Export
from serving import talent
from serving.app import create_app
from serving.auth import create_api_key
from serving.engine import Engine
from tests.conftest import CHROMIUM
from tests.serving.conftest import service_settings
from tests.serving.test_browser_review import ARTIFACTS, FLAGS, _serving
from training.bundle import RankerBundle


@pytest.mark.browser
def test_committee_walks_a_succession_list(
    small_export: Export, ranker: RankerBundle, tmp_path: Path
) -> None:
    settings = service_settings(tmp_path)
    engine = Engine.build(small_export, ranker, settings)
    app = create_app(settings, engine=engine)
    agency = str(small_export.positions["agency_id"].iloc[0])
    keys = talent.key_posts(engine, agency)
    post = keys[0]
    expected = talent.succession(engine, engine.position(post["position_id"]), "id")
    ARTIFACTS.mkdir(exist_ok=True)
    with _serving(app) as base, sync_playwright() as playwright:
        key = create_api_key(app.state.db, "committee", agency)[1]
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        page = browser.new_page(viewport={"width": 1366, "height": 900}, accept_downloads=True)
        page.goto(base)
        page.fill("#key", key)
        page.click("button[type=submit]")
        page.get_by_role("link", name="Talenta", exact=True).click()
        expect(page.get_by_role("heading", name="Manajemen talenta")).to_be_visible()
        expect(page.locator("#key-posts tbody tr")).to_have_count(len(keys))
        expect(page.locator("#pools tbody tr").first).to_be_visible()
        expect(page.locator("#choose-family")).to_be_visible()
        page.screenshot(path=str(ARTIFACTS / "talent-1-pools.png"), full_page=True)
        family = str(talent.pools(engine, "id", agency)["job_family"].iloc[0])
        page.locator("#pools tbody").get_by_role("link", name=family).first.click()
        members = talent.pools(engine, "id", agency, family)
        expect(page.locator("#members tbody tr")).to_have_count(len(members))
        page.screenshot(path=str(ARTIFACTS / "talent-1b-members.png"), full_page=True)
        page.get_by_role("link", name="Talenta", exact=True).click()

        page.locator("#key-posts tbody tr").first.get_by_role("link").click()
        expect(page.get_by_role("heading", name=f"Suksesi: {post['title']}")).to_be_visible()
        for which in ("ready_now", "ready_later"):
            rows = page.locator(f"#{which} tbody tr th")
            names = [s["name"] for s in expected[which]]
            if names:
                expect(rows).to_have_count(len(names))
                assert [r.split("\n")[0].rsplit(" ", 1)[0] for r in rows.all_inner_texts()] == names
        page.screenshot(path=str(ARTIFACTS / "talent-2-succession.png"), full_page=True)

        with page.expect_download() as download:
            page.click("text=Unduh PDF untuk pimpinan")
        assert Path(download.value.path()).read_bytes().startswith(b"%PDF")

        page.get_by_role("link", name="Rencana pengembangan").first.click()
        expect(page.get_by_role("heading", name="Rencana pengembangan:")).to_be_visible()
        expect(page.locator("#plan tbody tr").first).to_be_visible()
        page.screenshot(path=str(ARTIFACTS / "talent-3-plan.png"), full_page=True)
        browser.close()
