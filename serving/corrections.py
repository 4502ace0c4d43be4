"""Correction requests: an employee asks that data held about them be corrected.

UU 27/2022 (PDP) Pasal 6 gives a person the right to have inaccurate personal data corrected;
Pasal 30 has the controller correct it within 3 x 24 hours of the request (:data:`ANSWER_DAYS`).
The request (which field, what is wrong, what it should be) goes to the agency admin's queue;
the admin's one answer (ACCEPTED or REJECTED, with a note) is recorded and shown to the
employee. The correction itself is made in the source system (SIASN) and arrives with the next
export: this service never edits the export. Rows are never changed; each is audited.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from serving import audit, considered, decisions, policy
from serving.auth import Principal
from serving.considered import Refused, Twice
from serving.tables import correction_answers, corrections

ANSWER_DAYS = 3
"""Days the admin has to answer (UU 27/2022 Pasal 30(2): 3 x 24 hours)."""
STATUSES: tuple[str, ...] = ("ACCEPTED", "REJECTED")
MIN_TEXT, MAX_TEXT, MAX_FIELD = 1, 2000, 64


@dataclass(frozen=True)
class Correction:
    """One correction request with its answer (None while open)."""

    correction_id: str
    agency_id: str
    nip: str
    field: str
    wrong: str
    should_be: str
    filed_at: datetime
    due_at: datetime
    answer: dict[str, Any] | None

    @property
    def status(self) -> str:
        """``OPEN``, or the answer's status."""
        return "OPEN" if self.answer is None else str(self.answer["status"])

    def overdue(self, now: datetime) -> bool:
        """Open after its deadline."""
        return self.answer is None and now > self.due_at


def _now() -> datetime:
    return datetime.now(UTC)


def _text(value: str, name: str, longest: int = MAX_TEXT) -> str:
    return considered.written(value, name, MIN_TEXT, longest)


def _query() -> sa.Select:
    return sa.select(
        corrections,
        correction_answers.c.status,
        correction_answers.c.note,
        correction_answers.c.name.label("answered_by"),
        correction_answers.c.answered_at,
    ).outerjoin(
        correction_answers, correction_answers.c.correction_id == corrections.c.correction_id
    )


def _correction(row: Any) -> Correction:
    answer = None
    if row.status is not None:
        answer = {
            "status": row.status,
            "note": row.note,
            "answered_by": row.answered_by,
            "answered_at": considered.aware(row.answered_at),
        }
    return Correction(
        row.correction_id,
        row.agency_id,
        row.nip,
        row.field,
        row.wrong,
        row.should_be,
        considered.aware(row.filed_at),
        considered.aware(row.due_at),
        answer,
    )


def _one(connection: sa.Connection, correction_id: str) -> Any:
    query = _query().where(corrections.c.correction_id == correction_id)
    return connection.execute(query).one_or_none()


def request(db: sa.Engine, who: Principal, field: str, wrong: str, should_be: str) -> Correction:
    """File the caller's request to correct ``field`` of their own record."""
    nip = considered.own(who, "self.write")
    values = {
        "field": _text(field, "field", MAX_FIELD),
        "wrong": _text(wrong, "wrong"),
        "should_be": _text(should_be, "should_be"),
    }
    now, correction_id = _now(), str(uuid.uuid4())
    with db.begin() as connection:
        connection.execute(
            corrections.insert().values(
                correction_id=correction_id,
                agency_id=who.agency_id,
                nip=nip,
                user_id=who.user_id or f"key:{who.key_id}",
                filed_at=now,
                due_at=now + timedelta(days=ANSWER_DAYS),
                **values,
            )
        )
        audit.append(
            connection,
            who,
            "correction.request",
            correction_id,
            {"field": values["field"]},
            covers=("corrections", correction_id),
        )
        return _correction(_one(connection, correction_id))


def mine(db: sa.Engine, who: Principal) -> list[Correction]:
    """The caller's own requests, newest first, with the admin's answers."""
    nip = considered.own(who)
    with db.connect() as connection:
        query = _query().where(corrections.c.nip == nip).order_by(corrections.c.filed_at.desc())
        return [_correction(row) for row in connection.execute(query)]


def of_agency(connection: sa.Connection, agency_id: str | None) -> list[Correction]:
    """Every request of ``agency_id`` (all when None), oldest deadline first."""
    query = _query().order_by(corrections.c.due_at)
    if agency_id is not None:
        query = query.where(corrections.c.agency_id == agency_id)
    return [_correction(row) for row in connection.execute(query)]


def answer(db: sa.Engine, who: Principal, correction_id: str, status: str, note: str) -> Correction:
    """Record the admin's one answer to a correction request of its agency."""
    with db.begin() as connection:
        row = _one(connection, correction_id)
        policy.authorize(who, "correction.answer", row and row.agency_id, (), "correction")
        if status not in STATUSES:
            raise Refused("status", f"status: one of {', '.join(STATUSES)}")
        text = _text(note, "note")
        if row.status is not None:
            raise Twice("answered", "this request has been answered")
        user_id, name = decisions.person(who)
        connection.execute(
            correction_answers.insert().values(
                correction_id=correction_id,
                status=status,
                note=text,
                user_id=user_id,
                name=name,
                answered_at=_now(),
            )
        )
        audit.append(
            connection,
            who,
            "correction.answer",
            correction_id,
            {"status": status},
            covers=("correction_answers", correction_id),
        )
        return _correction(_one(connection, correction_id))
