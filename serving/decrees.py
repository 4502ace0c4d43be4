"""Draft decrees (*SK*) for the moves the PPK approved, and the SIASN file of their moves.

*Keputusan Wali Kota/Bupati/Gubernur ... tentang Pemberhentian dari dan Pengangkatan dalam
Jabatan*: the heading and number from the agency's configuration (``serving.offices``), the
considerations (*menimbang*: the committee's consideration and the PPK's approval; *mengingat*:
the laws the rules cite), and an annex table of the moves (NIP, name, rank, old post, new post,
unit). What a draft says is frozen when it is drafted (``decrees.content_json``); the DOCX, the
PDF and the SIASN CSV are rendered from it. Each approved move goes into one draft only.
"""

from __future__ import annotations

import csv
import io
import json
import re
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt
from fpdf import FPDF
from fpdf.fonts import FontFace

from features.errors import ConflictError
from serving import approvals, audit, policy
from serving.auth import Principal
from serving.engine import Engine
from serving.exports import neutralised
from serving.offices import Office
from serving.tables import decree_moves, decrees

BASIS: tuple[str, ...] = (
    "Undang-Undang Nomor 20 Tahun 2023 tentang Aparatur Sipil Negara",
    "Peraturan Pemerintah Nomor 11 Tahun 2017 tentang Manajemen Pegawai Negeri Sipil "
    "sebagaimana telah diubah dengan Peraturan Pemerintah Nomor 17 Tahun 2020",
    "Peraturan Badan Kepegawaian Negara Nomor 5 Tahun 2019 tentang Tata Cara Pelaksanaan Mutasi",
)
"""The laws every decree of a move recites (*mengingat*), before those the rules cite."""
ANNEX = ("No", "NIP", "Nama", "Pangkat/Gol.", "Jabatan Lama", "Jabatan Baru", "Unit Kerja")
FONT_DIRS = (
    Path(__file__).resolve().parent / "static" / "fonts",
    Path("/usr/share/fonts/truetype/dejavu"),
)
MONTHS = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
    "Oktober", "November", "Desember",
)  # fmt: skip


def long_date(day: date) -> str:
    """``1 Desember 2026``."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


LONG_NAMES: tuple[tuple[str, str], ...] = (
    ("UU", "Undang-Undang"),
    ("PP", "Peraturan Pemerintah"),
    ("Perpres", "Peraturan Presiden"),
    ("PermenPANRB", "Peraturan Menteri Pendayagunaan Aparatur Negara dan Reformasi Birokrasi"),
    ("Peraturan BKN", "Peraturan Badan Kepegawaian Negara"),
)
"""How a rule's short citation is written out in a decree (``PP 94/2021`` -> *Peraturan
Pemerintah Nomor 94 Tahun 2021*)."""
_SHORT = re.compile(r"^(UU|PP|Perpres|PermenPANRB|Peraturan BKN) (\d+)/(\d{4})\b")


def cited_laws(engine: Engine, agency_id: str) -> list[str]:
    """The laws the agency's hard rules cite (``PP 94/2021``, ``Peraturan BKN 5/2019`` ...),
    once each, in the rules' order: the first reference of each ``;``-separated part."""
    laws: list[str] = []
    for rule in engine.policies.for_agency(agency_id).ruleset.rules:
        if rule.severity != "hard":
            continue
        for part in rule.citation.split(";"):
            found = _SHORT.match(part.strip())
            if found and found.group(0) not in laws:
                laws.append(found.group(0))
    return laws


def written_out(law: str) -> str:
    """``PP 94/2021`` as *Peraturan Pemerintah Nomor 94 Tahun 2021*."""
    found = _SHORT.match(law)
    if found is None:
        return law
    kind, number, year = found.groups()
    return f"{dict(LONG_NAMES)[kind]} Nomor {number} Tahun {year}"


def _content(
    engine: Engine, office: Office, moves: list[dict[str, Any]], number: str, on: date
) -> dict[str, Any]:
    head = f"{office.head_title.upper()} {office.region.upper()}"
    return {
        "number": number,
        "drafted_on": on.isoformat(),
        "government": office.government,
        "office": office.office,
        "address": office.address,
        "place": office.place,
        "signer_name": office.signer_name,
        "title": f"KEPUTUSAN {head}",
        "head": head,
        "subject": "PEMBERHENTIAN DARI DAN PENGANGKATAN DALAM JABATAN",
        "menimbang": [
            "bahwa Tim Penilai Kinerja Pegawai Negeri Sipil telah memberikan pertimbangan atas "
            "pengisian jabatan yang lowong melalui mutasi sesuai Pasal 190 dan Pasal 191 "
            "Peraturan Pemerintah Nomor 11 Tahun 2017 sebagaimana telah diubah dengan "
            "Peraturan Pemerintah Nomor 17 Tahun 2020;",
            f"bahwa {office.head_title} {office.region} selaku Pejabat Pembina Kepegawaian telah "
            "menyetujui pertimbangan tersebut bagi pegawai yang namanya tercantum dalam "
            "Lampiran Keputusan ini;",
            "bahwa berdasarkan pertimbangan sebagaimana dimaksud dalam huruf a dan huruf b, "
            f"perlu menetapkan Keputusan {office.head_title} tentang Pemberhentian dari dan "
            "Pengangkatan dalam Jabatan;",
        ],
        "mengingat": [*BASIS, *_rule_laws(engine, moves)],
        "moves": moves,
    }


def _rule_laws(engine: Engine, moves: list[dict[str, Any]]) -> list[str]:
    """The rules' laws not already recited in full in :data:`BASIS`."""
    agency = moves[0]["agency_id"] if moves else ""
    recited = ("UU 20/2023", "PP 11/2017", "Peraturan BKN 5/2019")
    return [written_out(law) for law in cited_laws(engine, agency) if law not in recited]


def draft(
    db: sa.Engine, engine: Engine, who: Principal, agency_id: str, office: Office, on: date
) -> dict[str, Any]:
    """Draft the agency's next decree from every approved move not yet in one; audited.

    Raises
    ------
    ConflictError
        No approved move awaits a decree.
    """
    policy.authorize(who, "decree.draft", agency_id, (), "agency")
    with db.begin() as connection:
        waiting = [
            r for r in approvals.recommendations(connection, agency_id) if r.stage == "decree"
        ]
        if not waiting:
            raise ConflictError("no approved move awaits a decree: the PPK approves first")
        moves = [_move(engine, r) for r in waiting]
        seq = 1 + (
            connection.execute(
                sa.select(sa.func.max(decrees.c.seq)).where(decrees.c.agency_id == agency_id)
            ).scalar()
            or 0
        )
        number = office.number(seq, on)
        decree_id = str(uuid.uuid4())
        content = _content(engine, office, moves, number, on)
        connection.execute(
            decrees.insert().values(
                decree_id=decree_id,
                agency_id=agency_id,
                seq=seq,
                number=number,
                drafted_on=on,
                drafted_by=who.user_id or f"key:{who.key_id}",
                drafted_at=datetime.now(UTC),
                content_json=json.dumps(content, ensure_ascii=False),
            )
        )
        connection.execute(
            decree_moves.insert(),
            [{"decree_id": decree_id, "recommendation": m["key"]} for m in moves],
        )
        audit.append(
            connection,
            who,
            "decree.draft",
            decree_id,
            {"number": number, "recommendations": [m["key"] for m in moves]},
            covers=("decrees", decree_id),
        )
    return read(db, who, decree_id)


def _move(engine: Engine, item: approvals.Recommendation) -> dict[str, Any]:
    person = approvals.employee(engine, item.nip)
    post = approvals.post_of(engine, item.position_id)
    return {
        "key": item.key,
        "meeting_id": item.meeting_id,
        "agency_id": item.agency_id,
        "nip": item.nip,
        "name": person["name"],
        "grade": person["grade"],
        "old_position_id": person["old_position_id"],
        "old_title": person["old_title"],
        "old_unit": person["old_unit"],
        "new_position_id": item.position_id,
        "new_title": post["title"],
        "new_unit_id": post["unit_id"],
        "new_unit": post["unit_name"],
        "approved_on": item.answered_at.date().isoformat() if item.answered_at else None,
    }


def read(db: sa.Engine, who: Principal, decree_id: str) -> dict[str, Any]:
    """A draft decree (its id, agency, number and content); another agency's is a missing one."""
    with db.connect() as connection:
        row = connection.execute(
            sa.select(decrees).where(decrees.c.decree_id == decree_id)
        ).one_or_none()
    policy.authorize(who, "decree.read", row and row.agency_id, (), "decree")
    return {
        "decree_id": row.decree_id,
        "agency_id": row.agency_id,
        "number": row.number,
        **json.loads(row.content_json),
    }


def agency_of(db: sa.Engine, decree_id: str) -> str | None:
    """The decree's agency, None when there is no such decree."""
    with db.connect() as connection:
        return connection.execute(
            sa.select(decrees.c.agency_id).where(decrees.c.decree_id == decree_id)
        ).scalar()


def of_agency(db: sa.Engine, who: Principal, agency_id: str) -> list[dict[str, Any]]:
    """The agency's draft decrees, newest first (id, number, date, how many moves)."""
    policy.authorize(who, "decree.read", agency_id, (), "agency")
    with db.connect() as connection:
        rows = connection.execute(
            sa.select(decrees)
            .where(decrees.c.agency_id == agency_id)
            .order_by(decrees.c.seq.desc())
        ).all()
    return [
        {
            "decree_id": r.decree_id,
            "number": r.number,
            "drafted_on": r.drafted_on.isoformat(),
            "moves": len(json.loads(r.content_json)["moves"]),
        }
        for r in rows
    ]


# -- renderings ------------------------------------------------------------------------------


def _annex_row(i: int, move: dict[str, Any]) -> list[str]:
    return [
        str(i),
        move["nip"],
        move["name"],
        move["grade"],
        move["old_title"],
        move["new_title"],
        move["new_unit"] or move["new_unit_id"],
    ]


def _diktum(decree: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (
            "KESATU",
            "Memberhentikan Pegawai Negeri Sipil yang namanya tercantum dalam Lampiran Keputusan "
            "ini dari jabatan lamanya dan mengangkatnya dalam jabatan baru sebagaimana tercantum "
            "dalam Lampiran.",
        ),
        (
            "KEDUA",
            "Kepada pegawai sebagaimana dimaksud dalam Diktum KESATU diberikan hak sesuai "
            "ketentuan peraturan perundang-undangan.",
        ),
        ("KETIGA", "Keputusan ini mulai berlaku pada tanggal ditetapkan."),
    ]


def to_docx(decree: dict[str, Any]) -> bytes:
    """The draft decree as a Word document (body, then the annex in landscape)."""
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name, style.font.size = "DejaVu Sans", Pt(10)
    for text, bold in (
        (decree["government"].upper(), True),
        (decree["office"], False),
        (decree["address"], False),
        ("", False),
        (decree["title"], True),
        (f"NOMOR {decree['number']}", False),
        ("TENTANG", False),
        (decree["subject"], True),
        ("", False),
        (f"{decree['head']},", True),
    ):
        run = doc.add_paragraph().add_run(text)
        run.bold = bold
        doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
    for label, items in (("Menimbang", decree["menimbang"]), ("Mengingat", decree["mengingat"])):
        doc.add_paragraph().add_run(f"{label}:").bold = True
        for i, text in enumerate(items):
            doc.add_paragraph(f"{_mark(label, i)} {text}")
    doc.add_paragraph().add_run("MEMUTUSKAN:").bold = True
    doc.add_paragraph(f"Menetapkan: KEPUTUSAN {decree['head']} TENTANG {decree['subject']}.")
    for key, text in _diktum(decree):
        doc.add_paragraph(f"{key}: {text}")
    for line in _signature(decree):
        doc.add_paragraph(line).alignment = WD_ALIGN_PARAGRAPH.RIGHT
    section = doc.add_section()
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width
    doc.add_paragraph().add_run(_annex_title(decree)).bold = True
    table = doc.add_table(rows=1, cols=len(ANNEX))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, ANNEX, strict=True):
        cell.text = text
    for i, move in enumerate(decree["moves"], start=1):
        for cell, text in zip(table.add_row().cells, _annex_row(i, move), strict=True):
            cell.text = text
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _mark(label: str, i: int) -> str:
    return f"{chr(ord('a') + i)}." if label == "Menimbang" else f"{i + 1}."


def _signature(decree: dict[str, Any]) -> list[str]:
    return [
        f"Ditetapkan di {decree['place']}",
        f"pada tanggal {long_date(date.fromisoformat(decree['drafted_on']))}",
        f"{decree['head']},",
        "",
        "",
        decree["signer_name"],
    ]


def _annex_title(decree: dict[str, Any]) -> str:
    return (
        f"LAMPIRAN KEPUTUSAN {decree['head']} NOMOR {decree['number']} TENTANG {decree['subject']}"
    )


def font_dir() -> Path:
    """The folder holding DejaVu Sans (the package's bundled copy first)."""
    for folder in FONT_DIRS:
        if (folder / "DejaVuSans.ttf").is_file():
            return folder
    raise FileNotFoundError("DejaVuSans.ttf: neither bundled nor installed (fonts-dejavu-core)")


def unicode_pdf() -> FPDF:
    """An A4 FPDF with DejaVu Sans (regular and bold) as ``DejaVu``."""
    pdf = FPDF(format="A4")
    folder = font_dir()
    pdf.add_font("DejaVu", "", str(folder / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(folder / "DejaVuSans-Bold.ttf"))
    pdf.set_margins(20, 18, 20)
    pdf.set_auto_page_break(True, 18)
    return pdf


def to_pdf(decree: dict[str, Any]) -> bytes:
    """The draft decree as a PDF (Unicode text layer; reasons and names never cut)."""
    pdf = unicode_pdf()
    pdf.add_page()
    width = pdf.epw
    for text, style, size in (
        (decree["government"].upper(), "B", 13),
        (decree["office"], "B", 11),
        (decree["address"], "", 9),
    ):
        pdf.set_font("DejaVu", style, size)
        pdf.multi_cell(width, 6, text, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.line(pdf.l_margin, pdf.get_y() + 1, pdf.l_margin + width, pdf.get_y() + 1)
    pdf.ln(5)
    for text, style in (
        (decree["title"], "B"),
        (f"NOMOR {decree['number']}", ""),
        ("TENTANG", ""),
        (decree["subject"], "B"),
        (f"{decree['head']},", "B"),
    ):
        pdf.set_font("DejaVu", style, 11)
        pdf.multi_cell(width, 6, text, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    for label, items in (("Menimbang", decree["menimbang"]), ("Mengingat", decree["mengingat"])):
        _numbered(pdf, label, [f"{_mark(label, i)} {t}" for i, t in enumerate(items)])
    pdf.set_font("DejaVu", "B", 10)
    pdf.multi_cell(width, 6, "MEMUTUSKAN:", align="C", new_x="LMARGIN", new_y="NEXT")
    _numbered(
        pdf,
        "Menetapkan",
        [f"KEPUTUSAN {decree['head']} TENTANG {decree['subject']}."]
        + [f"{key}: {text}" for key, text in _diktum(decree)],
    )
    pdf.ln(4)
    pdf.set_font("DejaVu", "", 10)
    if pdf.get_y() + 6 * len(_signature(decree)) > pdf.h - pdf.b_margin:
        pdf.add_page()  # the signature block stays in one piece
    for line in _signature(decree):
        pdf.set_x(pdf.l_margin + width * 0.55)
        pdf.multi_cell(width * 0.45, 5, line or " ", new_x="LMARGIN", new_y="NEXT")
    _annex(pdf, decree)
    return bytes(pdf.output())


def _numbered(pdf: FPDF, label: str, lines: list[str]) -> None:
    pdf.set_font("DejaVu", "B", 10)
    pdf.multi_cell(pdf.epw, 6, f"{label}:", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 10)
    for line in lines:
        pdf.set_x(pdf.l_margin + 8)
        pdf.multi_cell(pdf.epw - 8, 5, line, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)


def _annex(pdf: FPDF, decree: dict[str, Any]) -> None:
    pdf.add_page(orientation="L")
    pdf.set_font("DejaVu", "B", 10)
    pdf.multi_cell(pdf.epw, 5, _annex_title(decree), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font("DejaVu", "", 8)
    widths = (8, 38, 42, 24, 58, 58, 29)
    heading = FontFace(emphasis="BOLD", fill_color=(230, 230, 230))
    with pdf.table(col_widths=widths, headings_style=heading, line_height=4.5) as table:
        table.row(list(ANNEX))
        for i, move in enumerate(decree["moves"], start=1):
            table.row(_annex_row(i, move))
    pdf.ln(4)
    pdf.set_font("DejaVu", "", 10)
    for line in _signature(decree)[2:]:
        pdf.set_x(pdf.l_margin + pdf.epw * 0.6)
        pdf.multi_cell(pdf.epw * 0.4, 5, line or " ", new_x="LMARGIN", new_y="NEXT")


# -- the SIASN operator's file ----------------------------------------------------------------

SIASN_COLUMNS: tuple[str, ...] = (
    "nip", "nama", "golongan", "jabatan_lama_id", "jabatan_lama", "jabatan_baru_id",
    "jabatan_baru", "unor_baru_id", "unor_baru", "nomor_sk", "tanggal_sk", "tmt_jabatan",
    "jenis_mutasi",
)  # fmt: skip
"""The columns of the SIASN CSV, in order (docs/siasn-export.md)."""


def to_siasn_csv(decree: dict[str, Any]) -> str:
    """The decree's moves for the SIASN operator: UTF-8, comma, CRLF, dates DD-MM-YYYY,
    every field quoted (the NIP stays text), formula starts neutralised."""
    drafted = date.fromisoformat(decree["drafted_on"]).strftime("%d-%m-%Y")
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(SIASN_COLUMNS)
    for move in decree["moves"]:
        writer.writerow(
            [
                move["nip"],
                neutralised(move["name"]),
                neutralised(move["grade"]),
                neutralised(move["old_position_id"]),
                neutralised(move["old_title"]),
                neutralised(move["new_position_id"]),
                neutralised(move["new_title"]),
                neutralised(move["new_unit_id"]),
                neutralised(move["new_unit"]),
                neutralised(decree["number"]),
                drafted,
                drafted,
                "MUTASI_JABATAN",
            ]
        )
    return buffer.getvalue()


def require(db: sa.Engine, who: Principal, decree_id: str, action: str) -> dict[str, Any]:
    """The decree if ``who`` may do ``action`` on it (else 403/the one 404)."""
    policy.authorize(who, action, agency_of(db, decree_id), (), "decree")
    return read(db, who, decree_id)
