"""``create_app(settings)``: the FastAPI application, its lifespan and its routers."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from features.errors import JobfitError
from serving import errors
from serving.db import make_engine, upgrade
from serving.engine import Engine
from training.settings import Settings

logger = logging.getLogger(__name__)


class BodyLimit:
    """Refuse request bodies larger than ``limit`` bytes with 413 (ASGI middleware)."""

    def __init__(self, app: Callable[..., Awaitable[None]], limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            length = dict(scope.get("headers", [])).get(b"content-length")
            if length is not None and (not length.isdigit() or int(length) > self.limit):
                response = errors.problem(
                    413, "Content Too Large", f"the request body must be at most {self.limit} bytes"
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def create_app(
    settings: Settings, data_dir: Path | None = None, engine: Engine | None = None
) -> FastAPI:
    """The service. The lifespan loads the export and the champion once (or takes ``engine``)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        db = make_engine(settings.database_url)
        upgrade(db)
        app.state.db = db
        app.state.engine, app.state.engine_error = engine, None
        if engine is None:
            try:
                app.state.engine = Engine.load(settings, app.state.data_dir)
            except JobfitError as error:
                app.state.engine_error = str(error)
                logger.warning("service not ready: %s", error)
        _attach_campaigns(app)
        yield
        db.dispose()

    app = FastAPI(
        title="asn-jobfit",
        version="0.1.0",
        lifespan=lifespan,
        description="Explained, rule-checked job-fit shortlists for ASN mutasi. "
        "The system recommends; the committee decides.",
    )
    app.state.settings = settings
    app.state.data_dir = Path(data_dir or settings.data_dir)
    app.state.engine, app.state.engine_error = engine, "starting"
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    errors.install(app)
    _include_routers(app)
    return app


def reload_champion(app: FastAPI) -> Engine:
    """Load the current champion and swap it in (the admin endpoint and SIGHUP both call this).

    Requests in flight keep the engine they started with; the data and its prepared pool are
    kept, only the model (and its rule set and compiled copy) changes.
    """
    from training.registry import load_champion

    settings = app.state.settings
    current: Engine | None = app.state.engine
    if current is None:
        new = Engine.load(settings, app.state.data_dir)
    else:
        new = current.with_bundle(load_champion(settings), settings)
    app.state.engine, app.state.engine_error = new, None
    logger.info("champion in use: %s v%s", new.bundle.name, new.bundle.version)
    return new


def reload_on_hangup(app: FastAPI) -> None:
    """``kill -HUP <pid>`` reloads the champion, in a thread (call from the main thread)."""

    def reload() -> None:
        try:
            reload_champion(app)
        except JobfitError as error:
            logger.warning("reload on SIGHUP failed, the model in use stays: %s", error)

    signal.signal(signal.SIGHUP, lambda *_: threading.Thread(target=reload, daemon=True).start())


def _include_routers(app: FastAPI) -> None:
    from fastapi.staticfiles import StaticFiles

    from serving.routers import api, campaigns, decisions, pages
    from serving.routers.api import principal

    app.include_router(api.router)
    app.include_router(decisions.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=Path(__file__).with_name("static")), name="static")
    app.include_router(campaigns.build_router(principal))


def _attach_campaigns(app: FastAPI) -> None:
    """Give the campaigns router its runtime over the engine's pool and champion."""
    from serving import campaigns
    from serving.tables import campaigns as campaign_table

    current: Engine | None = app.state.engine
    app.state.campaigns = None
    if current is None:
        return
    scorer = campaigns.RankerScorer(current)
    app.state.campaigns = campaigns.CampaignRuntime(
        export=current.export,
        scorer=scorer,
        model=f"{current.bundle.name} v{current.bundle.version}",
        db=app.state.db,
        table=campaign_table,
    )
