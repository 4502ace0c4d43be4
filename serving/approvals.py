"""The PPK's approval of the committee's recommendations, and what is overdue.

The committee considers, the PPK decides (PP 11/2017 Pasal 191): a *recommendation* is a
SELECTED decision that is the latest of its shortlist and candidate and not superseded (a
standing selection, or one whose exception still awaits the PPK). It is not final until the PPK
approves it. The PPK approves or returns it with a note; approving one that fails a hard rule
approves its exception too, only when the PPK says so (``approve_exception``), through the one
path of :func:`serving.decisions.approve_override_in`. The PPK is not the member who recommended
and declares on the shortlist first, like every member who decides. Each answer is a new row
with its audit entry; the first answer to a recommendation is the one that counts (a returned
one comes back as a new decision of the committee).

Deadlines (``serving.offices``): a recommendation is due for an answer ``approval_days`` after
it was made; an approved move is due in a draft decree ``decree_days`` after the approval.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd
import sqlalchemy as sa

from features.errors import ConflictError, ForbiddenError, InputError
from serving import audit, decisions, policy
from serving.auth import Principal
from serving.engine import Engine
from serving.offices import Deadlines
from serving.tables import (
    approvals,
    decree_moves,
    meeting_considerations,
    meeting_items,
    meetings,
    overrides,
    shortlists,
)
from serving.tables import decisions as decision_rows

VERDICTS: tuple[str, ...] = ("APPROVED", "RETURNED")
MIN_NOTE = 10
"""Characters a note needs at least when the PPK returns a recommendation."""


@dataclass
class Recommendation:
    """One recommendation and where it stands on its way to a decree.

    ``key`` names it: ``c<consideration_id>`` (a meeting's consideration) or ``d<decision_id>``
    (a standing SELECTED where no meeting considered the post).
    """

    key: str
    shortlist_id: str | None
    agency_id: str
    position_id: str
    nip: str
    rank: int | None
    reason: str
    justification: str | None
    divergent: bool
    reviewer: str
    recommended_by: str | None
    recommended_at: datetime
    meeting_id: str | None = None
    meeting_open: bool = False
    override_id: int | None = None
    override_basis: str | None = None
    exception_approved: bool = False
    verdict: str | None = None
    note: str | None = None
    answered_by: str | None = None
    answered_at: datetime | None = None
    decree_id: str | None = None
    due: datetime | None = None
    overdue: bool = False

    @property
    def needs_exception(self) -> bool:
        """It fails a hard rule and its exception is not approved yet."""
        return self.override_basis is not None and not self.exception_approved

    @property
    def stage(self) -> str:
        """``approval`` (awaits the PPK), ``returned``, ``decree`` (approved, no draft SK yet)
        or ``done`` (in a draft decree)."""
        if self.verdict is None:
            return "approval"
        if self.verdict == "RETURNED":
            return "returned"
        return "decree" if self.decree_id is None else "done"

    def as_dict(self) -> dict[str, Any]:
        """Plain values (ISO dates) with the stage."""
        plain = {
            k: v.isoformat() if isinstance(v, datetime) else v for k, v in asdict(self).items()
        }
        return {**plain, "stage": self.stage, "needs_exception": self.needs_exception}


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def recommendations(connection: sa.Connection, agency_id: str) -> list[Recommendation]:
    """The agency's recommendations (meetings' first, then standing selections), with the
    PPK's answer and their decree."""
    found = _considered(connection, agency_id) + _selected(connection, agency_id)
    _answers(connection, found)
    return found


def _considered(connection: sa.Connection, agency_id: str) -> list[Recommendation]:
    """The latest consideration of each agenda post of the agency's meetings."""
    rows = connection.execute(
        sa.select(
            meeting_considerations,
            meeting_items.c.position_id,
            meeting_items.c.shortlist_id,
            meetings.c.meeting_id,
            meetings.c.closed_at,
        )
        .join(meeting_items, meeting_items.c.item_id == meeting_considerations.c.item_id)
        .join(meetings, meetings.c.meeting_id == meeting_items.c.meeting_id)
        .where(meetings.c.agency_id == agency_id)
        .order_by(meeting_considerations.c.consideration_id)
    ).all()
    latest = {row.item_id: row for row in rows}
    return [
        Recommendation(
            key=f"c{row.consideration_id}",
            shortlist_id=row.shortlist_id,
            agency_id=agency_id,
            position_id=row.position_id,
            nip=row.nip,
            rank=row.rank,
            reason=row.reason,
            justification=row.justification,
            divergent=bool(row.divergent),
            reviewer=row.recorder_name,
            recommended_by=row.recorded_by,
            recommended_at=_aware(row.recorded_at),
            meeting_id=row.meeting_id,
            meeting_open=row.closed_at is None,
            override_basis=row.override_basis if row.failed_rules_json else None,
        )
        for row in latest.values()
    ]


def _selected(connection: sa.Connection, agency_id: str) -> list[Recommendation]:
    """Standing SELECTED decisions (or awaiting their exception) of shortlists no meeting
    considered."""
    in_meetings = sa.select(meeting_items.c.shortlist_id).where(
        meeting_items.c.shortlist_id.is_not(None)
    )
    rows = connection.execute(
        sa.select(
            decision_rows,
            shortlists.c.agency_id,
            shortlists.c.position_id,
            overrides.c.override_id,
            overrides.c.legal_basis,
            overrides.c.approved_at.label("exception_at"),
        )
        .join(shortlists, shortlists.c.shortlist_id == decision_rows.c.shortlist_id)
        .outerjoin(overrides, overrides.c.decision_id == decision_rows.c.decision_id)
        .where(shortlists.c.agency_id == agency_id)
        .where(decision_rows.c.shortlist_id.not_in(in_meetings))
        .order_by(decision_rows.c.decision_id)
    ).all()
    latest: dict[tuple[str, str], Any] = {}
    superseded: set[int] = set()
    for row in rows:
        latest[(row.shortlist_id, row.nip)] = row
        if row.override_id is None or row.exception_at is not None:
            superseded.update(json.loads(row.supersedes_json or "[]"))
    return [
        _recommendation(row)
        for row in latest.values()
        if row.decision == "SELECTED" and row.decision_id not in superseded
    ]


def _recommendation(row: Any) -> Recommendation:
    return Recommendation(
        key=f"d{row.decision_id}",
        shortlist_id=row.shortlist_id,
        agency_id=row.agency_id,
        position_id=row.position_id,
        nip=row.nip,
        rank=row.rank,
        reason=row.reason,
        justification=row.justification,
        divergent=bool(row.divergent),
        reviewer=row.reviewer,
        recommended_by=row.user_id,
        recommended_at=_aware(row.decided_at),
        override_id=row.override_id,
        override_basis=row.legal_basis,
        exception_approved=row.exception_at is not None,
    )


def _key(row: Any) -> str:
    return f"c{row.consideration_id}" if row.consideration_id else f"d{row.decision_id}"


def _answers(connection: sa.Connection, found: list[Recommendation]) -> None:
    """Fill each recommendation's first answer and its draft decree."""
    if not found:
        return
    keys = [r.key for r in found]
    first: dict[str, Any] = {}
    for row in connection.execute(
        sa.select(approvals)
        .where(
            sa.or_(
                approvals.c.decision_id.in_([int(k[1:]) for k in keys if k[0] == "d"]),
                approvals.c.consideration_id.in_([int(k[1:]) for k in keys if k[0] == "c"]),
            )
        )
        .order_by(approvals.c.approval_id)
    ):
        first.setdefault(_key(row), row)
    carried = dict(
        connection.execute(
            sa.select(decree_moves.c.recommendation, decree_moves.c.decree_id).where(
                decree_moves.c.recommendation.in_(keys)
            )
        ).all()
    )
    for item in found:
        answer = first.get(item.key)
        if answer is not None:
            item.verdict, item.note = answer.verdict, answer.note
            item.answered_by, item.answered_at = answer.decider_name, _aware(answer.decided_at)
            if item.key[0] == "c":
                item.exception_approved = bool(answer.exception_approved)
        item.decree_id = carried.get(item.key)


def with_deadlines(
    found: list[Recommendation], deadlines: Deadlines, now: datetime
) -> list[Recommendation]:
    """Set each one's due moment and whether it is overdue at ``now``."""
    for item in found:
        if item.stage == "approval" and not item.meeting_open:
            item.due = item.recommended_at + timedelta(days=deadlines.approval_days)
        elif item.stage == "decree" and item.answered_at is not None:
            item.due = item.answered_at + timedelta(days=deadlines.decree_days)
        else:
            item.due = None
        item.overdue = item.due is not None and now > item.due
    return found


def listing(
    db: sa.Engine, who: Principal, agency_id: str, deadlines: Deadlines, now: datetime
) -> list[Recommendation]:
    """The agency's recommendations for a reader of its decisions, with their deadlines."""
    policy.authorize(who, "decision.read", agency_id, (), "agency")
    with db.connect() as connection:
        return with_deadlines(recommendations(connection, agency_id), deadlines, now)


KEY = re.compile(r"^[cd][1-9][0-9]{0,9}$")
"""A recommendation's key: ``c<consideration_id>`` or ``d<decision_id>``."""


def answer(
    db: sa.Engine,
    who: Principal,
    key: str,
    verdict: str,
    note: str,
    approve_exception: bool = False,
) -> Recommendation:
    """The PPK approves or returns one recommendation, with its audit entry; return it.

    Raises
    ------
    NotFoundError
        No such recommendation, or another agency's (the same answer).
    ConflictError
        Not a current recommendation, its meeting still open, or already answered.
    ForbiddenError
        The PPK recommended it, recused or is related to the candidate.
    InputError
        Unknown verdict, a return without a note, an exception not approved with it, or the
        PPK has not declared on the shortlist.
    """
    policy.allowed(who, "decision.approve")
    if verdict not in VERDICTS:
        raise InputError(f"verdict must be one of {', '.join(VERDICTS)}")
    text = (note or "").strip()
    if verdict == "RETURNED" and len(text) < MIN_NOTE:
        raise InputError(f"note: say why it is returned (at least {MIN_NOTE} characters)")
    with db.begin() as connection:
        item = _current(connection, who, key)
        _check_answerable(connection, who, item, verdict, approve_exception)
        if verdict == "APPROVED" and item.override_id and not item.exception_approved:
            decisions.approve_override_in(connection, who, item.override_id, item.shortlist_id)
        approver, name = decisions.person(who)
        result = connection.execute(
            approvals.insert().values(
                decision_id=int(key[1:]) if key[0] == "d" else None,
                consideration_id=int(key[1:]) if key[0] == "c" else None,
                meeting_id=item.meeting_id,
                verdict=verdict,
                note=text,
                exception_approved=verdict == "APPROVED" and item.override_basis is not None,
                decided_by=approver,
                decider_name=name,
                decided_at=datetime.now(UTC),
            )
        )
        approval_id = int(result.inserted_primary_key[0])
        audit.append(
            connection,
            who,
            "recommendation.approve" if verdict == "APPROVED" else "recommendation.return",
            key,
            {"approval_id": approval_id, "verdict": verdict, "user_id": approver},
            covers=("approvals", approval_id),
        )
        return next(r for r in recommendations(connection, item.agency_id) if r.key == key)


def _agency_of(connection: sa.Connection, key: str) -> str | None:
    if not KEY.match(key):
        return None
    if key[0] == "d":
        query = (
            sa.select(shortlists.c.agency_id)
            .join(decision_rows, decision_rows.c.shortlist_id == shortlists.c.shortlist_id)
            .where(decision_rows.c.decision_id == int(key[1:]))
        )
    else:
        query = (
            sa.select(meetings.c.agency_id)
            .join(meeting_items, meeting_items.c.meeting_id == meetings.c.meeting_id)
            .join(
                meeting_considerations,
                meeting_considerations.c.item_id == meeting_items.c.item_id,
            )
            .where(meeting_considerations.c.consideration_id == int(key[1:]))
        )
    return connection.execute(query).scalar()


def _current(connection: sa.Connection, who: Principal, key: str) -> Recommendation:
    agency = _agency_of(connection, key)
    policy.authorize(who, "decision.approve", agency, (), "recommendation")
    found = {r.key: r for r in recommendations(connection, str(agency))}
    if key not in found:
        raise ConflictError(
            "this is not a current recommendation (replaced by a later consideration, not a "
            "SELECTED, or superseded): only the committee's current recommendation is answered"
        )
    return found[key]


def _check_answerable(
    connection: sa.Connection,
    who: Principal,
    item: Recommendation,
    verdict: str,
    approve_exception: bool,
) -> None:
    if item.meeting_open:
        raise ConflictError("the meeting is still open: its considerations may change")
    if item.verdict is not None:
        raise ConflictError(f"this recommendation is already answered ({item.verdict})")
    if decisions.person(who)[0] == item.recommended_by:
        raise ForbiddenError("the PPK who approves is not the member who recommended")
    if item.shortlist_id:
        decisions._check_declared(connection, who, item.shortlist_id, item.nip)  # noqa: SLF001
    if verdict == "APPROVED" and item.needs_exception and not approve_exception:
        raise InputError(
            "the candidate fails a hard rule and the committee asks for an exception on the legal "
            f"basis: {item.override_basis}. Approve the exception with it (approve_exception), "
            "or return the recommendation"
        )


# -- words for people ------------------------------------------------------------------------


def describe(engine: Engine | None, item: Recommendation) -> dict[str, Any]:
    """The recommendation with the candidate's name and rank and the post's title and unit
    (the codes alone while the service is not ready)."""
    plain = item.as_dict()
    person = employee(engine, item.nip)
    post = post_of(engine, item.position_id)
    return {**plain, **person, "title": post["title"], "unit_name": post["unit_name"]}


def employee(engine: Engine | None, nip: str) -> dict[str, Any]:
    """Name, rank, current post (title and unit) of an employee from the export."""
    blank = {"name": nip, "grade": "", "old_position_id": "", "old_title": "", "old_unit": ""}
    if engine is None:
        return blank
    people = engine.export.employees
    match = people.loc[people["nip"] == nip]
    if match.empty:
        return blank
    row = match.iloc[0]
    old = post_of(engine, str(row["current_position_id"]))
    return {
        "name": str(row["name"]),
        "grade": str(row["rank"]),
        "old_position_id": str(row["current_position_id"]),
        "old_title": old["title"],
        "old_unit": old["unit_name"] or str(row["unit_id"]),
    }


def post_of(engine: Engine | None, position_id: str) -> dict[str, str]:
    """Title, unit id and unit name of a post (its id alone when unknown)."""
    blank = {"title": position_id, "unit_id": "", "unit_name": ""}
    if engine is None or not position_id:
        return blank
    posts = engine.export.positions
    match = posts.loc[posts["position_id"] == position_id]
    if match.empty:
        return blank
    row = match.iloc[0]
    return {
        "title": str(row["title"]),
        "unit_id": str(row["unit_id"]),
        "unit_name": "" if pd.isna(row["unit_name"]) else str(row["unit_name"]),
    }
