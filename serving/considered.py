"""Where an employee's data was used, and the final decisions on the posts they were considered
for: their own part only, never another candidate's name, score or rank.

An employee was *considered* on a stored shortlist when the shortlist ranks them or a hard rule
excluded them from its pool. The decision on a post is *final* when a SELECTED stands on it
(:func:`serving.decisions.standing`: the latest record, not awaiting a PPK's approval of an
override, not superseded). What the employee then sees of it is an :class:`Outcome`: chosen
(with the committee's reasons, value against standard), excluded (the rules and why), or not
chosen (a decision was made). The band where they stood is the page's to add (the same words as
"my fit"); this module returns codes and parameters, the words are rendered at the edge.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa

from features.errors import ConflictError, InputError, NotFoundError
from serving import decisions, policy
from serving.auth import Principal
from serving.tables import shortlists

OUTCOMES: tuple[str, ...] = ("pending", "chosen", "excluded", "not_chosen")
"""What a considered employee sees of a post: no final decision yet, or the final one as it
concerned them."""


class Refused(InputError):
    """An objection, a request or an answer refused; ``code`` names why (its words are the
    catalogue's ``recourse.err_<code>``; the message is the API's)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def written(value: str, name: str, shortest: int, longest: int) -> str:
    """``value`` stripped, or Refused naming ``name`` when its length is outside the bounds."""
    text = value.strip()
    if not shortest <= len(text) <= longest:
        raise Refused(name, f"{name}: write between {shortest} and {longest} characters")
    return text


def aware(moment: datetime) -> datetime:
    """A stored time as UTC-aware (SQLite returns naive datetimes)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Twice(ConflictError):
    """The same objection already open, or an answer already given (``code`` as Refused's)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Appearance:
    """One stored shortlist the employee was considered on (their own part of it only)."""

    shortlist_id: str
    agency_id: str
    position_id: str
    created_at: datetime
    as_of: date
    listed: bool
    factors: list[dict[str, Any]] = field(default_factory=list)
    exclusions: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Outcome:
    """The final decision on a post as it concerned the employee (``kind`` in OUTCOMES)."""

    appearance: Appearance
    kind: str
    decided_at: datetime | None = None


def own(who: Principal, action: str = "self.read") -> str:
    """The caller's NIP, if the policy lets them ``action`` their own record (else 403/404)."""
    policy.authorize(who, action, who.agency_id, (), "record", who.nip)
    assert who.nip is not None  # the policy refused a caller without one
    return who.nip


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def appearance(row: Any, nip: str) -> Appearance | None:
    """The employee's part of one stored shortlist row (None when they were not on it)."""
    body = json.loads(row.response_json)
    base = {
        "shortlist_id": row.shortlist_id,
        "agency_id": row.agency_id,
        "position_id": row.position_id,
        "created_at": _aware(row.created_at),
        "as_of": row.as_of,
    }
    for candidate in body.get("candidates", []):
        if candidate["nip"] == nip:
            return Appearance(**base, listed=True, factors=list(candidate.get("factors", [])))
    for excluded in body.get("excluded", {}).get("candidates", []):
        if excluded["nip"] == nip:
            return Appearance(**base, listed=False, exclusions=list(excluded["rules"]))
    return None


def appearances(db: sa.Engine, who: Principal) -> list[Appearance]:
    """Every stored shortlist the caller was considered on, newest first (their own part)."""
    nip = own(who)
    with db.connect() as connection:
        rows = connection.execute(
            sa.select(shortlists).order_by(shortlists.c.created_at.desc())
        ).all()
    found = (appearance(row, nip) for row in rows)
    return [a for a in found if a is not None]


def considered_on(db: sa.Engine, who: Principal, shortlist_id: str) -> Appearance:
    """The caller's part of one shortlist; one they were not on is a missing one."""
    nip = own(who)
    with db.connect() as connection:
        row = connection.execute(
            sa.select(shortlists).where(shortlists.c.shortlist_id == shortlist_id)
        ).one_or_none()
    found = None if row is None else appearance(row, nip)
    if found is None:
        raise NotFoundError(policy.MISSING["shortlist"])
    return found


def final_decision(
    connection: sa.Connection, agency_id: str, position_id: str
) -> tuple[str, datetime] | None:
    """The NIP chosen for a post and when, once a SELECTED stands on it (else None)."""
    standing = decisions.standing(connection, agency_id, position_id)
    if not standing:
        return None
    return standing[0]["nip"], _aware(standing[0]["decided_at"])


def outcome(connection: sa.Connection, seen: Appearance, nip: str) -> Outcome:
    """What the employee sees of the post of ``seen``."""
    final = final_decision(connection, seen.agency_id, seen.position_id)
    if final is None:
        return Outcome(seen, "pending")
    chosen, decided_at = final
    if chosen == nip:
        return Outcome(seen, "chosen", decided_at)
    return Outcome(seen, "not_chosen" if seen.listed else "excluded", decided_at)


def outcomes(db: sa.Engine, who: Principal) -> list[Outcome]:
    """Per post the caller was considered for, the latest shortlist's outcome for them."""
    nip = own(who)
    latest: dict[tuple[str, str], Appearance] = {}
    for seen in appearances(db, who):
        latest.setdefault((seen.agency_id, seen.position_id), seen)
    with db.connect() as connection:
        return [outcome(connection, seen, nip) for seen in latest.values()]
