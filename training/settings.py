"""The stores both sides share, read from the environment (and `.env`): MLflow and the model.

Training reads these; serving extends them with its own (:mod:`serving.settings`).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Where models are tracked, registered and exported.

    Every field reads ``ASN_JOBFIT_<FIELD>``; the tracking URI also reads the conventional
    ``MLFLOW_TRACKING_URI``.
    """

    model_config = SettingsConfigDict(env_prefix="ASN_JOBFIT_", env_file=".env", extra="ignore")

    mlflow_tracking_uri: str = Field(
        default="sqlite:///mlflow.db",
        validation_alias=AliasChoices("MLFLOW_TRACKING_URI", "ASN_JOBFIT_MLFLOW_TRACKING_URI"),
    )
    mlflow_artifact_root: Path = Path("mlartifacts")
    experiment_name: str = "asn-jobfit"
    model_name: str = "asn-jobfit"
    model_alias: str = "champion"
    models_dir: Path = Path("models")
    log_level: str = "INFO"
    dask_scheduler: str | None = None
    """``tcp://host:8786`` (a running Dask cluster) or ``local`` (a ``LocalCluster`` for the
    run): training's rounds and fit run on Dask (:mod:`training.distributed`); unset: one
    process."""


@lru_cache
def get_settings() -> Settings:
    """Return the process's settings, read once."""
    return Settings()
