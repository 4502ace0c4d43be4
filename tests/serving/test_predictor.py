"""The compiled predictor: LightGBM's scores within 1e-9, or LightGBM itself."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import lightgbm as lgb
import numpy as np

from features.export import Export
from serving.engine import Engine
from serving.predictor import (
    TOLERANCE,
    ZERO_BAND,
    _cache_key,
    check_matrix,
    make_predictor,
)
from tests.serving.conftest import service_settings
from training.bundle import RankerBundle


def _random_booster(seed: int, features: int = 6) -> lgb.Booster:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(400, features))
    x[rng.random(x.shape) < 0.1] = np.nan
    y = np.nan_to_num(x[:, 0]) + rng.normal(scale=0.1, size=400)
    params = {"objective": "regression", "num_leaves": 7, "verbose": -1, "seed": seed}
    return lgb.train(params, lgb.Dataset(x, y), num_boost_round=25)


def test_compiled_scores_match_lightgbm_on_real_features(
    small_export: Export, ranker: RankerBundle, tmp_path: Path, vacancy: str
) -> None:
    predictor = make_predictor(ranker.booster, tmp_path)
    assert predictor.backend == "lleaves"
    assert predictor.max_difference is not None and predictor.max_difference <= TOLERANCE
    engine = Engine.build(small_export, ranker, service_settings(tmp_path))
    scored = engine.score(engine.pool, engine.position(vacancy))
    for matrix in (scored.matrix, check_matrix(ranker.booster, rows=2000, seed=3)):
        expected = ranker.booster.predict(matrix)
        assert np.max(np.abs(predictor.scores(matrix) - expected)) <= TOLERANCE
    assert list(tmp_path.glob("*.o")), "the compiled model is cached on disk"


def test_the_check_matrix_takes_every_threshold_from_both_sides(ranker: RankerBundle) -> None:
    matrix = check_matrix(ranker.booster, rows=3000)
    splits = ranker.booster.trees_to_dataframe().dropna(subset=["threshold"])
    splits = splits[splits["threshold"].abs() > ZERO_BAND]
    names = ranker.booster.feature_name()
    for name, threshold in splits[["split_feature", "threshold"]].head(50).itertuples(index=False):
        column = matrix[:, names.index(name)]
        assert (column == threshold).any() and (column < threshold).any()
        assert (column > threshold).any() and np.isnan(column).any()


def test_a_compiled_copy_that_disagrees_is_not_used(tmp_path: Path) -> None:
    model_a, model_b = _random_booster(1), _random_booster(2)
    compiled_a = make_predictor(model_a, tmp_path)
    assert compiled_a.backend == "lleaves"
    # a stale or tampered cache: B's cache entry holds A's machine code
    shutil.copy(
        tmp_path / f"{_cache_key(model_a.model_to_string())}.o",
        tmp_path / f"{_cache_key(model_b.model_to_string())}.o",
    )
    guarded = make_predictor(model_b, tmp_path)
    assert guarded.backend == "lightgbm" and guarded.compiled is None
    rows = check_matrix(model_b, rows=500)
    assert np.array_equal(guarded.scores(rows), model_b.predict(rows))


def test_compiling_can_be_switched_off(ranker: RankerBundle, tmp_path: Path) -> None:
    predictor = make_predictor(ranker.booster, tmp_path, compile=False)
    assert predictor.backend == "lightgbm"
    assert not list(tmp_path.glob("*.o"))


def test_shortlists_are_the_same_with_either_backend(
    small_export: Export, ranker: RankerBundle, tmp_path: Path, vacancy: str
) -> None:
    compiled = Engine.build(small_export, ranker, service_settings(tmp_path))
    plain = replace(compiled, predictor=make_predictor(ranker.booster, None, compile=False))
    assert compiled.predictor.backend == "lleaves"
    position = compiled.position(vacancy)
    fast = compiled.shortlist(position, 20, "id", {})
    slow = plain.shortlist(position, 20, "id", {})
    assert [c["nip"] for c in fast["candidates"]] == [c["nip"] for c in slow["candidates"]]
    assert fast == slow
    assert len(fast["candidates"]) > 0
