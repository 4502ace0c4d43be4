"""The job map in the contract: staffing_needs and key_posts validated like every table, and
generated realistically (units over and short, yearly dates, key heads)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from features.export import Export, reference_date
from features.loader import ContractError, load_export
from features.staffing import latest, staffing_gaps, summarise

Edit = Callable[[pd.DataFrame], None]


def _broken(source: Path, tmp_path: Path, table: str, edit: Edit) -> Path:
    folder = tmp_path / "export"
    shutil.copytree(source, folder)
    frame = pd.read_csv(folder / f"{table}.csv", dtype=str, keep_default_na=False)
    edit(frame)
    frame.to_csv(folder / f"{table}.csv", index=False)
    return folder


def _set(column: str, value: str, row: int = 0) -> Edit:
    def edit(frame: pd.DataFrame) -> None:
        frame.loc[row, column] = value

    return edit


def _repeat_first(frame: pd.DataFrame) -> None:
    frame.loc[3] = frame.loc[0]


CASES = [
    ("staffing_needs", _set("unit_id", "NO-SUCH-UNIT", 2), "unit_id", 3, "unit of its agency_id"),
    ("staffing_needs", _set("agency_id", "PEMKAB-LAIN", 1), "unit_id", 2, "unit of its agency_id"),
    ("staffing_needs", _set("needed", "-1", 4), "needed", 5, "whole number of at least 0"),
    ("staffing_needs", _set("needed", "lima", 0), "needed", 1, "whole number of at least 0"),
    ("staffing_needs", _set("as_of", "2026-02-30", 1), "as_of", 2, "real date"),
    ("staffing_needs", _set("position_type", "ESELON_III", 0), "position_type", 1, "PENGAWAS"),
    ("staffing_needs", _set("job_family", "", 0), "job_family", 1, "must not be empty"),
    ("staffing_needs", _repeat_first, "as_of", 4, "must be unique"),
    ("key_posts", _set("position_id", "NO-SUCH-POST", 1), "position_id", 2,
     "existing positions.position_id"),
    ("key_posts", _repeat_first, "position_id", 4, "unique"),
    ("key_posts", _set("critical_since", "kemarin", 0), "critical_since", 1, "real date"),
]  # fmt: skip


@pytest.mark.parametrize(("table", "edit", "column", "row", "rule"), CASES)
def test_a_bad_job_map_row_refuses_the_export_naming_file_row_and_column(
    small_export_dir: Path, tmp_path: Path, table: str, edit: Edit, column: str, row: int,
    rule: str,
) -> None:  # fmt: skip
    with pytest.raises(ContractError) as caught:
        load_export(_broken(small_export_dir, tmp_path, table, edit))
    found = [v for v in caught.value.violations if v.column == column and rule in v.rule]
    assert found, str(caught.value)
    assert {v.file for v in found} == {f"{table}.csv"}
    assert row in {v.row for v in found}
    assert f"{table}.csv, row {row}, column {column}" in str(caught.value)


def test_rejects_sets_a_bad_need_aside_and_keeps_the_rest(
    small_export_dir: Path, tmp_path: Path
) -> None:
    folder = _broken(small_export_dir, tmp_path, "staffing_needs", _set("unit_id", "X", 0))
    export = load_export(folder, rejects=tmp_path / "rejects.csv")
    rejects = pd.read_csv(tmp_path / "rejects.csv", dtype=str, keep_default_na=False)
    assert rejects["table"].tolist() == ["staffing_needs"]
    clean = load_export(small_export_dir)
    assert len(export.staffing_needs) == len(clean.staffing_needs) - 1


def test_an_export_without_the_job_map_still_loads(small_export_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "export"
    shutil.copytree(small_export_dir, folder)
    (folder / "staffing_needs.csv").unlink()
    (folder / "key_posts.csv").unlink()
    export = load_export(folder)
    assert export.staffing_needs.empty and export.key_posts.empty
    assert list(export.staffing_needs.columns) == [
        "agency_id", "unit_id", "position_type", "job_family", "needed", "as_of",
    ]  # fmt: skip
    assert staffing_gaps(export).empty


def test_key_posts_may_leave_reason_and_date_empty(small_export_dir: Path, tmp_path: Path) -> None:
    def blank(frame: pd.DataFrame) -> None:
        frame.loc[0, ["reason", "critical_since"]] = ""

    export = load_export(_broken(small_export_dir, tmp_path, "key_posts", blank))
    assert export.key_posts["critical_since"].isna().sum() == 1


def test_the_job_map_loads_typed(small_export: Export) -> None:
    needs, keys = small_export.staffing_needs, small_export.key_posts
    assert needs["needed"].dtype == "int64"
    assert pd.api.types.is_datetime64_any_dtype(needs["as_of"])
    assert pd.api.types.is_datetime64_any_dtype(keys["critical_since"])


def test_the_generated_job_map_has_units_over_and_short_over_three_years(
    small_export: Export,
) -> None:
    needs = small_export.staffing_needs
    today = reference_date(small_export)
    assert needs["as_of"].max() == today
    assert needs["as_of"].nunique() == 3
    gaps = staffing_gaps(small_export)
    units = summarise(latest(gaps, today), "unit")
    assert (units["gap"] > 0).any() and (units["gap"] < 0).any()
    by_date = summarise(gaps, "agency")["needed"]
    assert by_date.nunique() > 1  # needs move over the years


def test_the_generated_key_posts_are_heads_of_units(small_export: Export) -> None:
    keys = small_export.key_posts.merge(small_export.positions, on="position_id")
    assert 1 <= len(keys) <= 6
    assert set(keys["position_type"]) <= {"JPT_PRATAMA", "ADMINISTRATOR"}
    assert keys["position_id"].str.endswith("-001").all()
