"""What the service says about the model in use: its age against the configured maximum, its
library-version notices, and its model card rendered safely for the page.

The age counts whole days from the model's training (``trained_at`` in its unit, else its
registration) to the clock's today; a model older than ``max_model_age_days`` is *stale*: it
still serves, and ``/health``, ``/v1/model`` and the page say so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from markdown_it import MarkdownIt
from markupsafe import Markup

from training.bundle import RankerBundle


@dataclass(frozen=True)
class ModelAge:
    """A model's age in days (None when its unit does not say when it was trained)."""

    days: int | None
    max_days: int

    @property
    def stale(self) -> bool:
        """Older than the configured maximum."""
        return self.days is not None and self.days > self.max_days


def model_age(bundle: RankerBundle, max_days: int, now: datetime | None = None) -> ModelAge:
    """The age of ``bundle`` against ``max_days``."""
    return ModelAge(bundle.age_days(now), max_days)


_MARKDOWN = MarkdownIt("commonmark", {"html": False}).enable("table")
"""CommonMark with tables; raw HTML in the source is escaped, never passed through."""


def card_html(card: str) -> Markup:
    """The model card's Markdown as HTML safe to put in a page (any HTML in it escaped)."""
    return Markup(_MARKDOWN.render(card))  # noqa: S704 - html disabled: markdown-it escapes it
