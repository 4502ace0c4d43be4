"""API keys: made by ``make api-key``, only their hash stored; Bearer authentication."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

import sqlalchemy as sa

from features.errors import AuthError, JobfitError
from serving.tables import api_keys

Role = Literal["committee", "ppk", "admin", "auditor"]
ROLES: tuple[str, ...] = ("committee", "ppk", "admin", "auditor")
"""committee: a selection committee member; ppk: the appointing official (approves, and is the
second approver of an exception); admin: the agency's or service's administrator; auditor:
oversight (inspectorate, KASN/BKN), read-only."""


@dataclass(frozen=True)
class Principal:
    """Who is calling: the credential's id (never the secret), role, agency and person.

    ``user_id``/``name``/``nip`` name the person signed in (a decision carries them); they are
    ``None`` only for legacy keys that belong to no user.
    """

    key_id: str
    role: str
    agency_id: str | None
    user_id: str | None = None
    name: str | None = None
    nip: str | None = None

    def may_see_agency(self, agency_id: str) -> bool:
        """Committee keys see their own agency only; admins and auditors see every agency."""
        return self.role != "committee" or self.agency_id == agency_id


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_api_key(engine: sa.Engine, role: str, agency_id: str | None) -> tuple[str, str]:
    """Store a new key's hash; return ``(key_id, key)``. The key is shown once, never stored."""
    if role not in ROLES:
        raise JobfitError(f"ROLE must be one of {', '.join(ROLES)}, not {role!r}")
    if role == "committee" and not agency_id:
        raise JobfitError("a committee key needs AGENCY=<agency_id>")
    key_id = secrets.token_hex(6)
    key = f"ajf_{key_id}_{secrets.token_urlsafe(24)}"
    with engine.begin() as connection:
        connection.execute(
            api_keys.insert().values(
                key_id=key_id,
                key_hash=_hash(key),
                role=role,
                agency_id=agency_id,
                created_at=datetime.now(UTC),
                revoked=False,
            )
        )
    return key_id, key


def authenticate(engine: sa.Engine, authorization: str | None) -> Principal:
    """The principal of an ``Authorization: Bearer <key>`` header, or AuthError."""
    if not authorization or not authorization.lower().startswith("bearer "):
        raise AuthError("missing API key: send 'Authorization: Bearer <key>'")
    key = authorization[7:].strip()
    with engine.connect() as connection:
        row = connection.execute(
            sa.select(api_keys).where(api_keys.c.key_hash == _hash(key))
        ).one_or_none()
    if row is None or row.revoked:
        raise AuthError("unknown or revoked API key")
    return Principal(key_id=row.key_id, role=row.role, agency_id=row.agency_id)
