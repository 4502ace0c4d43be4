"""Served quality against three held-back truths, as a user measures it (``make holdout``).

Each case generates an export and its truth, trains with the default config through the CLI
(``python -m training train``, its own MLflow store) and serves every open vacancy through the
engine (``python -m serving holdout``). The floors are the served NDCG@10 this project
promises on its own generators (README); no served top 10 may hold an ineligible candidate.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

CASES = {
    # name: (employees, seed, latent, floor on the served NDCG@10). Measured 0.856 / 0.777 /
    # 0.604 (README); issue 12 asks 0.85 / 0.83 / 0.72: the last two are not reached yet, and
    # their floors guard what is (a regression of more than ~0.02 fails).
    "demo": (5000, 42, "default", 0.85),
    "default generator": (8000, 5, "default", 0.755),
    "perturbed generator": (6000, 11, "perturbed", 0.58),
}

pytestmark = pytest.mark.slow


def _run(args: list[str], env: dict[str, str], cwd: Path) -> None:
    done = subprocess.run(
        [sys.executable, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=1200
    )
    assert done.returncode == 0, f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"


@pytest.mark.parametrize("case", list(CASES))
def test_served_top_10_meets_its_floor(case: str, tmp_path: Path) -> None:
    employees, seed, latent, floor = CASES[case]
    export, truth, figures = tmp_path / "export", tmp_path / "truth", tmp_path / "holdout.json"
    env = {
        **os.environ,
        "ASN_JOBFIT_MLFLOW_TRACKING_URI": f"sqlite:///{tmp_path / 'mlflow.db'}",
        "ASN_JOBFIT_MLFLOW_ARTIFACT_ROOT": str(tmp_path / "mlartifacts"),
        "ASN_JOBFIT_MODELS_DIR": str(tmp_path / "models"),
    }
    env.pop("ASN_JOBFIT_AS_OF", None)  # served as of the export's own date
    cwd = Path(__file__).resolve().parents[2]
    _run(["-m", "training", "data", "--out", str(export), "--employees", str(employees),
          "--seed", str(seed), "--latent", latent, "--truth", str(truth)], env, cwd)  # fmt: skip
    _run(["-m", "training", "train", "--data-dir", str(export)], env, cwd)
    _run(["-m", "serving", "holdout", "--data-dir", str(export), "--truth", str(truth),
          "--json", str(figures)], env, cwd)  # fmt: skip
    result = json.loads(figures.read_text())
    served = result["methods"]["ranker"]["mean"]
    seniority = result["methods"]["seniority"]["mean"]
    print(f"{case}: served NDCG@10 {served:.3f}, seniority {seniority:.3f}")
    assert result["ineligible"] == 0
    assert served >= floor, f"{case}: served NDCG@10 {served:.3f} below its floor {floor}"
    assert served > seniority
