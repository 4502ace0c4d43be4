"""``create_app(settings)``: the FastAPI application, its lifespan and its routers."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles

from features.errors import JobfitError
from serving import errors, openapi
from serving.access import AccessLog
from serving.db import make_engine, upgrade
from serving.engine import Engine
from serving.routers import api, campaigns, decisions, pages
from serving.routers.deps import principal
from serving.runtime import Runtime, RuntimeHolder
from serving.settings import ServiceSettings

logger = logging.getLogger(__name__)


class BodyLimit:
    """Refuse request bodies larger than ``limit`` bytes with 413 (ASGI middleware).

    A declared ``Content-Length`` over the limit is refused before any byte is read. A body
    without one (chunked) is counted as it streams: at most ``limit`` bytes are buffered, and
    the first chunk past the limit ends the request with 413, the rest left unread.
    """

    def __init__(self, app: Callable[..., Awaitable[None]], limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers", [])).get(b"content-length")
        if length is None:
            messages = await self._buffered(receive)
            if messages is None:
                await self._refuse(scope, receive, send)
                return
            receive = _replay(messages, receive)
        elif not length.isdigit() or int(length) > self.limit:
            await self._refuse(scope, receive, send)
            return
        await self.app(scope, receive, send)

    async def _buffered(self, receive: Any) -> list[dict[str, Any]] | None:
        """The body's messages, or None as soon as they pass the limit."""
        messages, size = [], 0
        while True:
            message = await receive()
            messages.append(message)
            size += len(message.get("body", b""))
            if size > self.limit:
                return None
            if message["type"] != "http.request" or not message.get("more_body", False):
                return messages

    async def _refuse(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        response = errors.problem(
            413, "Content Too Large", f"the request body must be at most {self.limit} bytes"
        )
        await response(scope, receive, send)


def _replay(messages: list[dict[str, Any]], receive: Any) -> Callable[[], Awaitable[Any]]:
    """A ``receive`` that gives ``messages`` first, then whatever ``receive`` gives."""
    pending = list(messages)

    async def replay() -> Any:
        return pending.pop(0) if pending else await receive()

    return replay


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
        app.state.db = db
        if engine is None:
            holder.load()
        else:
            holder.swap(Runtime.over(engine))
        yield
        db.dispose()

    app = FastAPI(
        title="asn-jobfit",
        version="0.1.0",
        lifespan=lifespan,
        dependencies=[Depends(openapi.refuse_undeclared_query)],
        description="Explained, rule-checked job-fit shortlists for ASN mutasi. "
        "The system recommends; the committee decides.",
    )
    app.state.settings = settings
    app.state.runtime = holder
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    app.add_middleware(AccessLog)  # outermost: it logs the 413s too
    errors.install(app)
    app.openapi = lambda: openapi.document(app)  # type: ignore[method-assign]
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
            logger.warning(  # the type only: an export's error quotes its values
                "reload on SIGHUP failed, the model in use stays: %s", type(error).__name__
            )

    signal.signal(signal.SIGHUP, lambda *_: threading.Thread(target=reload, daemon=True).start())
