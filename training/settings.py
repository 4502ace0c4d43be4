"""The one typed settings object of asn-jobfit, read from the environment (and `.env`)."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Environment of a training or serving process.

    Every field reads ``ASN_JOBFIT_<FIELD>``; the tracking URI and database URL also read
    the conventional ``MLFLOW_TRACKING_URI`` and ``DATABASE_URL``.
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
    compiled_predictor: bool = True
    """Score with an lleaves-compiled copy of the champion (checked against LightGBM)."""
    compiled_dir: Path = Path("var/compiled")
    """Cache of compiled models (object files keyed by model, CPU and compiler versions)."""
    database_url: str = Field(
        default="sqlite:///var/asn-jobfit.db",
        validation_alias=AliasChoices("DATABASE_URL", "ASN_JOBFIT_DATABASE_URL"),
    )
    data_dir: Path = Path("data/demo")
    as_of: date | None = None
    """Pins "today" for serving (reproducible demos and tests); the clock's date when unset."""
    max_k: int = 200
    max_body_bytes: int = 65_536
    log_level: str = "INFO"


@lru_cache
def get_settings() -> Settings:
    """Return the process's settings, read once."""
    return Settings()
