"""Talent management over HTTP: pools, succession for key posts, development plans.

Every route asks the one policy (``talent.read``: committee, PPK, admin and auditor, inside the
agencies they reach); another agency's post or NIP answers like a missing one. An export
without ``key_posts`` answers 200 with ``status: no_data`` and no key posts.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response
from pydantic import BaseModel

from features import i18n
from features.errors import NotFoundError
from serving import talent
from serving.engine import Engine
from serving.routers.api import agency_of_nip, visible_position
from serving.routers.deps import Access, Allowed, Lang, Ready

router = APIRouter(prefix="/v1/talent", tags=["talent"])

AgencyId = Annotated[str | None, Query(min_length=1, max_length=64)]
Family = Annotated[str | None, Query(min_length=1, max_length=64)]
UnitId = Annotated[str | None, Query(min_length=1, max_length=128)]
PositionId = Annotated[str, Path(min_length=1, max_length=128)]
Nip = Annotated[str, Path(pattern=r"^\d{18}$")]
Standing = Literal["pool", "near"]
Readiness = Literal["ready_now", "ready_later", "not_yet"]


class FailedRule(BaseModel):
    """A hard rule of the next level (or of the key post) not yet met."""

    rule_id: str
    message: str
    citation: str


class CompetencyGap(BaseModel):
    """A competency below the next level's standard, and by how much."""

    competency: str
    level: float
    standard: float
    gap: float


class Member(BaseModel):
    """A person in a talent pool (boxes 7-9) or near it (5-6), against the next level."""

    nip: str
    name: str
    agency_id: str
    unit_id: str
    position_id: str
    job_family: str
    level: str
    next_level: str
    reference_post: str
    talent_box: int
    jpm: float | None
    standing: Standing
    readiness: Readiness
    eligible: bool
    failed_rules: list[FailedRule]
    competency_gaps: list[CompetencyGap]


class PoolSize(BaseModel):
    """One pool: an agency's job family and level, its sizes and readiness."""

    agency_id: str
    job_family: str
    level: str
    next_level: str
    pool: int
    near: int
    ready_now: int
    ready_later: int
    not_yet: int


class Pools(BaseModel):
    """The talent pools of one agency (or every one the caller reaches)."""

    status: Literal["ok", "no_pool"]
    message: str
    agency_id: str | None
    pools: list[PoolSize]
    members: list[Member]


class KeyPost(BaseModel):
    """A post marked critical for succession, with its succession list's sizes."""

    position_id: str
    title: str
    agency_id: str
    unit_id: str
    unit_name: str
    position_type: str
    job_family: str
    is_vacant: bool
    reason: str
    critical_since: date | None
    ready_now: int
    ready_later: int


class KeyPosts(BaseModel):
    """The key posts of one agency (or every one the caller reaches)."""

    status: Literal["ok", "no_data"]
    message: str
    agency_id: str | None
    key_posts: list[KeyPost]


class Successor(BaseModel):
    """One successor: the engine's rank in its list, box, readiness and the rules it fails."""

    rank: int
    nip: str
    name: str
    unit_id: str
    position_id: str
    talent_box: int
    standing: Standing
    readiness: Readiness
    eligible: bool
    failed_rules: list[FailedRule]


class ModelRef(BaseModel):
    name: str
    version: str


class Succession(BaseModel):
    """A key post's succession list: ready now and ready later, from the engine's ranking."""

    position_id: str
    title: str
    agency_id: str
    as_of: date
    model: ModelRef
    data_hash: str
    pool_size: int
    ready_now: list[Successor]
    ready_later: list[Successor]


class Training(BaseModel):
    name: str
    kind: str
    hours: float


class PlannedGap(CompetencyGap):
    """A competency gap with the trainings the export's catalogue offers for it."""

    trainings: list[Training]


class Development(BaseModel):
    """One pool member's development plan against the next level."""

    nip: str
    name: str
    agency_id: str
    unit_id: str
    position_id: str
    job_family: str
    level: str
    next_level: str
    reference_post: str
    talent_box: int
    jpm: float | None
    standing: Standing
    readiness: Readiness
    eligible: bool
    failed_rules: list[FailedRule]
    competency_gaps: list[PlannedGap]
    leadership_training: str | None


def key_posts_of(engine: Engine, agency_id: str | None, lang: str) -> dict[str, Any]:
    """The key posts of a scope with their succession lists' sizes (API and page)."""
    posts = talent.key_posts(engine, agency_id)
    for post in posts:
        body = talent.succession(engine, engine.position(post["position_id"]), lang)
        post.update(ready_now=len(body["ready_now"]), ready_later=len(body["ready_later"]))
    status = "no_data" if engine.export.key_posts.empty else "ok"
    message = i18n.text(f"talent.status.{status}", lang)
    return {"status": status, "message": message, "agency_id": agency_id, "key_posts": posts}


def key_post(engine: Engine, access: Access, position_id: str) -> dict[str, Any]:
    """A key post the caller reaches; another agency's, or a post not marked key, is missing."""
    position = visible_position(engine, access, "talent.read", position_id)
    if position_id not in set(engine.export.key_posts["position_id"]):
        raise NotFoundError("no such position")
    return position


def file_name(kind: str, key: str | None, ext: str) -> str:
    """A download's name: the key (user input) in safe characters."""
    safe = re.sub(r"[^A-Za-z0-9_-]", "_", key or "all")[:64]
    return f"talent-{kind}-{safe}.{ext}"


def attachment(content: str | bytes, media: str, name: str) -> Response:
    return Response(
        content, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.get("/pools", response_model=Pools)
def pools(
    access: Allowed,
    current: Ready,
    lang: Lang,
    agency_id: AgencyId = None,
    job_family: Family = None,
    unit_id: UnitId = None,
) -> Any:
    """The talent pools per job family and level and their members, each with readiness for
    the next level and what separates them from it."""
    agency_id = access.report_agency("talent.read", agency_id)
    members = talent.pools(current, lang, agency_id, job_family, unit_id)
    status = "ok" if len(members) else "no_pool"
    return {
        "status": status,
        "message": i18n.text(f"talent.status.{status}", lang),
        "agency_id": agency_id,
        "pools": talent.summary(members),
        "members": members.to_dict("records"),
    }


@router.get("/pools.csv", response_class=Response)
def pools_csv(
    access: Allowed,
    current: Ready,
    lang: Lang,
    agency_id: AgencyId = None,
    job_family: Family = None,
) -> Response:
    """The pool members as CSV (headers only when there are none)."""
    agency_id = access.report_agency("talent.read", agency_id)
    members = talent.pools(current, lang, agency_id, job_family)
    csv = talent.to_csv(members)
    return attachment(csv, "text/csv; charset=utf-8", file_name("pools", agency_id, "csv"))


@router.get("/key-posts", response_model=KeyPosts)
def key_posts(access: Allowed, current: Ready, lang: Lang, agency_id: AgencyId = None) -> Any:
    """The key posts of the caller's agency (or the one asked), with their succession sizes."""
    agency_id = access.report_agency("talent.read", agency_id)
    return key_posts_of(current, agency_id, lang)


@router.get("/succession/{position_id}", response_model=Succession)
def succession(position_id: PositionId, access: Allowed, current: Ready, lang: Lang) -> Any:
    """A key post's ready-now and ready-later successors."""
    return talent.succession(current, key_post(current, access, position_id), lang)


@router.get("/succession/{position_id}/export.csv", response_class=Response)
def succession_csv(
    position_id: PositionId, access: Allowed, current: Ready, lang: Lang
) -> Response:
    """A key post's succession list as CSV."""
    body = talent.succession(current, key_post(current, access, position_id), lang)
    name = file_name("succession", position_id, "csv")
    return attachment(talent.succession_csv(body), "text/csv; charset=utf-8", name)


@router.get("/succession/{position_id}/export.pdf", response_class=Response)
def succession_pdf(
    position_id: PositionId, access: Allowed, current: Ready, lang: Lang
) -> Response:
    """A key post's succession list as a PDF for the leadership (Indonesian unless asked)."""
    body = talent.succession(current, key_post(current, access, position_id), lang)
    name = file_name("succession", position_id, "pdf")
    return attachment(talent.succession_pdf(body, lang), "application/pdf", name)


@router.get("/development/{nip}", response_model=Development)
def development(nip: Nip, access: Allowed, current: Ready, lang: Lang) -> Any:
    """A pool member's development plan: competency gaps against the next level's standard
    and the trainings the export's catalogue offers for each."""
    access.require("talent.read", agency_of_nip(current, nip), "candidate")
    return talent.development(current, nip, lang)
