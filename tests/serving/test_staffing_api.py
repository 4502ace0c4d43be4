"""Staffing gaps over HTTP: JSON and CSV, levels, the move, an export without the job map."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import replace

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from features.export import Export
from features.staffing import latest, staffing_gaps
from serving import staffing
from serving.routers.pages.staffing import BAR_WIDTH, gap_bars
from tests.serving.conftest import AS_OF, Keys, _serve, sign_in
from training.bundle import RankerBundle

LEVELS = ("class", "unit", "agency", "job_family", "position_type")


def _agency(export: Export) -> str:
    return str(export.positions["agency_id"].iloc[0])


def test_a_committee_reads_its_agencys_gaps_now_and_over_time(
    service: tuple[TestClient, Keys], small_export: Export
) -> None:
    client, keys = service
    response = client.get("/v1/staffing/gaps", headers=keys.header("committee"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ok" and body["agency_id"] == _agency(small_export)
    assert body["as_of"] == "2026-10-31" and len(body["dates"]) == 3
    now = pd.DataFrame(body["now"]).set_index("unit_id")
    expected = latest(staffing_gaps(small_export), pd.Timestamp(AS_OF))
    sums = expected.groupby("unit_id")[["needed", "filled", "over", "under"]].sum()
    assert now[["needed", "filled", "over", "under"]].sort_index().equals(sums.sort_index())
    assert (now["gap"] == now["filled"] - now["needed"]).all()
    assert (now["gap"] > 0).any() and (now["gap"] < 0).any()
    assert len(body["trend"]) == 3 * len(now)


def test_vacancies_come_most_needed_first(service: tuple[TestClient, Keys]) -> None:
    client, keys = service
    vacancies = client.get("/v1/staffing/gaps", headers=keys.header("committee")).json()[
        "vacancies"
    ]
    assert vacancies, "the small export has open vacancies"
    keys_order = [(-v["shortfall"], -v["unit_shortfall"], v["position_id"]) for v in vacancies]
    assert keys_order == sorted(keys_order)
    assert vacancies[0]["shortfall"] >= 1


@pytest.mark.parametrize("level", LEVELS)
def test_every_level_sums_to_the_same_agency_totals(
    service: tuple[TestClient, Keys], level: str
) -> None:
    client, keys = service
    body = client.get(f"/v1/staffing/gaps?level={level}", headers=keys.header("committee")).json()
    now = pd.DataFrame(body["now"])
    agency = client.get("/v1/staffing/gaps?level=agency", headers=keys.header("committee"))
    total = agency.json()["now"][0]
    assert now["needed"].sum() == total["needed"] and now["filled"].sum() == total["filled"]
    if level in ("class", "unit", "agency"):  # groups nest: surpluses and shortfalls add up
        assert now["under"].sum() == total["under"]


def test_a_unit_filter_keeps_one_unit(
    service: tuple[TestClient, Keys], small_export: Export
) -> None:
    client, keys = service
    unit = str(small_export.staffing_needs["unit_id"].iloc[0])
    body = client.get(
        f"/v1/staffing/gaps?unit_id={unit}&level=class", headers=keys.header("committee")
    ).json()
    assert {row["unit_id"] for row in body["now"] + body["trend"]} == {unit}
    assert {v["unit_id"] for v in body["vacancies"]} <= {unit}


def test_the_csv_holds_every_date_at_the_level(service: tuple[TestClient, Keys]) -> None:
    client, keys = service
    response = client.get("/v1/staffing/gaps.csv?level=unit", headers=keys.header("committee"))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert list(rows[0]) == ["agency_id", "unit_id", "unit_name", "as_of", "needed", "filled",
                             "gap", "over", "under"]  # fmt: skip
    body = client.get("/v1/staffing/gaps?level=unit", headers=keys.header("committee")).json()
    assert len(rows) == len(body["trend"])
    assert {r["as_of"] for r in rows} == set(body["dates"])


def test_walls_another_agency_is_a_missing_one(
    service: tuple[TestClient, Keys], small_export: Export
) -> None:
    client, keys = service
    other = keys.header("other_committee")
    theirs = client.get(f"/v1/staffing/gaps?agency_id={_agency(small_export)}", headers=other)
    missing = client.get("/v1/staffing/gaps?agency_id=NO-SUCH", headers=other)
    assert theirs.status_code == missing.status_code == 404
    assert theirs.content == missing.content
    own = client.get("/v1/staffing/gaps", headers=other).json()
    assert own["status"] == "not_covered" and own["now"] == []
    assert client.get("/v1/staffing/gaps").status_code == 401
    seen = client.get("/v1/staffing/gaps?level=agency", headers=keys.header("auditor")).json()
    assert seen["agency_id"] is None and seen["status"] == "ok"


def test_a_bad_level_is_refused_clearly(service: tuple[TestClient, Keys]) -> None:
    client, keys = service
    response = client.get("/v1/staffing/gaps?level=eselon", headers=keys.header("committee"))
    assert response.status_code == 422 and "level" in response.text


def test_the_move_shows_both_units_gaps(
    service: tuple[TestClient, Keys], small_export: Export
) -> None:
    client, keys = service
    positions, staff = small_export.positions, small_export.employees
    target = positions[positions["is_vacant"]].iloc[0]
    held = staff.merge(positions, left_on="current_position_id", right_on="position_id")
    mover = held[(held["status"] == "ACTIVE") & (held["unit_id_y"] != target["unit_id"])].iloc[0]
    response = client.get(
        f"/v1/staffing/move?nip={mover['nip']}&position_id={target['position_id']}",
        headers=keys.header("committee"),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ok"
    leaving, joining = body["leaving"], body["joining"]
    assert leaving["unit_id"] == mover["unit_id_y"] and joining["unit_id"] == target["unit_id"]
    assert leaving["gap_after"] == leaving["gap_before"] - 1
    assert leaving["unit_gap_after"] == leaving["unit_gap_before"] - 1
    assert joining["gap_after"] == joining["gap_before"] + 1
    assert joining["unit_gap_after"] == joining["unit_gap_before"] + 1
    unknown = client.get(
        f"/v1/staffing/move?nip=199001012020011999&position_id={target['position_id']}",
        headers=keys.header("committee"),
    )
    assert unknown.status_code == 404 and "199001012020011999" not in unknown.text


@pytest.fixture(scope="module")
def without_job_map(
    small_export: Export, ranker: RankerBundle, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[TestClient, Keys]]:
    bare = replace(small_export, staffing_needs=small_export.staffing_needs.iloc[0:0])
    yield from _serve(bare, ranker, tmp_path_factory.mktemp("no-job-map"))


def test_an_export_without_the_job_map_says_so(
    without_job_map: tuple[TestClient, Keys],
) -> None:
    client, keys = without_job_map
    response = client.get("/v1/staffing/gaps", headers=keys.header("committee"))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "no_data" and body["now"] == [] and body["vacancies"] == []
    assert "staffing_needs" in body["message"] and "tidak" in body["message"]
    english = client.get(
        "/v1/staffing/gaps", headers={**keys.header("committee"), "Accept-Language": "en"}
    )
    assert "cannot be computed" in english.json()["message"]
    csv_text = client.get("/v1/staffing/gaps.csv", headers=keys.header("committee")).text
    assert csv_text.strip() == "agency_id,unit_id,unit_name,as_of,needed,filled,gap,over,under"


# -- the page ----------------------------------------------------------------------------


def test_the_page_shows_gaps_plot_trend_and_vacancies(
    service: tuple[TestClient, Keys], small_export: Export
) -> None:
    client, keys = service
    sign_in(client, keys.committee)
    page = client.get("/staffing")
    assert page.status_code == 200
    html = page.text
    assert "Kebutuhan dan kesenjangan pegawai" in html and 'href="/staffing"' in html
    units = set(small_export.staffing_needs["unit_id"])
    names = small_export.positions.drop_duplicates("unit_id").set_index("unit_id")["unit_name"]
    assert all(names[u] in html for u in units)
    assert html.count("<rect") >= len(units) + 2 * 3  # a bar per unit, two per date
    assert 'id="vacancies-by-need"' in html
    unit = sorted(units)[0]
    detail = client.get(f"/staffing?unit_id={unit}&lang=en")
    assert "Per position class in" in detail.text and 'id="classes"' in detail.text
    csv_page = client.get("/staffing/gaps.csv")
    assert csv_page.status_code == 200 and csv_page.text.startswith("agency_id,unit_id")
    assert 'id="by-family"' in html and 'id="by-type"' in html
    other = client.get("/staffing?agency_id=NO-SUCH")
    assert other.status_code == 404
    sign_in(client, keys.auditor)
    everywhere = client.get("/staffing")
    assert everywhere.status_code == 200 and '<select name="agency_id">' in everywhere.text
    assert client.get("/staffing?agency_id=NO-SUCH").status_code == 200  # an empty report


def test_the_page_says_when_the_job_map_is_missing(
    without_job_map: tuple[TestClient, Keys],
) -> None:
    client, keys = without_job_map
    sign_in(client, keys.committee)
    html = client.get("/staffing").text
    assert 'id="staffing-status"' in html and "staffing_needs" in html
    assert 'id="gaps"' not in html


def test_the_bars_diverge_from_the_middle() -> None:
    bars = gap_bars([{"u": "A", "gap": 4}, {"u": "B", "gap": -2}, {"u": "C", "gap": 0}], "u")
    assert [(b["x"], b["width"]) for b in bars] == [
        (BAR_WIDTH, BAR_WIDTH), (BAR_WIDTH - BAR_WIDTH // 2, BAR_WIDTH // 2), (BAR_WIDTH, 0),
    ]  # fmt: skip


def test_an_odd_agency_id_never_reaches_the_file_name(service: tuple[TestClient, Keys]) -> None:
    client, keys = service
    response = client.get('/v1/staffing/gaps.csv?agency_id=Ā"x', headers=keys.header("admin"))
    assert response.status_code == 200
    assert 'filename="staffing-gaps-__x-unit.csv"' in response.headers["content-disposition"]


def test_the_csv_defuses_a_formula_in_a_unit_name(small_export: Export) -> None:
    positions = small_export.positions.copy()
    unit = str(small_export.staffing_needs["unit_id"].iloc[0])
    positions.loc[positions["unit_id"] == unit, "unit_name"] = '=HYPERLINK("x")'
    text = staffing.to_csv(replace(small_export, positions=positions), None, unit, "unit")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {r["unit_name"] for r in rows} == {'\'=HYPERLINK("x")'}
    assert any(r["gap"].startswith("-") or r["gap"].isdigit() for r in rows)
