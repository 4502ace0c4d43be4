"""``make holdout``: every graded vacancy served through the engine and scored."""

from __future__ import annotations

from pathlib import Path

import pytest

from serving.holdout import evaluate_holdout
from training.truth import load_truth

SMALL_EMPLOYEES, SMALL_SEED = 400, 7  # the shared small export's options (tests/conftest.py)


@pytest.fixture(scope="module")
def truth_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The truth of the shared small export (same options give the same export bytes)."""
    from training.synthetic import generate_export

    root = tmp_path_factory.mktemp("holdout")
    generate_export(root / "export", employees=SMALL_EMPLOYEES, seed=SMALL_SEED,
                    progress=False, truth_dir=root / "truth")  # fmt: skip
    return root / "truth"


def test_holdout_serves_every_vacancy_through_the_engine(
    champion, small_export_dir: Path, truth_dir: Path
) -> None:
    result = evaluate_holdout(small_export_dir, truth_dir, samples=50)
    truth = load_truth(truth_dir)
    eligible = truth.frame.groupby("position_id")["eligible"].any()
    assert set(result.table["position_id"]) == set(truth.positions())
    assert result.ineligible == 0
    assert (result.table["served"] <= 10).all()
    assert set(result.methods) == {"ranker", "seniority"}
    if eligible.any():
        assert 0.0 <= result.methods["ranker"].mean <= 1.0
    text = result.summary()
    assert "ranker" in text and "ineligible candidates in any served top 10: 0" in text
