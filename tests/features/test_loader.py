"""The data-contract loader: every rule refuses a broken export with file, row, column, rule."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from features.export import TABLE_COLUMNS, loaded_columns
from features.loader import ContractError, load_export
from training.cli import app

Mutation = Callable[[dict[str, pd.DataFrame]], None]


def _copy(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target


def _read(folder: Path, table: str) -> pd.DataFrame:
    return pd.read_csv(folder / f"{table}.csv", dtype=str, keep_default_na=False)


def _broken(source: Path, tmp_path: Path, table: str, edit: Callable[[pd.DataFrame], None]) -> Path:
    folder = _copy(source, tmp_path / "export")
    frame = _read(folder, table)
    edit(frame)
    frame.to_csv(folder / f"{table}.csv", index=False)
    return folder


def _refusal(folder: Path) -> ContractError:
    with pytest.raises(ContractError) as caught:
        load_export(folder)
    return caught.value


def _first_pns(frame: pd.DataFrame) -> int:
    return int((frame["employment_type"] == "PNS").to_numpy().nonzero()[0][0])


def _set(column: str, value: str, row: int = 0) -> Callable[[pd.DataFrame], None]:
    def edit(frame: pd.DataFrame) -> None:
        frame.loc[row, column] = value

    return edit


def _swap_gender(frame: pd.DataFrame) -> None:
    frame.loc[1, "gender"] = "F" if frame.loc[1, "gender"] == "M" else "M"


def _duplicate_nip(frame: pd.DataFrame) -> None:
    frame.loc[3, "nip"] = frame.loc[2, "nip"]


def _shift_service(frame: pd.DataFrame) -> None:
    row = _first_pns(frame)
    year = int(frame.loc[row, "service_start"][:4])
    frame.loc[row, "service_start"] = f"{year - 1}{frame.loc[row, 'service_start'][4:]}"


def _pppk_with_golongan_ruang(frame: pd.DataFrame) -> None:
    row = int((frame["employment_type"] == "PPPK").to_numpy().nonzero()[0][0])
    frame.loc[row, "rank"] = "III/a"


CASES = [
    ("employees", _set("nip", "19800101200501100"), "nip", 1, "18 digits"),
    ("employees", _set("nip", "19800101200501100X", 2), "nip", 3, "18 digits"),
    ("employees", _swap_gender, "gender", 2, "NIP digit 15"),
    ("employees", _set("birth_date", "1970-01-01", 4), "birth_date", 5, "NIP digits 1-8"),
    ("employees", _shift_service, "service_start", None, "NIP digits 9-14"),
    ("employees", _set("rank_since", "2023-02-30", 5), "rank_since", 6, "real date"),
    ("employees", _duplicate_nip, "nip", 4, "unique"),
    ("employees", _set("disability", "maybe", 6), "disability", 7, "true or false"),
    ("employees", _pppk_with_golongan_ruang, "rank", None, "PPPK"),
    (
        "employees",
        _set("current_position_id", "NO-SUCH-POST", 7),
        "current_position_id",
        8,
        "existing positions.position_id",
    ),
    ("performance", _set("rating", "GOOD", 2), "rating", 3, "SANGAT_BAIK"),
    ("rounds", _set("label", "5", 1), "label", 2, "0 to 4"),
    (
        "rounds",
        _set("position_id", "NO-SUCH-POST", 0),
        "position_id",
        1,
        "existing positions.position_id",
    ),
    ("competencies", _set("integritas", "6.5", 0), "integritas", 1, "from 1 to 5"),
    ("positions", _set("req_komunikasi", "0", 3), "req_komunikasi", 4, "from 1 to 5"),
    ("positions", _set("position_type", "ESELON_II", 1), "position_type", 2, "JPT_PRATAMA"),
]


@pytest.mark.parametrize(("table", "edit", "column", "row", "rule"), CASES)
def test_a_broken_rule_refuses_the_export_and_names_where(
    small_export_dir: Path,
    tmp_path: Path,
    table: str,
    edit: Callable[[pd.DataFrame], None],
    column: str,
    row: int | None,
    rule: str,
) -> None:
    error = _refusal(_broken(small_export_dir, tmp_path, table, edit))
    matching = [v for v in error.violations if v.column == column and rule in v.rule]
    assert matching, str(error)
    assert matching[0].file == f"{table}.csv"
    if row is not None:
        assert row in {v.row for v in matching}
        assert f"row {row}, column {column}" in str(error)


def test_a_missing_required_column_is_named(small_export_dir: Path, tmp_path: Path) -> None:
    folder = _broken(
        small_export_dir,
        tmp_path,
        "performance",
        lambda frame: frame.drop(columns=["rating"], inplace=True),
    )
    error = _refusal(folder)
    assert "required column rating is missing" in str(error)
    assert "performance.csv" in str(error)


def test_a_missing_required_table_is_named(small_export_dir: Path, tmp_path: Path) -> None:
    folder = _copy(small_export_dir, tmp_path / "export")
    (folder / "rounds.csv").unlink()
    assert "required table rounds is missing" in str(_refusal(folder))


def test_all_errors_are_collected_not_just_the_first(
    small_export_dir: Path, tmp_path: Path
) -> None:
    def two(frame: pd.DataFrame) -> None:
        frame.loc[0, "rating"] = "GOOD"
        frame.loc[5, "year"] = "last year"

    error = _refusal(_broken(small_export_dir, tmp_path, "performance", two))
    assert {(v.row, v.column) for v in error.violations} >= {(1, "rating"), (6, "year")}


def test_the_full_report_is_written(small_export_dir: Path, tmp_path: Path) -> None:
    folder = _broken(small_export_dir, tmp_path, "rounds", _set("label", "9", 0))
    with pytest.raises(ContractError):
        load_export(folder, report=tmp_path / "report.csv")
    report = pd.read_csv(tmp_path / "report.csv")
    assert list(report.columns) == ["file", "row", "column", "value", "rule"]
    assert (report["column"] == "label").any()


def test_rejects_sets_bad_rows_and_their_dependants_aside(
    small_export_dir: Path, tmp_path: Path
) -> None:
    clean = load_export(small_export_dir)
    folder = _broken(small_export_dir, tmp_path, "employees", _set("gender", "X", 0))
    bad_nip = _read(folder, "employees").loc[0, "nip"]
    export = load_export(folder, rejects=tmp_path / "rejects.csv")
    rejects = pd.read_csv(tmp_path / "rejects.csv", dtype=str, keep_default_na=False)
    assert bad_nip not in set(export.employees["nip"])
    assert len(export.employees) == len(clean.employees) - 1
    dependants = (clean.performance["nip"] == bad_nip).sum()
    assert (rejects["table"] == "performance").sum() == dependants
    assert len(export.performance) == len(clean.performance) - dependants
    assert rejects.loc[rejects["table"] == "employees", "reasons"].str.contains("gender").all()


def test_extra_columns_get_one_warning_naming_them(
    small_export_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    def extra(frame: pd.DataFrame) -> None:
        frame["catatan"] = "x"
        frame["kode_lama"] = "y"

    folder = _broken(small_export_dir, tmp_path, "employees", extra)
    with caplog.at_level(logging.WARNING, logger="features.loader"):
        export = load_export(folder)
    warnings = [r.getMessage() for r in caplog.records if "does not define" in r.getMessage()]
    assert len(warnings) == 1
    assert "employees.catatan" in warnings[0] and "employees.kode_lama" in warnings[0]
    assert "catatan" not in export.employees.columns


def test_types_are_ready_to_use(small_export: object) -> None:
    employees = small_export.employees  # type: ignore[attr-defined]
    assert pd.api.types.is_datetime64_any_dtype(employees["birth_date"])
    assert employees["nip"].map(type).eq(str).all()
    assert small_export.rounds["label"].dtype == "int64"  # type: ignore[attr-defined]
    assert small_export.positions["is_vacant"].dtype == bool  # type: ignore[attr-defined]
    for table in TABLE_COLUMNS:
        assert tuple(small_export.table(table).columns) == loaded_columns(table)  # type: ignore[attr-defined]


def test_parquet_and_csv_load_to_the_same_frames(small_export_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "parquet"
    folder.mkdir()
    csv = load_export(small_export_dir)
    for table in TABLE_COLUMNS:
        frame = csv.table(table).copy()
        frame.to_parquet(folder / f"{table}.parquet", index=False)
    parquet = load_export(folder)
    for table in TABLE_COLUMNS:
        pd.testing.assert_frame_equal(parquet.table(table), csv.table(table), check_dtype=False)


def test_optional_tables_and_columns_may_be_absent(small_export_dir: Path, tmp_path: Path) -> None:
    folder = _broken(
        small_export_dir,
        tmp_path,
        "employees",
        lambda frame: frame.drop(columns=["religion", "ethnicity"], inplace=True),
    )
    for table in ("discipline", "trainings", "aspirations", "election_calendar"):
        (folder / f"{table}.csv").unlink()
    export = load_export(folder)
    assert export.trainings.empty and tuple(export.trainings.columns) == loaded_columns("trainings")
    assert (export.employees["religion"] == "").all()


def test_the_cli_exits_2_with_the_message_and_no_traceback(
    small_export_dir: Path, tmp_path: Path
) -> None:
    folder = _broken(small_export_dir, tmp_path, "rounds", _set("label", "9", 0))
    result = CliRunner().invoke(app, ["validate", "--data-dir", str(folder)])
    assert result.exit_code == 2
    assert "rounds.csv, row 1, column label" in result.output
    assert "Traceback" not in result.output


def _respell(folder: Path) -> None:
    """How other writers spell the same values: blanks, decimals, timestamps, capitals."""
    rounds = _read(folder, "rounds")
    rounds["label"] = rounds["label"] + ".0"
    rounds["decided_on"] = rounds["decided_on"] + " 00:00:00"
    rounds["selected"] = " " + rounds["selected"].str.upper()
    rounds.to_csv(folder / "rounds.csv", index=False)
    employees = _read(folder, "employees")
    employees["status"] = employees["status"] + " "
    employees["rank_since"] = employees["rank_since"] + "T00:00:00Z"
    employees.to_csv(folder / "employees.csv", index=False)


def test_equivalent_spellings_load_to_the_same_frames(
    small_export_dir: Path, tmp_path: Path
) -> None:
    folder = _copy(small_export_dir, tmp_path / "respelled")
    _respell(folder)
    original, respelled = load_export(small_export_dir), load_export(folder)
    for table in TABLE_COLUMNS:
        pd.testing.assert_frame_equal(respelled.table(table), original.table(table))


@pytest.mark.parametrize(
    ("column", "value", "rule"),
    [
        ("label", "2.5", "whole number"),
        ("decided_on", "2024-01-31 13:45:00", "YYYY-MM-DD"),
        ("decided_on", "31/01/2024", "YYYY-MM-DD"),
    ],
)
def test_values_that_only_look_alike_are_still_refused(
    small_export_dir: Path, tmp_path: Path, column: str, value: str, rule: str
) -> None:
    error = _refusal(_broken(small_export_dir, tmp_path, "rounds", _set(column, value)))
    assert any(v.column == column and rule in v.rule for v in error.violations)
