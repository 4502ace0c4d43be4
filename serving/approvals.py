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
from serving.tables import approvals, decree_moves, overrides, shortlists
from serving.tables import decisions as decision_rows

VERDICTS: tuple[str, ...] = ("APPROVED", "RETURNED")
MIN_NOTE = 10
"""Characters a note needs at least when the PPK returns a recommendation."""


@dataclass
class Recommendation:
    """One recommendation and where it stands on its way to a decree."""

    decision_id: int
    shortlist_id: str
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
        return {**plain, "stage": self.stage}


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def recommendations(connection: sa.Connection, agency_id: str) -> list[Recommendation]:
    """The agency's recommendations, oldest first, with the PPK's answer and their decree."""
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
        .order_by(decision_rows.c.decision_id)
    ).all()
    latest: dict[tuple[str, str], Any] = {}
    superseded: set[int] = set()
    for row in rows:
        latest[(row.shortlist_id, row.nip)] = row
        if row.override_id is None or row.exception_at is not None:
            superseded.update(json.loads(row.supersedes_json or "[]"))
    found = [
        _recommendation(row)
        for row in latest.values()
        if row.decision == "SELECTED" and row.decision_id not in superseded
    ]
    _answers(connection, found)
    return found


def _recommendation(row: Any) -> Recommendation:
    return Recommendation(
        decision_id=row.decision_id,
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


def _answers(connection: sa.Connection, found: list[Recommendation]) -> None:
    """Fill each recommendation's first answer and its draft decree."""
    ids = [r.decision_id for r in found]
    if not ids:
        return
    first: dict[int, Any] = {}
    for row in connection.execute(
        sa.select(approvals)
        .where(approvals.c.decision_id.in_(ids))
        .order_by(approvals.c.approval_id)
    ):
        first.setdefault(row.decision_id, row)
    carried = dict(
        connection.execute(
            sa.select(decree_moves.c.decision_id, decree_moves.c.decree_id).where(
                decree_moves.c.decision_id.in_(ids)
            )
        ).all()
    )
    for item in found:
        answer = first.get(item.decision_id)
        if answer is not None:
            item.verdict, item.note = answer.verdict, answer.note
            item.answered_by, item.answered_at = answer.decider_name, _aware(answer.decided_at)
        item.decree_id = carried.get(item.decision_id)


def with_deadlines(
    found: list[Recommendation], deadlines: Deadlines, now: datetime
) -> list[Recommendation]:
    """Set each one's due moment and whether it is overdue at ``now``."""
    for item in found:
        if item.stage == "approval":
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


def answer(
    db: sa.Engine,
    who: Principal,
    decision_id: int,
    verdict: str,
    note: str,
    approve_exception: bool = False,
) -> Recommendation:
    """The PPK approves or returns one recommendation, with its audit entry; return it.

    Raises
    ------
    NotFoundError
        No such decision, or another agency's (the same answer).
    ConflictError
        The decision is not a current recommendation, or already answered.
    ForbiddenError
        The PPK recommended it, has not declared (422), recused or is related to the candidate.
    InputError
        Unknown verdict, a return without a note, or an exception not approved with it.
    """
    policy.allowed(who, "decision.approve")
    if verdict not in VERDICTS:
        raise InputError(f"verdict must be one of {', '.join(VERDICTS)}")
    text = (note or "").strip()
    if verdict == "RETURNED" and len(text) < MIN_NOTE:
        raise InputError(f"say why it is returned: a note of at least {MIN_NOTE} characters")
    with db.begin() as connection:
        item = _current(connection, who, decision_id)
        _check_answerable(connection, who, item, verdict, approve_exception)
        if verdict == "APPROVED" and item.override_id and not item.exception_approved:
            decisions.approve_override_in(connection, who, item.override_id, item.shortlist_id)
        approver, name = decisions.person(who)
        result = connection.execute(
            approvals.insert().values(
                decision_id=decision_id,
                meeting_id=None,
                verdict=verdict,
                note=text,
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
            str(decision_id),
            {"approval_id": approval_id, "verdict": verdict, "user_id": approver},
            covers=("approvals", approval_id),
        )
        return next(
            r for r in recommendations(connection, item.agency_id) if r.decision_id == decision_id
        )


def _current(connection: sa.Connection, who: Principal, decision_id: int) -> Recommendation:
    row = connection.execute(
        sa.select(shortlists.c.agency_id)
        .join(decision_rows, decision_rows.c.shortlist_id == shortlists.c.shortlist_id)
        .where(decision_rows.c.decision_id == decision_id)
    ).one_or_none()
    policy.authorize(who, "decision.approve", row and row.agency_id, (), "recommendation")
    found = {r.decision_id: r for r in recommendations(connection, row.agency_id)}
    if decision_id not in found:
        raise ConflictError(
            "this decision is not a current recommendation (not a SELECTED, or superseded or "
            "changed since): only the committee's standing selection can be approved"
        )
    return found[decision_id]


def _check_answerable(
    connection: sa.Connection,
    who: Principal,
    item: Recommendation,
    verdict: str,
    approve_exception: bool,
) -> None:
    if item.verdict is not None:
        raise ConflictError(f"this recommendation is already answered ({item.verdict})")
    if decisions.person(who)[0] == item.recommended_by:
        raise ForbiddenError("the PPK who approves is not the member who recommended")
    decisions._check_declared(connection, who, item.shortlist_id, item.nip)  # noqa: SLF001
    pending = item.override_id is not None and not item.exception_approved
    if verdict == "APPROVED" and pending and not approve_exception:
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
