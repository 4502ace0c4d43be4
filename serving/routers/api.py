"""The /v1 API and /health: thin handlers over the engine and the stored-shortlist service."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Request
from fastapi.responses import JSONResponse

from serving import shortlists
from serving.auth import Principal, authenticate
from serving.engine import Engine, InputError, NotFoundError
from serving.errors import ForbiddenError, problem
from serving.schemas import (
    CandidateFit,
    Health,
    ModelInfo,
    PositionOut,
    Shortlist,
    ShortlistRequest,
)


def principal(request: Request, authorization: Annotated[str | None, Header()] = None) -> Principal:
    """The caller, from ``Authorization: Bearer <key>`` (401 otherwise)."""
    return authenticate(request.app.state.db, authorization)


def engine(request: Request) -> Engine:
    """The engine in use now; a request keeps it even if a reload swaps it meanwhile."""
    current = request.app.state.engine
    if current is None:
        raise InputError(f"the service is not ready: {request.app.state.engine_error}")
    return current


def language(accept_language: Annotated[str | None, Header()] = None) -> str:
    """English when the client prefers it; Indonesian otherwise."""
    return "en" if (accept_language or "").lower().startswith("en") else "id"


Caller = Annotated[Principal, Depends(principal)]
Ready = Annotated[Engine, Depends(engine)]
Lang = Annotated[str, Depends(language)]
ShortlistId = Annotated[str, Path(pattern=r"^[0-9a-f-]{36}$", description="Shortlist id.")]

router = APIRouter()


@router.get("/health", response_model=Health, tags=["service"])
def health(request: Request) -> Any:
    """Ready (200) with the model in use, or not ready (503) with the reason."""
    current = request.app.state.engine
    if current is None:
        return JSONResponse(
            status_code=503,
            content={"status": "unavailable", "reason": request.app.state.engine_error},
        )
    return {
        "status": "ok",
        "model": {"name": current.bundle.name, "version": str(current.bundle.version)},
    }


def _visible_position(current: Engine, who: Principal, position_id: str) -> dict[str, Any]:
    position = current.position(position_id)
    if not who.may_see_agency(str(position["agency_id"])):
        raise NotFoundError(f"no position {position_id!r}")
    return position


@router.get("/v1/positions", response_model=list[PositionOut], tags=["positions"])
def positions(
    who: Caller,
    current: Ready,
    vacant: bool | None = None,
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
    body: ShortlistRequest, request: Request, who: Caller, current: Ready, lang: Lang
) -> Any:
    """Rank the eligible candidates for a vacancy, explain them, store and audit the list."""
    if who.role == "auditor":
        raise ForbiddenError("an auditor key may read, not create shortlists")
    settings = request.app.state.settings
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
        request.app.state.db,
        current,
        who,
        position,
        body.k,
        lang,
        filters,
        body.model_dump(mode="json"),
    )


@router.get("/v1/shortlists/{shortlist_id}", response_model=Shortlist, tags=["shortlists"])
def read_shortlist(shortlist_id: ShortlistId, request: Request, who: Caller) -> Any:
    """A stored shortlist, exactly as it was returned."""
    return shortlists.read(request.app.state.db, who, shortlist_id)


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
def model(request: Request, who: Caller, current: Ready) -> Any:
    """The model in use: name, version, alias, training metrics and feature list."""
    bundle = current.bundle
    return {
        "name": bundle.name,
        "version": str(bundle.version),
        "alias": request.app.state.settings.model_alias,
        "ruleset_version": current.ruleset.version,
        "code_version": bundle.code_version,
        "data_hash": bundle.data_hash,
        "metrics": {k: float(v) for k, v in bundle.metrics.items()},
        "features": list(bundle.feature_columns),
        "scoring": current.predictor.backend,
    }


@router.post("/v1/admin/reload", response_model=Health, tags=["service"])
def reload(request: Request, who: Caller) -> Any:
    """Load the current champion and swap it in without a restart (admins only)."""
    if who.role != "admin":
        raise ForbiddenError("only an admin key may reload the model")
    from serving.app import reload_champion

    new = reload_champion(request.app)
    return {"status": "ok", "model": {"name": new.bundle.name, "version": str(new.bundle.version)}}


def not_found(detail: str) -> JSONResponse:
    """A 404 problem."""
    return problem(404, "Not Found", detail)
