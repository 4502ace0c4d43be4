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
from fastapi.staticfiles import StaticFiles

from features.errors import JobfitError
from serving import audit, errors
from serving.db import make_engine, upgrade
from serving.engine import Engine
from serving.routers import api, campaigns, decisions, pages
from serving.routers.deps import principal
from serving.runtime import Runtime, RuntimeHolder
from serving.settings import ServiceSettings

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
    settings: ServiceSettings, data_dir: Path | None = None, engine: Engine | None = None
) -> FastAPI:
    """The service. The lifespan loads the export and the champion once (or takes ``engine``).

    Everything a reload replaces lives in ``app.state.runtime`` (:class:`RuntimeHolder`).
    """
    holder = RuntimeHolder(settings, Path(data_dir or settings.data_dir))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        db = make_engine(settings.database_url)
        upgrade(db)
        audit.install(db, settings)
        audit.checkpoint(db)
        app.state.db = db
        if engine is None:
            holder.load()
        else:
            holder.swap(Runtime.over(engine))
        yield
        audit.checkpoint(db)
        db.dispose()

    app = FastAPI(
        title="asn-jobfit",
        version="0.1.0",
        lifespan=lifespan,
        description="Explained, rule-checked job-fit shortlists for ASN mutasi. "
        "The system recommends; the committee decides.",
    )
    app.state.settings = settings
    app.state.runtime = holder
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    errors.install(app)
    app.include_router(api.router)
    app.include_router(decisions.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=Path(__file__).with_name("static")), name="static")
    app.include_router(campaigns.build_router(principal))
    return app


def reload_on_hangup(app: FastAPI) -> None:
    """``kill -HUP <pid>`` reloads the champion, in a thread (call from the main thread)."""
    holder: RuntimeHolder = app.state.runtime

    def reload() -> None:
        try:
            holder.reload()
        except JobfitError as error:
            logger.warning("reload on SIGHUP failed, the model in use stays: %s", error)

    signal.signal(signal.SIGHUP, lambda *_: threading.Thread(target=reload, daemon=True).start())
