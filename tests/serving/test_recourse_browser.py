"""The employee's whole journey and the committee's inbox in a real headless Chromium (Debian's),
at phone width (360 px), JavaScript off (every form works without it), axe-core on each page.

The employee (one a hard rule excluded from a decided post) signs in, sees the open posts, their
fit and recourse, states aspirations and asks to be moved, sees the decision and why, objects;
the committee reads its inbox and answers; the employee sees the answer. The admin answers a
correction request in the same inbox. Screenshots: ``test-artifacts/journey-*.png``.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import uvicorn
from axe_playwright_python.sync_playwright import Axe
from fastapi import FastAPI
from playwright.sync_api import Browser, Page, expect, sync_playwright

from features import i18n
from features.export import Export
from tests.conftest import CHROMIUM
from tests.serving.recourse_world import Decided, decide, password_of
from tests.serving.test_browser_review import ARTIFACTS, FLAGS
from tests.serving.two_agencies import PASSWORD, World, serve_two_agencies
from training.bundle import RankerBundle

PHONE = {"width": 360, "height": 780}
SERIOUS = {"serious", "critical"}
R = i18n.section("recourse", "id")
OBJECTION = "Ijazah S2 saya sudah terbit Maret 2025, tetapi belum tercatat di data kepegawaian."
ANSWER = "Tim penilai menerima keberatan ini; data pendidikan akan diperiksa ulang bersama BKPSDM."


@contextmanager
def _serving(app: FastAPI) -> Iterator[str]:
    """Serve the running ``app`` (its lifespan already run by the test client) on a free port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
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


def _step(page: Page, name: str) -> None:
    """Screenshot; the page fits 360 px; axe finds nothing serious or critical."""
    page.screenshot(path=str(ARTIFACTS / f"journey-{name}.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{name}: {width}px wide"
    found = Axe().run(page).response["violations"]
    serious = [(v["id"], v["impact"]) for v in found if v["impact"] in SERIOUS]
    assert serious == [], f"{name}: {serious}"


def _sign_in(browser: Browser, base: str, user: str, password: str) -> Page:
    page = browser.new_page(viewport=PHONE, java_script_enabled=False)
    page.goto(base)
    page.fill("#user", user)
    page.fill("#password", password)
    page.click("button[type=submit]")
    return page


@pytest.fixture(scope="module")
def world(
    small_export: Export, ranker: RankerBundle, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    yield from serve_two_agencies(small_export, ranker, tmp_path_factory.mktemp("journey"))


@pytest.fixture(scope="module")
def decided(world: World) -> Decided:
    return decide(world)


@pytest.mark.browser
def test_an_employee_walks_from_open_posts_to_the_answer_to_their_objection(
    world: World, decided: Decided
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    nip = decided.excluded
    app = world.client.app
    with _serving(app) as base, sync_playwright() as playwright:  # type: ignore[arg-type]
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        page = _sign_in(browser, base, nip, password_of(world, nip))
        expect(page.get_by_role("heading", name="Halaman Saya")).to_be_visible()
        _step(page, "1-signed-in")
        page.goto(f"{base}/me/posts")
        expect(page.get_by_role("heading", name="Jabatan yang dibuka")).to_be_visible()
        _step(page, "2-open-posts")
        page.goto(f"{base}/me/posts/{decided.post}")
        expect(page.get_by_role("heading", name="Posisi saya")).to_be_visible()
        _step(page, "3-my-fit")
        page.goto(f"{base}/me/aspirations")
        page.select_option("#unit-0", index=1)
        page.get_by_role("button", name="Simpan minat karier").click()
        expect(page.get_by_role("status")).to_contain_text("Minat karier Anda sudah disimpan")
        page.fill("#reason", "Ingin dekat dengan keluarga yang tinggal di Lubuklinggau.")
        page.get_by_role("button", name="Ajukan permohonan").click()
        expect(page.get_by_role("status")).to_contain_text("Permohonan pindah Anda sudah diajukan")
        _step(page, "4-aspiration-and-move")
        page.get_by_role("link", name="Keputusan").first.click()
        expect(page.get_by_role("heading", name=R["decisions_title"])).to_be_visible()
        expect(page.get_by_text(R["outcome_excluded"])).to_be_visible()
        _step(page, "5-decision-and-reasons")
        page.get_by_text(R["object_title"]).first.click()  # <details>: no script needed
        page.get_by_label(R["kind_exclusion"]).first.check()
        page.get_by_label(R["object_text"]).first.fill(OBJECTION)
        page.get_by_role("button", name=R["send_objection"]).first.click()
        expect(page.get_by_role("status")).to_contain_text(R["done_objection"])
        expect(page.locator("#objections")).to_contain_text(R["status_OPEN"])
        _step(page, "6-objection-filed")

        committee = _sign_in(browser, base, world.people["committee"].name, PASSWORD)
        committee.goto(f"{base}/inbox")
        expect(committee.locator("#objections")).to_contain_text(OBJECTION)
        _step(committee, "7a-committee-inbox")
        committee.locator("#objections input[value=UPHELD]").first.check()
        committee.get_by_label(R["answer_text"]).first.fill(ANSWER)
        committee.get_by_role("button", name=R["send_answer"]).first.click()
        expect(committee.get_by_role("status")).to_contain_text(R["done_answer"])
        _step(committee, "7b-committee-answered")

        page.reload()
        expect(page.locator("#objections")).to_contain_text(ANSWER)
        expect(page.locator("#objections")).to_contain_text(R["status_UPHELD"])
        _step(page, "8-answer-seen")
        page.goto(f"{base}/me/decisions?lang=en")
        expect(page.get_by_role("heading", name="Decisions and objections")).to_be_visible()
        _step(page, "9-decisions-en")
        browser.close()


@pytest.mark.browser
def test_the_committee_and_the_admin_work_through_the_inbox(world: World, decided: Decided) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    app = world.client.app
    with _serving(app) as base, sync_playwright() as playwright:  # type: ignore[arg-type]
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        employee = _sign_in(browser, base, decided.listed, password_of(world, decided.listed))
        employee.goto(f"{base}/me/data")
        expect(employee.get_by_role("heading", name=R["used_title"])).to_be_visible()
        _step(employee, "10-my-data")
        employee.get_by_label(R["wrong"]).fill("Golongan tercatat III/a")
        employee.get_by_label(R["should_be"]).fill("III/b sejak April 2024")
        employee.get_by_role("button", name=R["send_correction"]).click()
        expect(employee.get_by_role("status")).to_contain_text(R["done_correction"])
        employee.goto(f"{base}/me/decisions")
        employee.get_by_text(R["object_title"]).first.click()
        employee.get_by_label(R["object_text"]).first.fill(OBJECTION)
        employee.get_by_role("button", name=R["send_objection"]).first.click()
        expect(employee.get_by_role("status")).to_contain_text(R["done_objection"])

        committee = _sign_in(browser, base, world.people["committee"].name, PASSWORD)
        committee.get_by_role("link", name="Kotak masuk").click()
        expect(committee.get_by_role("heading", name=R["inbox_title"], exact=False)).to_be_visible()
        expect(committee.locator("#moves")).not_to_contain_text(R["none_yet"])
        expect(committee.locator("#corrections")).to_contain_text(R["role_admin"])
        _step(committee, "11-committee-inbox")
        committee.locator("#objections input[value=DISMISSED]").first.check()
        committee.get_by_label(R["answer_text"]).first.fill("keliru")  # too short: said, kept
        committee.get_by_role("button", name=R["send_answer"]).first.click()
        expect(committee.get_by_role("alert")).to_contain_text(R["err_answer"])

        admin = _sign_in(browser, base, world.people["admin"].name, PASSWORD)
        admin.goto(f"{base}/inbox")
        expect(admin.locator("#corrections")).to_contain_text("III/b sejak April 2024")
        admin.locator("#corrections input[value=ACCEPTED]").first.check()
        admin.locator("#corrections textarea").first.fill("Sudah diperbaiki di SIASN.")
        admin.locator("#corrections button[type=submit]").first.click()
        expect(admin.get_by_role("status")).to_contain_text(R["done_answer"])
        _step(admin, "12-admin-answered")
        employee.goto(f"{base}/me/data")
        expect(employee.locator("#requests")).to_contain_text("Sudah diperbaiki di SIASN.")
        browser.close()
