"""Talent pools, succession and development plans through the real engine (small export)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from features import talent_pools as tp
from features.export import Export
from serving import talent
from serving.engine import Engine
from serving.routers.talent import key_posts_of
from tests.serving.conftest import service_settings, sign_in
from training.bundle import RankerBundle


@pytest.fixture(scope="module")
def engine(
    small_export: Export, ranker: RankerBundle, tmp_path_factory: pytest.TempPathFactory
) -> Engine:
    return Engine.build(small_export, ranker, service_settings(tmp_path_factory.mktemp("talent")))


def test_members_are_boxes_five_to_nine_scored_against_the_next_level(engine: Engine) -> None:
    members = talent.talent(engine, "id").members
    assert len(members) > 0
    assert set(members["talent_box"]) <= {5, 6, 7, 8, 9}
    assert set(members.loc[members["standing"] == "pool", "talent_box"]) <= {7, 8, 9}
    assert (members["next_level"] == members["level"].map(tp.LADDER)).all()
    ready = members[members["readiness"] == "ready_now"]
    assert (ready["standing"] == "pool").all() and ready["eligible"].all()
    assert (ready["jpm"] >= 80).all()
    later = members[members["readiness"] != "ready_now"]
    separated = [
        (s == "near") or (not e) or not (j >= 80)
        for s, e, j in zip(later["standing"], later["eligible"], later["jpm"], strict=True)
    ]
    assert all(separated) and len(ready) and len(later)
    beyond = members[members["readiness"] == "not_yet"]
    assert len(beyond) and all(len(f) for f in beyond["failed_rules"])
    checks = {r.id: r.check for r in engine.ruleset.rules}
    for failed in beyond["failed_rules"]:
        assert any(checks[r["rule_id"]] in tp.BEYOND_CHECKS | tp.YEARS_CHECKS for r in failed)


def test_pools_are_computed_once_per_engine(engine: Engine) -> None:
    assert talent.talent(engine, "id") is talent.talent(engine, "id")


def test_succession_equals_the_engines_shortlist_restricted_to_the_pool(
    engine: Engine, small_export: Export
) -> None:
    keys = small_export.key_posts["position_id"]
    assert len(keys) > 0
    checked = 0
    for position_id in keys:
        position = engine.position(str(position_id))
        agency = str(position["agency_id"])
        members = talent.pools(engine, "id", agency)
        core = set(members.loc[members["standing"] == "pool", "nip"])
        body = talent.succession(engine, position, "id", k=5)
        shortlist = engine.shortlist(position, 10_000, "id", {"agency_id": agency})
        expected = [c["nip"] for c in shortlist["candidates"] if c["nip"] in core][:5]
        assert [s["nip"] for s in body["ready_now"]] == expected
        later = [s["nip"] for s in body["ready_later"]]
        assert not set(later) & set(expected)
        assert set(later) <= set(members["nip"])
        checks = {r.id: r.check for r in engine.ruleset.rules}
        for s in body["ready_later"]:
            assert not {checks[r["rule_id"]] for r in s["failed_rules"]} & tp.BEYOND_CHECKS
        checked += len(expected)
    assert checked > 0, "no key post has a ready-now successor: the test shows nothing"


# -- over HTTP ------------------------------------------------------------------------------


def _agency(small_export: Export) -> str:
    return str(small_export.positions["agency_id"].iloc[0])


def _key_post(small_export: Export) -> str:
    agency = _agency(small_export)
    posts = small_export.positions.merge(small_export.key_posts, on="position_id")
    return str(posts.loc[posts["agency_id"] == agency, "position_id"].iloc[0])


def test_pools_api_answers_the_callers_agency(service, small_export: Export) -> None:
    client, keys = service
    body = client.get("/v1/talent/pools", headers=keys.header("committee")).json()
    assert body["status"] == "ok" and body["agency_id"] == _agency(small_export)
    assert {m["agency_id"] for m in body["members"]} == {_agency(small_export)}
    sizes = {(p["job_family"], p["level"]): p["pool"] + p["near"] for p in body["pools"]}
    assert sum(sizes.values()) == len(body["members"])
    csv = client.get("/v1/talent/pools.csv", headers=keys.header("committee"))
    assert csv.status_code == 200 and csv.text.startswith("agency_id,job_family,level")
    assert len(csv.text.strip().splitlines()) == len(body["members"]) + 1


def test_succession_api_csv_and_pdf(service, small_export: Export) -> None:
    client, keys = service
    post = _key_post(small_export)
    headers = keys.header("committee")
    body = client.get(f"/v1/talent/succession/{post}", headers=headers).json()
    assert body["position_id"] == post
    listed = client.get("/v1/talent/key-posts", headers=headers).json()
    assert post in {k["position_id"] for k in listed["key_posts"]}
    csv = client.get(f"/v1/talent/succession/{post}/export.csv", headers=headers)
    rows = len(body["ready_now"]) + len(body["ready_later"])
    assert len(csv.text.strip().splitlines()) == rows + 1
    pdf = client.get(f"/v1/talent/succession/{post}/export.pdf", headers=headers)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_another_agencys_key_post_and_nip_answer_like_missing_ones(
    service, small_export: Export
) -> None:
    client, keys = service
    post = _key_post(small_export)
    other = keys.header("other_committee")
    walled = client.get(f"/v1/talent/succession/{post}", headers=other)
    missing = client.get("/v1/talent/succession/NO-SUCH-POST", headers=other)
    assert walled.status_code == missing.status_code == 404
    assert walled.json() == missing.json()
    not_key = small_export.positions["position_id"][
        ~small_export.positions["position_id"].isin(small_export.key_posts["position_id"])
        & (small_export.positions["agency_id"] == _agency(small_export))
    ].iloc[0]
    own = client.get(f"/v1/talent/succession/{not_key}", headers=keys.header("committee"))
    assert own.status_code == 404 and own.json() == missing.json()
    nip = client.get("/v1/talent/pools", headers=keys.header("committee")).json()["members"][0][
        "nip"
    ]
    hidden = client.get(f"/v1/talent/development/{nip}", headers=other)
    absent = client.get(f"/v1/talent/development/{'9' * 18}", headers=other)
    assert hidden.status_code == absent.status_code == 404 and hidden.json() == absent.json()


def test_development_plan_offers_the_catalogues_trainings(service, small_export: Export) -> None:
    client, keys = service
    headers = keys.header("committee")
    members = client.get("/v1/talent/pools", headers=headers).json()["members"]
    gapped = next(m for m in members if m["competency_gaps"])
    plan = client.get(f"/v1/talent/development/{gapped['nip']}", headers=headers).json()
    assert [g["competency"] for g in plan["competency_gaps"]] == [
        g["competency"] for g in gapped["competency_gaps"]
    ]
    done = set(small_export.trainings.loc[small_export.trainings["nip"] == gapped["nip"], "name"])
    catalogue = set(small_export.trainings["name"])
    offered = {t["name"] for g in plan["competency_gaps"] for t in g["trainings"]}
    assert offered <= catalogue - done
    assert offered, "the small export's catalogue offers nothing: the test shows nothing"


def test_an_export_without_key_posts_says_so(
    small_export: Export, ranker: RankerBundle, tmp_path_factory: pytest.TempPathFactory
) -> None:
    bare = replace(small_export, key_posts=small_export.key_posts.iloc[0:0])
    engine = Engine.build(bare, ranker, service_settings(tmp_path_factory.mktemp("bare")))
    body = key_posts_of(engine, None, "id")
    assert body["status"] == "no_data" and body["key_posts"] == []
    assert "key_posts" in body["message"]


def test_pages_show_pools_key_posts_and_a_succession_list(service, small_export: Export) -> None:
    client, keys = service
    sign_in(client, keys.committee)
    page = client.get("/talent")
    assert page.status_code == 200 and 'id="pools"' in page.text and 'id="key-posts"' in page.text
    post = _key_post(small_export)
    succession = client.get(f"/talent/succession/{post}")
    assert succession.status_code == 200 and 'id="ready_now"' in succession.text
    assert client.get(f"/talent/succession/{post}/export.pdf").content.startswith(b"%PDF")
    api = keys.header("committee")
    nip = client.get("/v1/talent/pools", headers=api).json()["members"][0]["nip"]
    assert client.get(f"/talent/development/{nip}").status_code == 200
    sign_in(client, keys.other_committee)
    assert client.get(f"/talent/succession/{post}").status_code == 404
    client.cookies.clear()
    client.headers.pop("x-csrf-token", None)


def test_an_unassessed_members_jpm_is_null_not_nan(engine: Engine) -> None:
    members = talent.talent(engine, "id").members
    assert all(j is None or j == j for j in members["jpm"])
