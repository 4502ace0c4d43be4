"""The JPT selections in the integrity report (oversight by KASN/BKN and the inspectorate).

Four sections: stage results entered after the stage's deadline; a PPK's choice that was not
the panel's first name, with its note; panel members sitting on more than one selection of an
agency; the days from opening to the PPK's choice.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa

from serving.selections import service
from serving.tables import (
    selection_choices,
    selection_panel,
    selection_proposals,
    selection_results,
    selections,
)

SECTIONS: dict[str, tuple[str, ...]] = {
    "jpt_late_results": (
        "selection_id",
        "agency_id",
        "stage",
        "nip",
        "entered_name",
        "entered_at",
        "deadline",
    ),
    "jpt_not_first": (
        "selection_id",
        "agency_id",
        "position_id",
        "nip",
        "place",
        "note",
        "decider_name",
        "decided_at",
    ),
    "jpt_repeated_panel": ("agency_id", "user_id", "name", "selections", "selection_ids"),
    "jpt_time_to_appointment": (
        "selection_id",
        "agency_id",
        "kind",
        "opened_at",
        "closed_at",
        "days",
    ),
}
"""Each section's columns (CSV headings ``integrity.columns.<column>``)."""


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _chosen_selections(
    connection: sa.Connection, agency_id: str | None, start: date | None, end: date | None
) -> dict[str, Any]:
    query = sa.select(selections)
    if agency_id:
        query = query.where(selections.c.agency_id == agency_id)
    rows = connection.execute(query).all()
    return {
        r.selection_id: r
        for r in rows
        if (start is None or _aware(r.opened_at).date() >= start)
        and (end is None or _aware(r.opened_at).date() <= end)
    }


def sections(
    connection: sa.Connection, agency_id: str | None, start: date | None, end: date | None
) -> dict[str, list[dict[str, Any]]]:
    """The four JPT sections over the selections of ``agency_id`` opened in the window."""
    found = _chosen_selections(connection, agency_id, start, end)
    ids = list(found)
    return {
        "jpt_late_results": _late(connection, found, ids),
        "jpt_not_first": _not_first(connection, found, ids),
        "jpt_repeated_panel": _repeated(connection, found, ids),
        "jpt_time_to_appointment": _durations(connection, found),
    }


def _late(connection: sa.Connection, found: dict[str, Any], ids: list[str]) -> list[dict[str, Any]]:
    rows = connection.execute(
        sa.select(selection_results)
        .where(selection_results.c.selection_id.in_(ids), selection_results.c.late.is_(True))
        .order_by(selection_results.c.result_id)
    )
    out = []
    for r in rows:
        stages = {s["id"]: s for s in json.loads(found[r.selection_id].stages_json)}
        out.append(
            {
                "selection_id": r.selection_id,
                "agency_id": found[r.selection_id].agency_id,
                "stage": r.stage,
                "nip": r.nip,
                "entered_name": r.entered_name,
                "entered_at": _aware(r.entered_at).isoformat(),
                "deadline": stages[r.stage]["deadline"],
            }
        )
    return out


def _not_first(
    connection: sa.Connection, found: dict[str, Any], ids: list[str]
) -> list[dict[str, Any]]:
    rows = connection.execute(
        sa.select(selection_choices, selection_proposals.c.position_id)
        .join(
            selection_proposals,
            selection_proposals.c.proposal_id == selection_choices.c.proposal_id,
        )
        .where(
            selection_choices.c.selection_id.in_(ids),
            selection_choices.c.outcome == "chosen",
            selection_choices.c.place > 1,
        )
        .order_by(selection_choices.c.choice_id)
    )
    return [
        {
            "selection_id": r.selection_id,
            "agency_id": found[r.selection_id].agency_id,
            "position_id": r.position_id,
            "nip": r.nip,
            "place": r.place,
            "note": r.note,
            "decider_name": r.decider_name,
            "decided_at": _aware(r.decided_at).isoformat(),
        }
        for r in rows
    ]


def _repeated(
    connection: sa.Connection, found: dict[str, Any], ids: list[str]
) -> list[dict[str, Any]]:
    seats: dict[tuple[str, str], list[str]] = defaultdict(list)
    names: dict[str, str] = {}
    rows = connection.execute(
        sa.select(selection_panel).where(selection_panel.c.selection_id.in_(ids))
    )
    for r in rows:
        seats[(found[r.selection_id].agency_id, r.user_id)].append(r.selection_id)
        names[r.user_id] = r.name
    return [
        {
            "agency_id": agency,
            "user_id": user_id,
            "name": names[user_id],
            "selections": len(sat),
            "selection_ids": sorted(sat),
        }
        for (agency, user_id), sat in sorted(seats.items())
        if len(sat) > 1
    ]


def _durations(connection: sa.Connection, found: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for sid, r in sorted(found.items(), key=lambda item: _aware(item[1].opened_at)):
        whole = service.load_row(connection, r)
        closed = datetime.fromisoformat(whole["closed_at"]) if whole["closed_at"] else None
        opened = _aware(r.opened_at)
        out.append(
            {
                "selection_id": sid,
                "agency_id": r.agency_id,
                "kind": r.kind,
                "opened_at": opened.isoformat(),
                "closed_at": closed.isoformat() if closed else None,
                "days": (closed - opened).days if closed else None,
            }
        )
    return out
