"""Files that hold personal data (NIPs, names): readable and writable by their owner only."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

OWNER_ONLY = 0o600


@contextmanager
def owner_only(path: Path) -> Iterator[TextIO]:
    """Open ``path`` for writing as text, mode 0600 from its first byte (an old file too)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, OWNER_ONLY)
    os.fchmod(descriptor, OWNER_ONLY)
    with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
        yield handle
