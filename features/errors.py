"""Errors a user can cause. The CLI and the HTTP edge turn them into clear messages."""

from __future__ import annotations


class JobfitError(Exception):
    """Base of every error caused by the user's input, not by a bug."""
