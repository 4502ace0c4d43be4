"""Talent pools, succession and development plans through the real engine (small export)."""

from __future__ import annotations

import pytest

from features import talent_pools as tp
from features.export import Export
from serving import talent
from serving.engine import Engine
from tests.serving.conftest import service_settings
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
    assert all(len(g) == 0 for g in ready["competency_gaps"])
    later = members[members["readiness"] == "ready_later"]
    separated = [
        (s == "near") or (not e) or len(g) > 0
        for s, e, g in zip(
            later["standing"], later["eligible"], later["competency_gaps"], strict=True
        )
    ]
    assert all(separated)
    print(
        members[["level", "talent_box", "standing", "readiness", "eligible"]]
        .value_counts()
        .head(30)
    )


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
        checked += len(expected)
    assert checked > 0, "no key post has a ready-now successor: the test shows nothing"
