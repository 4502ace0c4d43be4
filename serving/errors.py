"""Problem-details (RFC 9457) answers for user errors; they never echo the request's values.

Every user error is a :class:`features.errors.JobfitError` that declares its own status and
title; this module maps them, request-validation errors and HTTP errors in one place.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from features.errors import JobfitError

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
    """Register the handlers that turn user errors into 4xx problems."""

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

    @app.exception_handler(Exception)
    async def _bug(_: Request, error: Exception) -> JSONResponse:
        logger.exception("unexpected error: %s", type(error).__name__)
        return problem(500, "Internal Server Error", "an unexpected error occurred; it was logged")
