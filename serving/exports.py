"""A shortlist with its decisions as CSV, and as a PDF fit for the committee's minutes."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from typing import Any

from fpdf import FPDF

from features import i18n

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


def _reranked_line(shortlist: dict[str, Any], words: Mapping[str, str]) -> list[str]:
    """The minutes say when the order was re-ranked within merit bands, by which policy."""
    rerank = shortlist.get("rerank") or {}  # absent in shortlists stored before issue 14
    if not rerank.get("applied"):
        return []
    policy = rerank["policy"]
    return [
        words["reranked"].format(
            policy=f"{policy['id']} {policy['version']}",
            method=rerank["method"],
            moved=len(rerank["moved"]),
            cost=f"{rerank['merit_cost_ndcg']:.3f}",
        )
    ]


def _latin(text: Any) -> str:
    return str(text).encode("latin-1", "replace").decode("latin-1")


def to_pdf(
    shortlist: dict[str, Any], history: dict[str, Any], title: str, lang: str = "id"
) -> bytes:
    """A berita-acara style report: vacancy, versions, candidates, reasons, decisions.

    The words are the catalogue's ``pdf.shortlist`` in ``lang`` (Indonesian by default: the
    minutes are filed in Indonesian).
    """
    words = i18n.section("pdf.shortlist", lang)
    pdf = FPDF(orientation="L", format="A4")
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    heading = words["title"].format(title=title)
    pdf.cell(0, 8, _latin(heading), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=9)
    model = shortlist["model"]
    for line in (
        words["position"].format(position=shortlist["position_id"], as_of=shortlist["as_of"]),
        words["versions"].format(
            model=model["name"],
            version=model["version"],
            rules=shortlist["ruleset_version"],
            data=shortlist["data_hash"][:16],
        ),
        words["eligible"].format(eligible=shortlist["eligible_count"], pool=shortlist["pool_size"]),
        *_reranked_line(shortlist, words),
        words["human"],
    ):
        pdf.cell(0, 5, _latin(line), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    widths = (12, 38, 45, 18, 12, 110, 40)
    pdf.set_font("Helvetica", "B", 8)
    for width, column in zip(widths, PDF_COLUMNS, strict=True):
        pdf.cell(width, 6, _latin(words[f"columns.{column}"]), border=1)
    pdf.ln()
    pdf.set_font("Helvetica", size=7)
    for row in _rows(shortlist, history):
        cells = (
            row["rank"],
            row["nip"],
            row["name"],
            row["score"],
            row["merit_band"],
            row["reasons"][:95],
            f"{row['decision']} {row['reviewer']}".strip(),
        )
        for width, value in zip(widths, cells, strict=True):
            pdf.cell(width, 5, _latin(value)[:120], border=1)
        pdf.ln()
    divergent = [d for d in history["decisions"] if d["divergent"]]
    if divergent:
        pdf.ln(2)
        pdf.set_font("Helvetica", "B", 9)
        pdf.cell(0, 5, _latin(words["divergent"]), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", size=8)
        for d in divergent:
            pdf.multi_cell(
                0,
                4,
                _latin(
                    f"{d['nip']} ({d['reviewer']}, {d['decided_at'][:16]}): {d['justification']}"
                ),
                new_x="LMARGIN",
                new_y="NEXT",
            )
    return bytes(pdf.output())
