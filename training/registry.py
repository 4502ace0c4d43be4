"""The MLflow registry side of asn-jobfit: the inference unit, aliases, promotion and loading.

The registered model (``Settings.model_name``, default ``asn-jobfit``) is an ``mlflow.pyfunc``
model whose artefacts are the whole inference unit: ``booster.txt`` (LightGBM text format) and
``meta.json`` (ordered feature list, rule-set version, code version, data hash, feature config).
Versions carry aliases only (no stages): ``challenger`` for the newest, ``champion`` for the
one served, ``previous-champion`` for the one a rollback returns to.
"""

from __future__ import annotations

import json
import logging
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

import lightgbm as lgb
import mlflow
import numpy as np
import pandas as pd
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

from training.bundle import (
    RegistryError,
    alias_version,
    configure_tracking,
    load_version,
    store_exists,
    write_bundle,
)
from training.settings import Settings, get_settings

logger = logging.getLogger(__name__)

CHALLENGER = "challenger"
PREVIOUS = "previous-champion"
GATE_TAG = "gate"
GATE_REASON_TAG = "gate_reason"


class JobfitRanker(mlflow.pyfunc.PythonModel):
    """The pyfunc wrapper: a frame of feature columns in, one fit score per row out."""

    def load_context(self, context: Any) -> None:  # noqa: D102
        self.booster = lgb.Booster(model_file=context.artifacts["booster"])
        meta = json.loads(Path(context.artifacts["meta"]).read_text(encoding="utf-8"))
        self.feature_columns = list(meta["feature_columns"])

    def predict(self, context: Any, model_input: pd.DataFrame, params: Any = None) -> np.ndarray:  # noqa: D102
        matrix = model_input[self.feature_columns].to_numpy(dtype=np.float64)
        return np.asarray(self.booster.predict(matrix), dtype=np.float64)


def code_version() -> str:
    """The git commit of the working tree when available, else the package version."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"],
            capture_output=True, text=True, timeout=5, cwd=Path(__file__).resolve().parent,
        )  # fmt: skip
        if out.returncode == 0 and out.stdout.strip():
            return out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    try:
        return metadata.version("asn-jobfit")
    except metadata.PackageNotFoundError:
        return "unknown"


def ensure_experiment(settings: Settings) -> str:
    """Create (once) the experiment with its artefacts under ``mlflow_artifact_root``."""
    client = configure_tracking(settings)
    experiment = client.get_experiment_by_name(settings.experiment_name)
    if experiment is not None:
        return experiment.experiment_id
    root = Path(settings.mlflow_artifact_root).resolve()
    root.mkdir(parents=True, exist_ok=True)
    return client.create_experiment(settings.experiment_name, artifact_location=root.as_uri())


def champion_version(settings: Settings | None = None) -> str | None:
    """The version number holding the champion alias, or None."""
    settings = settings or get_settings()
    if not store_exists(settings):
        return None
    client = configure_tracking(settings)
    return alias_version(client, settings.model_name, settings.model_alias)


def set_champion(client: MlflowClient, settings: Settings, version: str) -> str | None:
    """Give ``version`` the champion alias, keeping the old one as ``previous-champion``."""
    name, alias = settings.model_name, settings.model_alias
    previous = alias_version(client, name, alias)
    if previous is not None and previous != str(version):
        client.set_registered_model_alias(name, PREVIOUS, previous)
    client.set_registered_model_alias(name, alias, str(version))
    return previous


def promote(version: str, settings: Settings | None = None) -> str:
    """Make registered ``version`` the champion (a human decision that bypasses the gate)."""
    settings = settings or get_settings()
    if not store_exists(settings):
        raise RegistryError(f"no MLflow store at {settings.mlflow_tracking_uri}")
    client = configure_tracking(settings)
    try:
        client.get_model_version(settings.model_name, str(version))
    except MlflowException as error:
        raise RegistryError(f"model {settings.model_name!r} has no version {version!r}") from error
    previous = set_champion(client, settings, str(version))
    client.set_model_version_tag(settings.model_name, str(version), "promoted_by", "manual")
    was = f" (previous champion: version {previous})" if previous else ""
    return f"{settings.model_name} version {version} is now @{settings.model_alias}{was}"


def rollback(settings: Settings | None = None) -> str:
    """Give the champion alias back to ``previous-champion`` (the two swap)."""
    settings = settings or get_settings()
    if not store_exists(settings):
        raise RegistryError(f"no MLflow store at {settings.mlflow_tracking_uri}")
    client = configure_tracking(settings)
    name = settings.model_name
    previous = alias_version(client, name, PREVIOUS)
    if previous is None:
        raise RegistryError(f"nothing to roll back to: {name!r} has no @{PREVIOUS}")
    current = alias_version(client, name, settings.model_alias)
    client.set_registered_model_alias(name, settings.model_alias, previous)
    if current is not None:
        client.set_registered_model_alias(name, PREVIOUS, current)
    else:
        client.delete_registered_model_alias(name, PREVIOUS)
    client.set_model_version_tag(name, previous, "promoted_by", "rollback")
    return f"{name} version {previous} is @{settings.model_alias} again (was version {current})"


def export_champion(out_dir: Path, settings: Settings | None = None) -> str:
    """Write the registry champion's ``booster.txt`` and ``meta.json`` into ``out_dir``."""
    settings = settings or get_settings()
    bundle = load_version(settings, settings.model_alias)
    booster_path, meta_path = write_bundle(bundle, Path(out_dir))
    return (
        f"exported {bundle.name} version {bundle.version} to {booster_path} and {meta_path} "
        f"(rules {bundle.ruleset_version}, code {bundle.code_version})"
    )
