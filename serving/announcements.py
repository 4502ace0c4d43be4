"""Published results: who moves to which post, for the agency's people to read.

An announcement (*pengumuman hasil*) lists, for the moves the PPK approved (those of one meeting
when a meeting is named), the person's name, the new post and its unit. Never a score, a rank
or anyone's reasons: what the committee weighed stays in its minutes. What it says is frozen
when published (``announcements.entries_json``); a move is announced once. Readers: whoever
holds ``announcement.read`` in the agency (committee, PPK, admin, auditor; the employee role
when it is given the action).
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from features.errors import ConflictError
from serving import approvals, audit, decisions, policy
from serving.auth import Principal
from serving.decrees import long_date, unicode_pdf
from serving.engine import Engine
from serving.tables import announcements

ENTRY_FIELDS: tuple[str, ...] = ("name", "new_title", "new_unit")
"""All an entry holds: no NIP, no score, no rank, no reason."""


def _announced(connection: sa.Connection, agency_id: str) -> set[str]:
    ids: set[str] = set()
    for (text,) in connection.execute(
        sa.select(announcements.c.entries_json).where(announcements.c.agency_id == agency_id)
    ):
        ids.update(e["key"] for e in json.loads(text))
    return ids


def publish(
    db: sa.Engine,
    engine: Engine | None,
    who: Principal,
    agency_id: str,
    meeting_id: str | None = None,
) -> dict[str, Any]:
    """Publish the agency's approved moves not yet announced (of one meeting when named,
    else all of them); audited.

    Raises
    ------
    ConflictError
        No approved move awaits announcing.
    """
    policy.authorize(who, "announcement.publish", agency_id, (), "agency")
    with db.begin() as connection:
        done = _announced(connection, agency_id)
        approved = [
            r
            for r in approvals.recommendations(connection, agency_id)
            if r.verdict == "APPROVED"
            and r.key not in done
            and (meeting_id is None or r.meeting_id == meeting_id)
        ]
        if not approved:
            raise ConflictError("no approved move awaits announcing: the PPK approves first")
        entries = [_entry(engine, r) for r in approved]
        announcement_id = str(uuid.uuid4())
        person_id, name = decisions.person(who)
        connection.execute(
            announcements.insert().values(
                announcement_id=announcement_id,
                agency_id=agency_id,
                meeting_id=meeting_id,
                published_by=person_id,
                publisher_name=name,
                published_at=datetime.now(UTC),
                entries_json=json.dumps(entries, ensure_ascii=False),
            )
        )
        audit.append(
            connection,
            who,
            "announcement.publish",
            announcement_id,
            {"recommendations": [e["key"] for e in entries], "meeting_id": meeting_id},
            covers=("announcements", announcement_id),
        )
    return read(db, who, announcement_id)


def _entry(engine: Engine | None, item: approvals.Recommendation) -> dict[str, Any]:
    post = approvals.post_of(engine, item.position_id)
    return {
        "key": item.key,
        "name": approvals.employee(engine, item.nip)["name"],
        "new_title": post["title"],
        "new_unit": post["unit_name"] or post["unit_id"],
    }


def agency_of(db: sa.Engine, announcement_id: str) -> str | None:
    """The announcement's agency, None when there is no such announcement."""
    with db.connect() as connection:
        return connection.execute(
            sa.select(announcements.c.agency_id).where(
                announcements.c.announcement_id == announcement_id
            )
        ).scalar()


def read(db: sa.Engine, who: Principal, announcement_id: str) -> dict[str, Any]:
    """One announcement; another agency's answers like a missing one."""
    with db.connect() as connection:
        row = connection.execute(
            sa.select(announcements).where(announcements.c.announcement_id == announcement_id)
        ).one_or_none()
    policy.authorize(who, "announcement.read", row and row.agency_id, (), "announcement")
    published = (
        row.published_at if row.published_at.tzinfo else row.published_at.replace(tzinfo=UTC)
    )
    return {
        "announcement_id": row.announcement_id,
        "agency_id": row.agency_id,
        "meeting_id": row.meeting_id,
        "publisher_name": row.publisher_name,
        "published_at": published.isoformat(),
        "published_on": long_date(published.date()),
        "entries": [{k: e[k] for k in ENTRY_FIELDS} for e in json.loads(row.entries_json)],
    }


def of_agency(db: sa.Engine, who: Principal, agency_id: str) -> list[dict[str, Any]]:
    """The agency's announcements, newest first."""
    policy.authorize(who, "announcement.read", agency_id, (), "agency")
    with db.connect() as connection:
        ids = connection.execute(
            sa.select(announcements.c.announcement_id)
            .where(announcements.c.agency_id == agency_id)
            .order_by(announcements.c.published_at.desc())
        ).scalars()
        found = list(ids)
    return [read(db, who, i) for i in found]


def to_pdf(announcement: dict[str, Any], agency_name: str) -> bytes:
    """The announcement as a PDF: heading, date, the table of names and posts."""
    pdf = unicode_pdf()
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 13)
    pdf.multi_cell(pdf.epw, 7, "PENGUMUMAN", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "B", 11)
    pdf.multi_cell(
        pdf.epw,
        6,
        f"HASIL MUTASI JABATAN DI LINGKUNGAN {agency_name.upper()}",
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_font("DejaVu", "", 10)
    pdf.ln(3)
    pdf.multi_cell(
        pdf.epw,
        5,
        "Berdasarkan pertimbangan Tim Penilai Kinerja (PP 11/2017 Pasal 191) dan persetujuan "
        "Pejabat Pembina Kepegawaian, pegawai berikut diangkat dalam jabatan sebagai berikut:",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(3)
    with pdf.table(col_widths=(10, 55, 60, 45), line_height=5) as table:
        table.row(["No", "Nama", "Jabatan", "Unit Kerja"])
        for i, entry in enumerate(announcement["entries"], start=1):
            table.row([str(i), entry["name"], entry["new_title"], entry["new_unit"]])
    pdf.ln(5)
    pdf.multi_cell(
        pdf.epw,
        5,
        f"Diumumkan pada {announcement['published_on']} oleh {announcement['publisher_name']}.",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    return bytes(pdf.output())
