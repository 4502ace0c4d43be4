"""Inter-agency grants: one agency opens its pool to another for a time (PP 11/2017 Pasal 190).

A grant is made by an admin of the pool's agency (or a service-wide admin), has a reason and a
period, can be revoked, and is written with its audit entry in one transaction.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from features.errors import InputError, NotFoundError
from serving import audit, policy
from serving.auth import Principal
from serving.tables import grants

MAX_DAYS = 365
"""The longest a grant may run."""


def active_grants(engine: sa.Engine, agency_id: str | None) -> frozenset[str]:
    """The agencies whose pools ``agency_id`` may read now (by a live grant)."""
    if not agency_id:
        return frozenset()
    now = datetime.now(UTC)
    query = sa.select(grants.c.from_agency).where(
        grants.c.to_agency == agency_id,
        grants.c.revoked.is_(False),
        grants.c.valid_from <= now,
        grants.c.valid_until > now,
    )
    with engine.connect() as connection:
        return frozenset(connection.execute(query).scalars())


def create_grant(
    engine: sa.Engine,
    who: Principal,
    from_agency: str,
    to_agency: str,
    reason: str,
    days: int,
    known_agencies: frozenset[str] | None = None,
) -> dict[str, Any]:
    """Record and audit a grant of ``from_agency``'s pool to ``to_agency`` for ``days`` days.

    ``who`` must be an admin reaching ``from_agency``; ``known_agencies`` (the export's), when
    given, must hold both agencies (an unknown one is answered like another agency's).
    """
    known = known_agencies if known_agencies is not None else {from_agency, to_agency}
    policy.authorize(
        who, "grant.manage", from_agency if from_agency in known else None, (), "agency"
    )
    if to_agency not in known:
        raise NotFoundError(policy.MISSING["agency"])
    if to_agency == from_agency:
        raise InputError("a grant opens one agency's pool to another agency")
    if not 1 <= days <= MAX_DAYS:
        raise InputError(f"days must be between 1 and {MAX_DAYS}")
    now = datetime.now(UTC)
    row = {
        "grant_id": secrets.token_hex(6),
        "from_agency": from_agency,
        "to_agency": to_agency,
        "granted_by": who.user_id,
        "reason": reason,
        "valid_from": now,
        "valid_until": now + timedelta(days=days),
        "revoked": False,
    }
    with engine.begin() as connection:
        connection.execute(grants.insert().values(**row))
        audit.append(connection, who, "grant.create", row["grant_id"], _detail(row))
    return _out(row)


def revoke_grant(engine: sa.Engine, who: Principal, grant_id: str) -> None:
    """Revoke a grant at once, audited (404 for a missing grant or one ``who`` cannot reach)."""
    policy.allowed(who, "grant.manage")
    with engine.begin() as connection:
        row = connection.execute(sa.select(grants).where(grants.c.grant_id == grant_id)).first()
        policy.authorize(who, "grant.manage", row and row.from_agency, (), "grant")
        connection.execute(
            grants.update().where(grants.c.grant_id == grant_id).values(revoked=True)
        )
        audit.append(connection, who, "grant.revoke", grant_id, _detail(row._asdict()))


def list_grants(engine: sa.Engine, who: Principal) -> list[dict[str, Any]]:
    """The grants ``who`` may see: from or to its agency (all for a service-wide reader)."""
    policy.allowed(who, "grant.manage")
    query = sa.select(grants).order_by(grants.c.valid_from)
    if who.agency_id is not None:
        query = query.where(
            sa.or_(grants.c.from_agency == who.agency_id, grants.c.to_agency == who.agency_id)
        )
    with engine.connect() as connection:
        return [_out(row._asdict()) for row in connection.execute(query)]


def _detail(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "from_agency": row["from_agency"],
        "to_agency": row["to_agency"],
        "reason": row["reason"],
        "valid_until": _iso(row["valid_until"]),
    }


def _out(row: dict[str, Any]) -> dict[str, Any]:
    return {
        **{k: row[k] for k in ("grant_id", "from_agency", "to_agency", "granted_by", "reason")},
        "valid_from": _iso(row["valid_from"]),
        "valid_until": _iso(row["valid_until"]),
        "revoked": bool(row["revoked"]),
    }


def _iso(moment: datetime) -> str:
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()
