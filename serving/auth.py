"""People and their credentials: users, API keys (expiring, revocable) and page sessions.

Only hashes are stored: SHA-256 of a key or a session id (both random, 144+ bits), argon2 of a
password. A key belongs to a user; ``make api-key`` without a user makes a service user for it.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from features.errors import AuthError, JobfitError, NotFoundError
from serving.tables import api_keys, sessions, users

Role = Literal["committee", "ppk", "admin", "auditor", "panel"]
ROLES: tuple[str, ...] = ("committee", "ppk", "admin", "auditor", "panel")
"""committee: a selection committee member; ppk: the appointing official (approves, and is the
second approver of an exception); admin: the agency's or service's administrator; auditor:
oversight (inspectorate, KASN/BKN), read-only."""
KEY_DAYS = 90
"""Days an API key lives unless told otherwise."""
SESSION_HOURS = 8
"""Hours a page session lives (a working day)."""
NO_KEY = "no such key"

_hasher = PasswordHasher()


@dataclass(frozen=True)
class Principal:
    """Who is calling: the credential's id (never the secret), role, agency and person.

    ``user_id``/``name``/``nip`` name the person signed in (a decision carries them); ``nip`` is
    ``None`` for a service user.
    """

    key_id: str
    role: str
    agency_id: str | None
    user_id: str | None = None
    name: str | None = None
    nip: str | None = None


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    """SQLite gives naive datetimes back; every stored moment is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# -- users ----------------------------------------------------------------------------------


def create_user(
    engine: sa.Engine,
    role: str,
    agency_id: str | None,
    name: str,
    nip: str | None,
    password: str | None,
) -> str:
    """Store a user (the password's argon2 hash only); return the user id.

    Raises
    ------
    JobfitError
        Unknown role, a committee or ppk without agency, a name or NIP already taken.
    """
    if role not in ROLES:
        raise JobfitError(f"ROLE must be one of {', '.join(ROLES)}, not {role!r}")
    if role in ("committee", "ppk", "panel") and not agency_id:
        raise JobfitError(f"a {role} user needs AGENCY=<agency_id>")
    if nip is not None and not (len(nip) == 18 and nip.isdigit()):
        raise JobfitError("NIP must be 18 digits")
    user_id = secrets.token_hex(6)
    with engine.begin() as connection:
        taken = connection.execute(
            sa.select(users.c.user_id).where(
                sa.or_(users.c.name == name, users.c.nip == nip) if nip else users.c.name == name
            )
        ).first()
        if taken is not None:
            raise JobfitError("a user with that name or NIP exists already")
        connection.execute(
            users.insert().values(
                user_id=user_id,
                name=name,
                nip=nip,
                role=role,
                agency_id=agency_id,
                password_hash=_hasher.hash(password) if password else None,
                active=True,
                created_at=_now(),
            )
        )
    return user_id


def _user(connection: sa.Connection, user_id: str) -> Any:
    return connection.execute(sa.select(users).where(users.c.user_id == user_id)).one_or_none()


def _principal(user: Any, credential_id: str) -> Principal:
    return Principal(
        key_id=credential_id,
        role=user.role,
        agency_id=user.agency_id,
        user_id=user.user_id,
        name=user.name,
        nip=user.nip,
    )


def user_principal(engine: sa.Engine, user_id: str) -> Principal:
    """The principal of an active user acting at the command line (JobfitError otherwise)."""
    with engine.connect() as connection:
        user = _user(connection, user_id)
    if user is None or not user.active:
        raise JobfitError("no active user with that id")
    return _principal(user, f"cli:{user_id}")


def check_password(engine: sa.Engine, login: str, password: str) -> str:
    """The user id of an active user named ``login`` (name or NIP) with that password."""
    with engine.connect() as connection:
        user = connection.execute(
            sa.select(users).where(sa.or_(users.c.name == login, users.c.nip == login))
        ).first()
    try:
        if user is None or not user.active or not user.password_hash:
            _hasher.verify(_DUMMY, password + "x")  # same time whether or not the user exists
        elif _hasher.verify(user.password_hash, password):
            return str(user.user_id)
    except (VerificationError, InvalidHashError):
        pass
    raise AuthError("unknown user or wrong password")


_DUMMY = _hasher.hash("not a password")


# -- API keys -------------------------------------------------------------------------------


def issue_key(engine: sa.Engine, user_id: str, days: int = KEY_DAYS) -> tuple[str, str]:
    """A new key for an existing user; return ``(key_id, key)``. The key is shown once."""
    if days < 1:
        raise JobfitError("a key must live at least one day")
    with engine.begin() as connection:
        user = _user(connection, user_id)
        if user is None or not user.active:
            raise JobfitError("no active user with that id")
        key_id = secrets.token_hex(6)
        key = f"ajf_{key_id}_{secrets.token_urlsafe(24)}"
        now = _now()
        connection.execute(
            api_keys.insert().values(
                key_id=key_id,
                key_hash=_hash(key),
                role=user.role,
                agency_id=user.agency_id,
                user_id=user_id,
                created_at=now,
                expires_at=now + timedelta(days=days),
                revoked=False,
            )
        )
    return key_id, key


def create_api_key(
    engine: sa.Engine, role: str, agency_id: str | None, days: int = KEY_DAYS
) -> tuple[str, str]:
    """A key for a new service user of ``role`` and ``agency_id``; return ``(key_id, key)``."""
    name = f"service-{role}-{secrets.token_hex(4)}"
    return issue_key(engine, create_user(engine, role, agency_id, name, None, None), days)


def list_keys(engine: sa.Engine) -> list[dict[str, Any]]:
    """Every key (never the secret): id, owner, role, agency, created, expires, revoked."""
    query = (
        sa.select(
            api_keys.c.key_id,
            users.c.name,
            api_keys.c.role,
            api_keys.c.agency_id,
            api_keys.c.created_at,
            api_keys.c.expires_at,
            api_keys.c.revoked,
        )
        .select_from(api_keys.outerjoin(users, users.c.user_id == api_keys.c.user_id))
        .order_by(api_keys.c.created_at)
    )
    with engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(query)]


def revoke_key(engine: sa.Engine, key_id: str) -> None:
    """Revoke a key at once (NotFoundError when there is none)."""
    with engine.begin() as connection:
        done = connection.execute(
            api_keys.update().where(api_keys.c.key_id == key_id).values(revoked=True)
        )
    if done.rowcount == 0:
        raise NotFoundError(NO_KEY)


def authenticate(engine: sa.Engine, authorization: str | None) -> Principal:
    """The principal of an ``Authorization: Bearer <key>`` header, or AuthError."""
    if not authorization or not authorization.lower().startswith("bearer "):
        raise AuthError("missing API key: send 'Authorization: Bearer <key>'")
    return key_principal(engine, authorization[7:].strip())


def key_principal(engine: sa.Engine, key: str) -> Principal:
    """The principal of a key: known, not revoked, not expired, its user active; or AuthError."""
    with engine.connect() as connection:
        row = connection.execute(
            sa.select(api_keys).where(api_keys.c.key_hash == _hash(key))
        ).one_or_none()
        user = _user(connection, row.user_id) if row is not None and row.user_id else None
    if row is None or row.revoked or user is None or not user.active:
        raise AuthError("unknown, expired or revoked API key")
    if row.expires_at is not None and _aware(row.expires_at) <= _now():
        raise AuthError("unknown, expired or revoked API key")
    return _principal(user, row.key_id)


# -- page sessions --------------------------------------------------------------------------


def open_session(engine: sa.Engine, user_id: str, hours: int = SESSION_HOURS) -> str:
    """A new session of ``user_id``; return its id (for the cookie; only its hash is kept)."""
    session_id = secrets.token_urlsafe(32)
    now = _now()
    with engine.begin() as connection:
        connection.execute(
            sessions.insert().values(
                session_hash=_hash(session_id),
                user_id=user_id,
                created_at=now,
                expires_at=now + timedelta(hours=hours),
                revoked=False,
            )
        )
    return session_id


def session_principal(engine: sa.Engine, session_id: str) -> Principal:
    """The principal of a live session (not revoked, not expired, user active), or AuthError."""
    digest = _hash(session_id)
    with engine.connect() as connection:
        row = connection.execute(
            sa.select(sessions).where(sessions.c.session_hash == digest)
        ).one_or_none()
        user = _user(connection, row.user_id) if row is not None else None
    if row is None or row.revoked or user is None or not user.active:
        raise AuthError("no session")
    if _aware(row.expires_at) <= _now():
        raise AuthError("no session")
    return _principal(user, f"session:{digest[:12]}")


def close_session(engine: sa.Engine, session_id: str) -> None:
    """Revoke a session (sign-out); nothing when there is none."""
    with engine.begin() as connection:
        connection.execute(
            sessions.update()
            .where(sessions.c.session_hash == _hash(session_id))
            .values(revoked=True)
        )


def csrf_token(cookie: str) -> str:
    """The CSRF token bound to a session or pre-session cookie (unforgeable without it)."""
    return hashlib.sha256(f"csrf:{cookie}".encode()).hexdigest()
