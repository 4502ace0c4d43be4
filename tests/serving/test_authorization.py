"""The one policy over API and pages: role x action x (own / other agency / missing).

Another agency's object must answer exactly like a missing one (status and body, byte for
byte), so that an agency learns nothing of another's ids and NIPs.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
import sqlalchemy as sa

from features.errors import ForbiddenError, NotFoundError
from features.export import Export
from serving import policy
from serving.auth import Principal, create_user
from serving.tables import users
from tests.serving.conftest import sign_in
from tests.serving.two_agencies import AGENCY_B, PASSWORD, Person, World, serve_two_agencies
from training.bundle import RankerBundle

MISSING_NIP = "199001012020011999"


@pytest.fixture(scope="module")
def world(
    small_export: Export, ranker: RankerBundle, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    yield from serve_two_agencies(small_export, ranker, tmp_path_factory.mktemp("walls"))


# -- the policy function ------------------------------------------------------------------


def _who(role: str, agency: str | None) -> Principal:
    return Principal(key_id="k", role=role, agency_id=agency)


@pytest.mark.parametrize(
    ("role", "agency", "action", "target", "grants", "outcome"),
    [
        ("committee", "A", "shortlist.create", "A", (), None),
        ("committee", "A", "shortlist.create", "B", (), NotFoundError),
        ("committee", "A", "shortlist.create", None, (), NotFoundError),
        ("committee", "A", "pool.read", "B", (), NotFoundError),
        ("committee", "A", "pool.read", "B", ("B",), None),
        ("committee", "A", "candidate.read", "B", ("B",), None),
        ("committee", "A", "shortlist.create", "B", ("B",), NotFoundError),
        ("committee", "A", "admin.reload", "A", (), ForbiddenError),
        ("ppk", "A", "decision.approve", "A", (), None),
        ("ppk", "A", "decision.record", "A", (), ForbiddenError),
        ("ppk", "A", "shortlist.create", "A", (), ForbiddenError),
        ("admin", "A", "grant.manage", "A", (), None),
        ("admin", "A", "grant.manage", "B", (), NotFoundError),
        ("admin", None, "grant.manage", "B", (), None),
        ("auditor", None, "shortlist.read", "B", (), None),
        ("auditor", "A", "shortlist.read", "B", (), None),
        ("auditor", None, "shortlist.create", "A", (), ForbiddenError),
        ("auditor", None, "decision.record", None, (), ForbiddenError),
        ("ppk", "A", "decision.approve", "B", (), NotFoundError),
        ("ppk", "A", "decree.draft", "A", (), None),
        ("committee", "A", "decree.draft", "B", (), NotFoundError),
        ("admin", "A", "decree.draft", "A", (), ForbiddenError),
        ("admin", "A", "siasn.export", "A", (), None),
        ("auditor", None, "siasn.export", "A", (), ForbiddenError),
        ("auditor", None, "decree.read", "B", (), None),
        ("committee", "A", "announcement.publish", "A", (), None),
        ("auditor", None, "announcement.publish", "A", (), ForbiddenError),
        ("ppk", "A", "announcement.read", "B", (), NotFoundError),
        ("committee", "A", "announcement.read", "A", (), None),
        ("employee", "A", "post.announced", "A", (), None),
        ("employee", "A", "post.announced", "B", (), NotFoundError),
        ("employee", "A", "post.announced", "A", ("B",), None),
        ("employee", "A", "post.announced", "B", ("B",), NotFoundError),
        ("employee", "A", "position.read", "A", (), ForbiddenError),
        ("employee", "A", "candidate.read", "A", (), ForbiddenError),
        ("committee", "A", "post.announced", "A", (), ForbiddenError),
    ],
)
def test_the_policy_allows_walls_and_forbids(
    role: str,
    agency: str | None,
    action: str,
    target: str | None,
    grants: tuple[str, ...],
    outcome: type[Exception] | None,
) -> None:
    who = _who(role, agency)
    if outcome is None:
        policy.authorize(who, action, target, grants, "position")
    else:
        with pytest.raises(outcome) as raised:
            policy.authorize(who, action, target, grants, "position")
        if outcome is NotFoundError:
            assert str(raised.value) == policy.MISSING["position"]


def test_an_unknown_action_is_a_bug_not_a_refusal() -> None:
    with pytest.raises(ValueError, match="unknown action"):
        policy.authorize(_who("admin", None), "shortlist.delete", "A", (), "shortlist")


# -- findings 1 and 2 ---------------------------------------------------------------------


def test_a_committee_cannot_rank_another_agencys_staff(world: World) -> None:
    """Finding 1: ``filters.agency_id`` naming another agency is a missing position."""
    client, a = world.client, world.people["committee"]
    post = world.vacancy(world.agency_a)

    def ask(agency: str) -> bytes:
        body = {"position_id": post, "k": 3, "filters": {"agency_id": agency}}
        response = client.post("/v1/shortlists", json=body, headers=a.header)
        assert response.status_code == 404
        return response.content

    assert ask(AGENCY_B) == ask("NO-SUCH-AGENCY")
    missing = client.post("/v1/shortlists", json={"position_id": "NOPE-1"}, headers=a.header)
    assert ask(AGENCY_B) == missing.content and b"NOPE" not in missing.content
    own = client.post(
        "/v1/shortlists",
        json={"position_id": post, "k": 3, "filters": {"agency_id": world.agency_a}},
        headers=a.header,
    )
    assert own.status_code == 201
    staff_b = set(
        world.export.employees.loc[world.export.employees["agency_id"] == AGENCY_B, "nip"]
    )
    assert not {c["nip"] for c in own.json()["candidates"]} & staff_b
    unfiltered = client.post("/v1/shortlists", json={"position_id": post}, headers=a.header)
    assert not {c["nip"] for c in unfiltered.json()["candidates"]} & staff_b


def test_candidate_fit_of_another_agencys_nip_is_an_unknown_nip(world: World) -> None:
    """Finding 2: B's NIP answers A's committee exactly like an unknown NIP."""
    client, a = world.client, world.people["committee"]
    post = world.vacancy(world.agency_a)

    def fit(nip: str) -> tuple[int, bytes]:
        response = client.get(f"/v1/candidates/{nip}/fit?position_id={post}", headers=a.header)
        return response.status_code, response.content

    assert fit(world.staff(world.agency_a))[0] == 200
    other, missing = fit(world.staff(AGENCY_B)), fit(MISSING_NIP)
    assert other == missing and other[0] == 404
    assert world.staff(AGENCY_B).encode() not in other[1]
    auditor = world.people["auditor"].header
    seen = client.get(
        f"/v1/candidates/{world.staff(AGENCY_B)}/fit?position_id={post}", headers=auditor
    )
    assert seen.status_code == 200


# -- the full matrix: role x action x (own / other / missing) x (API / page) ------------------

ROLES = ("committee", "ppk", "admin", "auditor", "panel", "employee", "none")
WHERE = ("own", "other", "missing")
READS = {"shortlist.read", "decision.read", "shortlist.export", "candidate.read", "campaign.read"}
READS |= {"model.read", "staffing.read", "selection.read"}
READS |= {"talent.read", "rotation.read", "oversight.read"}
READS |= {"meeting.read"}
READS |= {"jpt_rotation.read"}
CAN = {
    "committee": READS
    | {
        "report.read",
        "shortlist.create",
        "pool.read",
        "decision.declare",
        "decision.record",
        "campaign.create",
        "meeting.manage",
        "meeting.attend",
    },
    "ppk": READS
    | {
        "report.read",
        "decision.declare",
        "decision.approve",
        "selection.manage",
        "selection.choose",
    },
    "admin": READS
    | {
        "report.read",
        "integrity.read",
        "shortlist.create",
        "pool.read",
        "campaign.create",
        "admin.status",
        "selection.manage",
    },
    "auditor": READS | {"report.read", "integrity.read"},
    "panel": {"candidate.read", "model.read", "selection.read", "selection.score"}
    | {"jpt_rotation.read"},
    "employee": set(),
}
"""What each role may do, written out here (not read from the policy it checks)."""
DONE = {
    "shortlist.create": 201,
    "pool.read": 201,
    "decision.declare": 201,
    "decision.record": 201,
    "campaign.create": 201,
    "selection.manage": 201,
    "selection.score": 201,
    "selection.choose": 422,
}
"""``selection.choose`` returns a list without its note: past the policy, refused for the note
(a real choice is tested in test_selections)."""
PAGE_DONE = {
    "shortlist.create": 303,
    "decision.declare": 303,
    "decision.record": 303,
    "decision.approve": 303,
    "campaign.create": 303,
    "meeting.attend": 303,
    "meeting.manage": 303,
    "selection.manage": 303,
    "selection.score": 303,
    "selection.choose": 422,
}
REPORTS = {"report.read", "integrity.read", "staffing.read", "rotation.read", "oversight.read"}
REPORTS |= {"talent.read"}
"""Reports by agency: an auditor's answer for an unknown agency is an empty report."""
OBJECTLESS = {"admin.status", "model.read"}
"""Actions on no agency's object: the same answer in every place."""
MISSING_OVERRIDE = 2**31 - 1
JUSTIFICATION = "Kandidat memiliki sertifikasi khusus yang dibutuhkan unit ini."
BASIS = "Pasal 190 ayat (3) PP 11/2017, persetujuan khusus"
ANSWER = "Sudah dibahas tim; kebutuhan unit diutamakan."


@dataclass(frozen=True)
class Objects:
    """One object of each kind per place: own agency (A), other agency (B), missing."""

    position: dict[str, str]
    shortlist: dict[str, str]
    listed: dict[str, str]
    nip: dict[str, str]
    campaign: dict[str, str]
    agency: dict[str, str]
    override: dict[str, tuple[str, int]]
    """A pending exception, as (its shortlist, its id), for the API's cells."""
    page_override: dict[str, tuple[str, int]]
    """Another one in the own agency (on another post, for another person) for the page's."""
    selection: dict[str, str]
    """A JPT selection (A's with the ``panel`` person on its panel)."""
    entrants: Iterator[str]
    """Fresh NIPs of A's staff to register (each registration is a new candidate)."""
    meeting: dict[str, tuple[str, str, str]] | None = None
    """A meeting with its agenda post and a shortlist of that post, as (id, post, shortlist)."""


def _declare(world: World, who: Person, sid: str) -> None:
    response = world.client.post(
        f"/v1/shortlists/{sid}/declarations", json={"kind": "none"}, headers=who.header
    )
    assert response.status_code == 201, response.text


def _exception(world: World, who: Person, post: str, taken: set[str]) -> tuple[str, int]:
    """A shortlist of ``post`` on which ``who`` asked an exception for an active employee of
    the agency who fails a hard rule (not one of ``taken``); its id and the override's."""
    client = world.client
    engine = client.app.state.runtime.current.engine  # type: ignore[attr-defined]
    made = client.post("/v1/shortlists", json={"position_id": post, "k": 3}, headers=who.header)
    assert made.status_code == 201, made.text
    sid = made.json()["shortlist_id"]
    _declare(world, who, sid)
    scored = engine.score(engine.candidates({"agency_id": who.agency}), engine.position(post))
    row = next(
        int(r)
        for r in np.flatnonzero(~np.asarray(scored.verdict.eligible, dtype=bool))
        if str(scored.pool.nips[r]) not in taken
    )
    nip = str(scored.pool.nips[row])
    taken.add(nip)
    answers = {
        o.id: ANSWER
        for o in scored.verdict.outcomes_for(row)
        if o.applies and not o.passed and o.severity == "soft"
    }
    body = {
        "nip": nip,
        "decision": "SELECTED",
        "reason": "hasil rapat tim penilai kinerja",
        "justification": JUSTIFICATION,
        "override_basis": BASIS,
        "warning_answers": answers,
    }
    asked = client.post(f"/v1/shortlists/{sid}/decisions", json=body, headers=who.header)
    assert asked.status_code == 201, asked.text
    return sid, asked.json()["override"]["override_id"]


@pytest.fixture(scope="module")
def objects(world: World) -> Objects:
    """The objects, with A's committee and PPK declared on A's lists (a decision needs it)."""
    client, a, b = world.client, world.people["committee"], world.people["committee_b"]
    position = {"own": world.vacancy(world.agency_a), "other": world.vacancy(AGENCY_B)}
    position["missing"] = "NOPE-1"
    lists = {
        where: client.post(
            "/v1/shortlists", json={"position_id": position[where], "k": 3}, headers=who.header
        ).json()
        for where, who in (("own", a), ("other", b))
    }
    shortlist = {w: s["shortlist_id"] for w, s in lists.items()} | {"missing": str(uuid.uuid4())}
    listed = {w: s["candidates"][0]["nip"] for w, s in lists.items()} | {"missing": MISSING_NIP}
    campaign = {
        where: client.post(
            "/v1/campaigns", json={"position_ids": [position[where]]}, headers=who.header
        ).json()["campaign_id"]
        for where, who in (("own", a), ("other", b))
    } | {"missing": str(uuid.uuid4())}
    nip = {"own": world.staff(world.agency_a), "other": world.staff(AGENCY_B)}
    agency = {"own": world.agency_a, "other": AGENCY_B, "missing": "NO-SUCH-AGENCY"}
    taken: set[str] = set()
    posts_a = world.vacancies(world.agency_a)
    other = _exception(world, b, world.vacancy(AGENCY_B), taken)
    missing = (str(uuid.uuid4()), MISSING_OVERRIDE)
    override = {"own": _exception(world, a, posts_a[1], taken), "other": other}
    page_override = {"own": _exception(world, a, posts_a[2], taken), "other": other}
    for sid in (shortlist["own"], override["own"][0], page_override["own"][0]):
        for role in ("committee", "ppk"):
            _declare(world, world.people[role], sid)
    meeting = {
        where: (
            client.post(
                "/v1/meetings",
                json={"held_on": "2026-12-01", "place": "Aula", "position_ids": [position[where]]},
                headers=who.header,
            ).json()["meeting_id"],
            position[where],
            shortlist[where],
        )
        for where, who in (("own", a), ("other", b))
    } | {"missing": (str(uuid.uuid4()), position["own"], shortlist["own"])}
    selection = {
        "own": _selection(world, world.people["ppk"], world.agency_a, world.people["panel"].name),
        "other": _selection(world, world.people["admin_b"], AGENCY_B, None),
        "missing": str(uuid.uuid4()),
    }
    e = world.export.employees
    staff = e.loc[(e["agency_id"] == world.agency_a) & (e["status"] == "ACTIVE"), "nip"]
    return Objects(
        position,
        shortlist,
        listed,
        nip | {"missing": MISSING_NIP},
        campaign,
        agency,
        override | {"missing": missing},
        page_override | {"missing": missing},
        selection,
        itertools.cycle([str(n) for n in staff.iloc[40:]]),
        meeting,
    )


def _selection(world: World, opener: Person, agency: str, member: str | None) -> str:
    """A JPT selection of ``agency`` opened by ``opener``, with ``member`` on its panel."""
    db = world.client.app.state.db  # type: ignore[attr-defined]
    tag = "1" if member else "2"
    ids = [create_user(db, "panel", agency, f"pansel {tag}{i}", None, PASSWORD) for i in range(3)]
    if member:
        ids[0] = _user_id(world, member)
    p = world.export.positions
    post = p.loc[(p["agency_id"] == agency) & (p["position_type"] == "JPT_PRATAMA"), "position_id"]
    body = {"kind": "open", "title": "Seleksi terbuka JPT", "position_ids": [str(post.iloc[0])],
            "panel_user_ids": ids, "chair_user_id": ids[0]}  # fmt: skip
    made = world.client.post("/v1/selections", json=body, headers=opener.header)
    assert made.status_code == 201, made.text
    sid = str(made.json()["selection_id"])
    SELECTION_POSTS[sid] = str(post.iloc[0])
    return sid


def _user_id(world: World, name: str) -> str:
    db = world.client.app.state.db  # type: ignore[attr-defined]
    with db.connect() as connection:
        query = sa.select(users.c.user_id).where(users.c.name == name)
        return str(connection.execute(query).scalar_one())


def _api_call(o: Objects, action: str, w: str) -> tuple[str, str, dict[str, Any]]:
    sid, own_post = o.shortlist[w], o.position["own"]
    decision = {"nip": o.listed[w], "decision": "REJECTED", "reason": "r"}
    return {
        "shortlist.create": ("POST", "/v1/shortlists", {"json": {"position_id": o.position[w]}}),
        "pool.read": (
            "POST",
            "/v1/shortlists",
            {"json": {"position_id": own_post, "k": 3, "filters": {"agency_id": o.agency[w]}}},
        ),
        "shortlist.read": ("GET", f"/v1/shortlists/{sid}", {}),
        "decision.read": ("GET", f"/v1/shortlists/{sid}/decisions", {}),
        "shortlist.export": ("GET", f"/v1/shortlists/{sid}/export.csv", {}),
        "decision.declare": (
            "POST",
            f"/v1/shortlists/{sid}/declarations",
            {"json": {"kind": "none"}},
        ),
        "decision.record": ("POST", f"/v1/shortlists/{sid}/decisions", {"json": decision}),
        "decision.approve": ("POST", f"/v1/overrides/{o.override[w][1]}/approve", {}),
        "candidate.read": ("GET", f"/v1/candidates/{o.nip[w]}/fit?position_id={own_post}", {}),
        "campaign.read": ("GET", f"/v1/campaigns/{o.campaign[w]}", {}),
        "campaign.create": ("POST", "/v1/campaigns", {"json": {"position_ids": [o.position[w]]}}),
        "report.read": ("GET", f"/v1/reports/divergence?agency_id={o.agency[w]}", {}),
        "integrity.read": ("GET", f"/v1/reports/integrity?agency_id={o.agency[w]}", {}),
        "staffing.read": ("GET", f"/v1/staffing/gaps?agency_id={o.agency[w]}", {}),
        "talent.read": ("GET", f"/v1/talent/pools?agency_id={o.agency[w]}", {}),
        "rotation.read": ("GET", f"/v1/rotation/due?agency_id={o.agency[w]}", {}),
        "oversight.read": ("GET", f"/v1/oversight?agency_id={o.agency[w]}", {}),
        "admin.status": ("GET", "/v1/admin/status", {}),
        "model.read": ("GET", "/v1/model", {}),
        **_meeting_calls(o, w, "/v1"),
        "selection.read": ("GET", f"/v1/selections/{o.selection[w]}", {}),
        "selection.manage": (
            "POST",
            f"/v1/selections/{o.selection[w]}/candidates",
            {"json": {"nip": next(o.entrants), "position_id": _post_of(o, w)}},
        ),
        "selection.score": (
            "POST",
            f"/v1/selections/{o.selection[w]}/declarations",
            {"json": {"kind": "none"}},
        ),
        "selection.choose": (
            "POST",
            f"/v1/selections/{o.selection[w]}/proposals/1/answer",
            {"json": {"outcome": "returned"}},
        ),
        "jpt_rotation.read": ("GET", f"/v1/jpt-rotation?agency_id={o.agency[w]}", {}),
    }[action]


def _post_of(o: Objects, w: str) -> str:
    """The own selection's post (the others answer 404 before the body counts)."""
    return SELECTION_POSTS.get(o.selection[w], "NOPE-1")


SELECTION_POSTS: dict[str, str] = {}
"""Each selection's post, filled by the fixture's callers (see ``objects``)."""


def _page_call(o: Objects, action: str, w: str) -> tuple[str, str, dict[str, Any]]:
    sid = o.shortlist[w]
    decision = {"nip": o.listed[w], "decision": "REJECTED", "reason": "r"}
    listed, override = o.page_override[w]
    return {
        "shortlist.create": ("POST", "/shortlists", {"data": {"position_id": o.position[w]}}),
        "shortlist.read": ("GET", f"/shortlists/{sid}", {}),
        "shortlist.export": ("GET", f"/shortlists/{sid}/export.csv", {}),
        "decision.declare": ("POST", f"/shortlists/{sid}/declarations", {"data": {"kind": "none"}}),
        "decision.record": ("POST", f"/shortlists/{sid}/decisions", {"data": decision}),
        "decision.approve": ("POST", f"/shortlists/{listed}/overrides/{override}/approve", {}),
        "campaign.read": ("GET", f"/campaigns/{o.campaign[w]}", {}),
        "campaign.create": (
            "POST",
            "/campaigns",
            {"data": {"scope": "selected", "position_id": [o.position[w]]}},
        ),
        "model.read": ("GET", "/model", {}),
        "talent.read": ("GET", f"/talent?agency_id={o.agency[w]}", {}),
        "rotation.read": ("GET", f"/rotation?agency_id={o.agency[w]}", {}),
        "oversight.read": ("GET", f"/oversight?agency_id={o.agency[w]}", {}),
        **_meeting_calls(o, w, ""),
        "selection.read": ("GET", f"/selections/{o.selection[w]}", {}),
        "selection.manage": (
            "POST",
            f"/selections/{o.selection[w]}/candidates",
            {"data": {"nip": next(o.entrants), "position_id": _post_of(o, w)}},
        ),
        "selection.score": (
            "POST",
            f"/selections/{o.selection[w]}/declarations",
            {"data": {"kind": "none"}},
        ),
        "selection.choose": (
            "POST",
            f"/selections/{o.selection[w]}/proposals/1/answer",
            {"data": {"outcome": "returned"}},
        ),
        "jpt_rotation.read": ("GET", f"/jpt-rotation?agency_id={o.agency[w]}", {}),
    }[action]


def _meeting_calls(o: Objects, w: str, prefix: str) -> dict[str, tuple[str, str, dict[str, Any]]]:
    """The meeting cells: read it, attend it, attach its post's shortlist (API or page)."""
    assert o.meeting is not None
    meeting_id, post, sid = o.meeting[w]
    base = f"{prefix}/meetings/{meeting_id}"
    attach = {"position_id": post, "shortlist_id": sid}
    return {
        "meeting.read": ("GET", base, {}),
        "meeting.attend": ("POST", f"{base}/attendance", {}),
        "meeting.manage": (
            "POST",
            f"{base}/shortlists",
            {"json": attach} if prefix else {"data": attach},
        ),
    }


API_ACTIONS = tuple(sorted(READS | REPORTS | OBJECTLESS | set(DONE) | {"decision.approve"}))
API_ACTIONS += ("meeting.attend", "meeting.manage")
PAGE_ACTIONS = ("shortlist.create", "shortlist.read", "shortlist.export", "decision.declare")
PAGE_ACTIONS += ("decision.record", "decision.approve", "campaign.read", "campaign.create")
PAGE_ACTIONS += ("model.read",)
PAGE_ACTIONS += ("talent.read", "rotation.read", "oversight.read")
PAGE_ACTIONS += ("meeting.read", "meeting.attend", "meeting.manage")
PAGE_ACTIONS += ("selection.read", "selection.manage", "selection.score")
PAGE_ACTIONS += ("selection.choose",)
PAGE_ACTIONS += ("jpt_rotation.read",)


def expected(role: str, action: str, where: str, page: bool) -> int:
    """The status the matrix expects, from :data:`CAN` and the walls."""
    if role == "none":
        return 303 if page else 401
    if action not in CAN[role]:
        return 403
    everywhere = role == "auditor"
    if action in OBJECTLESS:
        where = "own"
    if where == "missing" and not (everywhere and action in REPORTS):
        return 404
    if where == "other" and not everywhere:
        return 404
    return (PAGE_DONE if page else DONE).get(action, 200)


def _matrix(world: World, objects: Objects, role: str, page: bool) -> list[str]:
    """Every cell of ``role``'s row; the cells that disagree, described."""
    client = world.client
    client.cookies.clear()
    client.headers.pop("x-csrf-token", None)
    headers: dict[str, str] = {}
    if page and role != "none":
        sign_in(client, user=world.people[role].name, password=PASSWORD)
    elif role != "none":
        headers = world.people[role].header
    wrong = []
    for action in PAGE_ACTIONS if page else API_ACTIONS:
        bodies = {}
        for where in WHERE:
            method, path, extra = (_page_call if page else _api_call)(objects, action, where)
            response = client.request(
                method, path, headers=headers, follow_redirects=False, **extra
            )
            bodies[where] = response.content
            want = expected(role, action, where, page)
            if response.status_code != want:
                wrong.append(f"{action} {where}: {response.status_code} not {want}")
        if expected(role, action, "other", page) == 404 and bodies["other"] != bodies["missing"]:
            wrong.append(f"{action}: other agency's answer differs from a missing one's")
    return wrong


@pytest.mark.parametrize("role", ROLES)
def test_the_api_matrix(world: World, objects: Objects, role: str) -> None:
    assert _matrix(world, objects, role, page=False) == []


@pytest.mark.parametrize("role", ROLES)
def test_the_page_matrix(world: World, objects: Objects, role: str) -> None:
    assert _matrix(world, objects, role, page=True) == []


ELSEWHERE = {"admin.reload", "audit.read", "grant.manage", "key.manage", "user.manage"}
ELSEWHERE |= {"position.read"}
ELSEWHERE |= {"decree.read", "decree.draft", "announcement.read", "announcement.publish"}
ELSEWHERE |= {"siasn.export"}
ELSEWHERE |= {"post.announced", "self.read", "self.write"}
ELSEWHERE |= {"inbox.read", "objection.answer", "correction.answer"}
"""Actions whose own tests cover them (keys, users, grants, reload, audit; position.read is
every page's and shortlist's precondition; the decree track's own role x action x place matrix
is in tests/serving/test_approvals.py; the employee's own pages have their matrix below; the
inbox, objections and corrections have theirs in tests/serving/test_recourse_pages.py)."""


def test_the_matrix_covers_every_action_of_the_policy() -> None:
    """Every action the policy knows is a row of the API or the page matrix (or tested
    elsewhere, named): a new action cannot ship without its cells."""
    from serving.policy import ACTIONS

    assert ACTIONS - set(API_ACTIONS) - set(PAGE_ACTIONS) <= ELSEWHERE
    assert len(ROLES) * len(API_ACTIONS) * len(WHERE) >= 255
    assert len(ROLES) * len(PAGE_ACTIONS) * len(WHERE) >= 150


# -- the employee's own pages: role x action x (own / other agency / missing) ----------------

ME_PAGE = {"post.announced": 200, "self.read": 200, "self.write": 303}
"""The employee's page actions and their success status (only the employee role may)."""


def _me_call(o: Objects, action: str, w: str) -> tuple[str, str, dict[str, Any]]:
    post = o.position[w]
    return {
        "post.announced": ("GET", f"/me/posts/{post}", {}),
        "self.read": ("GET", "/me/aspirations", {}),
        "self.write": ("POST", f"/me/posts/{post}/interest", {}),
    }[action]


def _me_expected(role: str, action: str, where: str) -> int:
    if role == "none":
        return 303
    if role != "employee":
        return 403
    if action == "self.read":
        return 200  # the caller's own record: no place to name another's
    return ME_PAGE[action] if where == "own" else 404


@pytest.mark.parametrize("role", ROLES)
def test_the_employee_page_matrix(world: World, objects: Objects, role: str) -> None:
    """Only an employee reaches /me; another agency's post answers like a missing one."""
    client = world.client
    client.cookies.clear()
    client.headers.pop("x-csrf-token", None)
    if role != "none":
        sign_in(client, user=world.people[role].name, password=PASSWORD)
    wrong = []
    for action in ME_PAGE:
        bodies = {}
        for where in WHERE:
            method, path, extra = _me_call(objects, action, where)
            response = client.request(method, path, follow_redirects=False, **extra)
            bodies[where] = response.content
            if response.status_code != _me_expected(role, action, where):
                want = _me_expected(role, action, where)
                wrong.append(f"{action} {where}: {response.status_code} not {want}")
        if role == "employee" and action != "self.read" and bodies["other"] != bodies["missing"]:
            wrong.append(f"{action}: other agency's answer differs from a missing one's")
    assert wrong == []
