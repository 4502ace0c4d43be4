"""A partitioned export (``agency_id=<id>/``) validates with the loader's rules, per agency."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from features.export import TABLE_COLUMNS, Export
from features.loader import ContractError, load_export
from features.partitioned import is_partitioned, split_export, validate_partitioned
from training.cli import app
from training.synthetic.writer import generate_export

AGENCY = "PEMKOT-PLG"
OTHER = "PEMKAB-001"


def _loaded(folder: Path) -> dict[str, Export]:
    exports: dict[str, Export] = {}
    validate_partitioned(folder, each=exports.__setitem__)
    return exports


def _copy_as_other_agency(source: Path, target: Path) -> None:
    """The export again as another agency: its own NIP sequences, position ids, agency id."""
    target.mkdir(parents=True)
    for path in source.iterdir():
        text = pd.read_csv(path, dtype=str, keep_default_na=False)
        for column in text.columns:
            values = text[column]
            if column == "nip":
                text[column] = values.str[:15] + (values.str[15:].astype(int) + 500).astype(str)
            elif column in ("position_id", "current_position_id"):
                text[column] = values.where(values == "", "B-" + values)
            elif column == "agency_id":
                text[column] = values.replace(AGENCY, OTHER)
        text.to_csv(target / path.name, index=False)


@pytest.fixture(scope="module")
def national(small_export_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two agencies: the small export and a renamed copy of it."""
    folder = tmp_path_factory.mktemp("national")
    shutil.copytree(small_export_dir, folder / f"agency_id={AGENCY}")
    _copy_as_other_agency(small_export_dir, folder / f"agency_id={OTHER}")
    return folder


def test_partitioned_load_gives_the_in_memory_frames(
    small_export_dir: Path, small_export: Export, tmp_path: Path
) -> None:
    shutil.copytree(small_export_dir, tmp_path / f"agency_id={AGENCY}")
    assert is_partitioned(tmp_path) and not is_partitioned(small_export_dir)
    exports = _loaded(tmp_path)
    assert list(exports) == [AGENCY]
    for table in TABLE_COLUMNS:
        pd.testing.assert_frame_equal(exports[AGENCY].table(table), small_export.table(table))


def test_a_bad_row_is_reported_as_the_loader_does_with_its_partition(
    small_export_dir: Path, tmp_path: Path
) -> None:
    plain = tmp_path / "plain"
    shutil.copytree(small_export_dir, plain)
    employees = pd.read_csv(plain / "employees.csv", dtype=str, keep_default_na=False)
    employees.loc[2, "birth_date"] = "1970-13-01"
    employees.to_csv(plain / "employees.csv", index=False)
    shutil.copytree(plain, tmp_path / "parts" / f"agency_id={AGENCY}")
    with pytest.raises(ContractError) as in_memory:
        load_export(plain)
    with pytest.raises(ContractError) as by_agency:
        validate_partitioned(tmp_path / "parts")
    expected = [
        (f"agency_id={AGENCY}/{v.file}", v.row, v.column, v.value, v.rule)
        for v in in_memory.value.violations
    ]
    found = [(v.file, v.row, v.column, v.value, v.rule) for v in by_agency.value.violations]
    assert found == expected
    assert ("employees.csv" in expected[0][0]) and expected[0][1:3] == (3, "birth_date")


def test_two_valid_agencies_load_one_at_a_time(national: Path) -> None:
    exports = _loaded(national)
    assert list(exports) == [OTHER, AGENCY]
    assert not set(exports[OTHER].employees["nip"]) & set(exports[AGENCY].employees["nip"])


def test_a_rating_of_another_agencys_employee_is_found(national: Path, tmp_path: Path) -> None:
    folder = tmp_path / "national"
    shutil.copytree(national, folder)
    theirs = pd.read_csv(folder / f"agency_id={AGENCY}" / "employees.csv", dtype=str)["nip"][0]
    path = folder / f"agency_id={OTHER}" / "performance.csv"
    ratings = pd.read_csv(path, dtype=str, keep_default_na=False)
    ratings.loc[4, "nip"] = theirs
    ratings.to_csv(path, index=False)
    with pytest.raises(ContractError) as refused:
        validate_partitioned(folder, report=tmp_path / "report.csv")
    [violation] = refused.value.violations
    assert violation.file == f"agency_id={OTHER}/performance.csv"
    assert (violation.row, violation.column, violation.value) == (5, "nip", theirs)
    assert f"belongs to agency_id={AGENCY}" in violation.rule
    assert (tmp_path / "report.csv").exists()


def test_a_nip_in_two_agencies_is_refused(national: Path, tmp_path: Path) -> None:
    folder = tmp_path / "national"
    shutil.copytree(national, folder)
    ours = folder / f"agency_id={AGENCY}" / "employees.csv"
    path = folder / f"agency_id={OTHER}" / "employees.csv"
    employees = pd.read_csv(path, dtype=str, keep_default_na=False)
    employees.loc[0, "nip"] = pd.read_csv(ours, dtype=str)["nip"][0]
    employees.to_csv(path, index=False)
    with pytest.raises(ContractError) as refused:
        validate_partitioned(folder)
    rules = {(v.file, v.row, v.column): v.rule for v in refused.value.violations}
    repeat = rules[(f"agency_id={AGENCY}/employees.csv", 1, "nip")]
    assert f"also in agency_id={OTHER}" in repeat


def test_the_generator_writes_one_export_per_agency(tmp_path: Path) -> None:
    generate_export(tmp_path / "x", employees=400, seed=3, fmt="parquet", partitioned=True)
    [part] = list((tmp_path / "x").iterdir())
    assert part.name == f"agency_id={AGENCY}"
    assert (part / "employees.parquet").exists() and (part / "export_metadata.parquet").exists()
    exports = _loaded(tmp_path / "x")
    assert len(exports[AGENCY].employees) == 400


def test_a_national_export_in_one_folder_splits_into_agencies(
    national: Path, tmp_path: Path
) -> None:
    whole = tmp_path / "whole"
    whole.mkdir()
    for path in sorted((national / f"agency_id={AGENCY}").iterdir()):
        parts = [
            pd.read_csv(p / path.name, dtype=str, keep_default_na=False)
            for p in sorted(national.iterdir())
        ]
        frame = (
            pd.concat(parts).drop_duplicates()
            if path.stem == "export_metadata"
            else pd.concat(parts)
        )
        frame.to_csv(whole / path.name, index=False)
    assert split_export(whole, tmp_path / "split", chunk_rows=997) == [OTHER, AGENCY]
    split, original = _loaded(tmp_path / "split"), _loaded(national)
    for agency in (OTHER, AGENCY):
        for table in TABLE_COLUMNS:
            pd.testing.assert_frame_equal(split[agency].table(table), original[agency].table(table))


def test_splitting_refuses_a_row_of_no_agency(small_export_dir: Path, tmp_path: Path) -> None:
    whole = tmp_path / "whole"
    shutil.copytree(small_export_dir, whole)
    ratings = pd.read_csv(whole / "performance.csv", dtype=str, keep_default_na=False)
    ratings.loc[1500, "nip"] = "199001012015011999"
    ratings.to_csv(whole / "performance.csv", index=False)
    with pytest.raises(ContractError) as refused:
        split_export(whole, tmp_path / "split", chunk_rows=700)
    [violation] = refused.value.violations
    assert (violation.file, violation.row, violation.column) == ("performance.csv", 1501, "nip")
    assert not (tmp_path / "split").exists()


def test_a_partition_without_a_required_table_is_named(national: Path, tmp_path: Path) -> None:
    folder = tmp_path / "national"
    shutil.copytree(national, folder)
    (folder / f"agency_id={OTHER}" / "rounds.csv").unlink()
    with pytest.raises(ContractError) as refused:
        validate_partitioned(folder)
    [violation] = refused.value.violations
    assert violation.file == f"agency_id={OTHER}/rounds.csv"
    assert "required table rounds is missing" in violation.rule


def test_the_cli_validates_and_splits_partitioned_exports(
    national: Path, small_export_dir: Path, tmp_path: Path
) -> None:
    valid = CliRunner().invoke(app, ["validate", "--data-dir", str(national)])
    assert valid.exit_code == 0 and "2 agencies" in valid.output
    split = CliRunner().invoke(
        app, ["partition", "--data-dir", str(small_export_dir), "--out", str(tmp_path / "p")]
    )
    assert split.exit_code == 0 and (tmp_path / "p" / f"agency_id={AGENCY}").is_dir()
    again = CliRunner().invoke(
        app, ["partition", "--data-dir", str(small_export_dir), "--out", str(tmp_path / "p")]
    )
    assert again.exit_code == 2 and "exists" in again.output and "Traceback" not in again.output
    rejects = ["validate", "--data-dir", str(national), "--rejects", str(tmp_path / "r.csv")]
    refused = CliRunner().invoke(app, rejects)
    assert refused.exit_code == 2 and "agency_id=<id>/" in refused.output


def test_a_partition_missing_the_nip_column_is_reported_not_raised(
    national: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "national"
    shutil.copytree(national, folder)
    path = folder / f"agency_id={OTHER}" / "employees.csv"
    pd.read_csv(path, dtype=str).drop(columns="nip").to_csv(path, index=False)
    with pytest.raises(ContractError) as refused:
        validate_partitioned(folder)
    assert any(
        v.file == f"agency_id={OTHER}/employees.csv" and v.column == "nip"
        for v in refused.value.violations
    )
