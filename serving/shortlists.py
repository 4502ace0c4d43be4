"""Stored shortlists: computed by the engine, written with their audit entry in one transaction."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from features.errors import NotFoundError
from serving import audit
from serving.auth import Principal
from serving.engine import Engine
from serving.tables import shortlists


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
    """The stored shortlist exactly as returned when made; 404 for another agency's."""
    with db.begin() as connection:
        row = connection.execute(
            sa.select(shortlists).where(shortlists.c.shortlist_id == shortlist_id)
        ).one_or_none()
        if row is None or not who.may_see_agency(row.agency_id):
            raise NotFoundError("no such shortlist")
        body = json.loads(row.response_json)
        audit.append(connection, who, "shortlist.read", shortlist_id, _detail(body))
    return body


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
