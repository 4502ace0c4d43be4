"""Committee decisions on stored shortlists: immutable history and the divergence log.

The system recommends, the committee decides (PP 11/2017 Pasal 191; UU 27/2022 Pasal 10).
A decision is written in the request's own transaction, with its audit entry, before the
response: nothing acknowledged can be lost. A change is a new record; the current state of a
candidate is its latest record. Selecting someone outside the recommended list, or below
better-ranked candidates who are not selected, is *divergent* and needs a written
justification.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa

from features.errors import ForbiddenError, InputError, NotFoundError
from serving import audit
from serving.auth import Principal
from serving.tables import decisions, shortlists

DECISIONS: tuple[str, ...] = ("SHORTLISTED", "SELECTED", "REJECTED", "NEEDS_INFO")
MIN_JUSTIFICATION = 20
"""Characters a divergence justification needs at least."""


class JustificationRequired(InputError):
    """Selecting off-list without a written justification (422)."""


def _stored(connection: sa.Connection, who: Principal, shortlist_id: str) -> Any:
    row = connection.execute(
        sa.select(shortlists).where(shortlists.c.shortlist_id == shortlist_id)
    ).one_or_none()
    if row is None or not who.may_see_agency(row.agency_id):
        raise NotFoundError("no such shortlist")
    return row


def _records(connection: sa.Connection, shortlist_id: str) -> list[dict[str, Any]]:
    rows = connection.execute(
        sa.select(decisions)
        .where(decisions.c.shortlist_id == shortlist_id)
        .order_by(decisions.c.decision_id)
    )
    return [_record(row) for row in rows]


def _record(row: Any) -> dict[str, Any]:
    return {
        "decision_id": row.decision_id,
        "nip": row.nip,
        "decision": row.decision,
        "reason": row.reason,
        "justification": row.justification,
        "divergent": bool(row.divergent),
        "reviewer": row.reviewer,
        "decided_at": _iso(row.decided_at),
    }


def _iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.isoformat()


def current_state(records: Iterable[dict[str, Any]]) -> dict[str, str]:
    """The latest decision per candidate."""
    state: dict[str, str] = {}
    for record in records:
        state[record["nip"]] = record["decision"]
    return state


def is_divergent(nip: str, ranked: list[str], state: dict[str, str]) -> bool:
    """Selecting off the list, or while a better-ranked candidate is not selected."""
    if nip not in ranked:
        return True
    better = ranked[: ranked.index(nip)]
    return any(state.get(other) != "SELECTED" for other in better)


def record(
    db: sa.Engine,
    who: Principal,
    shortlist_id: str,
    *,
    nip: str,
    decision: str,
    reason: str,
    reviewer: str,
    justification: str | None,
    known_employee: Any = None,
) -> dict[str, Any]:
    """Record one decision; the divergence rule is checked against the current state."""
    if who.role == "auditor":
        raise ForbiddenError("an auditor key may read decisions, not record them")
    if decision not in DECISIONS:
        raise InputError(f"decision must be one of {', '.join(DECISIONS)}")
    with db.begin() as connection:
        stored = _stored(connection, who, shortlist_id)
        ranked = [c["nip"] for c in json.loads(stored.response_json)["candidates"]]
        if nip not in ranked and (
            decision != "SELECTED" or (known_employee is not None and not known_employee(nip))
        ):
            raise InputError(
                "that NIP is not a candidate of this shortlist"
                + (
                    ""
                    if decision == "SELECTED"
                    else " (only a SELECTED decision may name someone off the list)"
                )
            )
        state = current_state(_records(connection, shortlist_id))
        divergent = decision == "SELECTED" and is_divergent(nip, ranked, state)
        text = (justification or "").strip()
        if divergent and len(text) < MIN_JUSTIFICATION:
            raise JustificationRequired(
                "this selection departs from the recommendation (the candidate is off the list "
                "or ranked below candidates not selected): write a justification of at least "
                f"{MIN_JUSTIFICATION} characters"
            )
        result = connection.execute(
            decisions.insert().values(
                shortlist_id=shortlist_id,
                nip=nip,
                decision=decision,
                reason=reason.strip(),
                justification=text or None,
                divergent=divergent,
                reviewer=reviewer.strip(),
                key_id=who.key_id,
                decided_at=datetime.now(UTC),
            )
        )
        decision_id = result.inserted_primary_key[0]
        audit.append(
            connection,
            who,
            "decision.record",
            shortlist_id,
            {"decision_id": decision_id, "nip": nip, "decision": decision, "divergent": divergent},
        )
        row = connection.execute(
            sa.select(decisions).where(decisions.c.decision_id == decision_id)
        ).one()
    return _record(row)


def history(db: sa.Engine, who: Principal, shortlist_id: str) -> dict[str, Any]:
    """Every decision on a shortlist, oldest first, and the current state per candidate."""
    with db.connect() as connection:
        _stored(connection, who, shortlist_id)
        records = _records(connection, shortlist_id)
    return {"shortlist_id": shortlist_id, "decisions": records, "current": current_state(records)}


def divergence_report(
    db: sa.Engine, who: Principal, agency_id: str | None, start: date | None, end: date | None
) -> dict[str, Any]:
    """How often and why committees chose off the recommendation, by agency and month."""
    if who.role == "committee":
        agency_id = who.agency_id
    query = (
        sa.select(
            shortlists.c.agency_id,
            decisions.c.decided_at,
            decisions.c.divergent,
            decisions.c.justification,
        )
        .join(shortlists, shortlists.c.shortlist_id == decisions.c.shortlist_id)
        .where(decisions.c.decision == "SELECTED")
    )
    if agency_id:
        query = query.where(shortlists.c.agency_id == agency_id)
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    with db.connect() as connection:
        for row in connection.execute(query):
            day = row.decided_at.date()
            if (start and day < start) or (end and day > end):
                continue
            key = (row.agency_id, day.strftime("%Y-%m"))
            group = groups.setdefault(
                key,
                {
                    "agency_id": key[0],
                    "period": key[1],
                    "selections": 0,
                    "divergent": 0,
                    "justifications": [],
                },
            )
            group["selections"] += 1
            if row.divergent:
                group["divergent"] += 1
                group["justifications"].append(row.justification)
    rows = sorted(groups.values(), key=lambda g: (g["agency_id"], g["period"]))
    for group in rows:
        group["divergence_rate"] = group["divergent"] / group["selections"]
    return {
        "agency_id": agency_id,
        "from": start.isoformat() if start else None,
        "to": end.isoformat() if end else None,
        "groups": rows,
    }
