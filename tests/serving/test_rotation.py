"""Who is due for rotation: the arithmetic on hand-made people, windows, the API and CSV."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from features.export import Export
from serving import rotation
from serving.app import create_app
from serving.auth import create_api_key
from serving.engine import Engine
from serving.rotation import RotationWindows, due
from tests.serving.conftest import Keys, service_settings
from training.bundle import RankerBundle

ON = pd.Timestamp("2026-11-01")


def people() -> pd.DataFrame:
    rows = [
        # nip, type, since
        ("a", "PELAKSANA", "2021-10-01"),  # 5.1 years: past five
        ("b", "FUNGSIONAL", "2022-01-01"),  # 4.8 years: not due
        ("c", "JPT_PRATAMA", "2021-12-15"),  # term ends 2026-12-15, within 6 months
        ("d", "JPT_PRATAMA", "2023-01-01"),  # term ends 2028: not due (3.8 years)
        ("e", "ADMINISTRATOR", "2024-06-01"),  # 2.4 years: at the two-year mark
        ("f", "PELAKSANA", "2025-06-01"),  # 1.4 years: not due
        ("g", "PELAKSANA", None),  # no date: never listed
    ]
    return pd.DataFrame(
        {
            "nip": [r[0] for r in rows],
            "name": [f"Pegawai {r[0]}" for r in rows],
            "position_since": pd.to_datetime([r[2] for r in rows]),
            "position_id": [f"P{r[0]}" for r in rows],
            "title": "Jabatan",
            "agency_id": "AG1",
            "unit_id": "U1",
            "unit_name": "Unit 1",
            "position_type": [r[1] for r in rows],
            "job_family": "umum",
        }
    )


def test_due_reasons_on_hand_made_people():
    listed = due(people(), ON)
    assert list(zip(listed["reason"], listed["nip"], strict=True)) == [
        ("past_five_years", "a"),
        ("jpt_term_end", "c"),
        ("two_year_mark", "e"),
    ]
    by_nip = listed.set_index("nip")
    assert by_nip.at["a", "due_on"] == pd.Timestamp("2026-10-01")
    assert by_nip.at["c", "due_on"] == pd.Timestamp("2026-12-15")
    assert by_nip.at["e", "due_on"] == pd.Timestamp("2026-06-01")


def test_a_rotation_window_counts_time_to_its_opening():
    windows = RotationWindows(months={"AG1": (4, 10)})
    assert windows.next_window("AG1", ON) == pd.Timestamp("2027-04-01")
    assert windows.next_window("AG1", pd.Timestamp("2026-10-20")) == pd.Timestamp("2026-10-20")
    assert windows.next_window("AG2", ON) is None
    later = due(people(), rotation.reference_date(windows, "AG1", ON))
    # by April 2027 b has passed five years and d's term is still far
    assert set(later.loc[later["reason"] == "past_five_years", "nip"]) == {"a", "b"}
    assert "f" not in set(later["nip"])  # 1.8 years in April 2027


@pytest.mark.parametrize("months", [[], [0], [13]])
def test_bad_rotation_months_are_refused(months):
    with pytest.raises(ValidationError, match="months 1 to 12"):
        RotationWindows(months={"AG1": months})


def test_api_lists_the_due_and_filters_by_unit_and_family(
    service: tuple[TestClient, Keys], small_export: Export
) -> None:
    client, keys = service
    response = client.get("/v1/rotation/due", headers=keys.header("committee"))
    assert response.status_code == 200, response.text
    body = response.json()
    agency = str(small_export.positions["agency_id"].iloc[0])
    assert body["agency_id"] == agency and body["people"], "the small export has people due"
    assert sum(body["counts"].values()) == len(body["people"])
    first = body["people"][0]
    unit = client.get(
        f"/v1/rotation/due?agency_id={agency}&unit_id={first['unit_id']}",
        headers=keys.header("auditor"),
    )
    assert {p["unit_id"] for p in unit.json()["people"]} == {first["unit_id"]}
    family = first["job_family"]
    fam = client.get(f"/v1/rotation/due?job_family={family}", headers=keys.header("committee"))
    assert {p["job_family"] for p in fam.json()["people"]} == {family}
    text = client.get("/v1/rotation/due.csv", headers=keys.header("committee")).text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["nip"] for r in rows] == [p["nip"] for p in body["people"]]


def test_api_best_posts_are_eligible_vacancies_best_first(
    service: tuple[TestClient, Keys],
) -> None:
    client, keys = service
    people = client.get("/v1/rotation/due", headers=keys.header("committee")).json()["people"]
    posts = None
    for person in people:
        answer = client.get(
            f"/v1/rotation/posts?nip={person['nip']}", headers=keys.header("committee")
        )
        assert answer.status_code == 200, answer.text
        if answer.json():
            posts, nip = answer.json(), person["nip"]
            break
    assert posts, "someone due fits some open post"
    scores = [p["score"] for p in posts]
    assert scores == sorted(scores, reverse=True)
    fit = client.get(
        f"/v1/candidates/{nip}/fit?position_id={posts[0]['position_id']}",
        headers=keys.header("committee"),
    ).json()
    assert fit["eligible"] and fit["score"] == pytest.approx(posts[0]["score"], abs=1e-6)
    missing = client.get(
        "/v1/rotation/posts?nip=000000000000000000", headers=keys.header("committee")
    )
    assert missing.status_code == 404


def test_the_rotation_months_setting_moves_the_reference_date(
    small_export: Export, ranker: RankerBundle, tmp_path: Path
) -> None:
    agency = str(small_export.positions["agency_id"].iloc[0])
    settings = service_settings(tmp_path).model_copy(update={"rotation_months": {agency: [4, 10]}})
    app = create_app(settings, engine=Engine.build(small_export, ranker, settings))
    with TestClient(app) as client:
        key = create_api_key(app.state.db, "committee", agency)[1]
        body = client.get("/v1/rotation/due", headers={"Authorization": f"Bearer {key}"}).json()
    assert body["reference_date"] == "2027-04-01" and body["window_months"] == [4, 10]
    years = [p["years_in_post"] for p in body["people"] if p["reason"] == "past_five_years"]
    assert min(years) >= 5.0
