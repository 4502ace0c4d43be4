"""The service's settings: the shared stores plus what only serving reads."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Annotated

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
    max_model_age_days: int = Field(default=365, ge=1)
    """A model trained more than this many days ago is stale: it serves, and ``/health``,
    ``/v1/model`` and the model page say it should be retrained."""
    policy_dir: Path | None = None
    """Folder of agency policy files, ``<agency_id>.yaml`` each (docs/eligibility-rules.md):
    an agency with a file has its shortlists checked against it, the others against the
    national rule set. Read at start-up and on reload; an invalid file stops the service."""
    rotation_months: dict[str, list[Annotated[int, Field(ge=1, le=12)]]] = Field(
        default_factory=dict
    )
    """Each agency's rotation windows: the months it moves people in, e.g.
    ``ASN_JOBFIT_ROTATION_MONTHS='{"PLG": [4, 10]}'``; an agency not listed moves in any month."""
    decree_config: Path | None = None
    """The agencies' letterheads, decree numbering and step deadlines (``serving.offices``,
    docs/decrees.md). Unset: default deadlines, and no draft decree can be made."""
    max_k: int = 200
    fairness_min_cell: int = Field(default=10, ge=1)
    """The fairness panel (serving.fairness) never shows a group of fewer people than this in
    the eligible pool, by name or count: small cells re-identify people."""
    fairness_alpha: float = Field(default=0.05, gt=0, lt=1)
    """The panel calls a top k unusual when its p-value is below this, shared (Bonferroni) by
    the attributes judged."""
    fairness_draws: int = Field(default=10_000, ge=100)
    """Seeded random draws of the panel's permutation test (when exact sums are too long)."""
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
