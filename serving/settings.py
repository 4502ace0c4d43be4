"""The service's settings: the shared stores plus what only serving reads."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field

from training.settings import Settings


class ServiceSettings(Settings):
    """Environment of the service (``ASN_JOBFIT_<FIELD>``; ``DATABASE_URL`` too)."""

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
    """Overrides "today" for serving; unset, it is the export's own date (``extracted_on`` in
    its ``export_metadata`` table, else its latest dated record), never the clock."""
    stale_after_days: int = 180
    """An export whose date is more than this many days before the clock's is served with a
    warning (its tenure and sanctions describe that day, not today)."""
    policy_dir: Path | None = None
    """Folder of agency policy files, ``<agency_id>.yaml`` each (docs/eligibility-rules.md):
    an agency with a file has its shortlists checked against it, the others against the
    national rule set. Read at start-up and on reload; an invalid file stops the service."""
    decree_config: Path | None = None
    """The agencies' letterheads, decree numbering and step deadlines (``serving.offices``,
    docs/decrees.md). Unset: default deadlines, and no draft decree can be made."""
    max_k: int = 200
    max_body_bytes: int = 65_536

    # The audit log and retention (serving.audit, docs/audit.md)
    audit_key_file: Path | None = None
    """The HMAC key sealing the audit log, outside the database; made (mode 0600) on first start.
    Unset: beside a SQLite database file (``<db>.audit-key``), else ``var/audit.key``."""
    audit_checkpoint_file: Path | None = None
    """Append-only checkpoints of the chain head. Unset: ``<db>.audit-checkpoints`` beside a
    SQLite database file, else ``var/audit-checkpoints.log``."""
    audit_checkpoint_every: int = Field(default=1, ge=1)
    """A checkpoint after every N-th entry (and at start and stop); N - 1 newest entries can
    go unnoticed between two checkpoints."""
    shortlist_retention_days: int = Field(default=90, ge=1)
    """Generated shortlists nobody decided on are purged this many days after (``make purge``)."""


@lru_cache
def get_service_settings() -> ServiceSettings:
    """Return the service process's settings, read once."""
    return ServiceSettings()
