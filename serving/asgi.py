"""The shape of the service's pure ASGI middlewares: HTTP requests only, the rest untouched."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

App = Callable[..., Awaitable[None]]


class HttpMiddleware:
    """A pure ASGI middleware: :meth:`http` sees every HTTP request; other scopes (lifespan)
    pass through untouched. Pure ASGI, not Starlette's BaseHTTPMiddleware, so that streamed
    bodies and answers are neither buffered nor cut."""

    def __init__(self, app: App) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.http(scope, receive, send)

    async def http(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        """Handle one HTTP request (call ``self.app`` to pass it on)."""
        raise NotImplementedError
