"""The append-only audit log: every entry carries the hash of the one before it."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from serving.auth import Principal
from serving.tables import audit_log

GENESIS = "0" * 64


def _entry_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


def _fields(row: Any) -> dict[str, Any]:
    return {
        name: getattr(row, name)
        for name in ("at", "key_id", "role", "agency_id", "action", "subject", "detail_json")
    }


def append(
    connection: sa.Connection, who: Principal, action: str, subject: str, detail: dict[str, Any]
) -> None:
    """Append one entry inside the caller's transaction (so it commits with the action)."""
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text("LOCK TABLE audit_log IN EXCLUSIVE MODE"))
    last = connection.execute(
        sa.select(audit_log.c.entry_hash).order_by(audit_log.c.entry_id.desc()).limit(1)
    ).scalar_one_or_none()
    prev_hash = last or GENESIS
    fields = {
        "at": datetime.now(UTC).isoformat(),
        "key_id": who.key_id,
        "role": who.role,
        "agency_id": who.agency_id,
        "action": action,
        "subject": subject,
        "detail_json": json.dumps(detail, sort_keys=True),
    }
    connection.execute(
        audit_log.insert().values(
            **fields, prev_hash=prev_hash, entry_hash=_entry_hash(prev_hash, fields)
        )
    )


def verify_chain(engine: sa.Engine) -> tuple[bool, str]:
    """Recompute the chain; say where it breaks (the first entry that does not match)."""
    prev_hash = GENESIS
    count = 0
    with engine.connect() as connection:
        for row in connection.execute(sa.select(audit_log).order_by(audit_log.c.entry_id)):
            if row.prev_hash != prev_hash:
                return False, (
                    f"audit chain broken at entry {row.entry_id}: it does not point "
                    f"to entry {row.entry_id - 1} (an entry was removed or reordered)"
                )
            if _entry_hash(prev_hash, _fields(row)) != row.entry_hash:
                return False, (
                    f"audit chain broken at entry {row.entry_id}: its content was "
                    f"changed after it was written"
                )
            prev_hash = row.entry_hash
            count += 1
    return True, f"audit chain intact: {count} entries"
