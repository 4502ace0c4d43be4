"""Fast scoring of a booster: an lleaves-compiled copy, checked against LightGBM before use.

Serving ranks every eligible candidate of a pool (up to a million rows) but explains only the
top k. Scores come from the booster compiled to machine code by lleaves (LLVM), which gives
LightGBM's own scores several times faster; contributions (``pred_contrib``) always come from
LightGBM itself. The compiled copy is used only after it has reproduced LightGBM's scores
within ``TOLERANCE`` on a check matrix that takes every split threshold of the model from both
sides, exactly, and as missing; otherwise, or when compiling fails, LightGBM scores and the
reason is logged. Object files are cached by the model's hash, the CPU and the compiler
versions, so a restart or a reload of the same champion does not compile again.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np

from training.bundle import check_booster

logger = logging.getLogger(__name__)

TOLERANCE = 1e-9
"""Largest absolute score difference allowed between the compiled copy and LightGBM."""
PARALLEL_ROWS = 20_000
"""Below this many rows one thread is faster than starting a pool."""
CHECK_ROWS = 4_000
ZERO_BAND = float(np.float32(1e-35))
"""LightGBM's ``kZeroThreshold`` (1e-35 in single precision): values this close to zero are zero."""


@dataclass(frozen=True)
class Predictor:
    """Scores and contributions of one booster.

    Attributes
    ----------
    booster : lightgbm.Booster
        The model; contributions always come from it.
    compiled : object or None
        The lleaves model used for scores, or None (LightGBM scores).
    backend : str
        ``"lleaves"`` or ``"lightgbm"``, reported by ``/v1/model`` and the bench.
    max_difference : float or None
        The largest score difference seen in the check (None when not compiled).
    """

    booster: lgb.Booster
    compiled: Any = None
    backend: str = "lightgbm"
    max_difference: float | None = None

    def scores(self, matrix: np.ndarray) -> np.ndarray:
        """Raw scores of the rows of ``matrix`` (float64, columns in the booster's order)."""
        if len(matrix) == 0:
            return np.zeros(0, dtype=np.float64)
        if self.compiled is None:
            return np.asarray(self.booster.predict(matrix), dtype=np.float64)
        data = np.ascontiguousarray(matrix, dtype=np.float64)
        jobs = 1 if len(data) < PARALLEL_ROWS else max(1, min(os.cpu_count() or 1, 8))
        return self.compiled.predict(data, n_jobs=jobs)

    def contributions(self, matrix: np.ndarray) -> np.ndarray:
        """LightGBM's ``pred_contrib``: one column per feature, then the base value."""
        if len(matrix) == 0:
            return np.zeros((0, matrix.shape[1] + 1), dtype=np.float64)
        threads = 1 if len(matrix) < PARALLEL_ROWS else 0  # 0: LightGBM's default, every core
        contributions = self.booster.predict(matrix, pred_contrib=True, num_threads=threads)
        return np.asarray(contributions, dtype=np.float64)


def make_predictor(booster: lgb.Booster, cache_dir: Path | None, compile: bool = True) -> Predictor:
    """A predictor for ``booster``: compiled and checked when possible, else LightGBM's own.

    Parameters
    ----------
    booster : lightgbm.Booster
    cache_dir : pathlib.Path or None
        Where compiled object files are kept (created if missing); None compiles in memory.
    compile : bool
        False skips the compiler (``ASN_JOBFIT_COMPILED_PREDICTOR=false``).

    Raises
    ------
    training.bundle.ScoreCheckError
        When a leaf value or a probe row's score is not finite: such a model is never served.
    """
    check_booster(booster)
    if not compile:
        return Predictor(booster)
    text = booster.model_to_string()
    try:
        compiled = _compile(text, _cache_key(text), cache_dir)
    except Exception as error:  # any compiler failure falls back to LightGBM, logged
        logger.warning("compiled predictor unavailable (%s); scoring with LightGBM", error)
        return Predictor(booster)
    difference = _max_difference(booster, compiled)
    if not difference <= TOLERANCE:
        logger.warning(
            "compiled predictor differs from LightGBM by %.3g (> %g); scoring with LightGBM",
            difference,
            TOLERANCE,
        )
        return Predictor(booster)
    logger.info("compiled predictor ready (max difference from LightGBM %.2g)", difference)
    return Predictor(booster, compiled, "lleaves", difference)


def _cache_key(model_text: str) -> str:
    import llvmlite.binding as llvm  # loaded only when compiling: LightGBM serves without it

    versions = f"{metadata.version('lleaves')}|{metadata.version('llvmlite')}"
    return hashlib.sha256(
        f"{versions}|{llvm.get_host_cpu_name()}|{model_text}".encode()
    ).hexdigest()[:24]


def _compile(model_text: str, key: str, cache_dir: Path | None) -> Any:
    import lleaves  # loaded only when compiling: LightGBM serves without it

    with tempfile.TemporaryDirectory() as folder:
        model_file = Path(folder) / "booster.txt"
        model_file.write_text(model_text)
        compiled = lleaves.Model(model_file=str(model_file))
        if cache_dir is None:
            compiled.compile(raw_score=True)
        else:
            _compile_cached(compiled, cache_dir, key)
    return compiled


def _compile_cached(compiled: Any, cache_dir: Path, key: str) -> bool:
    """Load ``key``'s object file from ``cache_dir``, compiling it first if it is not there.

    Safe when several workers start at once: one compiles under an exclusive lock on
    ``<key>.lock`` and renames the finished file into place, the others wait for the lock and
    load it, so no process reads a half-written file. True when this call compiled it.
    """
    cache_dir.mkdir(parents=True, exist_ok=True)
    target = cache_dir / f"{key}.o"
    with (cache_dir / f"{key}.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if target.exists():
            compiled.compile(cache=str(target), raw_score=True)
            logger.info("compiled predictor loaded from the cache %s", target.name)
            return False
        partial = cache_dir / f"{key}.{os.getpid()}.partial"
        try:
            compiled.compile(cache=str(partial), raw_score=True)
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)
        logger.info("compiled predictor built into the cache %s", target.name)
        return True


def check_matrix(booster: lgb.Booster, rows: int = CHECK_ROWS, seed: int = 0) -> np.ndarray:
    """Rows that take every split of the model: each threshold exactly, just below, just above,
    zero and missing, mixed at random across features.

    LightGBM counts values within ``ZERO_BAND`` of zero as zero (its splits "at zero" sit at
    +-1e-35); the compiled copy compares them as they are. No feature takes such a value (they
    are counts, years, levels and ratios), so the check takes zero itself there instead.
    """
    frame = booster.trees_to_dataframe()
    splits = frame.dropna(subset=["threshold"])
    names = booster.feature_name()
    rng = np.random.default_rng(seed)
    matrix = np.empty((rows, len(names)))
    for j, name in enumerate(names):
        thresholds = splits.loc[splits["split_feature"] == name, "threshold"].to_numpy(float)
        thresholds = thresholds[np.abs(thresholds) > ZERO_BAND]
        values = np.concatenate(
            [thresholds, np.nextafter(thresholds, -np.inf), np.nextafter(thresholds, np.inf),
             [0.0, np.nan, -1e9, 1e9]]
        )  # fmt: skip
        matrix[:, j] = rng.choice(values, size=rows)
    return matrix


def _max_difference(booster: lgb.Booster, compiled: Any) -> float:
    matrix = check_matrix(booster)
    expected = np.asarray(booster.predict(matrix, raw_score=True), dtype=np.float64)
    got = compiled.predict(matrix, n_jobs=1)
    return float(np.max(np.abs(expected - got)))
