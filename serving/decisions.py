"""Committee decisions on stored shortlists: the one place a decision is checked and recorded.

The system recommends, the committee decides (PP 11/2017 Pasal 191; UU 27/2022 Pasal 10).
The page and the API both call :func:`record`, so they refuse the same decisions with the same
reasons. A decision is written in the request's own transaction, with its audit entry, before
the response: nothing acknowledged can be lost. A change is a new record; the current state of a
candidate is its latest record.

What a decision must pass, in order:

- the person deciding has declared, on this shortlist, no relation to the candidate and has not
  recused (PP 11/2017 Pasal 190(5));
- SELECTED names an active employee of the shortlist's agency (an unknown NIP and another
  agency's NIP get the same 404) who passes every hard rule on the shortlist's ``as_of``; a
  hard-rule failure goes only through an override (legal basis here, a PPK's approval later:
  until then the selection is pending, not standing); every soft-rule warning has a written
  answer;
- selecting off the list, or below better-ranked candidates not selected, is *divergent* and
  needs a written justification;
- at most one standing SELECTED per position (agency and position id), and one person is not
  standing SELECTED for two posts: a new one supersedes the old only with a reason (else 409).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import pandas as pd
import sqlalchemy as sa

from features.build import build_features
from features.candidates import prepare_candidates
from features.errors import (
    ConflictError,
    ForbiddenError,
    InputError,
    NotFoundError,
    NotReadyError,
)
from features.rules import evaluate_rules
from serving import audit, policy
from serving.auth import Principal
from serving.engine import Engine
from serving.tables import decisions, declarations, overrides, shortlists

DECISIONS: tuple[str, ...] = ("SHORTLISTED", "SELECTED", "REJECTED", "NEEDS_INFO")
DECLARATIONS: tuple[str, ...] = ("none", "relation", "recused")
MIN_JUSTIFICATION = 20
"""Characters a divergence justification needs at least."""
MIN_ANSWER = 10
"""Characters a written answer (to a warning, a legal basis, a supersession) needs at least."""
NO_EMPLOYEE = "no employee with that NIP in this shortlist's pool"
"""The one answer for an unknown NIP and another agency's NIP (neither is told apart)."""


class JustificationRequired(InputError):
    """Selecting off-list without a written justification (422)."""


@dataclass(frozen=True)
class Proposal:
    """A decision as asked for, by the page or the API."""

    nip: str
    decision: str
    reason: str
    justification: str | None = None
    warning_answers: Mapping[str, str] = field(default_factory=dict)
    supersedes_reason: str | None = None
    override_basis: str | None = None
    minister_letter_number: str | None = None
    minister_letter_date: date | None = None


@dataclass(frozen=True)
class Assessment:
    """One employee against the shortlist's position on its date."""

    unit_id: str
    status: str
    failed: list[dict[str, str]]
    """Hard rules failed: ``rule_id`` and ``citation``."""
    warnings: list[dict[str, str]]
    """Soft rules that warn, in the same shape."""


def person(who: Principal) -> tuple[str, str]:
    """``(id, name)`` of the person signed in; a legacy key stands for itself."""
    return who.user_id or f"key:{who.key_id}", who.name or who.key_id


# -- reading ---------------------------------------------------------------------------------


def _stored(connection: sa.Connection, who: Principal, shortlist_id: str, action: str) -> Any:
    """The stored shortlist, if the policy lets ``who`` do ``action`` on it (else 403 or the
    one 404 of a missing shortlist)."""
    row = connection.execute(
        sa.select(shortlists).where(shortlists.c.shortlist_id == shortlist_id)
    ).one_or_none()
    policy.authorize(who, action, row and row.agency_id, (), "shortlist")
    return row


def _with_override() -> sa.Select:
    return sa.select(
        decisions,
        overrides.c.override_id,
        overrides.c.legal_basis,
        overrides.c.approved_at,
        overrides.c.approver_name,
    ).outerjoin(overrides, overrides.c.decision_id == decisions.c.decision_id)


def _records(connection: sa.Connection, shortlist_id: str) -> list[dict[str, Any]]:
    rows = connection.execute(
        _with_override()
        .where(decisions.c.shortlist_id == shortlist_id)
        .order_by(decisions.c.decision_id)
    )
    return [_record(row) for row in rows]


def _record(row: Any) -> dict[str, Any]:
    letter = row.minister_letter_date
    return {
        "decision_id": row.decision_id,
        "nip": row.nip,
        "decision": row.decision,
        "reason": row.reason,
        "justification": row.justification,
        "divergent": bool(row.divergent),
        "reviewer": row.reviewer,
        "user_id": row.user_id,
        "decided_at": _iso(row.decided_at),
        "rank": row.rank,
        "warning_answers": json.loads(row.warning_answers_json or "{}"),
        "supersedes": json.loads(row.supersedes_json or "[]"),
        "supersedes_reason": row.supersedes_reason,
        "freeze": bool(row.freeze),
        "minister_letter_number": row.minister_letter_number,
        "minister_letter_date": letter.isoformat() if letter else None,
        "override": _override(row),
    }


def _override(row: Any) -> dict[str, Any] | None:
    if row.override_id is None:
        return None
    return {
        "override_id": row.override_id,
        "legal_basis": row.legal_basis,
        "approved": row.approved_at is not None,
        "approver_name": row.approver_name,
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


# -- the candidate against the rules ---------------------------------------------------------


def shortlist_position(engine: Engine, stored: Any) -> dict[str, Any]:
    """The position a stored shortlist was made for (from the export, or inline)."""
    request = json.loads(stored.request_json)
    if request.get("position_id"):
        return engine.position(str(request["position_id"]))
    return dict(request["position"])


def assess(engine: Engine, stored: Any, nip: str) -> Assessment:
    """The employee ``nip`` against the shortlist's position on the shortlist's ``as_of``.

    The same feature and rule code as the engine's shortlists; NotFoundError (one text) for an
    unknown NIP and for an employee of another agency than the shortlist's.
    """
    employees = engine.export.employees
    match = employees.loc[employees["nip"] == nip]
    if match.empty or str(match["agency_id"].iat[0]) != stored.agency_id:
        raise NotFoundError(NO_EMPLOYEE)
    status, unit = str(match["status"].iat[0]), str(match["unit_id"].iat[0])
    if status != "ACTIVE":
        return Assessment(unit, status, [], [])
    when = pd.Timestamp(stored.as_of)
    position = shortlist_position(engine, stored)
    pool = prepare_candidates(engine.export, when, nips=[nip])
    features = build_features(pool, position, when, engine.ruleset.feature_config())
    rules = engine.policies.for_agency(stored.agency_id).ruleset  # the shortlist's own rules
    verdict = evaluate_rules(pool, position, features, when, rules, engine.export.election_calendar)
    failing = [r.rule for r in verdict.results.values() if r.applies and not r.passed[0]]
    return Assessment(
        unit,
        status,
        [{"rule_id": r.id, "citation": r.citation} for r in failing if r.severity == "hard"],
        [{"rule_id": r.id, "citation": r.citation} for r in failing if r.severity != "hard"],
    )


def _listing(rules: list[dict[str, str]]) -> str:
    """Rule ids and citations only: a refusal does not echo a person's data back."""
    return "; ".join(f"{r['rule_id']} ({r['citation']})" for r in rules)


def _check_selection(assessment: Assessment, proposal: Proposal) -> dict[str, str]:
    """Refuse an inactive person, a hard-rule failure without an override's legal basis, and
    unanswered warnings; return the answers kept (one per warning)."""
    if assessment.status != "ACTIVE":
        raise InputError(
            f"the employee is not active (status {assessment.status}): only an active "
            "employee may be SELECTED"
        )
    if assessment.failed and len((proposal.override_basis or "").strip()) < MIN_ANSWER:
        raise InputError(
            "the employee fails hard rule(s) "
            + _listing(assessment.failed)
            + ". An exception needs an override: its legal basis (override_basis) and a PPK's "
            "approval"
        )
    answers = {
        w["rule_id"]: (proposal.warning_answers.get(w["rule_id"]) or "").strip()
        for w in assessment.warnings
    }
    missing = [w for w in assessment.warnings if len(answers[w["rule_id"]]) < MIN_ANSWER]
    if missing:
        raise InputError(
            f"answer each warning in writing (warning_answers, at least {MIN_ANSWER} "
            "characters each): " + _listing(missing)
        )
    return answers


# -- declarations ----------------------------------------------------------------------------


def _declaration(connection: sa.Connection, shortlist_id: str, person_id: str) -> Any:
    return connection.execute(
        sa.select(declarations)
        .where(declarations.c.shortlist_id == shortlist_id, declarations.c.user_id == person_id)
        .order_by(declarations.c.declaration_id.desc())
        .limit(1)
    ).one_or_none()


def _check_declared(connection: sa.Connection, who: Principal, shortlist_id: str, nip: str) -> None:
    """Refuse a person who has not declared on this list, has recused, or is related to ``nip``."""
    declared = _declaration(connection, shortlist_id, person(who)[0])
    if declared is None:
        raise InputError(
            "declare any relation to this shortlist's candidates (or recuse) before deciding "
            "(PP 11/2017 Pasal 190(5))"
        )
    if declared.kind == "recused":
        raise ForbiddenError("you recused yourself from this shortlist: you may not decide on it")
    if nip in json.loads(declared.related_nips_json):
        raise ForbiddenError(
            "you declared a relation to this candidate: you may not decide on them "
            "(PP 11/2017 Pasal 190(5))"
        )


def declare(
    db: sa.Engine,
    who: Principal,
    shortlist_id: str,
    kind: str,
    related_nips: list[str],
    statement: str | None,
) -> dict[str, Any]:
    """Record a member's declaration on a shortlist (the latest one counts), with its audit."""
    policy.allowed(who, "decision.declare")
    if kind not in DECLARATIONS:
        raise InputError(f"kind must be one of {', '.join(DECLARATIONS)}")
    nips = sorted(set(related_nips))
    if (kind == "relation") != bool(nips):
        raise InputError("a 'relation' declaration names the related NIPs; the others name none")
    person_id, name = person(who)
    with db.begin() as connection:
        _stored(connection, who, shortlist_id, "decision.declare")
        result = connection.execute(
            declarations.insert().values(
                shortlist_id=shortlist_id,
                user_id=person_id,
                name=name,
                kind=kind,
                related_nips_json=json.dumps(nips),
                statement=(statement or "").strip() or None,
                declared_at=datetime.now(UTC),
            )
        )
        declaration_id = result.inserted_primary_key[0]
        audit.append(
            connection,
            who,
            "declaration.record",
            shortlist_id,
            {"declaration_id": declaration_id, "user_id": person_id, "kind": kind, "nips": nips},
        )
        row = connection.execute(
            sa.select(declarations).where(declarations.c.declaration_id == declaration_id)
        ).one()
    return _declared(row)


def _declared(row: Any) -> dict[str, Any]:
    return {
        "declaration_id": row.declaration_id,
        "user_id": row.user_id,
        "name": row.name,
        "kind": row.kind,
        "related_nips": json.loads(row.related_nips_json),
        "statement": row.statement,
        "declared_at": _iso(row.declared_at),
    }


def declarations_of(db: sa.Engine, who: Principal, shortlist_id: str) -> list[dict[str, Any]]:
    """Every declaration on a shortlist, oldest first."""
    with db.connect() as connection:
        _stored(connection, who, shortlist_id, "decision.read")
        rows = connection.execute(
            sa.select(declarations)
            .where(declarations.c.shortlist_id == shortlist_id)
            .order_by(declarations.c.declaration_id)
        )
        return [_declared(row) for row in rows]


def has_declared(db: sa.Engine, who: Principal, shortlist_id: str) -> dict[str, Any] | None:
    """The caller's latest declaration on the shortlist, None when there is none."""
    with db.connect() as connection:
        row = _declaration(connection, shortlist_id, person(who)[0])
    return None if row is None else _declared(row)


# -- standing selections ---------------------------------------------------------------------


def _standing(
    connection: sa.Connection, position_id: str, agency_id: str, nip: str
) -> list[dict[str, Any]]:
    """Standing SELECTED decisions of this position (agency and id) or of this person.

    Standing: the latest record of its (shortlist, candidate), SELECTED, not awaiting an
    override's approval, and not superseded by a later selection that is not awaiting one.
    """
    query = (
        _with_override()
        .add_columns(shortlists.c.position_id, shortlists.c.agency_id)
        .join(shortlists, shortlists.c.shortlist_id == decisions.c.shortlist_id)
        .where(
            sa.or_(
                sa.and_(
                    shortlists.c.position_id == position_id, shortlists.c.agency_id == agency_id
                ),
                decisions.c.nip == nip,
            )
        )
        .order_by(decisions.c.decision_id)
    )
    latest: dict[tuple[str, str], Any] = {}
    superseded: set[int] = set()
    for row in connection.execute(query):
        latest[(row.shortlist_id, row.nip)] = row
        if not _pending(row):
            superseded.update(json.loads(row.supersedes_json or "[]"))
    return [
        {
            "decision_id": row.decision_id,
            "nip": row.nip,
            "position_id": row.position_id,
            "agency_id": row.agency_id,
            "decided_at": row.decided_at,
        }
        for row in latest.values()
        if row.decision == "SELECTED" and not _pending(row) and row.decision_id not in superseded
    ]


def standing(connection: sa.Connection, agency_id: str, position_id: str) -> list[dict[str, Any]]:
    """The standing SELECTED of one post (at most one), with ``decided_at``: its final decision."""
    found = _standing(connection, position_id, agency_id, "")
    return [s for s in found if s["position_id"] == position_id and s["agency_id"] == agency_id]


def _pending(row: Any) -> bool:
    """A selection whose override awaits the PPK: it neither stands nor supersedes yet."""
    return row.override_id is not None and row.approved_at is None


def _serialize(connection: sa.Connection) -> None:
    """Selections one at a time, so two cannot both find the post free: the transaction takes
    the write lock before it reads (PostgreSQL: a table lock; SQLite: an empty update, which
    starts the write transaction)."""
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text("LOCK TABLE decisions IN SHARE ROW EXCLUSIVE MODE"))
    else:
        connection.execute(
            decisions.update().where(sa.false()).values(decision=decisions.c.decision)
        )


def _conflicts(
    connection: sa.Connection, position_id: str, agency_id: str, nip: str
) -> list[dict[str, Any]]:
    """Standing selections a new SELECTED of ``nip`` for this position would clash with."""
    same_post = (position_id, agency_id)
    return [
        s
        for s in _standing(connection, position_id, agency_id, nip)
        if (s["nip"] == nip) != ((s["position_id"], s["agency_id"]) == same_post)
    ]


def _resolve(conflicts: list[dict[str, Any]], reason: str | None) -> list[int]:
    """The decision ids a new selection supersedes, or ConflictError without a reason."""
    if conflicts and len((reason or "").strip()) < MIN_ANSWER:
        what = ", ".join(str(c["decision_id"]) for c in conflicts)
        raise ConflictError(
            "a standing selection already exists for this position, or selects this person "
            f"for another post (decision {what}): supersede it with a written "
            "supersedes_reason, or withdraw it first"
        )
    return sorted(c["decision_id"] for c in conflicts)


# -- recording -------------------------------------------------------------------------------


def record(
    db: sa.Engine,
    engine: Engine | None,
    who: Principal,
    shortlist_id: str,
    proposal: Proposal,
) -> dict[str, Any]:
    """Check and record one decision (the page's and the API's one path); return the record."""
    policy.allowed(who, "decision.record")
    if proposal.decision not in DECISIONS:
        raise InputError(f"decision must be one of {', '.join(DECISIONS)}")
    selected = proposal.decision == "SELECTED"
    with db.begin() as connection:
        if selected:
            _serialize(connection)
        stored = _stored(connection, who, shortlist_id, "decision.record")
        body = json.loads(stored.response_json)
        ranked = [c["nip"] for c in body["candidates"]]
        if proposal.nip not in ranked and not selected:
            raise InputError(
                "that NIP is not a candidate of this shortlist "
                "(only a SELECTED decision may name someone off the list)"
            )
        _check_declared(connection, who, shortlist_id, proposal.nip)
        assessment = _assess_selected(engine, stored, proposal) if selected else None
        answers = _check_selection(assessment, proposal) if assessment else {}
        state = current_state(_records(connection, shortlist_id))
        divergent = selected and is_divergent(proposal.nip, ranked, state)
        text = (proposal.justification or "").strip()
        if divergent and len(text) < MIN_JUSTIFICATION:
            raise JustificationRequired(
                "this selection departs from the recommendation (the candidate is off the list "
                "or ranked below candidates not selected): write a justification of at least "
                f"{MIN_JUSTIFICATION} characters"
            )
        supersedes = (
            _resolve(
                _conflicts(connection, stored.position_id, stored.agency_id, proposal.nip),
                proposal.supersedes_reason,
            )
            if selected
            else []
        )
        decision_id = _insert(
            connection,
            who,
            stored,
            proposal,
            text,
            divergent,
            ranked,
            assessment,
            answers,
            supersedes,
        )
        if assessment and assessment.failed:
            _request_override(connection, who, decision_id, proposal, assessment)
        row = connection.execute(
            _with_override().where(decisions.c.decision_id == decision_id)
        ).one()
    return _record(row)


def _assess_selected(engine: Engine | None, stored: Any, proposal: Proposal) -> Assessment:
    if engine is None:
        raise NotReadyError("the service is not ready: a selection cannot be checked yet")
    return assess(engine, stored, proposal.nip)


def _insert(
    connection: sa.Connection,
    who: Principal,
    stored: Any,
    proposal: Proposal,
    justification: str,
    divergent: bool,
    ranked: list[str],
    assessment: Assessment | None,
    answers: dict[str, str],
    supersedes: list[int],
) -> int:
    person_id, name = person(who)
    frozen = bool(json.loads(stored.response_json)["excluded"].get("vacancy_flags"))
    result = connection.execute(
        decisions.insert().values(
            shortlist_id=stored.shortlist_id,
            nip=proposal.nip,
            decision=proposal.decision,
            reason=proposal.reason.strip(),
            justification=justification or None,
            divergent=divergent,
            reviewer=name,
            user_id=person_id,
            key_id=who.key_id,
            decided_at=datetime.now(UTC),
            rank=ranked.index(proposal.nip) + 1 if proposal.nip in ranked else None,
            origin_unit=assessment.unit_id if assessment else None,
            warning_answers_json=json.dumps(answers, ensure_ascii=False) if answers else None,
            supersedes_json=json.dumps(supersedes) if supersedes else None,
            supersedes_reason=(proposal.supersedes_reason or "").strip() or None
            if supersedes
            else None,
            freeze=frozen if proposal.decision == "SELECTED" else None,
            minister_letter_number=(proposal.minister_letter_number or "").strip() or None,
            minister_letter_date=proposal.minister_letter_date,
        )
    )
    decision_id = int(result.inserted_primary_key[0])
    audit.append(
        connection,
        who,
        "decision.record",
        stored.shortlist_id,
        {
            "decision_id": decision_id,
            "nip": proposal.nip,
            "decision": proposal.decision,
            "divergent": divergent,
            "user_id": person_id,
            "supersedes": supersedes,
            "warnings_answered": sorted(answers),
        },
    )
    return decision_id


def _request_override(
    connection: sa.Connection,
    who: Principal,
    decision_id: int,
    proposal: Proposal,
    assessment: Assessment,
) -> None:
    rules = [f["rule_id"] for f in assessment.failed]
    result = connection.execute(
        overrides.insert().values(
            decision_id=decision_id,
            legal_basis=(proposal.override_basis or "").strip(),
            rules_json=json.dumps(rules),
            requested_by=person(who)[0],
            requested_at=datetime.now(UTC),
        )
    )
    audit.append(
        connection,
        who,
        "override.request",
        str(decision_id),
        {"override_id": result.inserted_primary_key[0], "rules": rules},
    )


def approve_override(
    db: sa.Engine, who: Principal, override_id: int, shortlist_id: str | None = None
) -> dict[str, Any]:
    """A PPK, not the person who asked, approves an exception; the selection then stands.

    The PPK declares on the shortlist first, like every member who decides. Another agency's
    override, or one of another shortlist than ``shortlist_id`` (when given, as on the page),
    answers exactly like a missing one.
    """
    policy.allowed(who, "decision.approve")
    with db.begin() as connection:
        decision_id = approve_override_in(connection, who, override_id, shortlist_id)
        decision = connection.execute(
            _with_override().where(decisions.c.decision_id == decision_id)
        ).one()
    return _record(decision)


def approve_override_in(
    connection: sa.Connection, who: Principal, override_id: int, shortlist_id: str | None = None
) -> int:
    """:func:`approve_override` inside the caller's transaction (the PPK's approval of a
    recommendation approves its exception with it); return the decision id."""
    policy.allowed(who, "decision.approve")
    _serialize(connection)
    row = connection.execute(
        sa.select(overrides, decisions.c.nip, decisions.c.supersedes_json, shortlists)
        .join(decisions, decisions.c.decision_id == overrides.c.decision_id)
        .join(shortlists, shortlists.c.shortlist_id == decisions.c.shortlist_id)
        .where(overrides.c.override_id == override_id)
    ).one_or_none()
    if row is not None and shortlist_id not in (None, row.shortlist_id):
        row = None
    policy.authorize(who, "decision.approve", row and row.agency_id, (), "override")
    if row.approved_at is not None:
        raise ConflictError("this override is already approved")
    approver, name = person(who)
    if approver == row.requested_by:
        raise ForbiddenError("the second approver must be another person than the requester")
    _check_declared(connection, who, row.shortlist_id, row.nip)
    already = set(json.loads(row.supersedes_json or "[]"))
    clashes = [
        c
        for c in _conflicts(connection, row.position_id, row.agency_id, row.nip)
        if c["decision_id"] not in already
    ]
    if clashes:
        raise ConflictError(
            "another selection now stands for this position or this person: "
            "record a superseding decision instead"
        )
    connection.execute(
        overrides.update()
        .where(overrides.c.override_id == override_id)
        .values(approved_by=approver, approver_name=name, approved_at=datetime.now(UTC))
    )
    audit.append(
        connection,
        who,
        "override.approve",
        str(row.decision_id),
        {"override_id": override_id, "approved_by": approver},
    )
    return int(row.decision_id)


def history(db: sa.Engine, who: Principal, shortlist_id: str) -> dict[str, Any]:
    """Every decision on a shortlist, oldest first, and the current state per candidate."""
    with db.connect() as connection:
        _stored(connection, who, shortlist_id, "decision.read")
        records = _records(connection, shortlist_id)
    return {"shortlist_id": shortlist_id, "decisions": records, "current": current_state(records)}


def divergence_report(
    db: sa.Engine, who: Principal, agency_id: str | None, start: date | None, end: date | None
) -> dict[str, Any]:
    """How often and why committees chose off the recommendation, by agency and month (the
    agencies the policy lets ``who`` read)."""
    agency_id = policy.report_agency(who, "report.read", agency_id)
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
