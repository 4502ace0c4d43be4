"""The employee's API (``/v1/me/...``): the same services and policy as the ``/me`` pages.

Every route acts on the caller's own record (``self.read``/``self.write``, owner: the caller's
NIP) or the caller's agency's open posts (``post.announced``). Another agency's post answers
exactly like a missing one.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from features.errors import NotFoundError
from serving import employees
from serving.engine import Engine
from serving.policy import MISSING
from serving.routers.deps import Access, Allowed, Database, Holder, Lang, Ready, Settings
from serving.schemas import Reasons, RuleCheck

router = APIRouter(tags=["me"])
PositionId = Annotated[str, Path(min_length=1, max_length=128)]


class Requirement(BaseModel):
    """A requirement of a post in words, with its legal basis."""

    text: str
    citation: str


class MyPost(BaseModel):
    """An open post of the caller's agency, as announced."""

    position_id: str
    title: str
    unit_name: str
    closes_on: date
    requirements: list[Requirement]
    interested: bool


class Development(BaseModel):
    """Competencies below the post's standard (worst first) and trainings to consider."""

    competencies: list[str]
    trainings: list[str]


class MyFit(BaseModel):
    """The caller's fit for one open post: never a rank, never anyone else's data."""

    position_id: str
    eligible: bool
    band: str = Field(description="strongest, within_reach or below_standard")
    rules: list[RuleCheck]
    reasons: Reasons
    recourse: list[str]
    development: Development


class PreferencesIn(BaseModel):
    """Career preferences, in order of preference (at most three of each)."""

    job_families: list[Annotated[str, Field(max_length=128)]] = Field(default=[], max_length=3)
    units: list[Annotated[str, Field(max_length=128)]] = Field(default=[], max_length=3)
    regions: list[Annotated[str, Field(max_length=64)]] = Field(default=[], max_length=3)
    willing_to_move: str = Field(description="ANYWHERE, SAME_REGION or NOT_NOW")


class MoveIn(BaseModel):
    """A request to be moved at one's own request (PP 11/2017 Pasal 190)."""

    reason: str = Field(min_length=10, max_length=2000)


class Recorded(BaseModel):
    """What was stored: its id (None when it was there already) and its date."""

    id: int | None
    made_on: date


def _post(engine: Engine, access: Access, position_id: str) -> dict[str, Any]:
    agency = employees.post_agency(engine, position_id)
    access.require("post.announced", agency, "position")
    try:
        return employees.open_post(engine, str(agency), position_id)
    except NotFoundError:
        raise NotFoundError(MISSING["position"]) from None


def _own(access: Access, action: str) -> str:
    """Allow ``action`` on the caller's own record; the caller's NIP."""
    access.require(action, access.who.agency_id, "record", access.who.nip)
    return str(access.who.nip)


@router.get("/v1/me/posts", response_model=list[MyPost])
def my_posts(access: Allowed, current: Ready, db: Database, lang: Lang) -> Any:
    """My agency's open posts: unit, requirements with citations, closing date, my interest."""
    access.require("post.announced", access.who.agency_id, "position")
    mine = employees.my_interests(db, _own(access, "self.read"))
    closes = employees.closing_date(current)
    return [
        {
            **p,
            "closes_on": closes,
            "requirements": employees.requirements(current, p, lang),
            "interested": str(p["position_id"]) in mine,
        }
        for p in employees.open_posts(current, str(access.who.agency_id))
    ]


@router.get("/v1/me/posts/{position_id}/fit", response_model=MyFit)
def my_fit(position_id: PositionId, access: Allowed, current: Ready, lang: Lang) -> Any:
    """My fit for one open post: rules, band, reasons, recourse, development."""
    post = _post(current, access, position_id)
    nip = _own(access, "self.read")
    return {"position_id": position_id, **employees.my_fit(current, nip, post, lang)}


@router.post("/v1/me/posts/{position_id}/interest", response_model=Recorded, status_code=201)
def my_interest(
    position_id: PositionId, access: Allowed, current: Ready, db: Database, settings: Settings
) -> Any:
    """Express interest in an open post (once), while interest is taken (409 after)."""
    post = _post(current, access, position_id)
    _own(access, "self.write")
    today = employees.service_today(settings.as_of)
    if today > employees.closing_date(current):
        raise employees.InterestClosed("expressions of interest in this post have closed")
    made = employees.express_interest(db, access.who, post)
    return {"id": 1 if made else None, "made_on": today}


@router.post("/v1/me/preferences", response_model=Recorded, status_code=201)
def my_preferences(
    body: PreferencesIn,
    access: Allowed,
    current: Ready,
    db: Database,
    settings: Settings,
    holder: Holder,
) -> Any:
    """State my career preferences (a new dated statement; history kept)."""
    _own(access, "self.write")
    prefs = employees.Preferences(
        tuple(body.job_families), tuple(body.units), tuple(body.regions), body.willing_to_move
    )
    prefs = employees.check_preferences(current, str(access.who.agency_id), prefs)
    today = employees.service_today(settings.as_of)
    made = employees.state_preferences(db, access.who, prefs, today)
    employees.refresh_aspirations(db, holder)
    return {"id": made, "made_on": today}


@router.post("/v1/me/move-requests", response_model=Recorded, status_code=201)
def my_move_request(body: MoveIn, access: Allowed, db: Database, settings: Settings) -> Any:
    """Ask to be moved at my own request, with a reason."""
    _own(access, "self.write")
    today = employees.service_today(settings.as_of)
    return {"id": employees.request_move(db, access.who, body.reason, today), "made_on": today}
