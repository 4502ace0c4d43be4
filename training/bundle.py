"""The loading half of the registry: the inference unit and how serving gets the champion.

A :class:`RankerBundle` is the whole inference unit: the booster (LightGBM text format) and
``meta.json`` (ordered feature list, rule-set version, code version, data hash). It is loaded
by alias from MLflow (``models:/<name>@champion``) or from the ``models/`` export. Training
registers and promotes bundles in :mod:`training.registry`; serving only reads them here.
"""

from __future__ import annotations

import json
import logging
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import lightgbm as lgb
import mlflow
import numpy as np
import pandas as pd
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

from features.errors import JobfitError
from training.settings import Settings, get_settings

logger = logging.getLogger(__name__)

BOOSTER_FILE = "booster.txt"
META_FILE = "meta.json"
CARD_FILE = "model_card.md"
CHECKED_LIBRARIES: tuple[str, ...] = ("lightgbm", "lleaves", "numpy")
"""Libraries whose versions are recorded at training and compared at load."""


class RegistryError(JobfitError):
    """No model where one was asked for (no champion, unknown version, nothing to roll back)."""


class ScoreCheckError(JobfitError):
    """A model whose scores are not finite (or all equal): never registered, never served."""


@dataclass
class RankerBundle:
    """A trained ranker and everything needed to use it the way it was trained.

    Attributes
    ----------
    booster : lightgbm.Booster
    feature_columns : tuple of str
        The ordered feature list the booster expects.
    ruleset_version : str
        Eligibility rule set the model was trained and evaluated with.
    code_version : str
        Git commit (or package version) of the training code.
    data_hash : str
        Snapshot hash of the export it was trained on.
    name, version : str
        Registered model name and version ("local" for an in-memory or exported bundle).
    metrics : dict
        Held-out metrics recorded at training time.
    trained_at : datetime or None
        When it was trained (UTC); the model's age is counted from it.
    model_card : str
        The model card (Markdown; ``model_card.md`` in the unit), empty when there is none.
    libraries : dict
        Versions of :data:`CHECKED_LIBRARIES` it was trained with.
    """

    booster: lgb.Booster
    feature_columns: tuple[str, ...]
    ruleset_version: str
    code_version: str
    data_hash: str
    name: str = "asn-jobfit"
    version: str = "local"
    metrics: dict[str, float] = field(default_factory=dict)
    trained_at: datetime | None = None
    model_card: str = ""
    libraries: dict[str, str] = field(default_factory=dict)

    def predict(self, features: pd.DataFrame) -> np.ndarray:
        """Score a feature frame (columns in any order; the bundle's order is applied)."""
        matrix = features[list(self.feature_columns)].to_numpy(dtype=np.float64)
        return np.asarray(self.booster.predict(matrix), dtype=np.float64)

    def meta(self) -> dict[str, Any]:
        """The JSON-able description stored next to the booster."""
        return {
            "feature_columns": list(self.feature_columns),
            "ruleset_version": self.ruleset_version,
            "code_version": self.code_version,
            "data_hash": self.data_hash,
            "name": self.name,
            "version": self.version,
            "metrics": {k: float(v) for k, v in self.metrics.items()},
            "trained_at": self.trained_at.isoformat() if self.trained_at else None,
            "libraries": dict(self.libraries),
        }

    def age_days(self, now: datetime | None = None) -> int | None:
        """Whole days since training (None when the unit does not say when)."""
        if self.trained_at is None:
            return None
        return max(0, ((now or datetime.now(UTC)) - self.trained_at).days)

    def version_notices(self) -> list[str]:
        """One line per checked library whose installed version differs from the recorded one."""
        installed = installed_versions()
        return [
            f"{name} {installed.get(name)} is installed but the model was trained with {recorded}"
            for name, recorded in sorted(self.libraries.items())
            if name in installed and installed[name] != recorded
        ]


def installed_versions(names: tuple[str, ...] = CHECKED_LIBRARIES) -> dict[str, str]:
    """Installed versions of ``names`` ("not installed" for a missing one)."""
    out: dict[str, str] = {}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def probe_matrix(booster: lgb.Booster) -> np.ndarray:
    """Rows no employee has: zeros, a half, extremes and missing values, in every column."""
    n = booster.num_feature()
    values = (0.0, 0.5, 1.0, -1e9, 1e9, np.nan)
    return np.array([[v] * n for v in values], dtype=np.float64)


def check_scores(scores: np.ndarray, what: str, *, varied: bool = False) -> None:
    """Refuse non-finite scores (and, with ``varied``, scores that are all equal).

    Raises
    ------
    ScoreCheckError
        Naming ``what`` was scored and how many scores are not finite.
    """
    scores = np.asarray(scores, dtype=np.float64)
    bad = int((~np.isfinite(scores)).sum())
    if bad:
        raise ScoreCheckError(
            f"the model gives {bad} non-finite score(s) of {len(scores)} on {what}; "
            "it is refused (retrain it, or check its booster.txt)"
        )
    if varied and len(scores) > 1 and np.ptp(scores) == 0:
        raise ScoreCheckError(
            f"the model gives every one of the {len(scores)} rows of {what} the same score; "
            "it cannot rank and is refused"
        )


def leaf_values(booster: lgb.Booster) -> np.ndarray:
    """Every leaf value of every tree, read from the model text (which keeps NaN and inf)."""
    lines = booster.model_to_string().splitlines()
    values = [v for line in lines if line.startswith("leaf_value=")
              for v in line.split("=", 1)[1].split()]  # fmt: skip
    return np.array(values, dtype=np.float64)


def check_booster(booster: lgb.Booster) -> None:
    """Every leaf value finite (a score is a sum of leaves) and the probe rows scored finite.

    Raises
    ------
    ScoreCheckError
    """
    check_scores(leaf_values(booster), "its leaf values")
    check_scores(booster.predict(probe_matrix(booster)), "probe rows")


def configure_tracking(settings: Settings) -> MlflowClient:
    """Point MLflow at the configured store and return a client."""
    mlflow.set_tracking_uri(settings.mlflow_tracking_uri)
    mlflow.set_registry_uri(settings.mlflow_tracking_uri)
    return MlflowClient(settings.mlflow_tracking_uri, settings.mlflow_tracking_uri)


def store_exists(settings: Settings) -> bool:
    """False when the tracking store is a SQLite file that does not exist (nothing registered)."""
    uri = settings.mlflow_tracking_uri
    if uri.startswith("sqlite:///"):
        return Path(uri.removeprefix("sqlite:///")).exists()
    return True


def write_bundle(bundle: RankerBundle, out_dir: Path) -> tuple[Path, Path]:
    """Write ``booster.txt`` and ``meta.json`` into ``out_dir`` (created); return both paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    booster_path = out_dir / BOOSTER_FILE
    meta_path = out_dir / META_FILE
    tmp_booster = out_dir / (BOOSTER_FILE + ".tmp")
    tmp_meta = out_dir / (META_FILE + ".tmp")
    bundle.booster.save_model(str(tmp_booster))
    tmp_meta.write_text(json.dumps(bundle.meta(), indent=2, sort_keys=True), encoding="utf-8")
    if bundle.model_card:
        (out_dir / CARD_FILE).write_text(bundle.model_card, encoding="utf-8")
    tmp_booster.replace(booster_path)
    tmp_meta.replace(meta_path)
    return booster_path, meta_path


def read_bundle(
    folder: Path, *, name: str | None = None, version: str | None = None
) -> RankerBundle:
    """Read a bundle from a folder holding ``booster.txt`` and ``meta.json`` (searched below)."""
    booster_files = sorted(folder.rglob(BOOSTER_FILE))
    meta_files = sorted(folder.rglob(META_FILE))
    if not booster_files or not meta_files:
        raise RegistryError(f"no {BOOSTER_FILE} and {META_FILE} under {folder}")
    meta = json.loads(meta_files[0].read_text(encoding="utf-8"))
    booster = lgb.Booster(model_file=str(booster_files[0]))
    check_booster(booster)
    cards = sorted(folder.rglob(CARD_FILE))
    bundle = RankerBundle(
        booster=booster,
        feature_columns=tuple(meta["feature_columns"]),
        ruleset_version=str(meta["ruleset_version"]),
        code_version=str(meta["code_version"]),
        data_hash=str(meta["data_hash"]),
        name=name or str(meta.get("name", "asn-jobfit")),
        version=version or str(meta.get("version", "local")),
        metrics={k: float(v) for k, v in meta.get("metrics", {}).items()},
        trained_at=_timestamp(meta.get("trained_at")),
        model_card=cards[0].read_text(encoding="utf-8") if cards else "",
        libraries={str(k): str(v) for k, v in (meta.get("libraries") or {}).items()},
    )
    for notice in bundle.version_notices():
        logger.warning("model %s v%s: %s", bundle.name, bundle.version, notice)
    return bundle


def _timestamp(value: Any) -> datetime | None:
    if not value:
        return None
    stamp = datetime.fromisoformat(str(value))
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


def _version_metrics(client: MlflowClient, run_id: str | None) -> dict[str, float]:
    if not run_id:
        return {}
    try:
        return dict(client.get_run(run_id).data.metrics)
    except MlflowException:
        return {}


def load_version(settings: Settings, version: str) -> RankerBundle:
    """Load registered version ``version`` (a number or an alias) of the settings' model.

    Raises
    ------
    RegistryError
        When the registry has no such version or alias.
    """
    if not store_exists(settings):
        raise RegistryError(f"no MLflow store at {settings.mlflow_tracking_uri}")
    client = configure_tracking(settings)
    name = settings.model_name
    try:
        if str(version).isdigit():
            mv = client.get_model_version(name, str(version))
            uri = f"models:/{name}/{mv.version}"
        else:
            mv = client.get_model_version_by_alias(name, str(version))
            uri = f"models:/{name}@{version}"
    except MlflowException as error:
        raise RegistryError(f"model {name!r} has no version or alias {version!r}") from error
    with tempfile.TemporaryDirectory(prefix="asn-jobfit-model-") as tmp:
        local = Path(mlflow.artifacts.download_artifacts(artifact_uri=uri, dst_path=tmp))
        bundle = read_bundle(local, name=name, version=str(mv.version))
    bundle.metrics = _version_metrics(client, mv.run_id) or bundle.metrics
    if bundle.trained_at is None and mv.creation_timestamp:
        bundle.trained_at = datetime.fromtimestamp(mv.creation_timestamp / 1000, UTC)
    return bundle


def load_champion(settings: Settings | None = None) -> RankerBundle:
    """Load the champion: ``models:/<name>@<alias>``, else the ``models/`` export.

    Raises
    ------
    RegistryError
        When neither the registry nor the export folder holds a champion.
    """
    settings = settings or get_settings()
    try:
        return load_version(settings, settings.model_alias)
    except RegistryError as error:
        logger.info("no champion in the registry (%s); trying %s", error, settings.models_dir)
    folder = Path(settings.models_dir)
    if (folder / BOOSTER_FILE).exists() and (folder / META_FILE).exists():
        return read_bundle(folder)
    raise RegistryError(
        f"no champion: the registry at {settings.mlflow_tracking_uri} has no "
        f"'{settings.model_name}@{settings.model_alias}' and {folder} holds no exported model. "
        "Train one with `make train` (or export one with `make export`)."
    )


def alias_version(client: MlflowClient, name: str, alias: str) -> str | None:
    try:
        return str(client.get_model_version_by_alias(name, alias).version)
    except MlflowException:
        return None
