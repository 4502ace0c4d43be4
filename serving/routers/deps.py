"""The dependencies every router shares: the caller, the runtime, the language, common paths.

One place reads the request's app state; routers and the page get what they need from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import sqlalchemy as sa
from fastapi import Depends, Header, Path, Request

from features import i18n
from serving import policy
from serving.auth import Principal, authenticate
from serving.engine import Engine
from serving.grants import active_grants
from serving.runtime import Runtime, RuntimeHolder
from serving.settings import ServiceSettings


def database(request: Request) -> sa.Engine:
    """The service database."""
    return request.app.state.db


def settings(request: Request) -> ServiceSettings:
    """The service's settings."""
    return request.app.state.settings


def runtime_holder(request: Request) -> RuntimeHolder:
    """The holder of the runtime (what a reload swaps)."""
    return request.app.state.runtime


def runtime(request: Request) -> Runtime:
    """The runtime in use now; a request keeps it even if a reload swaps it meanwhile."""
    return request.app.state.runtime.current


def principal(
    db: Annotated[sa.Engine, Depends(database)],
    authorization: Annotated[str | None, Header()] = None,
) -> Principal:
    """The caller, from ``Authorization: Bearer <key>`` (401 otherwise)."""
    return authenticate(db, authorization)


@dataclass(frozen=True)
class Access:
    """The caller and the grants its agency holds now: what :mod:`serving.policy` decides on.

    Every route, API and page, checks through this one object.
    """

    who: Principal
    grants: frozenset[str]

    def require(self, action: str, agency: str | None, kind: str, owner: str | None = None) -> None:
        """Allow ``action`` on a ``kind`` object of ``agency`` (None: missing), or raise.

        ``owner``: the NIP the object is about (an own-record action needs the caller's)."""
        policy.authorize(self.who, action, agency, self.grants, kind, owner)

    def allowed(self, action: str) -> None:
        """Raise ForbiddenError unless the caller's role may ever do ``action``."""
        policy.allowed(self.who, action)

    def scope(self, action: str) -> frozenset[str] | None:
        """The agencies the caller reaches for ``action`` (None: every agency)."""
        return policy.scope(self.who, action, self.grants)

    def report_agency(self, action: str, agency: str | None) -> str | None:
        """The agency a report covers: the one asked for if reached, else the caller's own
        when it does not reach every agency (None: all)."""
        return policy.report_agency(self.who, action, agency, self.grants)

    def reaches(self, action: str, agency: str) -> bool:
        """Whether the caller reaches ``agency``'s objects for ``action``."""
        return policy.reaches(self.who, action, agency, self.grants)


def access_of(db: sa.Engine, who: Principal) -> Access:
    """The :class:`Access` of ``who`` (its agency's live grants read now)."""
    return Access(who, active_grants(db, who.agency_id))


def access(
    db: Annotated[sa.Engine, Depends(database)], who: Annotated[Principal, Depends(principal)]
) -> Access:
    """The caller's access (401 without a valid key)."""
    return access_of(db, who)


def ready_engine(current: Annotated[Runtime, Depends(runtime)]) -> Engine:
    """The engine in use now, or 503 saying why the service is not ready."""
    return current.ready()


def language(accept_language: Annotated[str | None, Header()] = None) -> str:
    """English when the client prefers it; Indonesian otherwise."""
    return i18n.language(accept_language)


Caller = Annotated[Principal, Depends(principal)]
Allowed = Annotated[Access, Depends(access)]
Holder = Annotated[RuntimeHolder, Depends(runtime_holder)]
Current = Annotated[Runtime, Depends(runtime)]
Ready = Annotated[Engine, Depends(ready_engine)]
Lang = Annotated[str, Depends(language)]
Database = Annotated[sa.Engine, Depends(database)]
Settings = Annotated[ServiceSettings, Depends(settings)]
ShortlistId = Annotated[str, Path(pattern=r"^[0-9a-f-]{36}$", description="Shortlist id.")]
