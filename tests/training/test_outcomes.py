"""Outcome ingestion: labels land as OUTCOME, bad files change nothing and name row and column."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from features.errors import JobfitError
from training.outcomes import OutcomeError, ingest_outcomes


@pytest.fixture()
def export_copy(small_export_dir: Path, tmp_path: Path) -> Path:
    out = tmp_path / "export"
    shutil.copytree(small_export_dir, out)
    return out


def _rounds(folder: Path) -> pd.DataFrame:
    return pd.read_csv(folder / "rounds.csv", dtype=str, keep_default_na=False)


def _write(tmp_path: Path, rows: list[dict]) -> Path:
    path = tmp_path / "outcomes.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_an_outcome_updates_the_placed_person(export_copy, tmp_path):
    rounds = _rounds(export_copy)
    placed = rounds[rounds["selected"] == "true"].iloc[0]
    new_label = "1" if placed["label"] != "1" else "2"
    file = _write(tmp_path, [{"round_id": placed["round_id"], "position_id": placed["position_id"],
                              "decided_on": placed["decided_on"], "nip": placed["nip"],
                              "label": new_label}])  # fmt: skip
    message = ingest_outcomes(export_copy, file)
    assert "1 updated" in message
    after = _rounds(export_copy)
    row = after[(after["round_id"] == placed["round_id"]) & (after["nip"] == placed["nip"])]
    assert row[["label", "label_source", "selected"]].values.tolist() == [
        [new_label, "OUTCOME", "true"]
    ]
    assert len(after) == len(rounds)


def _unchanged(folder: Path, before: bytes) -> bool:
    return (folder / "rounds.csv").read_bytes() == before and not list(folder.glob(".*.tmp"))


def test_a_malformed_file_names_row_and_column_and_changes_nothing(export_copy, tmp_path):
    before = (export_copy / "rounds.csv").read_bytes()
    placed = _rounds(export_copy).iloc[0]
    file = _write(tmp_path, [{"round_id": placed["round_id"], "position_id": placed["position_id"],
                              "decided_on": "2024-13-40", "nip": placed["nip"],
                              "label": "7"}])  # fmt: skip
    with pytest.raises(OutcomeError) as info:
        ingest_outcomes(export_copy, file)
    assert "row 2, column label" in str(info.value)
    assert "row 2, column decided_on" in str(info.value)
    assert _unchanged(export_copy, before)


def test_a_missing_column_is_named(export_copy, tmp_path):
    path = tmp_path / "outcomes.csv"
    path.write_text("round_id,nip,label\nR,1,2\n")
    with pytest.raises(OutcomeError, match="missing column.*position_id"):
        ingest_outcomes(export_copy, path)


def test_an_outcome_for_a_second_person_of_a_placed_round_is_refused(export_copy, tmp_path):
    before = (export_copy / "rounds.csv").read_bytes()
    rounds = _rounds(export_copy)
    placed = rounds[rounds["selected"] == "true"].iloc[0]
    other = rounds[(rounds["round_id"] == placed["round_id"]) & (rounds["selected"] == "false")]
    other = other.iloc[0]
    file = _write(tmp_path, [{"round_id": other["round_id"], "position_id": other["position_id"],
                              "decided_on": other["decided_on"], "nip": other["nip"],
                              "label": "3"}])  # fmt: skip
    with pytest.raises(OutcomeError, match="row 2, column nip"):
        ingest_outcomes(export_copy, file)
    assert _unchanged(export_copy, before)


def test_an_unknown_person_breaks_the_contract_and_nothing_is_written(export_copy, tmp_path):
    before = (export_copy / "rounds.csv").read_bytes()
    position = _rounds(export_copy).iloc[0]["position_id"]
    file = _write(tmp_path, [{"round_id": "NEW-R1", "position_id": position,
                              "decided_on": "2026-01-05", "nip": "199001012015011999",
                              "label": "3"}])  # fmt: skip
    with pytest.raises(JobfitError):
        ingest_outcomes(export_copy, file)
    assert _unchanged(export_copy, before)
