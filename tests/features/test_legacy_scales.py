"""History in the old scales: pre-2022 SKP scores and ratings, Diklatpim trainings (issue 17)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from features.build import build_features
from features.candidates import prepare_candidates
from features.export import Export
from features.legacy import (
    SKP_BANDS,
    leadership_kind,
    map_ratings,
    map_trainings,
    old_rating_of_score,
    predicate_of_score,
)
from features.loader import ContractError, load_export, summarize_export
from serving.engine import Engine
from serving.settings import ServiceSettings
from training.bundle import RankerBundle
from training.cli import app
from training.synthetic import generate_export

LEGACY_DATE = "2023-06-30"
"""An export date whose last three rating years (2022, 2021, 2020) reach into the old scales."""


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


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> tuple[Export, Export]:
    """The same seed generated with and without ``--legacy-history``, loaded."""
    out = tmp_path_factory.mktemp("legacy")
    for name, legacy in (("plain", False), ("legacy", True)):
        generate_export(
            out / name, employees=400, seed=11, reference_date=LEGACY_DATE, progress=False,
            legacy_history=legacy,
        )  # fmt: skip
    return load_export(out / "legacy"), load_export(out / "plain")


def test_a_generated_legacy_history_loads_with_its_old_values_marked(
    exports: tuple[Export, Export],
) -> None:
    legacy, plain = exports
    marked = legacy.performance[legacy.performance["rating_mapped_from"] != ""]
    assert marked["year"].max() < 2022 and len(marked) > 50
    originals = marked["rating_mapped_from"]
    assert originals.str.fullmatch(r"\d+\.\d{2}").any() and originals.isin(["CUKUP"]).any()
    assert (legacy.trainings["kind_mapped_from"].str.startswith(("DIKLATPIM", "Diklatpim"))).any()
    assert (plain.performance["rating_mapped_from"] == "").all()
    assert legacy.performance["rating"].equals(plain.performance["rating"])
    assert legacy.trainings["kind"].equals(plain.trainings["kind"])
    assert "old scales mapped" in summarize_export(legacy)
    assert "old scales mapped" not in summarize_export(plain)


def test_mapped_history_gives_the_features_of_todays_scales(
    exports: tuple[Export, Export],
) -> None:
    """Mapping is exact: every old value lands on the predicate it was drawn from."""
    legacy, plain = exports
    position = plain.positions[plain.positions["position_type"] == "ADMINISTRATOR"].iloc[0]
    for export in exports:
        assert prepare_candidates(export, LEGACY_DATE).ratings_mapped_from.shape[1] == 3
    built = [
        build_features(prepare_candidates(e, LEGACY_DATE), position.to_dict(), LEGACY_DATE)
        for e in (legacy, plain)
    ]
    pd.testing.assert_frame_equal(*built)


def _engine(export: Export, ranker: RankerBundle) -> Engine:
    settings = ServiceSettings(as_of=pd.Timestamp(LEGACY_DATE).date(), compiled_predictor=False)
    return Engine.build(export, ranker, settings)


def _mapped_candidate(export: Export) -> tuple[str, int, str]:
    """An active employee whose 2021 rating was written as an SKP score: NIP, year, score."""
    performance = export.performance
    active = set(export.employees.loc[export.employees["status"] == "ACTIVE", "nip"])
    scored = performance[
        (performance["year"] == 2021)
        & performance["rating_mapped_from"].str.fullmatch(r"\d+\.\d{2}")
        & performance["nip"].isin(active)
    ]
    row = scored.iloc[0]
    return str(row["nip"]), 2021, str(row["rating_mapped_from"])


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("id", "predikat {year} dipetakan dari nilai SKP {score} (PP 46/2011)"),
        ("en", "{year} rating mapped from SKP score {score} (PP 46/2011)"),
    ],
)
def test_a_mapped_rating_shows_in_the_fit_reasons_as_mapped(
    exports: tuple[Export, Export], ranker: RankerBundle, lang: str, said: str
) -> None:
    legacy, plain = exports
    nip, year, score = _mapped_candidate(legacy)
    position = legacy.positions[legacy.positions["is_vacant"]].iloc[0].to_dict()
    fit = _engine(legacy, ranker).fit(nip, position, lang)
    note = said.format(year=year, score=score)
    (performance,) = [f for f in fit["factors"] if f["factor"] == "performance"]
    assert note in performance["says"] and note in performance["text"]
    (y2,) = [c for c in fit["contributions"] if c["feature"] == "perf_rating_y2"]
    assert note in y2["says"]
    plain_fit = _engine(plain, ranker).fit(nip, position, lang)
    assert note not in str(plain_fit)
    assert [f["contribution"] for f in plain_fit["factors"]] == [
        f["contribution"] for f in fit["factors"]
    ]


def test_a_mapped_leadership_training_shows_in_the_shortlist_reasons(
    exports: tuple[Export, Export], ranker: RankerBundle
) -> None:
    legacy, _ = exports
    engine = _engine(legacy, ranker)
    mapped = np.flatnonzero(engine.pool.leadership_mapped_from != "")
    assert len(mapped)
    nip = str(engine.pool.nips[mapped[0]])
    original = str(engine.pool.leadership_mapped_from[mapped[0]])
    position = legacy.positions[legacy.positions["is_vacant"]].iloc[0].to_dict()
    fit = engine.fit(nip, position, "id")
    (training,) = [f for f in fit["factors"] if f["factor"] == "training"]
    assert f"dipetakan dari diklat kepemimpinan lama {original}" in training["says"]


@pytest.mark.parametrize("kind", ["DIKLATPIM_V", "DIKLAT_PIM_III", "PKN_III"])
def test_a_training_kind_of_no_scale_is_refused_naming_the_old_names(
    small_export_dir: Path, tmp_path: Path, kind: str
) -> None:
    folder = _copy(small_export_dir, tmp_path / "export")
    frame = pd.read_csv(folder / "trainings.csv", dtype=str, keep_default_na=False)
    frame.loc[0, "kind"] = kind
    frame.to_csv(folder / "trainings.csv", index=False)
    with pytest.raises(ContractError) as caught:
        load_export(folder)
    (violation,) = caught.value.violations
    assert (violation.file, violation.row, violation.column) == ("trainings.csv", 1, "kind")
    assert "DIKLATPIM_III" in violation.rule


def test_the_cli_writes_legacy_history_on_request(tmp_path: Path) -> None:
    out = tmp_path / "export"
    args = ["data", "--out", str(out), "--employees", "200", "--reference-date", LEGACY_DATE]
    result = CliRunner().invoke(app, [*args, "--legacy-history"])
    assert result.exit_code == 0, result.output
    ratings = pd.read_csv(out / "performance.csv", dtype=str)["rating"]
    assert ratings.str.fullmatch(r"\d+\.\d{2}").any()
    assert (load_export(out).performance["rating_mapped_from"] != "").any()
