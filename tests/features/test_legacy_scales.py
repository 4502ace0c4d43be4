"""History in the old scales: pre-2022 SKP scores and ratings, Diklatpim trainings (issue 17)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from features.legacy import (
    SKP_BANDS,
    leadership_kind,
    map_ratings,
    map_trainings,
    old_rating_of_score,
    predicate_of_score,
)
from features.loader import ContractError, load_export


@pytest.mark.parametrize(
    ("score", "old", "predicate"),
    [
        (100.0, "SANGAT_BAIK", "SANGAT_BAIK"),
        (91.0, "SANGAT_BAIK", "SANGAT_BAIK"),
        (90.99, "BAIK", "BAIK"),
        (76.0, "BAIK", "BAIK"),
        (75.99, "CUKUP", "BUTUH_PERBAIKAN"),
        (61.0, "CUKUP", "BUTUH_PERBAIKAN"),
        (60.5, "KURANG", "KURANG"),
        (51.0, "KURANG", "KURANG"),
        (50.99, "BURUK", "SANGAT_KURANG"),
        (0.0, "BURUK", "SANGAT_KURANG"),
    ],
)
def test_the_pp_46_2011_bands_at_their_edges(score: float, old: str, predicate: str) -> None:
    assert old_rating_of_score(score) == old
    assert predicate_of_score(score) == predicate


def test_one_table_maps_words_and_scores_alike() -> None:
    """The word of a band and any score in it map to the same predicate, through SKP_BANDS."""
    for minimum, old, predicate in SKP_BANDS:
        words, _ = map_ratings(pd.Series([old]))
        scores, _ = map_ratings(pd.Series([f"{minimum:.2f}"]))
        assert words.iloc[0] == scores.iloc[0] == predicate


def test_only_values_that_change_are_marked_as_mapped() -> None:
    rating = pd.Series(["84", "84.25", "CUKUP", "BURUK", "BAIK", "BUTUH_PERBAIKAN", "SANGAT_BAIK"])
    today, original = map_ratings(rating)
    assert list(today) == [
        "BAIK", "BAIK", "BUTUH_PERBAIKAN", "SANGAT_KURANG", "BAIK", "BUTUH_PERBAIKAN",
        "SANGAT_BAIK",
    ]  # fmt: skip
    assert list(original) == ["84", "84.25", "CUKUP", "BURUK", "", "", ""]


@pytest.mark.parametrize(
    ("kind", "today"),
    [
        ("DIKLATPIM_I", "PKN_I"),
        ("DIKLATPIM_II", "PKN_II"),
        ("Diklatpim III", "PKA"),
        ("Diklatpim Tk. IV", "PKP"),
        ("DIKLATPIM TINGKAT III", "PKA"),
    ],
)
def test_old_leadership_trainings_map_to_their_successors(kind: str, today: str) -> None:
    mapped, original = map_trainings(pd.Series([kind, "TECHNICAL"]))
    assert list(mapped) == [today, "TECHNICAL"]
    assert list(original) == [kind, ""]


def test_a_diklatpim_of_no_level_is_not_one() -> None:
    assert leadership_kind("DIKLATPIM_V") is None
    assert leadership_kind("DIKLATPIM") is None


def _copy(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target


def _with_rating(source: Path, tmp_path: Path, year: int, rating: str) -> tuple[Path, int]:
    """A copy of the export whose first performance row of ``year`` is rated ``rating``."""
    folder = _copy(source, tmp_path / "export")
    frame = pd.read_csv(folder / "performance.csv", dtype=str, keep_default_na=False)
    index = int((frame["year"] == str(year)).to_numpy().nonzero()[0][0])
    frame.loc[index, "rating"] = rating
    frame.to_csv(folder / "performance.csv", index=False)
    return folder, index + 1


@pytest.mark.parametrize("rating", ["84", "CUKUP", "BURUK"])
def test_an_old_scale_value_in_2023_is_refused_with_file_row_column(
    small_export_dir: Path, tmp_path: Path, rating: str
) -> None:
    folder, row = _with_rating(small_export_dir, tmp_path, 2023, rating)
    with pytest.raises(ContractError) as caught:
        load_export(folder)
    (violation,) = caught.value.violations
    assert (violation.file, violation.row, violation.column) == ("performance.csv", row, "rating")
    assert violation.value == rating
    assert "before 2022" in violation.rule
    assert f"performance.csv, row {row}, column rating, value '{rating}'" in str(caught.value)


@pytest.mark.parametrize("rating", ["101", "-3", "84,5", "GOOD", "cukup"])
def test_what_is_no_scale_at_all_is_refused_in_any_year(
    small_export_dir: Path, tmp_path: Path, rating: str
) -> None:
    folder, _ = _with_rating(small_export_dir, tmp_path, 2020, rating)
    with pytest.raises(ContractError) as caught:
        load_export(folder)
    assert [v.column for v in caught.value.violations] == ["rating"]


def test_an_old_scale_value_before_2022_loads_mapped_and_marked(
    small_export_dir: Path, tmp_path: Path
) -> None:
    folder, row = _with_rating(small_export_dir, tmp_path, 2020, "84.25")
    performance = load_export(folder).performance
    assert performance.loc[row - 1, ["rating", "rating_mapped_from"]].tolist() == ["BAIK", "84.25"]
    assert (performance.drop(index=row - 1)["rating_mapped_from"] == "").all()
