"""The /v1 API and /health: thin handlers over the engine and the stored-shortlist service."""

from __future__ import annotations

from typing import Annotated, Any

import numpy as np
from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse

from features.errors import InputError, NotFoundError
from serving import shortlists
from serving.engine import Engine
from serving.model_info import model_age
from serving.policy import MISSING
from serving.routers.deps import (
    Access,
    Allowed,
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


def _monitor(current: Runtime) -> dict[str, Any]:
    m = current.monitor
    if m is None:
        return {"status": "none", "message": "no monitor run yet (make monitor DATA_DIR=...)"}
    return {"status": m.status, "date": m.date, "champion_version": m.champion_version,
            "reasons": list(m.reasons)}  # fmt: skip


def _status(current: Runtime, max_age_days: int) -> dict[str, Any]:
    engine = current.engine
    if engine is None:
        return {"status": "not ready", "reason": current.reason, "monitor": _monitor(current)}
    age = model_age(engine.bundle, max_age_days)
    return {
        "status": "ready",
        "model": {"name": engine.bundle.name, "version": str(engine.bundle.version)},
        "model_age_days": age.days,
        "stale": age.stale if age.days is not None else None,
        "notices": engine.bundle.version_notices(),
        "monitor": _monitor(current),
    }


@router.get(
    "/health",
    response_model=Health,
    tags=["service"],
    responses={503: {"model": Health, "description": "Not ready."}},
    response_model_exclude_none=True,
)
def health(current: Current, settings: Settings) -> Any:
    """Ready (200) or not ready (503), and the model's age in days and whether it is stale
    (when its unit says when it was trained); no model name, no reason, no data."""
    if current.engine is None:
        return JSONResponse(status_code=503, content={"status": "not ready"})
    age = model_age(current.engine.bundle, settings.max_model_age_days)
    if age.days is None:
        return {"status": "ready"}
    return {"status": "ready", "model_age_days": age.days, "stale": age.stale}


@router.get("/v1/admin/status", response_model=ServiceStatus, tags=["service"])
def status(access: Allowed, current: Current, settings: Settings) -> Any:
    """The model in use (its age, library-version notices), or why the service is not ready
    (admins only)."""
    access.allowed("admin.status")
    return _status(current, settings.max_model_age_days)


def visible_position(
    current: Engine, access: Access, action: str, position_id: str
) -> dict[str, Any]:
    """The position for ``action``; a missing one and another agency's give the same 404."""
    try:
        position = current.position(position_id)
    except NotFoundError:
        position = None
    access.require(action, position and str(position["agency_id"]), "position")
    return position  # type: ignore[return-value]


def agency_of_nip(current: Engine, nip: str) -> str | None:
    """The agency of an active employee of the pool; None when there is none."""
    rows = np.flatnonzero(current.pool.nips == nip)
    return str(current.pool.employees["agency_id"].iat[rows[0]]) if len(rows) else None


def pool_filters(current: Engine, access: Access, filters: dict[str, Any]) -> dict[str, Any]:
    """The filters with the pool's agency checked: the caller's own unless a grant opens another.

    An agency the caller does not reach answers like a missing position (finding 1).
    """
    wanted = filters.get("agency_id")
    if wanted:
        known = wanted in set(current.pool.employees["agency_id"].astype(str))
        access.require("pool.read", wanted if known else None, "position")
    elif access.scope("pool.read") is not None:
        wanted = access.who.agency_id
    return {**filters, "agency_id": wanted}


@router.get("/v1/positions", response_model=list[PositionOut], tags=["positions"])
def positions(
    access: Allowed,
    current: Ready,
    vacant: TrueOrFalse | None = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
) -> Any:
    """The positions the caller may see (a committee: its own agency's)."""
    access.allowed("position.read")
    frame, reach = current.export.positions, access.scope("position.read")
    if reach is not None:
        frame = frame[frame["agency_id"].isin(reach)]
    if vacant is not None:
        frame = frame[frame["is_vacant"] == vacant]
    return frame[list(PositionOut.model_fields)].head(limit).to_dict("records")


@router.post("/v1/shortlists", response_model=Shortlist, status_code=201, tags=["shortlists"])
def create_shortlist(
    body: ShortlistRequest,
    access: Allowed,
    current: Ready,
    lang: Lang,
    db: Database,
    settings: Settings,
) -> Any:
    """Rank the eligible candidates for a vacancy, explain them, store and audit the list."""
    access.allowed("shortlist.create")
    if body.k > settings.max_k:
        raise InputError(f"k must be at most {settings.max_k}")
    if body.position_id is not None:
        position = visible_position(current, access, "shortlist.create", body.position_id)
    else:
        position = body.position.model_dump()  # type: ignore[union-attr]
        access.require("shortlist.create", position["agency_id"], "position")
    filters = pool_filters(current, access, body.filters.model_dump())
    return shortlists.create(
        db,
        current,
        access.who,
        position,
        body.k,
        lang,
        filters,
        body.model_dump(mode="json"),
    )


@router.get("/v1/shortlists/{shortlist_id}", response_model=Shortlist, tags=["shortlists"])
def read_shortlist(shortlist_id: ShortlistId, access: Allowed, db: Database) -> Any:
    """A stored shortlist, exactly as it was returned."""
    access.require("shortlist.read", shortlists.agency_of(db, shortlist_id), "shortlist")
    return shortlists.read(db, access.who, shortlist_id)


@router.get("/v1/candidates/{nip}/fit", response_model=CandidateFit, tags=["candidates"])
def candidate_fit(
    nip: Annotated[str, Path(pattern=r"^\d{18}$")],
    position_id: Annotated[str, Query(min_length=1, max_length=128)],
    access: Allowed,
    current: Ready,
    lang: Lang,
) -> Any:
    """One candidate for one position, explained in full, with failed rules and recourse.

    Another agency's NIP (without a grant) answers exactly like an unknown one (finding 2).
    """
    position = visible_position(current, access, "position.read", position_id)
    access.require("candidate.read", agency_of_nip(current, nip), "candidate")
    try:
        return current.fit(nip, position, lang)
    except NotFoundError:
        raise NotFoundError(MISSING["candidate"]) from None


@router.get("/v1/model", response_model=ModelInfo, tags=["service"])
def model(access: Allowed, current: Ready, settings: Settings) -> Any:
    """The model in use: name, version, alias, training metrics, feature list, its age against
    the configured maximum, and its model card (Markdown)."""
    access.allowed("model.read")
    bundle = current.bundle
    age = model_age(bundle, settings.max_model_age_days)
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
        "trained_at": bundle.trained_at,
        "age_days": age.days,
        "max_age_days": age.max_days,
        "stale": age.stale,
        "model_card": bundle.model_card,
    }


@router.post("/v1/admin/reload", response_model=ServiceStatus, tags=["service"])
def reload(access: Allowed, holder: Holder) -> Any:
    """Load the current champion and swap it in without a restart (admins only)."""
    access.allowed("admin.reload")
    return _status(holder.reload(), holder.settings.max_model_age_days)
