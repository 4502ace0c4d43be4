"""Staffing gaps on hand-made tables: needed against filled, over and under, moves, vacancies."""

from __future__ import annotations

import pandas as pd

from features.staffing import (
    filled,
    latest,
    move_gap,
    post_class,
    staffing_gaps,
    summarise,
    vacancies_by_need,
)
from tests.features.factories import employee, make_export, position

AGENCY = "PEMKOT-X"
NOW, BEFORE = "2026-06-30", "2025-06-30"


def _nip(i: int) -> str:
    return f"19800101200501100{i}"


def _need(unit: str, ptype: str, family: str, needed: int, as_of: str = NOW) -> dict[str, object]:
    return {"agency_id": AGENCY, "unit_id": unit, "position_type": ptype,
            "job_family": family, "needed": needed, "as_of": as_of}  # fmt: skip


def _history(nip: str, post: str, unit: str, start: str, end: str = "") -> dict[str, object]:
    return {
        "nip": nip, "position_id": post, "title": "t", "position_type": "PELAKSANA",
        "job_family": "kesehatan", "unit_id": unit, "start_date": start, "end_date": end,
    }  # fmt: skip


POSTS = [
    position(position_id="A-1", unit_id="UA", unit_name="Dinas A", position_type="PELAKSANA",
             job_family="kesehatan", is_vacant=False),
    position(position_id="A-2", unit_id="UA", unit_name="Dinas A", position_type="PENGAWAS",
             job_family="kesehatan", is_vacant=True),
    position(position_id="B-1", unit_id="UB", unit_name="Dinas B", position_type="PELAKSANA",
             job_family="kesehatan", is_vacant=False),
    position(position_id="B-2", unit_id="UB", unit_name="Dinas B", position_type="ADMINISTRATOR",
             job_family="keuangan", is_vacant=True),
    position(position_id="C-1", unit_id="UC", unit_name="Dinas C", position_type="PELAKSANA",
             job_family="umum", is_vacant=True),
]  # fmt: skip


def _export():  # noqa: ANN202 - an Export
    staff = [
        # three clerks in A (one inactive), one clerk in B, one person in C (not in the job map)
        employee(_nip(1), unit_id="UA", current_position_id="A-1"),
        employee(_nip(2), unit_id="UA", current_position_id="A-1"),
        employee(_nip(3), unit_id="UA", current_position_id="A-1", status="INACTIVE"),
        employee(_nip(4), unit_id="UB", current_position_id="B-1"),
        employee(_nip(5), unit_id="UC", current_position_id="C-1"),
        employee(_nip(6), unit_id="UA", current_position_id="A-1"),
    ]
    history = [
        _history(_nip(1), "A-1", "UA", "2020-01-01"),
        _history(_nip(2), "B-1", "UB", "2020-01-01", "2026-01-01"),
        _history(_nip(2), "A-1", "UA", "2026-01-01"),
        _history(_nip(3), "A-1", "UA", "2020-01-01"),
        _history(_nip(4), "B-1", "UB", "2020-01-01"),
        _history(_nip(5), "C-1", "UC", "2020-01-01"),
        _history(_nip(6), "A-1", "UA", "2026-03-01"),
    ]
    needs = [
        _need("UA", "PELAKSANA", "kesehatan", 1),
        _need("UA", "PENGAWAS", "kesehatan", 2),
        _need("UB", "PELAKSANA", "kesehatan", 3),
        _need("UA", "PELAKSANA", "kesehatan", 2, BEFORE),
        _need("UB", "PELAKSANA", "kesehatan", 2, BEFORE),
    ]
    return make_export(
        employees=staff,
        positions=POSTS,
        position_history=history,
        staffing_needs=needs,
        export_metadata=[{"extracted_on": NOW}],
    )


def _cell(gaps: pd.DataFrame, unit: str, ptype: str, as_of: str = NOW) -> dict[str, int]:
    row = gaps[(gaps["unit_id"] == unit) & (gaps["position_type"] == ptype)
               & (gaps["as_of"] == pd.Timestamp(as_of))]  # fmt: skip
    assert len(row) == 1
    return {k: int(row[k].iat[0]) for k in ("needed", "filled", "gap", "over", "under")}


def test_filled_counts_active_staff_in_post_now_and_history_before() -> None:
    export = _export()
    now = filled(export, pd.Timestamp(NOW)).set_index("unit_id")["filled"].to_dict()
    assert now == {"UA": 3, "UB": 1, "UC": 1}  # the inactive clerk is not counted
    before = filled(export, pd.Timestamp(BEFORE)).set_index("unit_id")["filled"].to_dict()
    assert before == {"UA": 1, "UB": 2, "UC": 1}  # nip 2 was in B, nip 6 not yet in A


def test_gap_arithmetic_per_class_now_and_over_time() -> None:
    gaps = staffing_gaps(_export())
    assert _cell(gaps, "UA", "PELAKSANA") == {"needed": 1, "filled": 3, "gap": 2, "over": 2,
                                               "under": 0}  # fmt: skip
    assert _cell(gaps, "UA", "PENGAWAS") == {"needed": 2, "filled": 0, "gap": -2, "over": 0,
                                              "under": 2}  # fmt: skip
    assert _cell(gaps, "UB", "PELAKSANA") == {"needed": 3, "filled": 1, "gap": -2, "over": 0,
                                               "under": 2}  # fmt: skip
    assert _cell(gaps, "UA", "PELAKSANA", BEFORE)["gap"] == -1
    assert _cell(gaps, "UB", "PELAKSANA", BEFORE)["gap"] == 0
    assert "UC" not in set(gaps["unit_id"])  # the job map does not cover it
    assert set(gaps["unit_name"]) == {"Dinas A", "Dinas B"}


def test_a_class_in_post_but_not_in_the_job_map_is_needed_zero() -> None:
    export = _export()
    extra = make_export(
        employees=[*_rows(export.employees), employee(_nip(7), unit_id="UB",
                                                      current_position_id="B-2")],
        positions=POSTS,
        staffing_needs=_rows(export.staffing_needs),
        export_metadata=[{"extracted_on": NOW}],
    )  # fmt: skip
    assert _cell(staffing_gaps(extra), "UB", "ADMINISTRATOR") == {
        "needed": 0, "filled": 1, "gap": 1, "over": 1, "under": 0}  # fmt: skip


def _rows(frame: pd.DataFrame) -> list[dict[str, object]]:
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = out[column].dt.strftime("%Y-%m-%d").fillna("")
    return out.to_dict("records")


def test_unit_and_agency_sums_keep_over_and_under_apart() -> None:
    gaps = latest(staffing_gaps(_export()), pd.Timestamp(NOW))
    unit = summarise(gaps, "unit").set_index("unit_id")
    assert unit.loc["UA", ["needed", "filled", "gap", "over", "under"]].tolist() == [3, 3, 0, 2, 2]
    agency = summarise(gaps, "agency")
    assert agency[["needed", "filled", "gap", "over", "under"]].iloc[0].tolist() == [6, 4, -2, 2, 4]
    family = summarise(gaps, "position_type").set_index("position_type")
    assert family.loc["PENGAWAS", "under"] == 2 and family.loc["PELAKSANA", "gap"] == 0


def test_latest_takes_the_last_date_on_or_before_the_day() -> None:
    gaps = staffing_gaps(_export())
    assert set(latest(gaps, pd.Timestamp("2026-01-01"))["as_of"]) == {pd.Timestamp(BEFORE)}
    assert set(latest(gaps, pd.Timestamp("2030-01-01"))["as_of"]) == {pd.Timestamp(NOW)}
    assert set(latest(gaps, pd.Timestamp("2000-01-01"))["as_of"]) == {pd.Timestamp(BEFORE)}


def test_open_vacancies_come_most_needed_first() -> None:
    export = _export()
    gaps = latest(staffing_gaps(export), pd.Timestamp(NOW))
    ordered = vacancies_by_need(export.positions, gaps)
    assert ordered["position_id"].tolist() == ["A-2", "B-2", "C-1"]
    assert ordered["shortfall"].tolist() == [2, 0, 0]
    assert ordered["unit_shortfall"].tolist() == [2, 2, 0]
    assert pd.isna(ordered["gap"].iat[2])  # C is not in the job map


def test_a_move_from_an_over_staffed_unit_to_a_short_one_closes_both_gaps() -> None:
    export = _export()
    gaps = latest(staffing_gaps(export), pd.Timestamp(NOW))
    moved = move_gap(gaps, post_class(export.positions, "A-1"), post_class(export.positions, "B-1"))
    assert moved.leaving is not None
    assert (moved.leaving.gap_before, moved.leaving.gap_after) == (2, 1)
    assert (moved.leaving.unit_gap_before, moved.leaving.unit_gap_after) == (0, -1)
    assert (moved.joining.gap_before, moved.joining.gap_after) == (-2, -1)
    assert (moved.joining.unit_gap_before, moved.joining.unit_gap_after) == (-2, -1)


def test_a_move_inside_a_unit_changes_classes_not_the_unit() -> None:
    export = _export()
    gaps = latest(staffing_gaps(export), pd.Timestamp(NOW))
    moved = move_gap(gaps, post_class(export.positions, "A-1"), post_class(export.positions, "A-2"))
    assert moved.leaving is not None
    assert (moved.leaving.gap_after, moved.joining.gap_after) == (1, -1)
    assert moved.leaving.unit_gap_after == moved.leaving.unit_gap_before == 0
    assert moved.joining.unit_gap_after == 0


def test_a_move_into_a_unit_outside_the_job_map_has_no_gap() -> None:
    export = _export()
    gaps = latest(staffing_gaps(export), pd.Timestamp(NOW))
    moved = move_gap(gaps, None, post_class(export.positions, "C-1"))
    assert moved.leaving is None and moved.joining.gap_before is None
    assert post_class(export.positions, "NOPE") is None


def test_an_export_without_needs_has_no_gaps() -> None:
    export = make_export(employees=[employee(_nip(1))], positions=POSTS)
    gaps = staffing_gaps(export)
    assert gaps.empty and "under" in gaps.columns
    assert vacancies_by_need(export.positions, gaps)["position_id"].tolist() == [
        "A-2",
        "B-2",
        "C-1",
    ]
