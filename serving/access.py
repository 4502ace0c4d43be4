"""Access logs without personal data: the matched route's template, never the raw path.

``GET /v1/candidates/199001012020121001/fit?position_id=P1`` is logged as
``GET /v1/candidates/{nip}/fit 200 12ms``: the template of the route that matched, no query
string, no client address. A path no route matches is logged as ``-``.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from starlette.routing import Match

from serving.asgi import HttpMiddleware

logger = logging.getLogger(__name__)

UNMATCHED = "-"


def _plain_route(scope: dict[str, Any]) -> str | None:
    """The template of a plain Starlette route or mount (the docs, static files) ``scope`` hits.

    Read before routing: a mount rewrites the scope's root path as it dispatches.
    """
    for route in scope["app"].router.routes:
        path_format = getattr(route, "path_format", None)
        if path_format and route.matches(scope)[0] is not Match.NONE:
            return str(path_format)
    return None


def template(scope: dict[str, Any], plain: str | None) -> str:
    """The path template of the route that handled ``scope`` (``-`` when none did).

    An API or page route writes itself into the scope as it matches; otherwise ``plain``.
    """
    route = scope.get("route")
    if route is not None:
        return str(route.path_format)
    return plain or UNMATCHED


class AccessLog(HttpMiddleware):
    """Log one line a request: method, route template, status and duration (ASGI middleware)."""

    async def http(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        start, status, plain = time.perf_counter(), 500, _plain_route(scope)

        async def sending(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            logger.info(
                "%s %s %d %.0fms",
                scope["method"],
                template(scope, plain),
                status,
                (time.perf_counter() - start) * 1000,
            )
