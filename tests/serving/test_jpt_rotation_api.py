"""The JPT rotation over HTTP: the plan through the engine, the walls, the panel's results."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
import sqlalchemy as sa

from features.export import Export
from serving.selections.rules import STAGE_IDS
from serving.tables import users
from tests.serving.two_agencies import AGENCY_B, World, person, serve_two_agencies
from training.bundle import RankerBundle

URL = "/v1/jpt-rotation"
REASONS = {"moved", "moved_panel", "best_fit", "short_tenure", "long_tenure", "tenure_unknown"}
REASONS |= {"no_other_post"}


@pytest.fixture(scope="module")
def world(
    small_export: Export, ranker: RankerBundle, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    yield from serve_two_agencies(small_export, ranker, tmp_path_factory.mktemp("rotation"))


def _get(world: World, role: str, **params: Any) -> Any:
    return world.client.get(URL, params=params, headers=world.people[role].header)


def _holders(world: World, agency: str) -> set[str]:
    p, e = world.export.positions, world.export.employees
    mask = (p["agency_id"] == agency) & p["position_type"].str.startswith("JPT")
    jpt = p.loc[mask, "position_id"]
    held = e["current_position_id"].isin(set(jpt)) & (e["status"] == "ACTIVE")
    return set(e.loc[held, "nip"].astype(str))


def _best(body: dict[str, Any], key: str = "fit") -> float:
    """Brute force over the answer's own options: the best total with everyone placed once."""
    posts = [p["position_id"] for p in body["posts"]]
    rows = body["placements"]
    best = -np.inf
    for chosen in itertools.permutations(range(len(posts)), len(rows)):
        options = [row["options"][p] for row, p in zip(rows, chosen, strict=True)]
        if all(o["usable"] for o in options):
            best = max(best, sum(o[key] for o in options))
    return best


def test_every_holder_is_placed_once_at_the_best_total_fit(world: World) -> None:
    r = _get(world, "ppk")
    assert r.status_code == 200, r.text
    body = r.json()
    rows = body["placements"]
    assert {row["nip"] for row in rows} == _holders(world, world.agency_a)
    assert len({row["post"] for row in rows}) == len(rows)
    assert body["total_fit"] == pytest.approx(_best(body), abs=1e-3)
    assert body["total_fit"] >= body["stay_total"] - 1e-9
    for row in rows:
        assert row["reason"] in REASONS and row["reason_text"]
        assert [o["home"] for o in row["options"]].count(True) == 1
        home = next(o for o in row["options"] if o["home"])
        assert home["usable"] and home["position_id"] == row["home"]  # staying is always there
        assert row["stays"] == (row["reason"] not in ("moved", "moved_panel"))
    history = world.export.jpt_selections
    appointed = [row for row in rows if row["appointed"]]
    assert appointed, "the generator writes the selections that appointed the holders"
    for row in appointed:
        past = history.loc[history["selection_id"] == row["appointed"]["selection_id"]]
        assert set(past.loc[past["chosen"], "nip"]) == {row["nip"]}
        assert set(past["position_id"]) == {row["home"]}


def test_the_tenure_window_keeps_people_in_post(world: World) -> None:
    body = _get(world, "ppk", min_years=5, max_years=5).json()
    assert body["moves"] == 0
    assert {row["reason"] for row in body["placements"]} <= {
        "short_tenure", "long_tenure", "tenure_unknown",
    }  # fmt: skip
    assert "5 tahun" in body["placements"][0]["reason_text"]
    english = world.client.get(
        URL, params={"min_years": 5, "max_years": 5},
        headers={**world.people["ppk"].header, "Accept-Language": "en"},
    ).json()  # fmt: skip
    assert english["placements"][0]["reason_text"].startswith("Stays in post")


def test_walls_and_bad_input(world: World) -> None:
    other = _get(world, "ppk", agency_id=AGENCY_B)
    missing = _get(world, "ppk", agency_id="NO-SUCH-AGENCY")
    assert other.status_code == missing.status_code == 404
    assert other.content == missing.content
    r = world.client.get(URL, headers=world.people["auditor"].header)
    assert r.status_code == 422 and "agency_id" in r.text
    assert _get(world, "auditor", agency_id=world.agency_a).status_code == 200
    r = _get(world, "ppk", min_years=6, max_years=5)
    assert r.status_code == 422 and "min_years" in r.text
    r = _get(world, "ppk", min_years=1)  # only tighter than the statute
    assert r.status_code == 422 and "at least 2" in r.text
    r = _get(world, "ppk", max_years=8)
    assert r.status_code == 422 and "at most 5" in r.text
    r = _get(world, "ppk", selection_id="0" * 8 + "-0000-0000-0000-" + "0" * 12)
    assert r.status_code == 404 and "no such selection" in r.text


def _user_id(world: World, name: str) -> str:
    db = world.client.app.state.db  # type: ignore[attr-defined]
    with db.connect() as connection:
        query = sa.select(users.c.user_id).where(users.c.name == name)
        return str(connection.execute(query).scalar_one())


def _jobfit(world: World, pairs: list[tuple[str, str]], finish: bool = True) -> str:
    """A job-fit selection of A over ``pairs`` (nip, post); every stage passed when ``finish``."""
    client, ppk = world.client, world.people["ppk"].header
    tag = f"{len(pairs)}{int(finish)}"
    panel = [
        person(client, "panel", world.agency_a, f"rot {tag} {i}", f"7{tag}{i}".ljust(18, "0")[:18])
        for i in range(3)
    ]
    ids = [_user_id(world, p.name) for p in panel]
    body = {"kind": "jobfit", "title": "Uji kesesuaian JPT 2026",
            "position_ids": sorted({post for _, post in pairs}), "panel_user_ids": ids,
            "chair_user_id": ids[0]}  # fmt: skip
    r = client.post("/v1/selections", json=body, headers=ppk)
    assert r.status_code == 201, r.text
    sid = r.json()["selection_id"]
    for nip, post in pairs:
        r = client.post(f"/v1/selections/{sid}/candidates",
                        json={"nip": nip, "position_id": post}, headers=ppk)  # fmt: skip
        assert r.status_code == 201, r.text
    for member in panel:
        client.post(f"/v1/selections/{sid}/declarations", json={"kind": "none"},
                    headers=member.header)  # fmt: skip
    for stage in STAGE_IDS if finish else ():
        for nip, _ in pairs:
            r = client.post(f"/v1/selections/{sid}/results",
                            json={"nip": nip, "stage": stage,
                                  "score": 100.0 if stage == "administrative" else 90.0},
                            headers=panel[1].header)  # fmt: skip
            assert r.status_code == 201, r.text
        r = client.post(f"/v1/selections/{sid}/announcements", json={"stage": stage},
                        headers=panel[2].header)  # fmt: skip
        assert r.status_code == 201, r.text
    return sid


def test_the_panels_results_as_a_constraint_and_as_a_weight(world: World) -> None:
    plain = _get(world, "ppk").json()
    rows = plain["placements"]
    assert len(rows) >= 2, "the small export needs two JPT holders in agency A"
    x, y = rows[0], rows[1]
    sid = _jobfit(world, [(x["nip"], y["home"]), (y["nip"], x["home"])])
    body = _get(world, "ppk", selection_id=sid).json()
    assert body["panel"]["mode"] == "constraint" and body["panel"]["passed_pairs"] == 2
    allowed = {(x["nip"], y["home"]), (y["nip"], x["home"])}
    for row in body["placements"]:
        for option in row["options"]:
            if option["usable"] and not option["home"]:
                assert (row["nip"], option["position_id"]) in allowed
        assert row["stays"] or (row["nip"], row["post"]) in allowed
    assert body["total_fit"] == pytest.approx(_best(body), abs=1e-3)

    weighted = _get(world, "ppk", selection_id=sid, panel="weight",
                    panel_weight=5).json()  # fmt: skip
    assert weighted["total_fit"] == pytest.approx(_best(weighted, "weight"), abs=1e-3)
    gains = {
        (row["nip"], o["position_id"]): o["weight"] - o["fit"]
        for row in weighted["placements"]
        for o in row["options"]
    }
    assert {k for k, v in gains.items() if v > 1e-6} == allowed
    assert gains[(x["nip"], y["home"])] == pytest.approx(5 * 0.9, abs=1e-3)


def test_an_unfinished_or_open_selection_is_refused(world: World) -> None:
    rows = _get(world, "ppk").json()["placements"]
    sid = _jobfit(world, [(rows[0]["nip"], rows[1]["home"])], finish=False)
    r = _get(world, "ppk", selection_id=sid)
    assert r.status_code == 409 and "not all announced" in r.text
