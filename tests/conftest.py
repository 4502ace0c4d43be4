"""Shared fixtures: a small generated export and an isolated MLflow store and database.

Every test runs against stores under a temporary folder, never the repo's own.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from features.export import Export

SMALL_EMPLOYEES = 400
SMALL_SEED = 7


@pytest.fixture(scope="session", autouse=True)
def isolated_stores(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Point MLflow, the service database and the models folder at a temporary folder."""
    root = tmp_path_factory.mktemp("stores")
    overrides = {
        "MLFLOW_TRACKING_URI": f"sqlite:///{root / 'mlflow.db'}",
        "ASN_JOBFIT_MLFLOW_ARTIFACT_ROOT": str(root / "mlartifacts"),
        "DATABASE_URL": f"sqlite:///{root / 'service.db'}",
        "ASN_JOBFIT_MODELS_DIR": str(root / "models"),
        "ASN_JOBFIT_COMPILED_DIR": str(root / "compiled"),
    }
    saved = {key: os.environ.get(key) for key in overrides}
    os.environ.update(overrides)
    from training.settings import get_settings

    get_settings.cache_clear()
    yield root
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def small_export_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small synthetic export (CSV) written by the generator, shared by the session."""
    from training.synthetic import generate_export

    out = tmp_path_factory.mktemp("export") / "small"
    generate_export(out, employees=SMALL_EMPLOYEES, seed=SMALL_SEED, fmt="csv")
    return out


@pytest.fixture(scope="session")
def small_export(small_export_dir: Path) -> Export:
    """The small export, loaded and validated."""
    from features.loader import load_export

    return load_export(small_export_dir)


TINY_TRAINING_CONFIG = Path(__file__).resolve().parents[1] / "training" / "configs" / "test.yaml"


@pytest.fixture(scope="session")
def champion(small_export_dir: Path, isolated_stores: Path):
    """A few-tree ranker trained on the small export, registered and loaded by alias.

    Trained with ``training/configs/test.yaml`` into the isolated MLflow store; if the gate
    refuses it, it is promoted by hand so that a champion always exists.
    """
    from training.bundle import load_champion
    from training.pipeline import train_and_register
    from training.registry import promote
    from training.settings import get_settings

    result = train_and_register(small_export_dir, TINY_TRAINING_CONFIG, progress=False)
    if not result.decision.promoted:
        promote(result.version)
    return load_champion(get_settings())
