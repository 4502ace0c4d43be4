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
from serving import audit, employees, errors, openapi
from serving.access import AccessLog
from serving.asgi import App, HttpMiddleware
from serving.db import make_engine, upgrade
from serving.engine import Engine
from serving.routers import (
    api,
    approvals,
    campaigns,
    decisions,
    grants,
    me,
    meetings,
    pages,
    selections,
    staffing,
    staffing_reports,
)
from serving.routers import jpt_rotation as jpt_rotation_router
from serving.routers import talent as talent_api
from serving.routers.deps import principal
from serving.runtime import Runtime, RuntimeHolder
from serving.settings import ServiceSettings

logger = logging.getLogger(__name__)


class BodyLimit(HttpMiddleware):
    """Refuse request bodies larger than ``limit`` bytes with 413 (ASGI middleware).

    A declared ``Content-Length`` over the limit is refused before any byte is read. A body
    without one (chunked) is counted as it streams: at most ``limit`` bytes are buffered, and
    the first chunk past the limit ends the request with 413, the rest left unread.
    """

    def __init__(self, app: App, limit: int) -> None:
        super().__init__(app)
        self.limit = limit

    async def http(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
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


CSP = (
    "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
"""The pages' content security policy (inline style attributes only; no script at all)."""
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "img-src 'self' data: https://fastapi.tiangolo.com; frame-ancestors 'none'"
)
"""The interactive API docs load Swagger UI / ReDoc from their CDN."""
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class Guard(HttpMiddleware):
    """Security headers on every response; an unsafe request from another origin gets 403.

    The headers: CSP (with ``frame-ancestors 'none'``), X-Frame-Options, Referrer-Policy and
    X-Content-Type-Options. An unsafe request whose ``Origin`` (or, without one, ``Referer``)
    names another origin than the request's own is refused before any route runs.
    """

    async def http(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["method"] in UNSAFE_METHODS and not _same_origin(scope):
            refused = errors.problem(
                403, "Forbidden", "a request from another site is refused (Origin check)"
            )
            await refused(scope, receive, _with_headers(send, scope["path"]))
            return
        await self.app(scope, receive, _with_headers(send, scope["path"]))


def _with_headers(send: Any, path: str) -> Any:
    csp = DOCS_CSP if path in ("/docs", "/redoc") else CSP
    extra = [
        (b"content-security-policy", csp.encode()),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"same-origin"),
        (b"x-content-type-options", b"nosniff"),
    ]

    async def sending(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), *extra]}
        await send(message)

    return sending


def _same_origin(scope: dict[str, Any]) -> bool:
    """Whether an unsafe request's Origin (else Referer) is the request's own; true without."""
    headers = dict(scope.get("headers", []))
    host = headers.get(b"host", b"").decode("latin-1")
    own = f"{scope.get('scheme', 'http')}://{host}"
    origin = headers.get(b"origin")
    if origin is not None:
        return origin.decode("latin-1") == own
    referer = headers.get(b"referer")
    if referer is not None:
        text = referer.decode("latin-1")
        return text == own or text.startswith(own + "/")
    return True


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
        employees.refresh_aspirations(db, holder)
        yield
        audit.checkpoint(db)
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
    app.add_middleware(Guard)
    app.add_middleware(AccessLog)  # outermost: it logs the 413s and the guard's refusals too
    errors.install(app)
    app.openapi = lambda: openapi.document(app)  # type: ignore[method-assign]
    app.include_router(api.router)
    app.include_router(decisions.router)
    app.include_router(grants.router)
    app.include_router(selections.router)
    app.include_router(staffing.router)
    app.include_router(talent_api.router)
    app.include_router(staffing_reports.router)
    app.include_router(meetings.router)
    app.include_router(approvals.router)
    app.include_router(me.router)
    app.include_router(jpt_rotation_router.router)
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
