"""The selection service: every change of a JPT selection is checked and recorded here.

The page and the API both call these functions. Each write happens in one transaction with its
audit entry. The policy (``serving.policy``) decides who may act; a selection of another agency
answers exactly as a missing one.

What the checks hold to:

- the panel are users with the ``panel`` role of the selection's agency, one of them the chair
  (PermenPANRB 15/2019: the PPK forms the panitia seleksi);
- a panel member declares any relation to the candidates (or recuses) before entering a result,
  and never scores a candidate they declared a relation to;
- a stage takes results only from candidates who passed every announced stage before it, and
  only until it is announced; a result after the stage's deadline is kept and marked late;
- an announcement needs a result for every candidate still in the running, and lists who
  passes (the pass mark of the stage), never a score;
- three names per post come from the panel's final ranking, each with its reason, and a
  written reason when the model's order differs; the PPK chooses one (a name after the first
  needs a note) or returns the list with a note.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from features.errors import ConflictError, ForbiddenError, InputError, NotFoundError
from serving import audit, policy
from serving.auth import Principal
from serving.selections import rules
from serving.tables import (
    selection_announcements,
    selection_candidates,
    selection_choices,
    selection_declarations,
    selection_panel,
    selection_posts,
    selection_proposals,
    selection_results,
    selections,
    users,
)

KINDS: tuple[str, ...] = ("open", "jobfit")
DECLARATIONS: tuple[str, ...] = ("none", "relation", "recused")
JPT_TYPES: tuple[str, ...] = ("JPT_PRATAMA", "JPT_MADYA", "JPT_UTAMA")
NAMES = 3
"""Names the panel proposes per post (PermenPANRB 15/2019)."""
MIN_REASON = 10
MIN_JUSTIFICATION = 20
NO_SELECTION = "no such selection"
NO_CANDIDATE = "no such candidate in this selection"


@dataclass(frozen=True)
class Opening:
    """A selection as asked for: kind, title, posts, panel, and optional stage deadlines."""

    kind: str
    title: str
    position_ids: Sequence[str]
    panel_user_ids: Sequence[str]
    chair_user_id: str
    deadlines: Mapping[str, date] | None = None


def person(who: Principal) -> tuple[str, str]:
    """``(id, name)`` of the person signed in; a legacy key stands for itself."""
    return who.user_id or f"key:{who.key_id}", who.name or who.key_id


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()


# -- reading ---------------------------------------------------------------------------------


def stored(connection: sa.Connection, who: Principal, selection_id: str, action: str) -> Any:
    """The selection row if the policy lets ``who`` do ``action`` on it (else 403, or the one
    404 of a missing selection)."""
    row = connection.execute(
        sa.select(selections).where(selections.c.selection_id == selection_id)
    ).one_or_none()
    policy.authorize(who, action, row and row.agency_id, (), "selection")
    return row


def load(db: sa.Engine, who: Principal, selection_id: str) -> dict[str, Any]:
    """The whole selection as recorded: posts, panel, candidates, declarations, results,
    announcements, proposals and choices."""
    with db.connect() as connection:
        row = stored(connection, who, selection_id, "selection.read")
        return _whole(connection, row)


def listing(db: sa.Engine, who: Principal) -> list[dict[str, Any]]:
    """The selections ``who`` reaches, newest first (id, kind, title, status, dates)."""
    policy.allowed(who, "selection.read")
    reach = policy.scope(who, "selection.read")
    query = sa.select(selections).order_by(selections.c.opened_at.desc())
    if reach is not None:
        query = query.where(selections.c.agency_id.in_(sorted(reach)))
    with db.connect() as connection:
        rows = list(connection.execute(query))
        return [{k: v for k, v in _whole(connection, row).items() if k in _SUMMARY} for row in rows]


_SUMMARY = ("selection_id", "agency_id", "kind", "title", "status", "as_of", "opened_at",
            "closed_at")  # fmt: skip


def _head(row: Any) -> dict[str, Any]:
    return {
        "selection_id": row.selection_id,
        "agency_id": row.agency_id,
        "kind": row.kind,
        "title": row.title,
        "status": row.status,
        "as_of": row.as_of.isoformat(),
        "opened_by": row.opened_by,
        "opened_at": _iso(row.opened_at),
        "closed_at": _iso(row.closed_at),
        "stages": json.loads(row.stages_json),
        "policy": json.loads(row.policy_json),
    }


def _rows(connection: sa.Connection, table: sa.Table, selection_id: str) -> list[Any]:
    (key,) = table.primary_key.columns
    return list(
        connection.execute(
            sa.select(table).where(table.c.selection_id == selection_id).order_by(key)
        )
    )


def load_row(connection: sa.Connection, row: Any) -> dict[str, Any]:
    """The whole selection of a ``selections`` row (no policy check: the caller made it)."""
    return _whole(connection, row)


def _whole(connection: sa.Connection, row: Any) -> dict[str, Any]:
    sid = row.selection_id
    whole = _head(row)
    whole["posts"] = [
        {"position_id": r.position_id, "title": r.title, "level": r.level}
        for r in _rows(connection, selection_posts, sid)
    ]
    whole["panel"] = [
        {"user_id": r.user_id, "name": r.name, "chair": bool(r.chair)}
        for r in _rows(connection, selection_panel, sid)
    ]
    whole["candidates"] = [
        {"nip": r.nip, "position_id": r.position_id, "registered_at": _iso(r.registered_at)}
        for r in _rows(connection, selection_candidates, sid)
    ]
    whole["declarations"] = [_declared(r) for r in _rows(connection, selection_declarations, sid)]
    whole["results"] = [_result(r) for r in _rows(connection, selection_results, sid)]
    whole["announcements"] = [
        {
            "stage": r.stage,
            "passing": json.loads(r.passing_json),
            "announced_by": r.announced_by,
            "announced_at": _iso(r.announced_at),
        }
        for r in _rows(connection, selection_announcements, sid)
    ]
    whole["proposals"] = [_proposal(r) for r in _rows(connection, selection_proposals, sid)]
    whole["choices"] = [_choice(r) for r in _rows(connection, selection_choices, sid)]
    whole["status"] = _status_after(whole)
    if whole["status"] == "chosen":
        whole["closed_at"] = max(c["decided_at"] for c in whole["choices"])
    return whole


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


def _result(row: Any) -> dict[str, Any]:
    return {
        "result_id": row.result_id,
        "nip": row.nip,
        "stage": row.stage,
        "score": row.score,
        "note": row.note,
        "entered_by": row.entered_by,
        "entered_name": row.entered_name,
        "entered_at": _iso(row.entered_at),
        "late": bool(row.late),
    }


def _proposal(row: Any) -> dict[str, Any]:
    return {
        "proposal_id": row.proposal_id,
        "position_id": row.position_id,
        "names": json.loads(row.names_json),
        "model_order": json.loads(row.model_order_json),
        "divergence_reason": row.divergence_reason,
        "proposed_by": row.proposed_by,
        "proposed_at": _iso(row.proposed_at),
    }


def _choice(row: Any) -> dict[str, Any]:
    return {
        "choice_id": row.choice_id,
        "proposal_id": row.proposal_id,
        "outcome": row.outcome,
        "nip": row.nip,
        "place": row.place,
        "note": row.note,
        "decided_by": row.decided_by,
        "decider_name": row.decider_name,
        "decided_at": _iso(row.decided_at),
    }


# -- opening ---------------------------------------------------------------------------------


def open_selection(
    db: sa.Engine,
    who: Principal,
    opening: Opening,
    positions: Mapping[str, Mapping[str, Any]],
    as_of: date,
    policy_dir: Path | None,
) -> dict[str, Any]:
    """Open a selection for the agency's JPT posts with its panel; record the stages as the
    agency's policy gives them now.

    ``positions`` maps each asked position id to its contract row (the caller reads them from
    the export); a post of another agency answers like a missing one.
    """
    policy.allowed(who, "selection.manage")
    agency = who.agency_id
    if agency is None:
        raise InputError("a selection belongs to an agency: sign in as a user of one")
    _check_opening(opening)
    posts = [_jpt_post(positions.get(pid), pid, agency) for pid in opening.position_ids]
    stage_rules, source = rules.for_agency(policy_dir, agency)
    stages = _stages(stage_rules, _now().date(), opening.deadlines or {})
    selection_id = str(uuid.uuid4())
    pid, _name = person(who)
    with db.begin() as connection:
        panel = _panel_users(connection, opening, agency)
        connection.execute(
            selections.insert().values(
                selection_id=selection_id,
                agency_id=agency,
                kind=opening.kind,
                title=opening.title.strip(),
                status="open",
                as_of=as_of,
                stages_json=json.dumps(stages),
                policy_json=json.dumps(
                    {"id": source, "version": stage_rules.version, "sha256": stage_rules.digest()}
                ),
                opened_by=pid,
                opened_at=_now(),
            )
        )
        for post in posts:
            connection.execute(selection_posts.insert().values(selection_id=selection_id, **post))
        for user in panel:
            connection.execute(
                selection_panel.insert().values(
                    selection_id=selection_id,
                    user_id=user.user_id,
                    name=user.name,
                    chair=user.user_id == opening.chair_user_id,
                    added_by=pid,
                    added_at=_now(),
                )
            )
        audit.append(
            connection,
            who,
            "selection.open",
            selection_id,
            {
                "kind": opening.kind,
                "posts": [p["position_id"] for p in posts],
                "panel": [u.user_id for u in panel],
                "chair": opening.chair_user_id,
                "policy": source,
                "version": stage_rules.version,
            },
            covers=("selections", selection_id),
        )
        row = stored(connection, who, selection_id, "selection.read")
        return _whole(connection, row)


def _check_opening(opening: Opening) -> None:
    if opening.kind not in KINDS:
        raise InputError(f"kind must be one of {', '.join(KINDS)}")
    if len(opening.title.strip()) < 5:
        raise InputError("title: name the selection (at least 5 characters)")
    if not opening.position_ids or len(set(opening.position_ids)) != len(opening.position_ids):
        raise InputError("position_ids: one or more JPT posts, each once")
    members = list(opening.panel_user_ids)
    if len(members) < 3 or len(members) % 2 == 0 or len(set(members)) != len(members):
        raise InputError(
            "panel_user_ids: an odd number of panel members, at least 3, each once "
            "(PermenPANRB 15/2019)"
        )
    if opening.chair_user_id not in members:
        raise InputError("chair_user_id: the chair is one of the panel members")
    unknown = sorted(set(opening.deadlines or {}) - set(rules.STAGE_IDS))
    if unknown:
        raise InputError(f"deadlines: unknown stage(s) {', '.join(unknown)}")


def _jpt_post(position: Mapping[str, Any] | None, position_id: str, agency: str) -> dict[str, Any]:
    if position is None or str(position.get("agency_id")) != agency:
        raise NotFoundError(policy.MISSING["position"])
    level = str(position.get("position_type"))
    if level not in JPT_TYPES:
        raise InputError(
            f"position {position_id}: a selection fills JPT posts only (this one is {level})"
        )
    title = str(position.get("title") or position.get("position_name") or position_id)
    return {"position_id": position_id, "title": title[:200], "level": level}


def _panel_users(connection: sa.Connection, opening: Opening, agency: str) -> list[Any]:
    found = {
        row.user_id: row
        for row in connection.execute(
            sa.select(users).where(users.c.user_id.in_(list(opening.panel_user_ids)))
        )
    }
    wrong = [
        uid
        for uid in opening.panel_user_ids
        if uid not in found
        or found[uid].role != "panel"
        or found[uid].agency_id != agency
        or not found[uid].active
    ]
    if wrong:
        raise InputError(
            "panel_user_ids: not an active user with the panel role of this agency: "
            + ", ".join(wrong)
        )
    return [found[uid] for uid in opening.panel_user_ids]


def _stages(
    stage_rules: rules.SelectionRules, opened: date, deadlines: Mapping[str, date]
) -> list[dict[str, Any]]:
    """The stages as recorded: weight, pass mark and deadline (default: ``days_per_stage``
    per stage from the opening day)."""
    out = []
    for index, stage in enumerate(stage_rules.stages):
        default = opened + timedelta(days=stage_rules.days_per_stage * (index + 1))
        due = deadlines.get(stage.id, default)
        out.append(
            {
                "id": stage.id,
                "weight": stage.weight,
                "pass_mark": stage.pass_mark,
                "deadline": due.isoformat(),
            }
        )
    return out


# -- candidates and declarations ------------------------------------------------------------


def register(
    db: sa.Engine,
    who: Principal,
    selection_id: str,
    nip: str,
    position_id: str,
    employee: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """Register an active civil servant as a candidate for one post of the selection.

    An open selection is open to every agency's civil servants; a job-fit selection takes only
    the agency's own JPT holders. ``employee`` is the export's row of ``nip`` (None: none).
    """
    policy.allowed(who, "selection.manage")
    with db.begin() as connection:
        row = stored(connection, who, selection_id, "selection.manage")
        _still_open(connection, row)
        if position_id not in {
            p.position_id for p in _rows(connection, selection_posts, row.selection_id)
        }:
            raise InputError(f"position_id: {position_id} is not a post of this selection")
        _eligible_entrant(row, employee)
        if any(c.nip == nip for c in _rows(connection, selection_candidates, selection_id)):
            raise ConflictError("this candidate is already registered in this selection")
        if connection.execute(
            sa.select(selection_results.c.result_id).where(
                selection_results.c.selection_id == selection_id
            )
        ).first():
            raise ConflictError("results are being entered: registration is closed")
        pid, _ = person(who)
        result = connection.execute(
            selection_candidates.insert().values(
                selection_id=selection_id,
                nip=nip,
                position_id=position_id,
                registered_by=pid,
                registered_at=_now(),
            )
        )
        cid = result.inserted_primary_key[0]
        audit.append(
            connection,
            who,
            "selection.register",
            selection_id,
            {"candidate_id": cid, "position_id": position_id},
            covers=("selection_candidates", cid),
        )
        return _whole(connection, row)


def _eligible_entrant(row: Any, employee: Mapping[str, Any] | None) -> None:
    if employee is None or str(employee.get("status")) != "ACTIVE":
        raise NotFoundError(policy.MISSING["candidate"])
    if row.kind == "jobfit":
        if str(employee.get("agency_id")) != row.agency_id:
            raise NotFoundError(policy.MISSING["candidate"])
        if str(employee.get("position_type")) not in JPT_TYPES:
            raise InputError("a job-fit selection assesses the agency's JPT holders only")


def _still_open(connection: sa.Connection, row: Any) -> None:
    if _status_after(_whole(connection, row)) == "chosen":
        raise ConflictError("this selection is closed: the PPK has chosen")


def _member(connection: sa.Connection, row: Any, who: Principal) -> Any:
    pid, _ = person(who)
    member = connection.execute(
        sa.select(selection_panel).where(
            selection_panel.c.selection_id == row.selection_id, selection_panel.c.user_id == pid
        )
    ).one_or_none()
    if member is None:
        raise ForbiddenError("you are not on this selection's panel")
    return member


def declare(
    db: sa.Engine,
    who: Principal,
    selection_id: str,
    kind: str,
    related_nips: Sequence[str],
    statement: str | None,
) -> dict[str, Any]:
    """Record a panel member's declaration on the selection (the latest one counts)."""
    policy.allowed(who, "selection.score")
    if kind not in DECLARATIONS:
        raise InputError(f"kind must be one of {', '.join(DECLARATIONS)}")
    nips = sorted(set(related_nips))
    if (kind == "relation") != bool(nips):
        raise InputError("a 'relation' declaration names the related NIPs; the others name none")
    with db.begin() as connection:
        row = stored(connection, who, selection_id, "selection.score")
        _member(connection, row, who)
        pid, name = person(who)
        result = connection.execute(
            selection_declarations.insert().values(
                selection_id=selection_id,
                user_id=pid,
                name=name,
                kind=kind,
                related_nips_json=json.dumps(nips),
                statement=(statement or "").strip() or None,
                declared_at=_now(),
            )
        )
        did = result.inserted_primary_key[0]
        audit.append(
            connection,
            who,
            "selection.declare",
            selection_id,
            {"declaration_id": did, "kind": kind, "nips": nips},
            covers=("selection_declarations", did),
        )
        return _whole(connection, row)


def _declaration(connection: sa.Connection, selection_id: str, user_id: str) -> Any:
    return connection.execute(
        sa.select(selection_declarations)
        .where(
            selection_declarations.c.selection_id == selection_id,
            selection_declarations.c.user_id == user_id,
        )
        .order_by(selection_declarations.c.declaration_id.desc())
        .limit(1)
    ).one_or_none()


def _check_declared(connection: sa.Connection, who: Principal, selection_id: str, nip: str) -> None:
    declared = _declaration(connection, selection_id, person(who)[0])
    if declared is None:
        raise InputError(
            "declare any relation to this selection's candidates (or recuse) before entering "
            "results"
        )
    if declared.kind == "recused":
        raise ForbiddenError("you recused yourself from this selection")
    if nip in json.loads(declared.related_nips_json):
        raise ForbiddenError("you declared a relation to this candidate: you may not score them")


# -- stage results and announcements --------------------------------------------------------


def latest_results(whole: Mapping[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """The latest result per (NIP, stage): a correction replaces the one before."""
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    for result in whole["results"]:
        latest[(result["nip"], result["stage"])] = result
    return latest


def in_running(whole: Mapping[str, Any], stage: str) -> list[str]:
    """NIPs that passed every announced stage before ``stage`` (all candidates at the first)."""
    nips = [c["nip"] for c in whole["candidates"]]
    announced = {a["stage"]: a for a in whole["announcements"]}
    for stage_id in rules.STAGE_IDS:
        if stage_id == stage:
            return nips
        passing = {nip for names in announced[stage_id]["passing"].values() for nip in names}
        nips = [nip for nip in nips if nip in passing]
    raise KeyError(stage)


def current_stage(whole: Mapping[str, Any]) -> str | None:
    """The first stage not yet announced (None: every stage is)."""
    announced = {a["stage"] for a in whole["announcements"]}
    return next((s for s in rules.STAGE_IDS if s not in announced), None)


def enter_result(
    db: sa.Engine,
    who: Principal,
    selection_id: str,
    nip: str,
    stage: str,
    score: float,
    note: str | None,
) -> dict[str, Any]:
    """Record a panel member's score (0-100) for a candidate at the stage now running."""
    policy.allowed(who, "selection.score")
    if not 0.0 <= score <= 100.0:
        raise InputError("score: a number from 0 to 100")
    with db.begin() as connection:
        row = stored(connection, who, selection_id, "selection.score")
        _member(connection, row, who)
        whole = _whole(connection, row)
        if stage not in rules.STAGE_IDS:
            raise InputError(f"stage must be one of {', '.join(rules.STAGE_IDS)}")
        if stage != current_stage(whole):
            raise ConflictError(
                f"stage {stage} is not the one taking results (now: {current_stage(whole)})"
            )
        if nip not in in_running(whole, stage):
            raise NotFoundError(NO_CANDIDATE)
        _check_declared(connection, who, selection_id, nip)
        deadline = date.fromisoformat(_stage(whole, stage)["deadline"])
        at = _now()
        pid, name = person(who)
        result = connection.execute(
            selection_results.insert().values(
                selection_id=selection_id,
                nip=nip,
                stage=stage,
                score=float(score),
                note=(note or "").strip() or None,
                entered_by=pid,
                entered_name=name,
                entered_at=at,
                late=at.date() > deadline,
            )
        )
        rid = result.inserted_primary_key[0]
        audit.append(
            connection,
            who,
            "selection.result",
            selection_id,
            {"result_id": rid, "stage": stage, "late": at.date() > deadline},
            covers=("selection_results", rid),
        )
        return _whole(connection, row)


def _stage(whole: Mapping[str, Any], stage: str) -> dict[str, Any]:
    return next(s for s in whole["stages"] if s["id"] == stage)


def announce(db: sa.Engine, who: Principal, selection_id: str, stage: str) -> dict[str, Any]:
    """Announce the stage now running: who passes, per post; the stage takes no more results."""
    policy.allowed(who, "selection.score")
    with db.begin() as connection:
        row = stored(connection, who, selection_id, "selection.score")
        _member(connection, row, who)
        whole = _whole(connection, row)
        if stage != current_stage(whole):
            raise ConflictError(
                f"stage {stage} is not the one to announce (now: {current_stage(whole)})"
            )
        running = in_running(whole, stage)
        if not running:
            raise ConflictError("no candidate is in the running at this stage")
        latest = latest_results(whole)
        missing = [nip for nip in running if (nip, stage) not in latest]
        if missing:
            raise ConflictError(
                f"{len(missing)} candidate(s) in the running have no result at stage {stage}"
            )
        mark = _stage(whole, stage)["pass_mark"]
        post_of = {c["nip"]: c["position_id"] for c in whole["candidates"]}
        passing: dict[str, list[str]] = {p["position_id"]: [] for p in whole["posts"]}
        for nip in running:
            if latest[(nip, stage)]["score"] >= mark:
                passing[post_of[nip]].append(nip)
        pid, _ = person(who)
        result = connection.execute(
            selection_announcements.insert().values(
                selection_id=selection_id,
                stage=stage,
                passing_json=json.dumps(passing),
                announced_by=pid,
                announced_at=_now(),
            )
        )
        aid = result.inserted_primary_key[0]
        audit.append(
            connection,
            who,
            "selection.announce",
            selection_id,
            {"announcement_id": aid, "stage": stage, "passing": sum(map(len, passing.values()))},
            covers=("selection_announcements", aid),
        )
        return _whole(connection, row)


# -- the panel's ranking ---------------------------------------------------------------------


def final_score(whole: Mapping[str, Any], nip: str) -> float | None:
    """The weighted sum of the latest stage scores (None until every stage has one)."""
    latest = latest_results(whole)
    total = 0.0
    for stage in whole["stages"]:
        result = latest.get((nip, stage["id"]))
        if result is None:
            return None
        total += stage["weight"] * result["score"]
    return round(total, 2)


def panel_ranking(whole: Mapping[str, Any], position_id: str) -> list[dict[str, Any]]:
    """The post's candidates who passed every stage, best final score first (ties: NIP)."""
    if current_stage(whole) is not None:
        return []
    passed = set(in_running(whole, rules.STAGE_IDS[-1]))
    last = {a["stage"]: a for a in whole["announcements"]}[rules.STAGE_IDS[-1]]
    passed &= set(last["passing"].get(position_id, []))
    ranked = sorted(
        ({"nip": nip, "score": final_score(whole, nip)} for nip in passed),
        key=lambda r: (-(r["score"] or 0.0), r["nip"]),
    )
    return [{**r, "place": i + 1} for i, r in enumerate(ranked)]


# -- three names and the PPK ----------------------------------------------------------------


def propose(
    db: sa.Engine,
    who: Principal,
    selection_id: str,
    position_id: str,
    reasons: Mapping[str, str],
    model_order: Sequence[str],
    divergence_reason: str | None,
    failed_rules: Mapping[str, Sequence[str]] | None = None,
) -> dict[str, Any]:
    """The panel's three names for a post, from its final ranking, each with its reason.

    ``model_order`` is the model's order of the same passing candidates (the caller scores
    them); when its first three differ from the panel's, ``divergence_reason`` says why.
    ``failed_rules`` (NIP: the hard rules it fails) is recorded on each name, for the PPK.
    """
    policy.allowed(who, "selection.score")
    with db.begin() as connection:
        row = stored(connection, who, selection_id, "selection.score")
        member = _member(connection, row, who)
        if not member.chair:
            raise ForbiddenError("the panel's chair proposes the three names")
        whole = _whole(connection, row)
        _check_proposable(whole, position_id)
        ranking = panel_ranking(whole, position_id)
        if len(ranking) < NAMES:
            raise ConflictError(
                f"{len(ranking)} candidate(s) passed every stage for this post: three names "
                "are needed (PermenPANRB 15/2019); open the selection again"
            )
        names = ranking[:NAMES]
        answered = {n["nip"]: (reasons.get(n["nip"]) or "").strip() for n in names}
        short = [n["place"] for n in names if len(answered[n["nip"]]) < MIN_REASON]
        if short:
            raise InputError(
                f"reasons: give each name its reason (at least {MIN_REASON} characters); "
                f"missing for place(s) {', '.join(map(str, short))}"
            )
        top = [n["nip"] for n in names]
        order = [nip for nip in model_order if nip in {r["nip"] for r in ranking}]
        diverges = order[:NAMES] != top
        why = (divergence_reason or "").strip()
        if diverges and len(why) < MIN_JUSTIFICATION:
            raise InputError(
                "divergence_reason: the panel's three names differ from the model's order; "
                f"say why in writing (at least {MIN_JUSTIFICATION} characters)"
            )
        pid, _ = person(who)
        result = connection.execute(
            selection_proposals.insert().values(
                selection_id=selection_id,
                position_id=position_id,
                names_json=json.dumps(
                    [
                        {
                            **n,
                            "reason": answered[n["nip"]],
                            "failed_rules": list((failed_rules or {}).get(n["nip"], [])),
                        }
                        for n in names
                    ]
                ),
                model_order_json=json.dumps(order),
                divergence_reason=why or None,
                proposed_by=pid,
                proposed_at=_now(),
            )
        )
        proposal_id = result.inserted_primary_key[0]
        audit.append(
            connection,
            who,
            "selection.propose",
            selection_id,
            {"proposal_id": proposal_id, "position_id": position_id, "divergent": diverges},
            covers=("selection_proposals", proposal_id),
        )
        return _whole(connection, stored(connection, who, selection_id, "selection.read"))


def _check_proposable(whole: Mapping[str, Any], position_id: str) -> None:
    if position_id not in {p["position_id"] for p in whole["posts"]}:
        raise InputError(f"position_id: {position_id} is not a post of this selection")
    if current_stage(whole) is not None:
        raise ConflictError(f"stage {current_stage(whole)} is not announced yet")
    pending = pending_proposal(whole, position_id)
    if pending is not None:
        raise ConflictError("the PPK has not answered this post's proposal yet")
    if chosen(whole, position_id) is not None:
        raise ConflictError("the PPK has chosen for this post")


def pending_proposal(whole: Mapping[str, Any], position_id: str) -> dict[str, Any] | None:
    """The post's proposal awaiting the PPK, if any."""
    answered = {c["proposal_id"] for c in whole["choices"]}
    return next(
        (
            p
            for p in reversed(whole["proposals"])
            if p["position_id"] == position_id and p["proposal_id"] not in answered
        ),
        None,
    )


def chosen(whole: Mapping[str, Any], position_id: str) -> dict[str, Any] | None:
    """The PPK's choice for the post, if made."""
    post_of = {p["proposal_id"]: p["position_id"] for p in whole["proposals"]}
    return next(
        (
            c
            for c in whole["choices"]
            if c["outcome"] == "chosen" and post_of[c["proposal_id"]] == position_id
        ),
        None,
    )


def answer(
    db: sa.Engine,
    who: Principal,
    selection_id: str,
    proposal_id: int,
    outcome: str,
    nip: str | None,
    note: str | None,
) -> dict[str, Any]:
    """The PPK chooses one of the three names, or returns the list with a note."""
    policy.allowed(who, "selection.choose")
    text = (note or "").strip()
    if outcome == "returned" and len(text) < MIN_REASON:
        raise InputError(
            f"note: say why the list goes back to the panel (at least {MIN_REASON} characters)"
        )
    with db.begin() as connection:
        row = stored(connection, who, selection_id, "selection.choose")
        whole = _whole(connection, row)
        proposal = next((p for p in whole["proposals"] if p["proposal_id"] == proposal_id), None)
        if proposal is None:
            raise NotFoundError("no such proposal")
        if any(c["proposal_id"] == proposal_id for c in whole["choices"]):
            raise ConflictError("this proposal has been answered")
        place = _check_answer(proposal, outcome, nip, text)
        pid, name = person(who)
        result = connection.execute(
            selection_choices.insert().values(
                proposal_id=proposal_id,
                selection_id=selection_id,
                outcome=outcome,
                nip=nip if outcome == "chosen" else None,
                place=place,
                note=text or None,
                decided_by=pid,
                decider_name=name,
                decided_at=_now(),
            )
        )
        choice_id = result.inserted_primary_key[0]
        audit.append(
            connection,
            who,
            "selection.choose",
            selection_id,
            {"choice_id": choice_id, "outcome": outcome, "place": place},
            covers=("selection_choices", choice_id),
        )
        return _whole(connection, stored(connection, who, selection_id, "selection.read"))


def _check_answer(
    proposal: Mapping[str, Any], outcome: str, nip: str | None, note: str
) -> int | None:
    if outcome == "returned":
        if len(note) < MIN_REASON:
            raise InputError(
                f"note: say why the list goes back to the panel (at least {MIN_REASON} characters)"
            )
        return None
    if outcome != "chosen":
        raise InputError("outcome must be chosen or returned")
    places = {n["nip"]: n["place"] for n in proposal["names"]}
    if nip not in places:
        raise InputError("nip: the PPK chooses one of the three names proposed")
    if places[nip] > 1 and len(note) < MIN_JUSTIFICATION:
        raise InputError(
            "note: choosing a name other than the panel's first needs a written reason "
            f"(at least {MIN_JUSTIFICATION} characters)"
        )
    return places[nip]


def _status_after(whole: Mapping[str, Any]) -> str:
    posts = [p["position_id"] for p in whole["posts"]]
    if all(chosen(whole, pid) is not None for pid in posts):
        return "chosen"
    if any(pending_proposal(whole, pid) is not None for pid in posts):
        return "proposed"
    return "returned" if whole["choices"] else "open"


def agency_of(db: sa.Engine, selection_id: str) -> str | None:
    """The selection's agency, None when there is no such selection."""
    with db.connect() as connection:
        return connection.execute(
            sa.select(selections.c.agency_id).where(selections.c.selection_id == selection_id)
        ).scalar_one_or_none()
