"""Stored campaigns: save a report, load it back, list the recent ones.

A stored report is the report's JSON with its ``schema_version``
(:data:`.models.SCHEMA_VERSION`). Reports stored before versions existed (version 0) said
things in English and Indonesian prose; :func:`read_report` turns them into the current shape
once, when read: the scope and the chain links are taken apart again (they were written by
one f-string each, so they split exactly), and the reasons and binding constraints keep their
words under the code ``legacy``. The table itself is ``serving.tables.campaigns``.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from serving.campaigns.models import (
    SCHEMA_VERSION,
    AgencyScope,
    CampaignNotFound,
    CampaignReport,
    ListedScope,
)
from serving.tables import campaigns as campaign_table


def save_campaign(
    connection: sa.Connection, report: CampaignReport, agency_id: str, created_by: str
) -> CampaignReport:
    """Store ``report`` under a new id; return it with its ``campaign_id`` set."""
    stored = report.model_copy(
        update={"campaign_id": str(uuid.uuid4()), "schema_version": SCHEMA_VERSION}
    )
    connection.execute(
        campaign_table.insert().values(
            campaign_id=stored.campaign_id,
            created_at=datetime.now(UTC),
            agency_id=agency_id,
            created_by=created_by,
            vacancies=len(stored.vacancies),
            report_json=stored.model_dump_json(),
        )
    )
    return stored


def load_campaign(connection: sa.Connection, campaign_id: str) -> tuple[CampaignReport, str]:
    """The stored campaign ``campaign_id`` (in the current shape) and its agency.

    Raises
    ------
    CampaignNotFound
    """
    table = campaign_table
    row = connection.execute(table.select().where(table.c.campaign_id == campaign_id)).one_or_none()
    if row is None:
        raise CampaignNotFound("no such campaign")
    return read_report(row.report_json), row.agency_id


def recent_campaigns(
    db: sa.Engine, agency_id: str | None, limit: int = 5, table: sa.Table = campaign_table
) -> list[tuple[Any, CampaignReport]]:
    """The most recent stored campaigns, newest first (one agency's, or all with ``None``).

    Returns
    -------
    list of (row, CampaignReport)
        The table row (``campaign_id``, ``created_at``, ``agency_id``, ``vacancies``) and its
        report in the current shape.
    """
    query = table.select().order_by(table.c.created_at.desc()).limit(limit)
    if agency_id is not None:
        query = query.where(table.c.agency_id == agency_id)
    with db.connect() as connection:
        rows = connection.execute(query).all()
    return [(row, read_report(row.report_json)) for row in rows]


def read_report(stored: str) -> CampaignReport:
    """A stored report's JSON in the current shape, whatever version stored it."""
    data = json.loads(stored)
    if data.get("schema_version", 0) == 0:
        data = _from_version_0(data)
    return CampaignReport.model_validate(data)


def _legacy(text: str, text_id: str = "") -> dict[str, Any]:
    """Words a version-0 report said, kept as they were."""
    return {"code": "legacy", "params": {"text": text, "text_id": text_id}}


def _scope_v0(scope: str, vacancies: list[str]) -> dict[str, Any]:
    """``"agency X"`` or ``"N listed position(s)"`` (the only two a version-0 report wrote)."""
    if scope.startswith("agency "):
        return AgencyScope(agency_id=scope.removeprefix("agency ")).model_dump()
    count = scope.split(" ", 1)[0]
    return ListedScope(count=int(count) if count.isdigit() else len(vacancies)).model_dump()


def _link_v0(link: str) -> dict[str, Any]:
    """``"P <- NIP from Q"`` (``Q`` is ``-`` for someone who held no post)."""
    position_id, rest = link.split(" <- ", 1)
    nip, origin = rest.rsplit(" from ", 1)
    return {
        "position_id": position_id,
        "nip": nip,
        "origin_position_id": None if origin == "-" else origin,
    }


def _from_version_0(data: dict[str, Any]) -> dict[str, Any]:
    """A report stored before ``schema_version``, in the current shape."""
    out = {k: v for k, v in data.items() if k not in ("binding_constraints_id",)}
    out["schema_version"] = SCHEMA_VERSION
    out["scope"] = _scope_v0(str(data.get("scope", "")), list(data.get("vacancies", [])))
    out["chains"] = [[_link_v0(link) for link in chain] for chain in data.get("chains", [])]
    out["open_vacancies"] = [
        {
            **{k: v for k, v in o.items() if k not in ("reason", "reason_id")},
            "reason": _legacy(o.get("reason", ""), o.get("reason_id", "")),
        }
        for o in data.get("open_vacancies", [])
    ]
    english = data.get("binding_constraints", [])
    indonesian = data.get("binding_constraints_id") or [""] * len(english)
    out["binding_constraints"] = [
        _legacy(en, id_) for en, id_ in zip(english, indonesian, strict=True)
    ]
    return out
