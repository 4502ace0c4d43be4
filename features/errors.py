"""Errors a user can cause, each with the HTTP status it means.

The CLI turns them into a message and an exit code; the HTTP edge (``serving.errors``) into a
problem+json answer with the error's own ``status`` and ``title``. A new error declares its
status here or in a subclass, never in a handler.
"""

from __future__ import annotations

from typing import ClassVar


class JobfitError(Exception):
    """Base of every error caused by the user's input, not by a bug (422 unless it says)."""

    status: ClassVar[int] = 422
    title: ClassVar[str] = "Unprocessable Content"


class InputError(JobfitError):
    """A request that is well-formed but cannot be served as asked: 422."""


class AuthError(JobfitError):
    """A missing, malformed or unknown credential: 401."""

    status = 401
    title = "Unauthorized"


class ForbiddenError(JobfitError):
    """The caller's role may not do this: 403."""

    status = 403
    title = "Forbidden"


class NotFoundError(JobfitError):
    """A position, candidate or stored object that does not exist (or may not be seen): 404."""

    status = 404
    title = "Not Found"


class NotReadyError(JobfitError):
    """The service cannot answer yet (no champion, no export): 503."""

    status = 503
    title = "Service Unavailable"


class ConflictError(JobfitError):
    """The request clashes with the state recorded (a standing decision): 409."""

    status = 409
    title = "Conflict"
