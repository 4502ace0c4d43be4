"""The employee's pages in a real headless Chromium at phone width (360 px), with axe-core.

Sign in with the NIP, the open posts, my fit, interest, career preferences and a move request;
a screenshot of each step (``test-artifacts/me-*.png``) and no serious or critical axe finding.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect, sync_playwright

from features.export import Export
from serving.app import create_app
from serving.employees import create_employee
from serving.engine import Engine
from tests.conftest import CHROMIUM
from tests.serving.conftest import service_settings
from tests.serving.test_browser_review import ARTIFACTS, FLAGS, _serving
from training.bundle import RankerBundle

PHONE = {"width": 360, "height": 780}
SERIOUS = {"serious", "critical"}


def _step(page: Page, name: str) -> None:
    """Screenshot the page, check it fits 360 px, and that axe finds nothing serious."""
    page.screenshot(path=str(ARTIFACTS / f"me-{name}.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{name}: {width}px wide"
    found = Axe().run(page).response["violations"]
    serious = [(v["id"], v["impact"]) for v in found if v["impact"] in SERIOUS]
    assert serious == [], f"{name}: {serious}"


@pytest.mark.browser
def test_an_employee_walks_posts_fit_interest_and_aspirations_on_a_phone(
    small_export: Export, ranker: RankerBundle, tmp_path: Path, vacancy: str
) -> None:
    settings = service_settings(tmp_path)
    app = create_app(settings, engine=Engine.build(small_export, ranker, settings))
    agency = str(small_export.positions["agency_id"].iloc[0])
    staff = small_export.employees
    nip = str(
        staff.loc[(staff["agency_id"] == agency) & (staff["status"] == "ACTIVE"), "nip"].iloc[0]
    )
    ARTIFACTS.mkdir(exist_ok=True)
    with _serving(app) as base, sync_playwright() as playwright:
        create_employee(app.state.db, small_export, nip, agency, "sandi-pegawai-123")
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        page = browser.new_page(viewport=PHONE)  # the pages carry no script of their own
        page.goto(base)
        page.fill("#user", nip)
        page.fill("#password", "sandi-pegawai-123")
        page.click("button[type=submit]")
        expect(page.get_by_role("heading", name="Halaman Saya")).to_be_visible()
        page.get_by_role("link", name="Jabatan yang dibuka").first.click()
        expect(page.get_by_role("heading", name="Jabatan yang dibuka")).to_be_visible()
        _step(page, "1-posts")
        page.goto(f"{base}/me/posts/{vacancy}")
        expect(page.get_by_role("heading", name="Posisi saya")).to_be_visible()
        _step(page, "2-fit")
        page.get_by_role("button", name="Saya berminat").click()
        expect(page.get_by_role("status")).to_contain_text("Minat Anda sudah tercatat")
        page.goto(f"{base}/me/aspirations")
        page.select_option("#unit-0", index=1)
        page.fill("#region-0", "Palembang")
        page.get_by_role("button", name="Simpan minat karier").click()
        expect(page.get_by_role("status")).to_contain_text("Minat karier Anda sudah disimpan")
        page.fill("#reason", "Ingin dekat dengan keluarga di Lubuklinggau.")
        page.get_by_role("button", name="Ajukan permohonan").click()
        expect(page.get_by_role("status")).to_contain_text("Permohonan pindah Anda sudah diajukan")
        _step(page, "3-aspirations")
        page.goto(f"{base}/me/posts/{vacancy}?lang=en")
        expect(page.get_by_role("heading", name="Where I stand")).to_be_visible()
        _step(page, "4-fit-en")
        browser.close()
