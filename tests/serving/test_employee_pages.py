"""The employee's pages: open posts, my fit (a band, never a rank), interest, preferences and
move requests; what the committee then sees; aspirations into the one feature path by date."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from features.build import build_features
from features.candidates import prepare_candidates, subset
from features.export import Export
from serving import audit, employees
from serving.auth import Principal
from serving.engine import merge_aspirations
from tests.serving.conftest import sign_in
from tests.serving.two_agencies import AGENCY_B, PASSWORD, World, serve_two_agencies
from training.bundle import RankerBundle


@pytest.fixture(scope="module")
def world(
    small_export: Export, ranker: RankerBundle, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    yield from serve_two_agencies(small_export, ranker, tmp_path_factory.mktemp("me"))


@pytest.fixture
def me(world: World) -> TestClient:
    """The client signed in as agency A's employee."""
    sign_in(world.client, user=world.people["employee"].name, password=PASSWORD)
    return world.client


def _others(world: World, nip: str) -> list[str]:
    """Every other active employee's NIP and name (none may appear on the employee's pages)."""
    staff = world.export.employees
    staff = staff[(staff["status"] == "ACTIVE") & (staff["nip"] != nip)]
    return [*staff["nip"], *staff["name"]]


def test_open_posts_are_the_agencys_own_with_requirements_and_a_closing_date(
    world: World, me: TestClient
) -> None:
    page = me.get("/me/posts")
    assert page.status_code == 200
    for post in world.vacancies(world.agency_a):
        assert f"/me/posts/{post}" in page.text
    assert world.vacancy(AGENCY_B) not in page.text
    closes = (pd.Timestamp(date(2026, 11, 1)) + pd.Timedelta(days=employees.INTEREST_DAYS)).date()
    assert closes.isoformat() in page.text
    assert "Pasal 54" in page.text and "Berstatus pegawai aktif" in page.text


def test_my_fit_says_rules_band_and_recourse_and_nobody_elses_data(
    world: World, me: TestClient
) -> None:
    nip = world.people["employee"].nip
    post = world.vacancy(world.agency_a)
    page = me.get(f"/me/posts/{post}")
    assert page.status_code == 200, page.text
    bands = ("Di antara yang terkuat", "Dalam jangkauan", "Di bawah standar")
    assert sum(band in page.text for band in bands) == 1
    engine = me.app.state.runtime.current.engine  # type: ignore[attr-defined]
    fit = engine.fit(nip, engine.position(post), "id")
    for rule in fit["eligibility"]:  # the committee's own rule messages, every one
        assert rule["message"] in page.text.replace("&#39;", "'").replace("&amp;", "&")
    leaked = [x for x in _others(world, nip) if str(x) in page.text]
    assert leaked == []
    english = me.get(f"/me/posts/{post}?lang=en")
    assert "Where I stand" in english.text
    me.get("/me?lang=id")


def test_the_band_is_the_committees_scores_quartile(world: World) -> None:
    engine = world.client.app.state.runtime.current.engine  # type: ignore[attr-defined]
    post = engine.position(world.vacancy(world.agency_a))
    scored = engine.score(engine.candidates({"agency_id": world.agency_a}), post)
    best = str(scored.pool.nips[scored.top(1)[0]])
    worst = str(scored.pool.nips[scored.eligible[scored.scores.argmin()]])
    assert employees.standing(engine, best, post) == "strongest"
    assert employees.standing(engine, worst, post) == "below_standard"
    excluded = scored.pool.nips[~scored.verdict.eligible]
    assert employees.standing(engine, str(excluded[0]), post) == "below_standard"


def test_interest_reaches_the_committees_shortlist(world: World, me: TestClient) -> None:
    post = world.vacancy(world.agency_a)
    sent = me.post(f"/me/posts/{post}/interest", follow_redirects=False)
    assert sent.status_code == 303
    assert "Minat Anda sudah tercatat" in me.get(sent.headers["location"]).text
    again = me.post(f"/me/posts/{post}/interest", follow_redirects=False)
    assert again.status_code == 303
    assert employees.interested(me.app.state.db, post) == {world.people["employee"].nip}  # type: ignore[attr-defined]
    engine = me.app.state.runtime.current.engine  # type: ignore[attr-defined]
    scored = engine.score(engine.candidates({"agency_id": world.agency_a}), engine.position(post))
    best, second = (str(scored.pool.nips[row]) for row in scored.top(2))
    employees.express_interest(
        me.app.state.db,  # type: ignore[attr-defined]
        Principal("k", "employee", world.agency_a, "u", "n", best),
        engine.position(post),
    )
    sign_in(me, user=world.people["committee"].name, password=PASSWORD)
    made = me.post("/shortlists", data={"position_id": post, "k": "5"}, follow_redirects=False)
    assert made.status_code == 303, made.text
    listed = me.get(made.headers["location"]).text

    def cell(nip: str) -> str:
        start = listed.index(f"{nip} ·")
        return listed[start : listed.index("</td>", start)]

    assert "Menyatakan berminat" in cell(best)
    assert "Menyatakan berminat" not in cell(second)


def test_preferences_and_a_move_request_are_kept_dated_audited_and_shown(
    world: World, me: TestClient
) -> None:
    posts = world.export.positions
    unit = str(posts.loc[posts["agency_id"] == world.agency_a, "unit_id"].iloc[0])
    family = str(posts["job_family"].iloc[0])
    form = {"job_family": [family, ""], "unit_id": [unit], "region": ["Palembang"]}
    saved = me.post(
        "/me/aspirations", data={**form, "willing_to_move": "ANYWHERE"}, follow_redirects=False
    )
    assert saved.status_code == 303
    page = me.get("/me/aspirations")
    assert "2026-11-01" in page.text and "Palembang" in page.text
    bad = me.post("/me/aspirations", data={"unit_id": ["NO-SUCH-UNIT"], "willing_to_move": "X"})
    assert bad.status_code == 422 and "Unit kerja tidak dikenal" in bad.text
    short = me.post("/me/move-requests", data={"reason": "pendek"})
    assert short.status_code == 422 and "Alasan harus diisi" in short.text
    reason = "Ingin dekat dengan keluarga di Lubuklinggau."
    moved = me.post("/me/move-requests", data={"reason": reason}, follow_redirects=False)
    assert moved.status_code == 303
    db = me.app.state.db  # type: ignore[attr-defined]
    nip = world.people["employee"].nip
    said = employees.stated(db, [nip])[nip]
    assert said["preference"]["units"] == [unit] and said["move_request"]["reason"] == reason
    engine = me.app.state.runtime.current.engine  # type: ignore[attr-defined]
    post = posts[posts["unit_id"] == unit].iloc[0].to_dict()
    row = np.flatnonzero(engine.pool.nips == nip)
    features = build_features(subset(engine.pool, row), post, engine.as_of)
    assert float(features["aspires_unit"].iat[0]) == 1.0  # the engine in use sees it from today
    assert audit.verify(db).ok


def test_aspirations_count_from_the_day_they_are_made_and_not_before(world: World) -> None:
    """Through the one feature path: prepare_candidates and build_features at two dates."""
    db = world.client.app.state.db  # type: ignore[attr-defined]
    staff = world.export.employees
    asked = set(world.export.aspirations["nip"])
    nip = next(n for n in staff.loc[staff["status"] == "ACTIVE", "nip"] if n not in asked)
    row = staff.loc[staff["nip"] == nip].iloc[0]
    post = world.export.positions[world.export.positions["agency_id"] == row["agency_id"]]
    post = post[post["unit_id"] != row["unit_id"]].iloc[0].to_dict()
    made_on = date(2026, 11, 1)
    who = Principal("k", "employee", str(row["agency_id"]), "u", "n", nip)
    prefs = employees.Preferences(
        (str(post["job_family"]),), (str(post["unit_id"]),), (), "ANYWHERE"
    )
    employees.state_preferences(db, who, prefs, made_on)
    export = merge_aspirations(world.export, employees.aspiration_rows(db))

    def aspires(day: date) -> tuple[float, float]:
        pool = prepare_candidates(export, pd.Timestamp(day), nips=[nip])
        features = build_features(pool, post, pd.Timestamp(day))
        return float(features["aspires_unit"].iat[0]), float(features["aspires_job_family"].iat[0])

    assert aspires(made_on - timedelta(days=1)) == (0.0, 0.0)
    assert aspires(made_on) == (1.0, 1.0)
    assert aspires(made_on + timedelta(days=30)) == (1.0, 1.0)
    before = prepare_candidates(world.export, pd.Timestamp(made_on), nips=[nip])
    assert float(build_features(before, post, pd.Timestamp(made_on))["aspires_unit"].iat[0]) == 0.0
