"""The one authorization policy of the API and the pages: who may do what to whose object.

:func:`authorize` is a function of (principal, action, the object's agency, grants). It allows,
or raises :class:`~features.errors.ForbiddenError` (the role never may) or
:class:`~features.errors.NotFoundError` (the object is missing, or behind another agency's
wall). The second answer is the same, detail for detail, as for an object that does not exist,
so that an agency cannot learn which of another agency's ids or NIPs exist.

Roles: a *committee* reads, makes shortlists and decides inside its agency; a *ppk* reads and
approves inside its agency; an *admin* manages keys, users, grants and reloads, inside its agency
or service-wide (no agency), and reads; an *auditor* reads everywhere and changes nothing; an
*employee* reads its agency's announced posts and reads and writes its OWN record only (the
principal's NIP is the object's NIP; another person's record answers like a missing one). A grant
from agency B to agency A (PP 11/2017 Pasal 190(1)-(2)) opens B's pool (its staff as candidates
for A's posts) to A for its period. A *panel* member (panitia seleksi of a JPT selection) reads
selections, positions and candidates and scores the selections it sits on.
"""

from __future__ import annotations

from collections.abc import Collection

from features.errors import ForbiddenError, NotFoundError
from serving.auth import Principal

READS: frozenset[str] = frozenset(
    {
        "position.read",
        "pool.read",
        "shortlist.read",
        "candidate.read",
        "decision.read",
        "campaign.read",
        "report.read",
        "model.read",
        "staffing.read",
        "talent.read",
        "rotation.read",
        "oversight.read",
        "decree.read",
        "announcement.read",
        "meeting.read",
        "selection.read",
        "inbox.read",
        "jpt_rotation.read",
    }
)
"""Reading actions (an auditor's whole set, with ``audit.read`` and ``integrity.read``)."""
GRANTABLE: frozenset[str] = frozenset({"pool.read", "candidate.read"})
"""What a grant opens across the wall: the other agency's pool (its staff as candidates)."""
PERMISSIONS: dict[str, frozenset[str]] = {
    "committee": READS
    | {"shortlist.create", "decision.record", "decision.declare", "campaign.create"}
    | {"decree.draft", "announcement.publish", "siasn.export"}
    | {"meeting.manage", "meeting.attend"}
    | {"objection.answer"},
    "ppk": READS
    | {"decision.approve", "decision.declare", "selection.manage", "selection.choose"}
    | {"decree.draft", "announcement.publish", "siasn.export"},
    "admin": READS
    | {
        "shortlist.create",
        "campaign.create",
        "audit.read",
        "integrity.read",
        "key.manage",
        "user.manage",
        "grant.manage",
        "admin.reload",
        "admin.status",
        "siasn.export",
        "selection.manage",
        "correction.answer",
    },
    "auditor": READS | {"audit.read", "integrity.read"},
    "panel": frozenset(
        {"selection.read", "selection.score", "position.read", "candidate.read", "model.read"}
        | {"jpt_rotation.read"}
    ),
    "employee": frozenset({"post.announced", "self.read", "self.write"}),
}
"""Each role's actions (inside the agencies it may reach)."""
ACTIONS: frozenset[str] = frozenset().union(*PERMISSIONS.values())
OWN: frozenset[str] = frozenset({"self.read", "self.write"})
"""Actions on a person's own record: the object's NIP must be the caller's (employee role)."""
EVERYWHERE: frozenset[str] = frozenset({"auditor"})
"""Roles that reach every agency whatever their own (an admin does when it has none)."""

MISSING: dict[str, str] = {
    "position": "no such position",
    "shortlist": "no such shortlist",
    "candidate": "no active employee with that NIP",
    "campaign": "no such campaign",
    "grant": "no such grant",
    "objection": "no such objection",
    "correction": "no such correction",
    "key": "no such key",
    "agency": "no such agency",
    "override": "no such override",
    "recommendation": "no such recommendation",
    "decree": "no such decree",
    "announcement": "no such announcement",
    "meeting": "no such meeting",
    "selection": "no such selection",
    "record": "no such record",
}
"""The one detail text of a missing object of each kind (also for one behind a wall)."""


def reaches(who: Principal, action: str, agency: str, grants: Collection[str] = ()) -> bool:
    """Whether ``who`` reaches ``agency``'s objects for ``action`` (walls and grants only)."""
    if who.role in EVERYWHERE or (who.role == "admin" and who.agency_id is None):
        return True
    if agency == who.agency_id:
        return True
    return action in GRANTABLE and agency in grants


def authorize(
    who: Principal,
    action: str,
    agency: str | None,
    grants: Collection[str],
    kind: str,
    owner: str | None = None,
) -> None:
    """Allow ``who`` to do ``action`` on a ``kind`` object of ``agency``, or raise.

    Parameters
    ----------
    who : Principal
        The signed-in caller.
    action : str
        One of :data:`ACTIONS` (``shortlist.create``, ``candidate.read``...).
    agency : str or None
        The object's agency; ``None`` when the object does not exist.
    grants : collection of str
        The agencies whose pools ``who``'s agency holds a grant for, now.
    kind : str
        The object's kind, a key of :data:`MISSING` (the 404's detail).
    owner : str or None
        The NIP of the person the object is about; an :data:`OWN` action needs it to be the
        caller's own NIP (anyone else's record is a missing one).

    Raises
    ------
    ForbiddenError
        The role never may do ``action`` (whatever the object).
    NotFoundError
        The object is missing or behind a wall: the same detail either way.
    """
    allowed(who, action)
    if agency is None or not reaches(who, action, agency, grants):
        raise NotFoundError(MISSING[kind])
    if action in OWN and (who.nip is None or owner != who.nip):
        raise NotFoundError(MISSING[kind])


def allowed(who: Principal, action: str) -> None:
    """Raise ForbiddenError unless ``who``'s role may ever do ``action`` (no object needed)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    if action not in PERMISSIONS.get(who.role, frozenset()):
        raise ForbiddenError(f"the {who.role} role may not do {action}")


def scope(who: Principal, action: str, grants: Collection[str] = ()) -> frozenset[str] | None:
    """The agencies ``who`` reaches for ``action``; ``None`` for every agency."""
    if who.role in EVERYWHERE or (who.role == "admin" and who.agency_id is None):
        return None
    own = frozenset({who.agency_id}) if who.agency_id else frozenset()
    return own | frozenset(grants) if action in GRANTABLE else own


def report_agency(
    who: Principal, action: str, agency: str | None, grants: Collection[str] = ()
) -> str | None:
    """The agency a report for ``action`` covers (None: all), or raise.

    The one asked for if ``who`` reaches it (another agency is a missing one); otherwise the
    caller's own when it does not reach every agency.
    """
    allowed(who, action)
    if agency is not None:
        authorize(who, action, agency, grants, "agency")
        return agency
    return None if scope(who, action, grants) is None else who.agency_id
