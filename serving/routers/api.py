"""The /v1 API and /health: thin handlers over the engine and the stored-shortlist service."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse

from features.errors import ForbiddenError, InputError, NotFoundError
from serving import shortlists
from serving.auth import Principal
from serving.engine import Engine
from serving.routers.deps import (
    Caller,
    Current,
    Database,
    Holder,
    Lang,
    Ready,
    Settings,
    ShortlistId,
)
from serving.runtime import Runtime
from serving.schemas import (
    CandidateFit,
    Health,
    ModelInfo,
    PositionOut,
    ServiceStatus,
    Shortlist,
    ShortlistRequest,
    TrueOrFalse,
)

router = APIRouter()


def _status(current: Runtime) -> dict[str, Any]:
    engine = current.engine
    if engine is None:
        return {"status": "not ready", "reason": current.reason}
    return {
        "status": "ready",
        "model": {"name": engine.bundle.name, "version": str(engine.bundle.version)},
    }


@router.get(
    "/health",
    response_model=Health,
    tags=["service"],
    responses={503: {"model": Health, "description": "Not ready."}},
)
def health(current: Current) -> Any:
    """Ready (200) or not ready (503), and nothing more: no model, no reason, no data."""
    if current.engine is None:
        return JSONResponse(status_code=503, content={"status": "not ready"})
    return {"status": "ready"}


@router.get("/v1/admin/status", response_model=ServiceStatus, tags=["service"])
def status(who: Caller, current: Current) -> Any:
    """The model in use, or why the service is not ready (admins only)."""
    if who.role != "admin":
        raise ForbiddenError("only an admin key may read the service's status")
    return _status(current)


def _visible_position(current: Engine, who: Principal, position_id: str) -> dict[str, Any]:
    position = current.position(position_id)
    if not who.may_see_agency(str(position["agency_id"])):
        raise NotFoundError("no such position")
    return position


@router.get("/v1/positions", response_model=list[PositionOut], tags=["positions"])
def positions(
    who: Caller,
    current: Ready,
    vacant: TrueOrFalse | None = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
) -> Any:
    """The positions the caller may see (a committee: its own agency's)."""
    frame = current.export.positions
    if who.role == "committee":
        frame = frame[frame["agency_id"] == who.agency_id]
    if vacant is not None:
        frame = frame[frame["is_vacant"] == vacant]
    return frame[list(PositionOut.model_fields)].head(limit).to_dict("records")


@router.post("/v1/shortlists", response_model=Shortlist, status_code=201, tags=["shortlists"])
def create_shortlist(
    body: ShortlistRequest,
    who: Caller,
    current: Ready,
    lang: Lang,
    db: Database,
    settings: Settings,
) -> Any:
    """Rank the eligible candidates for a vacancy, explain them, store and audit the list."""
    if who.role == "auditor":
        raise ForbiddenError("an auditor key may read, not create shortlists")
    if body.k > settings.max_k:
        raise InputError(f"k must be at most {settings.max_k}")
    if body.position_id is not None:
        position = _visible_position(current, who, body.position_id)
    else:
        position = body.position.model_dump()  # type: ignore[union-attr]
        if not who.may_see_agency(position["agency_id"]):
            raise ForbiddenError("a committee key may only ask about its own agency")
    filters = body.filters.model_dump()
    if who.role == "committee":
        filters["agency_id"] = filters["agency_id"] or who.agency_id
    return shortlists.create(
        db,
        current,
        who,
        position,
        body.k,
        lang,
        filters,
        body.model_dump(mode="json"),
    )


@router.get("/v1/shortlists/{shortlist_id}", response_model=Shortlist, tags=["shortlists"])
def read_shortlist(shortlist_id: ShortlistId, who: Caller, db: Database) -> Any:
    """A stored shortlist, exactly as it was returned."""
    return shortlists.read(db, who, shortlist_id)


@router.get("/v1/candidates/{nip}/fit", response_model=CandidateFit, tags=["candidates"])
def candidate_fit(
    nip: Annotated[str, Path(pattern=r"^\d{18}$")],
    position_id: Annotated[str, Query(min_length=1, max_length=128)],
    who: Caller,
    current: Ready,
    lang: Lang,
) -> Any:
    """One candidate for one position, explained in full, with failed rules and recourse."""
    position = _visible_position(current, who, position_id)
    return current.fit(nip, position, lang)


@router.get("/v1/model", response_model=ModelInfo, tags=["service"])
def model(who: Caller, current: Ready, settings: Settings) -> Any:
    """The model in use: name, version, alias, training metrics and feature list."""
    bundle = current.bundle
    return {
        "name": bundle.name,
        "version": str(bundle.version),
        "alias": settings.model_alias,
        "ruleset_version": current.ruleset.version,
        "code_version": bundle.code_version,
        "data_hash": bundle.data_hash,
        "metrics": {k: float(v) for k, v in bundle.metrics.items()},
        "features": list(bundle.feature_columns),
        "scoring": current.predictor.backend,
    }


@router.post("/v1/admin/reload", response_model=ServiceStatus, tags=["service"])
def reload(who: Caller, holder: Holder) -> Any:
    """Load the current champion and swap it in without a restart (admins only)."""
    if who.role != "admin":
        raise ForbiddenError("only an admin key may reload the model")
    return _status(holder.reload())
