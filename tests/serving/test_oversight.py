"""Oversight summaries: long-open vacancies, posts filled from the pool, boxes, the API."""

from __future__ import annotations

import csv
import io

import pandas as pd
from fastapi.testclient import TestClient

from serving import oversight
from tests.serving.conftest import Keys

ON = pd.Timestamp("2026-11-01")


def positions() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "position_id": ["P1", "P2", "P3", "P4"],
            "is_vacant": [True, True, True, False],
            "agency_id": "AG1",
        }
    )


def history() -> pd.DataFrame:
    rows = [
        # nip, position, start, end
        ("a", "P1", "2020-01-01", "2026-01-15"),  # P1 open since Jan: 10 months
        ("b", "P2", "2019-01-01", "2026-08-01"),  # P2 open since Aug: 3 months
        ("b", "P2", "2015-01-01", "2018-12-31"),  # an earlier holder: the last end counts
        ("c", "P4", "2026-03-01", None),  # P4 taken up this year by c (box 8: pool)
        ("d", "P4", "2026-01-01", "2026-02-28"),  # and before by d (box 5: outside)
        ("e", "P4", "2024-01-01", "2025-10-01"),  # and earlier than the lookback
        ("f", "X9", "2026-05-01", None),  # a post of another agency
    ]
    return pd.DataFrame(
        {
            "nip": [r[0] for r in rows],
            "position_id": [r[1] for r in rows],
            "start_date": pd.to_datetime([r[2] for r in rows]),
            "end_date": pd.to_datetime([r[3] for r in rows]),
        }
    )


def test_vacancies_open_longer_than_n_months():
    long = oversight.long_open(positions(), history(), ON, 6)
    assert (long["vacant"], long["open_longer"], long["unknown_since"]) == (3, 1, 1)
    assert long["positions"] == [
        {"position_id": "P1", "vacant_since": pd.Timestamp("2026-01-15").date(), "months_open": 10}
    ]
    assert oversight.long_open(positions(), history(), ON, 2)["open_longer"] == 2


def test_posts_filled_from_the_pool_against_from_outside():
    boxes = pd.Series({"c": 8.0, "d": 5.0, "e": 9.0})
    filled = oversight.filled_from_pool(positions(), history(), boxes, ON, 12)
    assert filled == {
        "lookback_months": 12,
        "filled": 2,
        "from_pool": 1,
        "from_outside": 1,
        "unknown": 0,
        "pool_share": 0.5,
    }
    unknown = oversight.filled_from_pool(positions(), history(), pd.Series(dtype=float), ON, 12)
    assert (unknown["unknown"], unknown["pool_share"]) == (2, None)


def test_box_counts_name_every_box_and_the_unknown():
    counts = oversight.box_counts(pd.Series([7.0, 7.0, 1.0, float("nan")]))
    assert counts["7"] == 2 and counts["1"] == 1 and counts["unknown"] == 1
    assert sum(counts.values()) == 4 and set(counts) == {*map(str, range(1, 10)), "unknown"}


def test_api_oversight_of_the_committees_agency(service: tuple[TestClient, Keys]) -> None:
    client, keys = service
    response = client.get("/v1/oversight?months=3", headers=keys.header("committee"))
    assert response.status_code == 200, response.text
    body = response.json()
    boxes = body["talent_boxes"]
    assert sum(boxes.values()) > 0 and body["in_pool"] == boxes["7"] + boxes["8"] + boxes["9"]
    assert body["long_open"]["months"] == 3
    filled = body["filled"]
    assert filled["from_pool"] + filled["from_outside"] + filled["unknown"] == filled["filled"]
    rows = list(csv.DictReader(io.StringIO(client.get(
        "/v1/oversight.csv?months=3", headers=keys.header("committee")).text)))  # fmt: skip
    figures = {(r["section"], r["item"]): r["value"] for r in rows}
    assert figures[("talent_boxes", "7")] == str(boxes["7"])
    assert figures[("long_open", "open_longer")] == str(body["long_open"]["open_longer"])
    bad = client.get("/v1/oversight?months=0", headers=keys.header("committee"))
    assert bad.status_code == 422
