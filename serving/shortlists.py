"""Stored shortlists: computed by the engine, written with their audit entry in one transaction.

A read appends a small audit entry (who, when, and the stored list's hash), never a copy of the
list. Lists nobody decided on are purged after the retention period (:func:`purge`).
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from serving import audit, policy
from serving.auth import Principal
from serving.engine import Engine
from serving.tables import metadata, shortlists


def create(
    db: sa.Engine,
    engine: Engine,
    who: Principal,
    position: dict[str, Any],
    k: int,
    lang: str,
    filters: dict[str, str | None],
    request: dict[str, Any],
) -> dict[str, Any]:
    """Compute, store and audit a shortlist; return it with its id."""
    body = engine.shortlist(position, k, lang, filters)
    body = {"shortlist_id": str(uuid.uuid4()), **body}
    with db.begin() as connection:
        connection.execute(
            shortlists.insert().values(
                shortlist_id=body["shortlist_id"],
                created_at=datetime.now(UTC),
                created_by=who.key_id,
                agency_id=str(position["agency_id"]),
                position_id=body["position_id"],
                model_name=body["model"]["name"],
                model_version=body["model"]["version"],
                ruleset_version=body["ruleset_version"],
                data_hash=body["data_hash"],
                as_of=engine.as_of.date(),
                request_json=json.dumps(request, sort_keys=True),
                response_json=json.dumps(body, ensure_ascii=False),
            )
        )
        audit.append(connection, who, "shortlist.create", body["shortlist_id"], _detail(body))
    return body


def read(db: sa.Engine, who: Principal, shortlist_id: str) -> dict[str, Any]:
    """The stored shortlist exactly as returned when made; as the policy lets ``who`` read it
    (another agency's answers like a missing one)."""
    with db.begin() as connection:
        row = connection.execute(
            sa.select(shortlists).where(shortlists.c.shortlist_id == shortlist_id)
        ).one_or_none()
        policy.authorize(who, "shortlist.read", row and row.agency_id, (), "shortlist")
        audit.append(connection, who, "shortlist.read", shortlist_id, {})
    return json.loads(row.response_json)


def agency_of(db: sa.Engine, shortlist_id: str) -> str | None:
    """The agency a stored shortlist belongs to (None when there is none)."""
    with db.connect() as connection:
        return connection.execute(
            sa.select(shortlists.c.agency_id).where(shortlists.c.shortlist_id == shortlist_id)
        ).scalar_one_or_none()


def _detail(body: dict[str, Any]) -> dict[str, Any]:
    return {
        "position_id": body["position_id"],
        "model": body["model"],
        "ruleset_version": body["ruleset_version"],
        "data_hash": body["data_hash"],
        "nips": [c["nip"] for c in body["candidates"]],
    }


SYSTEM = Principal(key_id="system", role="system", agency_id=None)
"""Who the retention purge acts as in the audit log."""


def purge(db: sa.Engine, before: datetime) -> list[str]:
    """Delete the shortlists made before ``before`` that nothing refers to (no decision).

    Each deletion is audited with the list's last hash, so the audit log stays verifiable.
    """
    with db.begin() as connection:
        ids = (
            connection.execute(
                sa.select(shortlists.c.shortlist_id)
                .where(shortlists.c.created_at < before, *_unreferenced())
                .order_by(shortlists.c.created_at)
            )
            .scalars()
            .all()
        )
        for shortlist_id in ids:
            row = ("shortlists", shortlist_id)
            detail = {"content_hash": audit.content_hash(connection, row)}
            connection.execute(shortlists.delete().where(shortlists.c.shortlist_id == shortlist_id))
            audit.append(connection, SYSTEM, "shortlist.purge", shortlist_id, detail, removes=row)
    return list(ids)


def _unreferenced() -> list[sa.ColumnElement[bool]]:
    """No row of any table refers to the shortlist (decisions, and whatever comes later)."""
    return [
        ~sa.exists().where(foreign.parent == shortlists.c.shortlist_id)
        for table in metadata.tables.values()
        for foreign in table.foreign_keys
        if foreign.column is shortlists.c.shortlist_id
    ]
