"""A shortlist with its decisions as CSV and PDF, and a meeting's berita acara fit to sign.

The PDFs use DejaVu Sans, bundled in ``serving/static/fonts`` (Bitstream Vera licence:
redistribution with the font allowed), so every character of a name survives.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from importlib import resources
from typing import Any

from fpdf import FPDF
from fpdf.fonts import FontFace

from features import i18n

FONT = "DejaVu"
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}

COLUMNS = (
    "rank",
    "nip",
    "name",
    "unit",
    "score",
    "merit_band",
    "jpm_band",
    "talent_box",
    "reasons",
    "decision",
    "decision_reason",
    "justification",
    "reviewer",
    "reviewer_id",
    "decided_at",
)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What a spreadsheet reads as the start of a formula (OWASP, CSV injection)."""

_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")

PDF_COLUMNS = ("rank", "nip", "name", "score", "band", "reasons", "decision")
"""The PDF table's columns (their headings are ``pdf.shortlist.columns.<column>``)."""


def _rows(shortlist: dict[str, Any], history: dict[str, Any]) -> list[dict[str, Any]]:
    latest = {d["nip"]: d for d in history["decisions"]}
    rows = []
    for c in shortlist["candidates"]:
        decision = latest.get(c["nip"], {})
        rows.append(
            {
                "rank": c["rank"],
                "nip": c["nip"],
                "name": c["name"],
                "unit": c["unit"],
                "score": f"{c['score']:.4f}",
                "merit_band": c["merit_band"],
                "jpm_band": c["jpm_band"] or "",
                "talent_box": c["talent_box"] or "",
                "reasons": "; ".join(c["reasons"]["positive"] + c["reasons"]["negative"]),
                "decision": decision.get("decision", ""),
                "decision_reason": decision.get("reason", ""),
                "justification": decision.get("justification") or "",
                "reviewer": decision.get("reviewer", ""),
                "reviewer_id": decision.get("user_id") or "",
                "decided_at": decision.get("decided_at", ""),
            }
        )
    ranked = {c["nip"] for c in shortlist["candidates"]}
    for nip, decision in latest.items():
        if nip not in ranked:
            rows.append(
                {
                    **dict.fromkeys(COLUMNS, ""),
                    "rank": "off-list",
                    "nip": nip,
                    "decision": decision["decision"],
                    "decision_reason": decision["reason"],
                    "justification": decision.get("justification") or "",
                    "reviewer": decision["reviewer"],
                    "reviewer_id": decision.get("user_id") or "",
                    "decided_at": decision["decided_at"],
                }
            )
    return rows


def neutralised(value: Any) -> str:
    """A cell a spreadsheet shows as text: a leading apostrophe before a formula's first sign.

    Plain numbers (a negative score) stay as they are: no spreadsheet runs them.
    """
    text = str(value)
    if text.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def to_csv(shortlist: dict[str, Any], history: dict[str, Any]) -> str:
    """One line per candidate with its latest decision; the versions in a header comment."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(
        [
            f"# shortlist {shortlist['shortlist_id']} position {shortlist['position_id']} "
            f"model {shortlist['model']['name']} v{shortlist['model']['version']} "
            f"rules {shortlist['ruleset_version']} data {shortlist['data_hash'][:16]} "
            f"as of {shortlist['as_of']}"
        ]
    )
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(
        {column: neutralised(value) for column, value in row.items()}
        for row in _rows(shortlist, history)
    )
    return out.getvalue()


def to_pdf(
    shortlist: dict[str, Any],
    history: dict[str, Any],
    title: str,
    lang: str = "id",
    unit: str = "",
) -> bytes:
    """The shortlist with its latest decisions, for the committee's file: post (its name and
    unit), versions, every candidate with rank, merit band and every main reason in full
    (wrapped, never cut), the decisions and the departures from the recommendation.

    The words are the catalogue's ``pdf.shortlist`` in ``lang`` (Indonesian by default).
    """
    words = i18n.section("pdf.shortlist", lang)
    pdf = _document("L")
    _para(pdf, words["title"].format(title=title), 14, "B", "L")
    model = shortlist["model"]
    position = f"{title} ({unit})" if unit else title
    for line in (
        words["position"].format(position=position, as_of=shortlist["as_of"]),
        words["versions"].format(
            model=model["name"],
            version=model["version"],
            rules=shortlist["ruleset_version"],
            data=shortlist["data_hash"][:16],
        ),
        words["eligible"].format(eligible=shortlist["eligible_count"], pool=shortlist["pool_size"]),
        words["human"],
    ):
        _para(pdf, line, 9, "", "L")
    pdf.ln(2)
    pdf.set_font(FONT, "", 8)
    with pdf.table(
        col_widths=(18, 38, 40, 14, 24, 87, 46),
        text_align="LEFT",
        headings_style=FontFace(emphasis="BOLD"),
        line_height=3.8,
    ) as table:
        table.row([words[f"columns.{column}"] for column in PDF_COLUMNS])
        listed = {
            c["nip"]: [*c["reasons"]["positive"], *c["reasons"]["negative"]]
            for c in shortlist["candidates"]
        }
        for row in _rows(shortlist, history):
            reasons = "\n• ".join(listed.get(row["nip"], []))
            table.row(
                [
                    str(row["rank"]),
                    row["nip"],
                    row["name"],
                    row["score"],
                    str(row["merit_band"]),
                    f"• {reasons}" if reasons else "",
                    f"{row['decision']} {row['reviewer']}".strip(),
                ]
            )
    divergent = [d for d in history["decisions"] if d["divergent"]]
    if divergent:
        pdf.ln(2)
        _para(pdf, words["divergent"], 9, "B", "L")
        for d in divergent:
            line = f"{d['nip']} ({d['reviewer']}, {d['decided_at'][:16]}): {d['justification']}"
            _para(pdf, line, 8, "", "L")
    return bytes(pdf.output())


# -- the berita acara of a meeting -----------------------------------------------------------


def _document(orientation: str = "P") -> FPDF:
    """An A4 document with the bundled Unicode font."""
    pdf = FPDF(orientation=orientation, format="A4")
    fonts = resources.files("serving").joinpath("static", "fonts")
    for style, name in FONT_FILES.items():
        with resources.as_file(fonts.joinpath(name)) as path:
            pdf.add_font(FONT, style, str(path))
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_margins(15, 15, 15)
    pdf.add_page()
    return pdf


def long_date(day: date, words: dict[str, str] | Any) -> tuple[str, str]:
    """The day's name and its date in words (``Selasa``, ``1 Desember 2026``)."""
    days, months = words["days"].split(","), words["months"].split(",")
    return days[day.weekday()], f"{day.day} {months[day.month - 1]} {day.year}"


def _para(pdf: FPDF, text: str, size: float = 10, style: str = "", align: str = "J") -> None:
    pdf.set_font(FONT, style, size)
    pdf.multi_cell(0, size * 0.5, text, align=align, new_x="LMARGIN", new_y="NEXT")


def _heading(pdf: FPDF, minutes: dict[str, Any], words: Any) -> None:
    _para(pdf, minutes["agency_name"].upper(), 12, "B", "C")
    _para(pdf, words["title"], 13, "B", "C")
    _para(pdf, words["subtitle"], 11, "B", "C")
    if minutes.get("number"):
        _para(pdf, words["number"].format(number=minutes["number"]), 10, "", "C")
    if minutes["status"] != "closed":
        _para(pdf, words["status_open"], 10, "B", "C")
    pdf.ln(3)
    _para(pdf, words["basis"], 9)
    pdf.ln(2)
    day, when = long_date(date.fromisoformat(minutes["held_on"]), words)
    _para(
        pdf,
        words["opening"].format(
            day=day, date=when, place=minutes["place"], agency=minutes["agency_name"]
        ),
    )
    pdf.ln(2)


def _attendance(pdf: FPDF, minutes: dict[str, Any], words: Any) -> None:
    _para(pdf, words["attendance"], 11, "B", "L")
    _para(
        pdf,
        words["quorum"].format(
            present=minutes["present"],
            roster=len(minutes["members"]),
            quorum=f"{minutes['quorum']:.0%}",
        ),
    )
    pdf.set_font(FONT, "", 9)
    with pdf.table(
        col_widths=(10, 90, 35, 35), headings_style=FontFace(emphasis="BOLD"), line_height=5
    ) as table:
        table.row(words["member_columns"].split(","))
        for n, member in enumerate(minutes["members"], 1):
            table.row(
                [
                    str(n),
                    member["name"],
                    words[member["role"]],
                    words["present" if member["present"] else "absent"],
                ]
            )
    pdf.ln(3)


def _declared(item: dict[str, Any], minutes: dict[str, Any], words: Any) -> list[str]:
    by_person = {d["user_id"]: d for d in item["declarations"]}
    lines = []
    for member in minutes["members"]:
        if not member["present"]:
            continue
        found = by_person.get(member["user_id"])
        if found is None:
            lines.append(words["not_declared"].format(name=member["name"]))
            continue
        names = ", ".join(item["names"].get(n, n) for n in found["related_nips"])
        key = f"declared_{found['kind']}"
        lines.append(words[key].format(name=member["name"], candidates=names))
    return lines


def _candidate_table(pdf: FPDF, item: dict[str, Any], words: Any) -> None:
    pdf.set_font(FONT, "", 8)
    with pdf.table(
        col_widths=(18, 35, 22, 17, 19, 43, 26),
        headings_style=FontFace(emphasis="BOLD"),
        line_height=3.8,
        text_align=("CENTER", "LEFT", "LEFT", "CENTER", "CENTER", "LEFT", "LEFT"),
    ) as table:
        table.row(words["columns"].split(","))
        for c in item["candidates"]:
            verdict = (
                words["warned"].format(rules=", ".join(c["warnings"]))
                if c["warnings"]
                else words["eligible"]
            )
            reasons = "\n".join(f"• {r}" for r in c["reasons"])
            table.row(
                [str(c["rank"]), c["nip"], c["name"], c["grade"], str(c["merit_band"]), reasons,
                 verdict]
            )  # fmt: skip


def _consideration(pdf: FPDF, item: dict[str, Any], words: Any) -> None:
    chosen = item["consideration"]
    if chosen is None:
        _para(pdf, words["deferred"], 10, "B")
        return
    rank = str(chosen["rank"]) if chosen["rank"] else words["off_list"]
    name = chosen.get("name") or item["names"].get(chosen["nip"], "")
    _para(pdf, words["recommendation"].format(name=name, nip=chosen["nip"], rank=rank), 10, "B")
    _para(pdf, words["reason"].format(reason=chosen["reason"]))
    if chosen["justification"]:
        _para(pdf, words["justification"].format(justification=chosen["justification"]))
    if chosen["failed_rules"]:
        rules = ", ".join(chosen["failed_rules"])
        _para(pdf, words["override"].format(rules=rules, basis=chosen["override_basis"]))
    names = ", ".join(v["name"] for v in chosen["voters"])
    _para(pdf, words["voters"].format(names=names), 9)


def _posts(pdf: FPDF, minutes: dict[str, Any], words: Any) -> None:
    _para(pdf, words["posts"], 11, "B", "L")
    for n, item in enumerate(minutes["items"], 1):
        pdf.ln(2)
        _para(pdf, words["post"].format(n=n, title=item["title"]), 11, "B", "L")
        unit = item["unit"] or "-"
        _para(pdf, words["unit"].format(unit=unit, position_id=item["position_id"]), 9, "", "L")
        listing = item["shortlist"]
        if listing is None:
            _para(pdf, words["no_shortlist"], 9)
        else:
            model = listing["model"]
            _para(
                pdf,
                words["shortlist"].format(
                    eligible=listing["eligible_count"],
                    pool=listing["pool_size"],
                    as_of=listing["as_of"],
                    model=model["name"],
                    version=model["version"],
                    rules=listing["ruleset_version"],
                ),
                9,
            )
            _candidate_table(pdf, item, words)
            lines = _declared(item, minutes, words)
            if lines:
                pdf.ln(1)
                _para(pdf, words["declarations"], 9, "B", "L")
                for line in lines:
                    _para(pdf, f"– {line}", 9, "", "L")
        pdf.ln(1)
        _consideration(pdf, item, words)


def _signatures(pdf: FPDF, minutes: dict[str, Any], words: Any) -> None:
    pdf.ln(3)
    _para(pdf, words["ppk"], 9)
    _para(pdf, words["closing"])
    pdf.ln(3)
    present = [m for m in minutes["members"] if m["present"]]
    if pdf.will_page_break(min(20 + 32 * ((len(present) + 1) // 2), 250)):
        pdf.add_page()  # the place, date and signatures together on one page
    _, when = long_date(date.fromisoformat(minutes["held_on"]), words)
    _para(pdf, words["signed_at"].format(place=minutes["place"], date=when), 10, "", "R")
    _para(pdf, words["signatures"], 11, "B", "L")
    width = (pdf.w - pdf.l_margin - pdf.r_margin) / 2
    for pair in range(0, len(present), 2):
        if pdf.will_page_break(32):
            pdf.add_page()
        top = pdf.get_y() + 2
        for column, member in enumerate(present[pair : pair + 2]):
            x = pdf.l_margin + column * width
            pdf.set_xy(x, top)
            pdf.set_font(FONT, "", 10)
            pdf.cell(width, 5, words[member["role"]], align="C")
            pdf.set_xy(x, top + 22)
            pdf.set_font(FONT, "B", 10)
            pdf.cell(width, 5, f"( {member['name']} )", align="C")
        pdf.set_y(top + 30)


def berita_acara(minutes: dict[str, Any], lang: str = "id") -> bytes:
    """The meeting's berita acara as PDF (Indonesian by default: the minutes are filed so).

    ``minutes`` is :func:`serving.meetings.minutes`: heading of the agency and legal basis,
    day, date and place, attendance, per post its name and unit, the candidates with rank,
    grade, merit band, every main reason in full and eligibility, the declarations, the
    recommendation and its justification; signature blocks for the chair and each member
    present.
    """
    words = i18n.section("pdf.meeting", lang)
    pdf = _document()
    _heading(pdf, minutes, words)
    _attendance(pdf, minutes, words)
    _posts(pdf, minutes, words)
    _signatures(pdf, minutes, words)
    return bytes(pdf.output())
