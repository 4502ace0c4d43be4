"""A job-fit rotation of an agency's JPT holders in a real headless Chromium.

The agency gains a vacant JPT post (a *staf ahli*, a copy of its regional secretary's post). The
PPK reads the rotation page (everyone stays, each for a stated reason), opens a job-fit selection
(uji kesesuaian) for the vacant post and registers the holders who may move; a panel member
declares, scores and announces every stage; the PPK reads the page again with the panel's results
as a constraint and as a weight, and with the weight a holder moves to the vacant post.
Screenshots go to ``test-artifacts/rotation-*.png``.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from features.export import Export
from serving.app import create_app
from serving.auth import create_user
from serving.engine import Engine
from serving.jpt_rotation import TenureLimits, jpt_posts, movable, tenure_years
from serving.selections.rules import STAGE_IDS
from tests.conftest import CHROMIUM
from tests.serving.conftest import service_settings
from tests.serving.test_browser_review import ARTIFACTS, FLAGS, _serving
from training.bundle import RankerBundle

PASSWORD = "kata-sandi-uji-123"


def _signed_in(browser: Browser, base: str, name: str) -> Page:
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.goto(base)
    page.fill("#user", name)
    page.fill("#password", PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_load_state()
    return page


def _shot(page: Page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"rotation-{name}.png"), full_page=True)


def _movable_holders(engine: Engine, agency: str) -> list[tuple[str, str]]:
    """(nip, post) of the agency's JPT holders whose time in post admits a job-fit test."""
    posts = set(jpt_posts(engine.export.positions, agency)["position_id"])
    staff = engine.pool.employees
    held = staff.loc[staff["current_position_id"].isin(posts)]
    ok = movable(tenure_years(held["position_since"], engine.as_of), TenureLimits())
    return sorted(
        (str(n), str(p))
        for n, p, keep in zip(held["nip"], held["current_position_id"], ok, strict=True)
        if keep
    )


def _with_vacant_post(export: Export, agency: str) -> tuple[Export, str, str]:
    """``export`` with a vacant JPT post copied from the agency's SETDA head; its id, title."""
    positions = export.positions
    setda = positions.loc[
        (positions["agency_id"] == agency) & positions["position_id"].str.contains("SETDA")
        & positions["position_type"].str.startswith("JPT")
    ].iloc[[0]]  # fmt: skip
    post = setda.assign(
        position_id=setda["position_id"].str.replace("-001", "-090"),
        title="Staf Ahli Bidang Pemerintahan",
        is_vacant=True,
    )
    added = pd.concat([positions, post], ignore_index=True)
    post_id, title = str(post["position_id"].iat[0]), str(post["title"].iat[0])
    return replace(export, positions=added), post_id, title


@pytest.mark.browser
def test_a_job_fit_rotation_among_the_jpt_holders(
    small_export: Export, ranker: RankerBundle, tmp_path: Path
) -> None:
    settings = service_settings(tmp_path)
    agency = str(small_export.positions["agency_id"].iloc[0])
    export, vacant, vacant_title = _with_vacant_post(small_export, agency)
    engine = Engine.build(export, ranker, settings)
    app = create_app(settings, engine=engine)
    holders = _movable_holders(engine, agency)
    assert len(holders) >= 2, "the small export needs two movable JPT holders"
    nips = [n for n, _ in holders]
    all_holders = engine.pool.employees["current_position_id"].isin(
        set(jpt_posts(export.positions, agency)["position_id"])
    )
    ARTIFACTS.mkdir(exist_ok=True)
    with _serving(app) as base, sync_playwright() as playwright:
        db = app.state.db
        create_user(db, "ppk", agency, "Ibu PPK", "2" * 18, PASSWORD)
        for i, name in enumerate(("Ketua Pansel", "Anggota Satu", "Anggota Dua")):
            create_user(db, "panel", agency, name, str(i + 5) * 18, PASSWORD)
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)

        ppk = _signed_in(browser, base, "Ibu PPK")
        ppk.click("nav >> text=Rotasi JPT")
        expect(ppk.get_by_role("heading", name="Rotasi JPT (uji kesesuaian)")).to_be_visible()
        rows = ppk.locator("#rotation tbody tr")
        expect(rows).to_have_count(int(np.count_nonzero(all_holders)))
        for row in rows.all():
            expect(row.locator("td.reason")).not_to_be_empty()
        expect(ppk.locator("#rotation")).to_contain_text("masa jabatan")  # stay, explained
        expect(ppk.locator("#rotation-matrix")).to_contain_text("⌂")
        expect(ppk.locator("#rotation .appointed").first).to_contain_text("seleksi terbuka")
        _shot(ppk, "1-plan")

        ppk.goto(base + "/selections")
        ppk.select_option("select[name=kind]", "jobfit")
        ppk.fill("input[name=title]", "Uji Kesesuaian JPT Pratama 2026")
        ppk.check(f"input[name=position_id][value='{vacant}']")
        for box in ppk.locator("input[name=panel]").all():
            box.check()
        ppk.locator("label:has-text('Ketua Pansel') + label input[name=chair]").check()
        ppk.click("#open-form button[type=submit]")
        ppk.wait_for_url("**/selections/*")
        for nip in nips:
            ppk.fill("#register-form input[name=nip]", nip)
            ppk.select_option("#register-form select[name=position_id]", vacant)
            ppk.click("#register-form button[type=submit]")
            expect(ppk.locator("#candidate-list")).to_contain_text(nip)
        url = ppk.url.split("#")[0]
        selection_id = url.rstrip("/").rsplit("/", 1)[1]

        member = _signed_in(browser, base, "Anggota Satu")
        member.goto(url)
        member.click("#declare-form button[type=submit]")
        for stage in STAGE_IDS:
            for nip in nips:
                member.select_option("#result-form select[name=nip]", nip)
                member.fill("#result-form input[name=score]",
                            "100" if stage == "administrative" else "88")  # fmt: skip
                member.click("#result-form button[type=submit]")
                member.wait_for_load_state()
            member.click("#announce-form button[type=submit]")
            member.wait_for_load_state()
        expect(member.locator("#results-heading")).to_contain_text("Semua tahap")

        ppk.goto(base + "/jpt-rotation")
        ppk.select_option("#rotation-form select[name=selection_id]", selection_id)
        ppk.select_option("#rotation-form select[name=panel]", "constraint")
        ppk.click("#rotation-form button[type=submit]")
        ppk.wait_for_load_state()
        expect(ppk.locator("#rotation-summary")).to_be_visible()
        expect(ppk.locator("#rotation-matrix")).to_contain_text("P ")  # the panel's passes
        for row in ppk.locator("#rotation tbody tr[data-stays='false']").all():
            expect(row).to_contain_text(vacant_title)  # a move only where the panel passed
        _shot(ppk, "2-panel-constraint")

        ppk.select_option("#rotation-form select[name=selection_id]", selection_id)
        ppk.select_option("#rotation-form select[name=panel]", "weight")
        ppk.click("#rotation-form button[type=submit]")
        ppk.wait_for_load_state()
        moved = ppk.locator("#rotation tbody tr[data-stays='false']")
        expect(moved).to_have_count(1)  # one vacant post: the panel's score draws one holder
        expect(moved).to_contain_text(vacant_title)
        expect(moved.locator("td.reason")).to_contain_text("Dipindahkan")
        expect(ppk.locator("#rotation-summary")).to_contain_text("nilai akhir panitia")
        expect(ppk.locator("#rotation-summary")).to_contain_text("1 dari")
        _shot(ppk, "3-panel-weight")

        ppk.goto(base + "/jpt-rotation?lang=en")
        expect(ppk.locator("h1")).to_contain_text("JPT rotation")
        _shot(ppk, "4-english")
        browser.close()
