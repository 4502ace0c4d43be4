"""The committee's inbox: employees' interest in open posts, move requests, objections and
correction requests of the agencies the caller reaches, with status and deadlines.

Objections are answered by the committee (:func:`serving.objections.answer`); correction
requests by the agency admin (:func:`serving.corrections.answer`). The inbox only reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from serving import corrections, objections, policy
from serving.auth import Principal
from serving.tables import interests, move_requests


@dataclass(frozen=True)
class Inbox:
    """What waits for the committee and the admin, oldest deadline first."""

    agency_id: str | None
    interests: list[dict[str, Any]]
    move_requests: list[dict[str, Any]]
    objections: list[objections.Objection]
    corrections: list[corrections.Correction]
    now: datetime

    @property
    def open_count(self) -> int:
        """Objections and correction requests not answered yet."""
        items = [*self.objections, *self.corrections]
        return sum(1 for item in items if item.answer is None)

    @property
    def overdue_count(self) -> int:
        """Those of them past their deadline."""
        items = [*self.objections, *self.corrections]
        return sum(1 for item in items if item.overdue(self.now))


def _rows(connection: sa.Connection, table: sa.Table, agency: str | None) -> list[dict[str, Any]]:
    query = sa.select(table).order_by(table.c.created_at.desc())
    if agency is not None:
        query = query.where(table.c.agency_id == agency)
    return [dict(row._mapping) for row in connection.execute(query)]


def read(db: sa.Engine, who: Principal, agency_id: str | None = None) -> Inbox:
    """The inbox of ``agency_id`` (the caller's own by default; all for an auditor)."""
    agency = policy.report_agency(who, "inbox.read", agency_id)
    with db.connect() as connection:
        return Inbox(
            agency,
            _rows(connection, interests, agency),
            _rows(connection, move_requests, agency),
            objections.of_agency(connection, agency),
            corrections.of_agency(connection, agency),
            datetime.now(UTC),
        )
