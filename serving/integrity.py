"""Integrity reports for oversight (KASN/BKN, the inspectorate): read by auditors and admins.

Four sections over the recorded SELECTED decisions:

- ``divergence_by_reviewer``: per person deciding, how often the chosen candidate was not the
  top-ranked one, and how far down the list the chosen person was (median and max rank; off the
  list counted apart);
- ``freeze_selections``: selections on shortlists made inside an election freeze, and whether
  the Minister's written approval (letter number and date) is recorded (UU 10/2016 Pasal 71(2));
- ``overrides``: exceptions to hard rules, their legal basis and their PPK approval;
- ``repeated_origins``: origin units from which at least ``threshold`` people were selected;
- ``jpt_*``: the JPT selections (``serving.selections.oversight``): results entered late, a
  chosen name not the panel's first, repeated panel members, days from opening to the choice.

Each section is also a CSV whose headings come from the ``integrity`` catalogue.
"""

from __future__ import annotations

import csv
import io
import json
import os
import statistics
from collections import defaultdict
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from features import i18n
from features.errors import InputError
from serving import policy
from serving.auth import Principal
from serving.selections import oversight
from serving.tables import decisions, overrides, shortlists

SECTIONS: dict[str, tuple[str, ...]] = {
    "divergence_by_reviewer": (
        "reviewer",
        "user_id",
        "selections",
        "diverged",
        "divergence_rate",
        "off_list",
        "median_rank",
        "max_rank",
    ),
    "freeze_selections": (
        "decision_id",
        "shortlist_id",
        "agency_id",
        "position_id",
        "nip",
        "reviewer",
        "decided_at",
        "minister_letter_number",
        "minister_letter_date",
        "approval_recorded",
    ),
    "overrides": (
        "override_id",
        "decision_id",
        "agency_id",
        "position_id",
        "nip",
        "rules",
        "legal_basis",
        "requested_by",
        "approved",
        "approver_name",
        "approved_at",
    ),
    "repeated_origins": ("agency_id", "origin_unit", "selections", "positions"),
    **oversight.SECTIONS,
}
"""Each section's columns, in order (the CSV headings are ``integrity.columns.<column>``)."""
DEFAULT_THRESHOLD = 3
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _selections(
    connection: sa.Connection, agency_id: str | None, start: date | None, end: date | None
) -> list[Any]:
    query = (
        sa.select(
            decisions,
            shortlists.c.agency_id,
            shortlists.c.position_id,
            overrides.c.override_id,
            overrides.c.legal_basis,
            overrides.c.rules_json,
            overrides.c.requested_by,
            overrides.c.approved_at,
            overrides.c.approver_name,
        )
        .join(shortlists, shortlists.c.shortlist_id == decisions.c.shortlist_id)
        .outerjoin(overrides, overrides.c.decision_id == decisions.c.decision_id)
        .where(decisions.c.decision == "SELECTED")
        .order_by(decisions.c.decision_id)
    )
    if agency_id:
        query = query.where(shortlists.c.agency_id == agency_id)
    rows = connection.execute(query).all()
    return [row for row in rows if _within(_day(row.decided_at), start, end)]


def _day(moment: datetime) -> date:
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).date()


def _within(day: date, start: date | None, end: date | None) -> bool:
    return (start is None or day >= start) and (end is None or day <= end)


def _iso(value: date | datetime | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.isoformat()


def _by_reviewer(rows: list[Any]) -> list[dict[str, Any]]:
    groups: dict[tuple[str, str], list[Any]] = defaultdict(list)
    for row in rows:
        groups[(row.reviewer, row.user_id or "")].append(row)
    out = []
    for (reviewer, user_id), items in sorted(groups.items()):
        ranks = [r.rank for r in items if r.rank is not None]
        diverged = sum(1 for r in items if r.rank != 1)
        out.append(
            {
                "reviewer": reviewer,
                "user_id": user_id or None,
                "selections": len(items),
                "diverged": diverged,
                "divergence_rate": diverged / len(items),
                "off_list": sum(1 for r in items if r.rank is None),
                "median_rank": statistics.median(ranks) if ranks else None,
                "max_rank": max(ranks) if ranks else None,
            }
        )
    return out


def _freeze(rows: list[Any]) -> list[dict[str, Any]]:
    return [
        {
            "decision_id": row.decision_id,
            "shortlist_id": row.shortlist_id,
            "agency_id": row.agency_id,
            "position_id": row.position_id,
            "nip": row.nip,
            "reviewer": row.reviewer,
            "decided_at": _iso(row.decided_at),
            "minister_letter_number": row.minister_letter_number,
            "minister_letter_date": _iso(row.minister_letter_date),
            "approval_recorded": bool(row.minister_letter_number and row.minister_letter_date),
        }
        for row in rows
        if row.freeze
    ]


def _overrides(rows: list[Any]) -> list[dict[str, Any]]:
    return [
        {
            "override_id": row.override_id,
            "decision_id": row.decision_id,
            "agency_id": row.agency_id,
            "position_id": row.position_id,
            "nip": row.nip,
            "rules": json.loads(row.rules_json),
            "legal_basis": row.legal_basis,
            "requested_by": row.requested_by,
            "approved": row.approved_at is not None,
            "approver_name": row.approver_name,
            "approved_at": _iso(row.approved_at),
        }
        for row in rows
        if row.override_id is not None
    ]


def _origins(rows: list[Any], threshold: int) -> list[dict[str, Any]]:
    """Origin units with at least ``threshold`` selected people (each person once per post)."""
    picks: dict[tuple[str, str], set[tuple[str, str]]] = defaultdict(set)
    for row in rows:
        if row.origin_unit:
            picks[(row.agency_id, row.origin_unit)].add((row.position_id, row.nip))
    return [
        {
            "agency_id": agency,
            "origin_unit": unit,
            "selections": len(chosen),
            "positions": sorted({position for position, _ in chosen}),
        }
        for (agency, unit), chosen in sorted(picks.items())
        if len(chosen) >= threshold
    ]


def report(
    db: sa.Engine,
    who: Principal,
    agency_id: str | None = None,
    start: date | None = None,
    end: date | None = None,
    threshold: int = DEFAULT_THRESHOLD,
) -> dict[str, Any]:
    """Every section over the SELECTED decisions of ``agency_id`` (all when None).

    Who reads which agency is the policy's (:func:`serving.policy.report_agency`): an agency's
    own admin reads its agency only; auditors and service admins read any.
    """
    agency_id = policy.report_agency(who, "integrity.read", agency_id)
    if threshold < 1:
        raise InputError("threshold must be at least 1")
    with db.connect() as connection:
        rows = _selections(connection, agency_id, start, end)
        jpt = oversight.sections(connection, agency_id, start, end)
    return {
        "agency_id": agency_id,
        "from": _iso(start),
        "to": _iso(end),
        "threshold": threshold,
        "selections": len(rows),
        "divergence_by_reviewer": _by_reviewer(rows),
        "freeze_selections": _freeze(rows),
        "overrides": _overrides(rows),
        "repeated_origins": _origins(rows, threshold),
        **jpt,
    }


def write(
    db: sa.Engine,
    out: Path,
    agency_id: str | None = None,
    threshold: int = DEFAULT_THRESHOLD,
    lang: str = "id",
) -> list[Path]:
    """Write the report as ``integrity.json`` and one CSV per section into ``out``.

    The files name people (NIPs): each is readable and writable by its owner only.
    """
    operator = Principal(key_id="cli", role="auditor", agency_id=None)
    body = report(db, operator, agency_id, None, None, threshold)
    out.mkdir(parents=True, exist_ok=True)
    texts = {"integrity.json": json.dumps(body, ensure_ascii=False, indent=2)}
    texts |= {f"integrity-{section}.csv": to_csv(body, section, lang) for section in SECTIONS}
    written = []
    for name, text in texts.items():
        path = out / name
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(descriptor, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
        written.append(path)
    return written


def _cell(value: Any) -> str:
    """A CSV cell; text a spreadsheet would run as a formula is quoted with a leading ``'``."""
    if value is None:
        return ""
    if isinstance(value, list):
        value = "; ".join(map(str, value))
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def to_csv(body: dict[str, Any], section: str, lang: str) -> str:
    """One section of a report as CSV: a title line, localized headings, one row per item."""
    if section not in SECTIONS:
        raise InputError(f"section must be one of {', '.join(SECTIONS)}")
    columns = SECTIONS[section]
    out = io.StringIO()
    out.write(f"# {i18n.text(f'integrity.sections.{section}', lang)}\n")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([i18n.text(f"integrity.columns.{c}", lang) for c in columns])
    for item in body[section]:
        writer.writerow([_cell(item[c]) for c in columns])
    return out.getvalue()
