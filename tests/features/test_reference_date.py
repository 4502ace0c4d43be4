"""The day an export describes: its ``extracted_on``, else its latest record, never the clock."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from features.export import reference_date
from features.loader import ContractError, load_export
from tests.features.factories import employee, make_export


def test_extracted_on_is_the_export_date() -> None:
    export = make_export(
        employees=[employee("196501011990031001", position_since="2020-01-01")],
        export_metadata=[{"extracted_on": "2025-01-15"}],
    )
    assert reference_date(export) == pd.Timestamp("2025-01-15")


def test_without_metadata_the_latest_record_dates_the_export() -> None:
    export = make_export(
        employees=[employee("196501011990031001", position_since="2021-03-01")],
        discipline=[
            {"nip": "196501011990031001", "level": "RINGAN",
             "decided_on": "2022-05-02", "ends_on": "2031-01-01"},
        ],
    )  # fmt: skip
    # the sanction's end is a schedule, not a record: the decision on 2022-05-02 is the latest
    assert reference_date(export) == pd.Timestamp("2022-05-02")


def test_a_second_metadata_row_is_refused(tmp_path: Path, small_export_dir: Path) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    for path in small_export_dir.iterdir():
        (folder / path.name).write_bytes(path.read_bytes())
    (folder / "export_metadata.csv").write_text("extracted_on\n2025-01-01\n2025-02-01\n")
    with pytest.raises(ContractError) as error:
        load_export(folder)
    assert "export_metadata.csv" in str(error.value) and "at most one row" in str(error.value)
