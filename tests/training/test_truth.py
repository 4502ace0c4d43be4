"""The held-back truth: written outside the export, deterministic, graded among the eligible."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from features.loader import load_export
from training.synthetic import generate_export
from training.synthetic.writer import GeneratorError
from training.truth import TRUTH_COLUMNS, grade_pool, load_truth


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same small export written without a truth, with one, and again with one."""
    root = tmp_path_factory.mktemp("truth")
    generate_export(root / "plain", employees=300, seed=3, progress=False)
    for name in ("a", "b"):
        generate_export(
            root / name, employees=300, seed=3, progress=False, truth_dir=root / f"{name}-truth"
        )
    return root


def test_the_truth_leaves_the_export_unchanged_and_is_deterministic(exports: Path) -> None:
    assert _files(exports / "a") == _files(exports / "plain")
    assert _files(exports / "a-truth") == _files(exports / "b-truth")
    assert sorted(_files(exports / "a-truth")) == ["truth.csv", "truth.json"]
    assert not any(p.name.startswith("truth") for p in (exports / "a").iterdir())


def test_the_loader_still_accepts_the_export(exports: Path) -> None:
    export = load_export(exports / "a")
    truth = load_truth(exports / "a-truth")
    assert truth.meta["export_hash"] == export.snapshot_hash
    assert truth.meta["latent"] == "default"


def test_the_truth_grades_every_open_vacancy_against_its_agencys_active_staff(
    exports: Path,
) -> None:
    export = load_export(exports / "a")
    frame = load_truth(exports / "a-truth").frame
    assert tuple(frame.columns) == TRUTH_COLUMNS
    vacant = set(export.positions.loc[export.positions["is_vacant"], "position_id"])
    assert set(frame["position_id"]) == vacant and vacant
    active = set(export.employees.loc[export.employees["status"] == "ACTIVE", "nip"])
    for _, rows in frame.groupby("position_id"):
        assert set(rows["nip"]) == active
        assert (rows.loc[~rows["eligible"], "grade"] == 0).all()
        if rows["eligible"].any():
            best = rows.loc[rows["eligible"], "fit"].idxmax()
            assert rows.loc[best, "grade"] == 4


def test_a_truth_inside_the_export_is_refused(tmp_path: Path) -> None:
    with pytest.raises(GeneratorError, match="outside"):
        generate_export(tmp_path / "e", employees=300, seed=3, progress=False,
                        truth_dir=tmp_path / "e" / "truth")  # fmt: skip


def test_an_unknown_latent_variant_is_refused(tmp_path: Path) -> None:
    with pytest.raises(GeneratorError, match="latent"):
        generate_export(tmp_path / "e", employees=300, seed=3, progress=False, latent="nope")


def test_the_perturbed_generator_changes_labels_not_the_contract(
    exports: Path, tmp_path: Path
) -> None:
    generate_export(tmp_path / "p", employees=300, seed=3, progress=False, latent="perturbed",
                    truth_dir=tmp_path / "p-truth")  # fmt: skip
    plain, perturbed = load_export(exports / "plain"), load_export(tmp_path / "p")
    pd.testing.assert_frame_equal(plain.employees, perturbed.employees)
    assert not plain.rounds["label"].equals(perturbed.rounds["label"])
    assert not plain.performance["rating"].equals(perturbed.performance["rating"])
    assert load_truth(tmp_path / "p-truth").meta["latent"] == "perturbed"


def test_grades_go_to_the_best_ranks_of_the_eligible_pool() -> None:
    fit = np.arange(200, dtype=float)
    eligible = np.ones(200, dtype=bool)
    eligible[199] = False  # the best fit is not eligible: it gets nothing
    grades = grade_pool(fit, eligible)
    assert grades[199] == 0
    assert grades[198] == 4 and grades[197] == 4  # top 1% of 199 = 2 people
    assert (grades[193:197] == 3).all() and grades[192] == 2  # top 3% of 199: 6 people
    assert (grades > 0).sum() == 20  # top 10%
    assert (np.diff(grades[:199]) >= 0).all()
    small = grade_pool(np.array([0.1, 0.5, 0.3]), np.array([True, True, True]))
    assert list(small) == [3, 4, 3]  # the floors: in a pool of 3 everyone is in the top 3
    assert (grade_pool(fit, np.zeros(200, dtype=bool)) == 0).all()
