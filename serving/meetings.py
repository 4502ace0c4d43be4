"""Committee meetings (*sidang tim penilai kinerja*): the one place a meeting is recorded.

A committee member opens a meeting with its date, place and agenda (the agency's posts to
consider); the roster is the agency's active committee members at that moment, the opener in
the chair. Each member, signed in, records their own attendance. For each post the meeting
attaches a stored shortlist of that post and records the committee's consideration
(*pertimbangan*, PP 11/2017 Pasal 191): the recommended candidate and, where it departs from the
ranker's order, a written justification (the divergence rule of :mod:`serving.decisions`).

Before any consideration every present member has declared on the post's shortlist (PP 11/2017
Pasal 190(5), the declarations of :mod:`serving.decisions`); members who recused, or who are
related to the recommended candidate, take no part, and the members taking part must reach the
agency policy's quorum (``meeting: {quorum: 0.5}``) of the roster. The PPK decides afterwards.
Every change is audited in its own transaction; a closed meeting changes no more.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa

from features.errors import ConflictError, ForbiddenError, InputError, NotFoundError
from features.rules.policy import MeetingRules
from serving import audit, decisions, policy
from serving.auth import Principal
from serving.engine import Engine
from serving.tables import (
    declarations,
    meeting_considerations,
    meeting_items,
    meeting_members,
    meetings,
    shortlists,
    users,
)

MAX_AGENDA = 50
"""Posts one meeting may consider."""
MEMBER_ROLE = "committee"
"""The user role the roster is made of."""


@dataclass(frozen=True)
class Consideration:
    """The committee's consideration of one post, as asked for by the page or the API."""

    nip: str
    reason: str
    justification: str | None = None
    override_basis: str | None = None


def rules_of(engine: Engine, agency_id: str) -> MeetingRules:
    """The agency policy's meeting rules (the defaults without a policy file)."""
    return engine.policies.for_agency(agency_id).meeting


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()


# -- reading ---------------------------------------------------------------------------------


def _meeting(connection: sa.Connection, who: Principal, meeting_id: str, action: str) -> Any:
    """The meeting, if the policy lets ``who`` do ``action`` on it (else 403 or one 404)."""
    row = connection.execute(
        sa.select(meetings).where(meetings.c.meeting_id == meeting_id)
    ).one_or_none()
    policy.authorize(who, action, row and row.agency_id, (), "meeting")
    return row


def _open(connection: sa.Connection, who: Principal, meeting_id: str) -> Any:
    row = _meeting(connection, who, meeting_id, "meeting.manage")
    if row.closed_at is not None:
        raise ConflictError("this meeting is closed: it changes no more")
    return row


def agency_of(db: sa.Engine, meeting_id: str) -> str | None:
    """The meeting's agency (None: no such meeting), for the router's policy check."""
    with db.connect() as connection:
        return connection.execute(
            sa.select(meetings.c.agency_id).where(meetings.c.meeting_id == meeting_id)
        ).scalar_one_or_none()


def _members(connection: sa.Connection, meeting_id: str) -> list[Any]:
    return list(
        connection.execute(
            sa.select(meeting_members)
            .where(meeting_members.c.meeting_id == meeting_id)
            .order_by(meeting_members.c.member_id)
        )
    )


def _items(connection: sa.Connection, meeting_id: str) -> list[Any]:
    return list(
        connection.execute(
            sa.select(meeting_items)
            .where(meeting_items.c.meeting_id == meeting_id)
            .order_by(meeting_items.c.item_id)
        )
    )


def _latest_consideration(connection: sa.Connection, item_id: int) -> Any:
    return connection.execute(
        sa.select(meeting_considerations)
        .where(meeting_considerations.c.item_id == item_id)
        .order_by(meeting_considerations.c.consideration_id.desc())
        .limit(1)
    ).one_or_none()


def _latest_declarations(connection: sa.Connection, shortlist_id: str) -> dict[str, Any]:
    """Each person's latest declaration on the shortlist."""
    rows = connection.execute(
        sa.select(declarations)
        .where(declarations.c.shortlist_id == shortlist_id)
        .order_by(declarations.c.declaration_id)
    )
    return {row.user_id: row for row in rows}


def _consideration(row: Any) -> dict[str, Any]:
    return {
        "consideration_id": row.consideration_id,
        "nip": row.nip,
        "rank": row.rank,
        "reason": row.reason,
        "justification": row.justification,
        "divergent": bool(row.divergent),
        "override_basis": row.override_basis,
        "failed_rules": json.loads(row.failed_rules_json or "[]"),
        "voters": json.loads(row.voters_json),
        "recorded_by": row.recorded_by,
        "recorder_name": row.recorder_name,
        "recorded_at": _iso(row.recorded_at),
    }


def _summary(row: Any) -> dict[str, Any]:
    return {
        "meeting_id": row.meeting_id,
        "agency_id": row.agency_id,
        "number": row.number,
        "held_on": row.held_on.isoformat(),
        "place": row.place,
        "quorum": row.quorum,
        "chair_id": row.opened_by,
        "chair_name": row.chair_name,
        "opened_at": _iso(row.opened_at),
        "closed_at": _iso(row.closed_at),
        "status": "closed" if row.closed_at else "open",
    }


def _detail(connection: sa.Connection, row: Any) -> dict[str, Any]:
    members = sorted(_members(connection, row.meeting_id), key=lambda m: m.role != "chair")
    items = []
    for item in _items(connection, row.meeting_id):
        latest = _latest_consideration(connection, item.item_id)
        declared = _latest_declarations(connection, item.shortlist_id) if item.shortlist_id else {}
        items.append(
            {
                "item_id": item.item_id,
                "position_id": item.position_id,
                "shortlist_id": item.shortlist_id,
                "declarations": [decisions._declared(d) for d in declared.values()],
                "consideration": _consideration(latest) if latest else None,
            }
        )
    present = [m for m in members if m.present_at is not None]
    return {
        **_summary(row),
        "members": [
            {
                "user_id": m.user_id,
                "name": m.name,
                "role": m.role,
                "present": m.present_at is not None,
                "present_at": _iso(m.present_at),
            }
            for m in members
        ],
        "present": len(present),
        "quorum_met": _quorate(len(present), len(members), row.quorum),
        "items": items,
    }


def read(db: sa.Engine, who: Principal, meeting_id: str) -> dict[str, Any]:
    """The meeting with its roster, attendance, agenda, declarations and considerations."""
    with db.connect() as connection:
        row = _meeting(connection, who, meeting_id, "meeting.read")
        return _detail(connection, row)


def list_meetings(db: sa.Engine, who: Principal) -> list[dict[str, Any]]:
    """The meetings of the agencies ``who`` reads, newest first."""
    policy.allowed(who, "meeting.read")
    reach = policy.scope(who, "meeting.read")
    query = sa.select(meetings).order_by(meetings.c.held_on.desc(), meetings.c.opened_at.desc())
    if reach is not None:
        query = query.where(meetings.c.agency_id.in_(sorted(reach)))
    with db.connect() as connection:
        return [_summary(row) for row in connection.execute(query)]


# -- opening and attendance ------------------------------------------------------------------


def _quorate(taking_part: int, roster: int, quorum: float) -> bool:
    return roster > 0 and taking_part >= quorum * roster


def _agenda(engine: Engine, agency_id: str, position_ids: list[str]) -> list[str]:
    """The posts, each once, each a post of the agency (another agency's is a missing one)."""
    posts = list(dict.fromkeys(p.strip() for p in position_ids if p.strip()))
    if not posts:
        raise InputError("agenda: name at least one post to consider")
    if len(posts) > MAX_AGENDA:
        raise InputError(f"agenda: at most {MAX_AGENDA} posts a meeting")
    for position_id in posts:
        position = engine.position(position_id)
        if str(position.get("agency_id") or "") != agency_id:
            raise NotFoundError(policy.MISSING["position"])
    return posts


def _roster(connection: sa.Connection, agency_id: str) -> list[Any]:
    return list(
        connection.execute(
            sa.select(users.c.user_id, users.c.name)
            .where(
                users.c.agency_id == agency_id,
                users.c.role == MEMBER_ROLE,
                users.c.active.is_(True),
            )
            .order_by(users.c.name)
        )
    )


def open_meeting(
    db: sa.Engine,
    engine: Engine,
    who: Principal,
    held_on: date,
    place: str,
    position_ids: list[str],
    number: str | None = None,
) -> dict[str, Any]:
    """Open a meeting of the caller's agency, the caller in the chair and present."""
    policy.allowed(who, "meeting.manage")
    if not who.agency_id or not who.user_id:
        raise ForbiddenError("a meeting is opened by a signed-in member of an agency")
    place = place.strip()
    if not place:
        raise InputError("place: write where the meeting is held")
    posts = _agenda(engine, who.agency_id, position_ids)
    rules = rules_of(engine, who.agency_id)
    meeting_id, now = str(uuid.uuid4()), _now()
    with db.begin() as connection:
        roster = _roster(connection, who.agency_id)
        if who.user_id not in {r.user_id for r in roster}:
            raise ForbiddenError("only an active committee member of the agency chairs a meeting")
        connection.execute(
            meetings.insert().values(
                meeting_id=meeting_id,
                agency_id=who.agency_id,
                number=(number or "").strip() or None,
                held_on=held_on,
                place=place,
                quorum=rules.quorum,
                opened_by=who.user_id,
                chair_name=who.name or who.user_id,
                opened_at=now,
            )
        )
        for member in roster:
            chair = member.user_id == who.user_id
            connection.execute(
                meeting_members.insert().values(
                    meeting_id=meeting_id,
                    user_id=member.user_id,
                    name=member.name,
                    role="chair" if chair else "member",
                    present_at=now if chair else None,
                )
            )
        for position_id in posts:
            connection.execute(
                meeting_items.insert().values(meeting_id=meeting_id, position_id=position_id)
            )
        audit.append(
            connection,
            who,
            "meeting.open",
            meeting_id,
            {"held_on": held_on.isoformat(), "posts": posts, "roster": len(roster)},
        )
        return _detail(connection, _meeting(connection, who, meeting_id, "meeting.read"))


def attend(db: sa.Engine, who: Principal, meeting_id: str) -> dict[str, Any]:
    """The signed-in member records their own attendance (once)."""
    policy.allowed(who, "meeting.attend")
    with db.begin() as connection:
        _open(connection, who, meeting_id)
        member = connection.execute(
            sa.select(meeting_members).where(
                meeting_members.c.meeting_id == meeting_id,
                meeting_members.c.user_id == (who.user_id or ""),
            )
        ).one_or_none()
        if member is None:
            raise ForbiddenError("you are not on this meeting's roster")
        if member.present_at is None:
            connection.execute(
                meeting_members.update()
                .where(meeting_members.c.member_id == member.member_id)
                .values(present_at=_now())
            )
            audit.append(connection, who, "meeting.attend", meeting_id, {"user_id": who.user_id})
        return _detail(connection, _meeting(connection, who, meeting_id, "meeting.read"))


# -- the agenda ------------------------------------------------------------------------------


def _item(connection: sa.Connection, meeting_id: str, position_id: str) -> Any:
    item = connection.execute(
        sa.select(meeting_items).where(
            meeting_items.c.meeting_id == meeting_id, meeting_items.c.position_id == position_id
        )
    ).one_or_none()
    if item is None:
        raise NotFoundError("no such post on this meeting's agenda")
    return item


def attach(
    db: sa.Engine, who: Principal, meeting_id: str, position_id: str, shortlist_id: str
) -> dict[str, Any]:
    """Attach a stored shortlist of the post to the agenda (before any consideration of it)."""
    with db.begin() as connection:
        meeting = _open(connection, who, meeting_id)
        item = _item(connection, meeting_id, position_id)
        stored = connection.execute(
            sa.select(shortlists).where(shortlists.c.shortlist_id == shortlist_id)
        ).one_or_none()
        policy.authorize(who, "shortlist.read", stored and stored.agency_id, (), "shortlist")
        if stored.agency_id != meeting.agency_id or stored.position_id != position_id:
            raise InputError("shortlist_id: that shortlist was not made for this post")
        if _latest_consideration(connection, item.item_id) is not None:
            raise ConflictError("this post is already considered: its shortlist stays")
        connection.execute(
            meeting_items.update()
            .where(meeting_items.c.item_id == item.item_id)
            .values(shortlist_id=shortlist_id)
        )
        audit.append(
            connection,
            who,
            "meeting.attach",
            meeting_id,
            {"position_id": position_id, "shortlist_id": shortlist_id},
        )
        return _detail(connection, meeting)


# -- considering -----------------------------------------------------------------------------


def _voters(
    connection: sa.Connection, meeting: Any, shortlist_id: str, nip: str
) -> list[dict[str, str]]:
    """The present members who take part on this candidate; refuse while one has not declared."""
    members = _members(connection, meeting.meeting_id)
    declared = _latest_declarations(connection, shortlist_id)
    present = [m for m in members if m.present_at is not None]
    silent = [m.name for m in present if m.user_id not in declared]
    if silent:
        raise InputError(
            "every present member declares on this post's shortlist before the committee "
            f"considers it (PP 11/2017 Pasal 190(5)); not yet declared: {', '.join(silent)}"
        )
    voters = [
        {"user_id": m.user_id, "name": m.name}
        for m in present
        if declared[m.user_id].kind != "recused"
        and nip not in json.loads(declared[m.user_id].related_nips_json)
    ]
    if not _quorate(len(voters), len(members), meeting.quorum):
        raise ConflictError(
            f"no quorum: {len(voters)} of {len(members)} members take part on this candidate "
            f"(present, declared, not recused nor related); the agency's policy needs "
            f"{meeting.quorum:.0%} of the roster"
        )
    return voters


def _off_list(engine: Engine | None, stored: Any, proposal: Consideration) -> list[str]:
    """Hard rules an off-list candidate fails; refuse the inactive and a missing legal basis."""
    if engine is None:
        raise InputError("the service is not ready: an off-list candidate cannot be checked")
    found = decisions.assess(engine, stored, proposal.nip)
    check = decisions.Proposal(
        nip=proposal.nip,
        decision="SELECTED",
        reason=proposal.reason,
        override_basis=proposal.override_basis,
        warning_answers={w["rule_id"]: proposal.reason for w in found.warnings},
    )
    decisions._check_selection(found, check)
    return [f["rule_id"] for f in found.failed]


def consider(
    db: sa.Engine,
    engine: Engine | None,
    who: Principal,
    meeting_id: str,
    position_id: str,
    proposal: Consideration,
) -> dict[str, Any]:
    """Record the committee's consideration of one post (a new one replaces the last)."""
    reason = proposal.reason.strip()
    if len(reason) < decisions.MIN_ANSWER:
        raise InputError(
            f"reason: write the committee's consideration (at least {decisions.MIN_ANSWER} "
            "characters)"
        )
    with db.begin() as connection:
        meeting = _open(connection, who, meeting_id)
        item = _item(connection, meeting_id, position_id)
        if item.shortlist_id is None:
            raise ConflictError("attach this post's shortlist before considering it")
        stored = connection.execute(
            sa.select(shortlists).where(shortlists.c.shortlist_id == item.shortlist_id)
        ).one()
        decisions._check_declared(connection, who, item.shortlist_id, proposal.nip)
        voters = _voters(connection, meeting, item.shortlist_id, proposal.nip)
        if who.user_id not in {v["user_id"] for v in voters}:
            raise ForbiddenError("only a present member taking part records the consideration")
        ranked = [c["nip"] for c in json.loads(stored.response_json)["candidates"]]
        failed = [] if proposal.nip in ranked else _off_list(engine, stored, proposal)
        divergent = decisions.is_divergent(proposal.nip, ranked, {})
        justification = (proposal.justification or "").strip()
        if divergent and len(justification) < decisions.MIN_JUSTIFICATION:
            raise decisions.JustificationRequired(
                "justification: this recommendation departs from the ranker's order (off the "
                "list or below better-ranked candidates): write a justification of at least "
                f"{decisions.MIN_JUSTIFICATION} characters"
            )
        result = connection.execute(
            meeting_considerations.insert().values(
                item_id=item.item_id,
                nip=proposal.nip,
                rank=ranked.index(proposal.nip) + 1 if proposal.nip in ranked else None,
                reason=reason,
                justification=justification or None,
                divergent=divergent,
                override_basis=(proposal.override_basis or "").strip() or None if failed else None,
                failed_rules_json=json.dumps(failed) if failed else None,
                voters_json=json.dumps(voters, ensure_ascii=False),
                recorded_by=who.user_id,
                recorder_name=who.name or who.user_id,
                recorded_at=_now(),
            )
        )
        consideration_id = int(result.inserted_primary_key[0])
        audit.append(
            connection,
            who,
            "meeting.consider",
            meeting_id,
            {
                "consideration_id": consideration_id,
                "position_id": position_id,
                "nip": proposal.nip,
                "divergent": divergent,
                "failed_rules": failed,
                "voters": [v["user_id"] for v in voters],
            },
            covers=("meeting_considerations", consideration_id),
        )
        row = connection.execute(
            sa.select(meeting_considerations).where(
                meeting_considerations.c.consideration_id == consideration_id
            )
        ).one()
    return _consideration(row)


def close(db: sa.Engine, who: Principal, meeting_id: str) -> dict[str, Any]:
    """The chair closes the meeting; posts not considered stay deferred (*ditunda*)."""
    with db.begin() as connection:
        meeting = _open(connection, who, meeting_id)
        if who.user_id != meeting.opened_by:
            raise ForbiddenError("only the chair closes the meeting")
        items = _items(connection, meeting_id)
        considered = [i for i in items if _latest_consideration(connection, i.item_id)]
        connection.execute(
            meetings.update().where(meetings.c.meeting_id == meeting_id).values(closed_at=_now())
        )
        audit.append(
            connection,
            who,
            "meeting.close",
            meeting_id,
            {"considered": len(considered), "deferred": len(items) - len(considered)},
        )
        return _detail(connection, _meeting(connection, who, meeting_id, "meeting.read"))


# -- the minutes -----------------------------------------------------------------------------


def _employee_facts(engine: Engine | None, nips: set[str]) -> dict[str, dict[str, str]]:
    """Name and grade (pangkat/golongan) of the employees named, from the export in use."""
    if engine is None or not nips:
        return {}
    staff = engine.export.employees
    rows = staff.loc[staff["nip"].isin(sorted(nips)), ["nip", "name", "rank"]]
    return {str(r.nip): {"name": str(r.name), "grade": str(r.rank)} for r in rows.itertuples()}


def post_of(engine: Engine | None, position_id: str) -> dict[str, str]:
    """The post's title and unit name (the code alone when the export does not know it)."""
    if engine is None:
        return {"title": position_id, "unit": ""}
    try:
        position = engine.position(position_id)
    except NotFoundError:
        return {"title": position_id, "unit": ""}
    return {"title": str(position["title"]), "unit": str(position.get("unit_name") or "")}


def _candidates(body: dict[str, Any], facts: dict[str, dict[str, str]]) -> list[dict[str, Any]]:
    return [
        {
            "rank": c["rank"],
            "nip": c["nip"],
            "name": c["name"],
            "grade": facts.get(c["nip"], {}).get("grade", ""),
            "merit_band": c["merit_band"],
            "reasons": [*c["reasons"]["positive"], *c["reasons"]["negative"]],
            "warnings": [
                e["message"] or e["rule_id"]
                for e in c.get("eligibility", [])
                if not e["passed"] and e["severity"] != "hard"
            ],
        }
        for c in body["candidates"]
    ]


def minutes(
    db: sa.Engine, engine: Engine | None, who: Principal, meeting_id: str
) -> dict[str, Any]:
    """Everything the berita acara prints: the meeting, its roster and, per post, the post's
    name and unit, the shortlist, the declarations and the consideration."""
    with db.connect() as connection:
        row = _meeting(connection, who, meeting_id, "meeting.read")
        detail = _detail(connection, row)
        bodies = {
            item["shortlist_id"]: json.loads(
                connection.execute(
                    sa.select(shortlists.c.response_json).where(
                        shortlists.c.shortlist_id == item["shortlist_id"]
                    )
                ).scalar_one()
            )
            for item in detail["items"]
            if item["shortlist_id"]
        }
    nips = {c["nip"] for b in bodies.values() for c in b["candidates"]}
    nips |= {i["consideration"]["nip"] for i in detail["items"] if i["consideration"]}
    facts = _employee_facts(engine, nips)
    rules = rules_of(engine, row.agency_id) if engine is not None else MeetingRules()
    for item in detail["items"]:
        item.update(post_of(engine, item["position_id"]))
        body = bodies.get(item["shortlist_id"])
        item["shortlist"] = body and {
            key: body[key] for key in ("as_of", "eligible_count", "pool_size", "ruleset_version")
        } | {"model": body["model"]}
        item["candidates"] = _candidates(body, facts) if body else []
        chosen = item["consideration"]
        if chosen:
            chosen["name"] = facts.get(chosen["nip"], {}).get("name", "")
        item["names"] = {c["nip"]: c["name"] for c in item["candidates"]}
    return {**detail, "agency_name": rules.agency_name or row.agency_id}


def shortlists_for(db: sa.Engine, who: Principal, meeting_id: str) -> dict[str, list[dict]]:
    """The stored shortlists of each agenda post (the meeting's agency), newest first."""
    with db.connect() as connection:
        row = _meeting(connection, who, meeting_id, "meeting.read")
        posts = [item.position_id for item in _items(connection, meeting_id)]
        found: dict[str, list[dict]] = {post: [] for post in posts}
        for stored in connection.execute(
            sa.select(shortlists.c.shortlist_id, shortlists.c.position_id, shortlists.c.created_at)
            .where(shortlists.c.agency_id == row.agency_id, shortlists.c.position_id.in_(posts))
            .order_by(shortlists.c.created_at.desc())
        ):
            found[stored.position_id].append(
                {"shortlist_id": stored.shortlist_id, "created_at": _iso(stored.created_at)}
            )
    return found
