"""Objections (keberatan): an employee contests a final decision or a rule's exclusion.

UU 27/2022 (PDP) Pasal 10 gives a person the right to object to a decision made by automated
processing about them; UU 30/2014 Pasal 75-77 sets how an administrative decision is objected
to. An employee considered for a post may object, with text, from the day its decision is final
(:mod:`serving.considered`) for :data:`WINDOW_DAYS` days: to the decision (``decision``) or, when a
hard rule excluded them, to the exclusion (``exclusion``). The objection lands in the
committee's inbox with a deadline of :data:`ANSWER_DAYS` days; the committee's one answer
(UPHELD or DISMISSED, with text) is recorded and shown to the employee. Rows are never changed
(the answer is its own row), and each one is sealed in the audit log.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from serving import audit, considered, decisions, policy
from serving.auth import Principal
from serving.considered import Refused, Twice
from serving.tables import objection_answers, objections, shortlists

WINDOW_DAYS = 14
"""Days after the decision is final in which an employee may object (the agency's period)."""
ANSWER_DAYS = 14
"""Days the committee has to answer: 14 calendar days, about the 10 working days of UU 30/2014
Pasal 77(4)."""
KINDS: tuple[str, ...] = ("decision", "exclusion")
OUTCOMES: tuple[str, ...] = ("UPHELD", "DISMISSED")
MIN_TEXT = 20
"""Characters an objection or an answer needs at least."""
MAX_TEXT = 4000


@dataclass(frozen=True)
class Objection:
    """One objection with its answer (None while open) and whether its deadline passed."""

    objection_id: str
    agency_id: str
    nip: str
    shortlist_id: str
    position_id: str
    kind: str
    text: str
    filed_at: datetime
    due_at: datetime
    answer: dict[str, Any] | None

    @property
    def status(self) -> str:
        """``OPEN``, or the answer's outcome."""
        return "OPEN" if self.answer is None else str(self.answer["outcome"])

    def overdue(self, now: datetime) -> bool:
        """Open after its deadline."""
        return self.answer is None and now > self.due_at


def _now() -> datetime:
    return datetime.now(UTC)


def _text(value: str, name: str) -> str:
    return considered.written(value, name, MIN_TEXT, MAX_TEXT)


def _query() -> sa.Select:
    return (
        sa.select(
            objections,
            shortlists.c.position_id,
            objection_answers.c.outcome,
            objection_answers.c.answer,
            objection_answers.c.name.label("answered_by"),
            objection_answers.c.answered_at,
        )
        .join(shortlists, shortlists.c.shortlist_id == objections.c.shortlist_id)
        .outerjoin(objection_answers, objection_answers.c.objection_id == objections.c.objection_id)
    )


def _objection(row: Any) -> Objection:
    answer = None
    if row.outcome is not None:
        answer = {
            "outcome": row.outcome,
            "answer": row.answer,
            "answered_by": row.answered_by,
            "answered_at": considered.aware(row.answered_at),
        }
    return Objection(
        row.objection_id,
        row.agency_id,
        row.nip,
        row.shortlist_id,
        row.position_id,
        row.kind,
        row.text,
        considered.aware(row.filed_at),
        considered.aware(row.due_at),
        answer,
    )


def file(
    db: sa.Engine,
    who: Principal,
    shortlist_id: str,
    kind: str,
    text: str,
    now: datetime | None = None,
) -> Objection:
    """File the caller's objection to the final decision or their exclusion on a shortlist.

    Raises
    ------
    NotFoundError
        The caller was not considered on the shortlist (or it does not exist).
    InputError
        An unknown kind, an exclusion objection from a listed candidate, text too short or too
        long, no final decision yet, or the period is over.
    ConflictError
        An objection of this kind to this post is already open.
    """
    nip = considered.own(who, "self.write")
    now = now or _now()
    if kind not in KINDS:
        raise Refused("kind", f"kind: one of {', '.join(KINDS)}")
    body = _text(text, "text")
    seen = considered.considered_on(db, who, shortlist_id)
    if kind == "exclusion" and seen.listed:
        raise Refused(
            "not_excluded", "kind: no rule excluded you on this shortlist; object to the decision"
        )
    with db.begin() as connection:
        final = considered.final_decision(connection, seen.agency_id, seen.position_id)
        if final is None:
            raise Refused(
                "not_final", "no final decision on this post yet: an objection opens with it"
            )
        if now > final[1] + timedelta(days=WINDOW_DAYS):
            raise Refused(
                "closed", f"the {WINDOW_DAYS}-day period to object to this decision is over"
            )
        _refuse_twice(connection, nip, seen, kind)
        objection_id = str(uuid.uuid4())
        values = {
            "objection_id": objection_id,
            "agency_id": seen.agency_id,
            "nip": nip,
            "shortlist_id": shortlist_id,
            "kind": kind,
            "text": body,
            "user_id": who.user_id or f"key:{who.key_id}",
            "filed_at": now,
            "due_at": now + timedelta(days=ANSWER_DAYS),
        }
        connection.execute(objections.insert().values(**values))
        detail = {"shortlist_id": shortlist_id, "kind": kind}
        audit.append(
            connection,
            who,
            "objection.file",
            objection_id,
            detail,
            covers=("objections", objection_id),
        )
        return _objection(
            connection.execute(_query().where(objections.c.objection_id == objection_id)).one()
        )


def _refuse_twice(
    connection: sa.Connection, nip: str, seen: considered.Appearance, kind: str
) -> None:
    """One open objection of a kind per person and post."""
    rows = connection.execute(
        _query().where(
            objections.c.nip == nip,
            objections.c.kind == kind,
            shortlists.c.position_id == seen.position_id,
            objections.c.agency_id == seen.agency_id,
        )
    ).all()
    if any(row.outcome is None for row in rows):
        raise Twice("twice", "an objection of this kind to this post is already open")


def mine(db: sa.Engine, who: Principal) -> list[Objection]:
    """The caller's own objections, newest first, with the committee's answers."""
    nip = considered.own(who)
    with db.connect() as connection:
        rows = connection.execute(
            _query().where(objections.c.nip == nip).order_by(objections.c.filed_at.desc())
        ).all()
    return [_objection(row) for row in rows]


def of_agency(connection: sa.Connection, agency_id: str | None) -> list[Objection]:
    """Every objection of ``agency_id`` (all when None), oldest deadline first."""
    query = _query().order_by(objections.c.due_at)
    if agency_id is not None:
        query = query.where(objections.c.agency_id == agency_id)
    return [_objection(row) for row in connection.execute(query)]


def answer(db: sa.Engine, who: Principal, objection_id: str, outcome: str, text: str) -> Objection:
    """Record the committee's one answer to an objection of its agency."""
    with db.begin() as connection:
        row = connection.execute(
            _query().where(objections.c.objection_id == objection_id)
        ).one_or_none()
        policy.authorize(who, "objection.answer", row and row.agency_id, (), "objection")
        if outcome not in OUTCOMES:
            raise Refused("outcome", f"outcome: one of {', '.join(OUTCOMES)}")
        body = _text(text, "answer")
        if row.outcome is not None:
            raise Twice("answered", "this objection has been answered")
        user_id, name = decisions.person(who)
        connection.execute(
            objection_answers.insert().values(
                objection_id=objection_id,
                outcome=outcome,
                answer=body,
                user_id=user_id,
                name=name,
                answered_at=_now(),
            )
        )
        audit.append(
            connection,
            who,
            "objection.answer",
            objection_id,
            {"outcome": outcome},
            covers=("objection_answers", objection_id),
        )
        found = connection.execute(_query().where(objections.c.objection_id == objection_id))
        return _objection(found.one())


def counts(
    connection: sa.Connection,
    agency_id: str | None,
    start: date | None = None,
    end: date | None = None,
) -> list[dict[str, Any]]:
    """Per agency: objections filed in [start, end], still open (of them overdue), upheld and
    dismissed."""
    now = _now()
    out: dict[str, dict[str, Any]] = {}
    for item in of_agency(connection, agency_id):
        day = item.filed_at.date()
        if (start and day < start) or (end and day > end):
            continue
        cell = out.setdefault(
            item.agency_id,
            {"agency_id": item.agency_id, "filed": 0, "open": 0, "overdue": 0}
            | {o.lower(): 0 for o in OUTCOMES},
        )
        cell["filed"] += 1
        cell[item.status.lower()] += 1
        cell["overdue"] += int(item.overdue(now))
    return [out[a] for a in sorted(out)]
