"""Inter-agency grants over HTTP: an agency's admin opens its pool to another for a time."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from serving import grants
from serving.routers.deps import Allowed, Database, Ready

router = APIRouter(prefix="/v1/grants", tags=["grants"])
Agency = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


class GrantIn(BaseModel):
    """A grant of ``from_agency``'s pool to ``to_agency`` (PP 11/2017 Pasal 190(1)-(2))."""

    model_config = ConfigDict(extra="forbid")

    from_agency: Agency
    to_agency: Agency
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=10, max_length=2000)]
    days: Annotated[int, Field(ge=1, le=grants.MAX_DAYS)] = 30


class GrantOut(BaseModel):
    grant_id: str
    from_agency: str
    to_agency: str
    granted_by: str
    reason: str
    valid_from: str
    valid_until: str
    revoked: bool


@router.post("", response_model=GrantOut, status_code=201)
def create(body: GrantIn, access: Allowed, db: Database, current: Ready) -> Any:
    """Record and audit a time-limited grant (the pool owner's admin, or a service admin)."""
    known = frozenset(current.export.employees["agency_id"].astype(str))
    return grants.create_grant(
        db, access.who, body.from_agency, body.to_agency, body.reason, body.days, known
    )


@router.get("", response_model=list[GrantOut])
def listed(access: Allowed, db: Database) -> Any:
    """The grants from or to the caller's agency (all for a service admin)."""
    return grants.list_grants(db, access.who)


@router.delete("/{grant_id}", status_code=204, response_class=Response)
def revoke(
    grant_id: Annotated[str, Path(pattern=r"^[0-9a-f]{12}$")], access: Allowed, db: Database
) -> Response:
    """Revoke a grant at once (audited)."""
    grants.revoke_grant(db, access.who, grant_id)
    return Response(status_code=204)
