"""Problem-details (RFC 9457) answers for user errors; they never echo the request's values.

Every user error is a :class:`features.errors.JobfitError` that declares its own status and
title; this module maps them, request-validation errors and HTTP errors in one place.
"""

from __future__ import annotations

import logging
import traceback
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from features.errors import JobfitError
from serving import access
from serving.asgi import HttpMiddleware

logger = logging.getLogger(__name__)


def problem(status: int, title: str, detail: str, **extra: object) -> JSONResponse:
    """A problem+json response."""
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(
        body, status_code=status, media_type="application/problem+json", headers=headers
    )


def problem_of(error: JobfitError) -> JSONResponse:
    """The problem answer of a user error: its own status and title, its message."""
    return problem(error.status, error.title, str(error))


def install(app: FastAPI) -> None:
    """Register the handlers that turn user errors into 4xx problems, and the 500 catcher."""

    @app.exception_handler(JobfitError)
    async def _jobfit(_: Request, error: JobfitError) -> JSONResponse:
        return problem_of(error)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, error: RequestValidationError) -> JSONResponse:
        problems = [
            {"location": ".".join(str(p) for p in e.get("loc", ())), "message": e.get("msg", "")}
            for e in error.errors()
        ]
        where = "; ".join(f"{p['location']}: {p['message']}" for p in problems[:5])
        return problem(
            422, "Invalid request", f"the request is not valid: {where}", errors=problems
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, error: StarletteHTTPException) -> JSONResponse:
        return problem(error.status_code, str(error.detail), str(error.detail))

    app.add_middleware(CatchUnexpected)  # outermost: the server never sees the error


class CatchUnexpected(HttpMiddleware):
    """Answer an unexpected error with a 500 problem and keep it from the server (ASGI
    middleware): the server's own error log would print the error's message, which may quote
    a NIP. The one log line is :func:`log_unexpected`'s."""

    async def http(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        started = False

        async def sending(message: dict[str, Any]) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception as error:  # noqa: BLE001 - every error a request can raise
            request_id = log_unexpected(Request(scope), error)
            if not started:  # else the answer is under way: it can only be cut short
                detail = f"an unexpected error occurred; it was logged as request {request_id}"
                answer = problem(500, "Internal Server Error", detail, request_id=request_id)
                await answer(scope, receive, send)


def log_unexpected(request: Request, error: Exception) -> str:
    """Log an unexpected error: its type, the route's template, the frames and a new request
    id (returned), never the error's message."""
    request_id = uuid.uuid4().hex[:16]
    logger.error(
        "unexpected error %s in %s %s (request %s)\n%s",
        type(error).__name__,
        request.method,
        access.template(request.scope, None),
        request_id,
        "".join(traceback.format_tb(error.__traceback__)).rstrip(),
    )
    return request_id
