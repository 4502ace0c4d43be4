"""JPT selections over the API (thin handlers over ``serving.selections``)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Response
from fastapi import Path as PathParam
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from features.errors import NotFoundError
from serving.routers.deps import Allowed, Database, Lang, Ready, Settings
from serving.selections import documents, fit, rules, service

router = APIRouter(tags=["selections"])
SelectionId = Annotated[str, PathParam(pattern=r"^[0-9a-f-]{36}$", description="Selection id.")]
ProposalId = Annotated[int, PathParam(ge=1, le=2**31 - 1)]
StageId = Literal["administrative", "managerial", "technical", "interview", "track_record"]
Nip = Annotated[str, Field(pattern=r"^\d{18}$")]
Id = Annotated[str, StringConstraints(min_length=1, max_length=128)]
LongText = Annotated[str, StringConstraints(max_length=4000)]


class OpeningIn(BaseModel):
    """A selection to open: kind, title, the agency's JPT posts and its panel."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["open", "jobfit"]
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=5, max_length=200)]
    position_ids: Annotated[list[Id], Field(min_length=1, max_length=20)]
    panel_user_ids: Annotated[list[Id], Field(min_length=3, max_length=15)]
    chair_user_id: Id
    deadlines: Annotated[dict[StageId, date], Field(max_length=5)] = {}


class CandidateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    nip: Nip
    position_id: Id


class DeclarationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["none", "relation", "recused"]
    related_nips: Annotated[list[Nip], Field(max_length=100)] = []
    statement: LongText | None = None


class ResultIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    nip: Nip
    stage: StageId
    score: Annotated[float, Field(ge=0, le=100)]
    note: LongText | None = None


class AnnouncementIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    stage: StageId


class ProposalIn(BaseModel):
    """The three names of a post: a reason per NIP, and why they differ from the model's."""

    model_config = ConfigDict(extra="forbid")

    position_id: Id
    reasons: Annotated[dict[str, LongText], Field(max_length=3)]
    divergence_reason: LongText | None = None


class AnswerIn(BaseModel):
    """The PPK chooses one of the three (``nip``) or returns the list; ``note`` says why."""

    model_config = ConfigDict(extra="forbid")

    outcome: Literal["chosen", "returned"]
    nip: Nip | None = None
    note: LongText | None = None


@router.get("/v1/selections")
def list_selections(access: Allowed, db: Database) -> Any:
    """The selections the caller reaches, newest first."""
    return service.listing(db, access.who)


@router.post("/v1/selections", status_code=201)
def open_selection(body: OpeningIn, access: Allowed, db: Database, engine: Ready,
                   settings: Settings) -> Any:  # fmt: skip
    """Open a selection for the agency's JPT posts with its panel."""
    access.allowed("selection.manage")
    opening = service.Opening(**body.model_dump())
    positions = fit.positions_of(engine, body.position_ids)
    return service.open_selection(
        db, access.who, opening, positions, engine.as_of.date(), settings.policy_dir
    )


@router.get("/v1/selections/{selection_id}")
def get_selection(selection_id: SelectionId, access: Allowed, db: Database) -> Any:
    """The selection as recorded (stages, panel, candidates, results, announcements...)."""
    access.require("selection.read", service.agency_of(db, selection_id), "selection")
    return service.load(db, access.who, selection_id)


@router.post("/v1/selections/{selection_id}/candidates", status_code=201)
def register(selection_id: SelectionId, body: CandidateIn, access: Allowed, db: Database,
             engine: Ready) -> Any:  # fmt: skip
    """Register a candidate for one post."""
    access.require("selection.manage", service.agency_of(db, selection_id), "selection")
    employee = fit.employee_of(engine, body.nip)
    return service.register(db, access.who, selection_id, body.nip, body.position_id, employee)


@router.post("/v1/selections/{selection_id}/declarations", status_code=201)
def declare(selection_id: SelectionId, body: DeclarationIn, access: Allowed, db: Database) -> Any:
    """A panel member declares no relation, a relation to named candidates, or recuses."""
    access.require("selection.score", service.agency_of(db, selection_id), "selection")
    return service.declare(
        db, access.who, selection_id, body.kind, body.related_nips, body.statement
    )


@router.post("/v1/selections/{selection_id}/results", status_code=201)
def enter_result(selection_id: SelectionId, body: ResultIn, access: Allowed, db: Database) -> Any:
    """A panel member's score for a candidate at the stage now running."""
    access.require("selection.score", service.agency_of(db, selection_id), "selection")
    return service.enter_result(
        db, access.who, selection_id, body.nip, body.stage, body.score, body.note
    )


@router.post("/v1/selections/{selection_id}/announcements", status_code=201)
def announce(selection_id: SelectionId, body: AnnouncementIn, access: Allowed,
             db: Database) -> Any:  # fmt: skip
    """Announce who passes the stage now running (no scores)."""
    access.require("selection.score", service.agency_of(db, selection_id), "selection")
    return service.announce(db, access.who, selection_id, body.stage)


@router.get("/v1/selections/{selection_id}/announcements/{stage}.pdf", response_class=Response)
def announcement_pdf(selection_id: SelectionId, stage: StageId, access: Allowed, db: Database,
                     engine: Ready, lang: Lang) -> Response:  # fmt: skip
    """A stage's announcement as PDF: who passes, per post."""
    access.require("selection.read", service.agency_of(db, selection_id), "selection")
    whole = service.load(db, access.who, selection_id)
    if stage not in {a["stage"] for a in whole["announcements"]}:
        raise NotFoundError("no announcement of that stage")
    names = fit.names_of(engine, [c["nip"] for c in whole["candidates"]])
    return _pdf(documents.announcement(whole, stage, names, lang), f"pengumuman-{stage}.pdf")


@router.get("/v1/selections/{selection_id}/fit")
def model_fit(selection_id: SelectionId, access: Allowed, db: Database, engine: Ready,
              lang: Lang) -> Any:  # fmt: skip
    """The model's fit per candidate and post, and the panel's ranking beside the model's."""
    access.require("selection.read", service.agency_of(db, selection_id), "selection")
    whole = service.load(db, access.who, selection_id)
    fits = fit.model_fit(engine, whole, lang)
    return {
        "fit": fits,
        "side_by_side": {
            p["position_id"]: fit.side_by_side(whole, fits, p["position_id"])
            for p in whole["posts"]
        },
    }


@router.post("/v1/selections/{selection_id}/proposals", status_code=201)
def propose(selection_id: SelectionId, body: ProposalIn, access: Allowed, db: Database,
            engine: Ready, lang: Lang) -> Any:  # fmt: skip
    """The chair proposes the three names of a post from the panel's final ranking."""
    access.require("selection.score", service.agency_of(db, selection_id), "selection")
    whole = service.load(db, access.who, selection_id)
    fits = fit.model_fit(engine, whole, lang)
    order = fit.model_order(fits, body.position_id)
    return service.propose(
        db, access.who, selection_id, body.position_id, body.reasons, order,
        body.divergence_reason, fit.failed_hard(fits, body.position_id),
    )  # fmt: skip


@router.get("/v1/selections/{selection_id}/berita-acara.pdf", response_class=Response)
def minutes_pdf(selection_id: SelectionId, access: Allowed, db: Database, engine: Ready,
                lang: Lang) -> Response:  # fmt: skip
    """The panel's berita acara (the three names per post, with reasons) as PDF."""
    access.require("selection.read", service.agency_of(db, selection_id), "selection")
    whole = service.load(db, access.who, selection_id)
    if not whole["proposals"]:
        raise NotFoundError("no proposal yet")
    return _pdf(minutes(engine, whole, lang), "berita-acara-seleksi.pdf")


def minutes(engine: Any, whole: dict[str, Any], lang: str) -> bytes:
    """The berita acara of ``whole`` with names and the model's order from ``engine``."""
    fits = fit.model_fit(engine, whole, lang)
    sides = {
        p["position_id"]: fit.side_by_side(whole, fits, p["position_id"]) for p in whole["posts"]
    }
    names = fit.names_of(engine, [c["nip"] for c in whole["candidates"]])
    return documents.berita_acara(whole, names, sides, lang)


@router.post("/v1/selections/{selection_id}/proposals/{proposal_id}/answer", status_code=201)
def answer(selection_id: SelectionId, proposal_id: ProposalId, body: AnswerIn, access: Allowed,
           db: Database) -> Any:  # fmt: skip
    """The PPK chooses one of the three names, or returns the list with a note."""
    access.require("selection.choose", service.agency_of(db, selection_id), "selection")
    return service.answer(
        db, access.who, selection_id, proposal_id, body.outcome, body.nip, body.note
    )


@router.get("/v1/selection-stages")
def stages(access: Allowed, settings: Settings) -> Any:
    """The stages, weights and pass marks the caller's agency policy gives now."""
    access.allowed("selection.read")
    found, source = rules.for_agency(settings.policy_dir, access.who.agency_id or "")
    return {"policy": source, **found.model_dump()}


def _pdf(body: bytes, name: str) -> Response:
    return Response(
        body,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
