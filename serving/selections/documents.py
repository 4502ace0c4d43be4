"""The selection's documents: a stage's announcement and the panel's berita acara (PDF).

The announcement lists, per post, who passes the stage (NIP and name), never a score. The berita
acara records the panel, its declarations, the three names per post with their reasons, the
model's order beside them and the written reason where they differ, then the signature lines.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fpdf import FPDF

from features import i18n


def _latin(text: Any) -> str:
    """The core fonts' Latin-1 (anything else becomes '?')."""
    return str(text).encode("latin-1", "replace").decode("latin-1")


def _document() -> FPDF:
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.set_margins(20, 18, 20)
    pdf.add_page()
    return pdf


def _line(pdf: FPDF, text: str, size: float = 10, style: str = "", align: str = "L") -> None:
    pdf.set_font("Helvetica", style, size)
    pdf.multi_cell(0, size * 0.55, _latin(text), align=align, new_x="LMARGIN", new_y="NEXT")


def _header(pdf: FPDF, whole: Mapping[str, Any], heading: str, w: Mapping[str, str]) -> None:
    _line(pdf, heading, 13, "B", "C")
    _line(pdf, whole["title"], 11, "B", "C")
    _line(pdf, f"{w['agency']}: {whole['agency_id']} - {w['kind_' + whole['kind']]}", 9, "", "C")
    pdf.ln(4)


def announcement(
    whole: Mapping[str, Any], stage: str, names: Mapping[str, str], lang: str = "id"
) -> bytes:
    """The PDF announcing who passes ``stage`` (an announced stage), per post."""
    w = i18n.section("selection.pdf", lang)
    made = next(a for a in whole["announcements"] if a["stage"] == stage)
    pdf = _document()
    _header(pdf, whole, w["announcement_title"], w)
    stage_name = i18n.text(f"selection.stages.{stage}", lang)
    _line(pdf, i18n.fill(w["announcement_intro"], stage=stage_name), 10, "", "J")
    pdf.ln(3)
    for post in whole["posts"]:
        _line(pdf, f"{post['title']} ({post['position_id']})", 10, "B")
        passing = made["passing"].get(post["position_id"], [])
        if not passing:
            _line(pdf, w["nobody_passes"], 10)
        for i, nip in enumerate(sorted(passing, key=lambda n: names.get(n, n)), start=1):
            _line(pdf, f"{i}. {names.get(nip, nip)} - NIP {nip}", 10)
        pdf.ln(2)
    pdf.ln(2)
    _line(pdf, w["announcement_note"], 9, "I", "J")
    _line(pdf, f"{w['announced_at']}: {made['announced_at'][:10]}", 9)
    return bytes(pdf.output())


def berita_acara(
    whole: Mapping[str, Any],
    names: Mapping[str, str],
    sides: Mapping[str, Mapping[str, Any]],
    lang: str = "id",
) -> bytes:
    """The panel's berita acara: panel, declarations, stages, three names per post, signatures.

    ``sides`` is the panel's ranking beside the model's per post (``fit.side_by_side``).
    """
    w = i18n.section("selection.pdf", lang)
    pdf = _document()
    _header(pdf, whole, w["minutes_title"], w)
    _line(pdf, w["minutes_intro"], 10, "", "J")
    pdf.ln(2)
    _line(pdf, w["panel"], 10, "B")
    for member in _chair_first(whole):
        chair = f" ({w['chair']})" if member["chair"] else ""
        _line(pdf, f"- {member['name']}{chair}: {_declaration(whole, member['user_id'], w)}", 10)
    pdf.ln(2)
    _line(pdf, w["stages"], 10, "B")
    for stage in whole["stages"]:
        label = i18n.text(f"selection.stages.{stage['id']}", lang)
        _line(
            pdf,
            i18n.fill(
                w["stage_line"],
                stage=label,
                weight=round(stage["weight"] * 100),
                mark=stage["pass_mark"],
            ),  # fmt: skip
            10,
        )
    _line(pdf, i18n.fill(w["policy_line"], **whole["policy"]), 8, "I")
    pdf.ln(2)
    for proposal in _latest_proposals(whole):
        _proposal(pdf, whole, proposal, names, sides.get(proposal["position_id"], {}), w)
    _signatures(pdf, whole, w)
    return bytes(pdf.output())


def _chair_first(whole: Mapping[str, Any]) -> list[dict[str, Any]]:
    return sorted(whole["panel"], key=lambda m: not m["chair"])


def _declaration(whole: Mapping[str, Any], user_id: str, w: Mapping[str, str]) -> str:
    latest = [d for d in whole["declarations"] if d["user_id"] == user_id]
    if not latest:
        return w["declared_nothing"]
    return w["declared_" + latest[-1]["kind"]]


def _latest_proposals(whole: Mapping[str, Any]) -> list[dict[str, Any]]:
    latest: dict[str, dict[str, Any]] = {}
    for proposal in whole["proposals"]:
        latest[proposal["position_id"]] = proposal
    return list(latest.values())


def _proposal(
    pdf: FPDF,
    whole: Mapping[str, Any],
    proposal: Mapping[str, Any],
    names: Mapping[str, str],
    side: Mapping[str, Any],
    w: Mapping[str, str],
) -> None:
    post = next(p for p in whole["posts"] if p["position_id"] == proposal["position_id"])
    _line(pdf, f"{w['three_names_for']} {post['title']} ({post['position_id']})", 10, "B")
    model_place = {r["nip"]: r.get("model_place") for r in side.get("rows", [])}
    for name in proposal["names"]:
        nip = name["nip"]
        _line(
            pdf,
            i18n.fill(
                w["name_line"],
                place=name["place"],
                name=names.get(nip, nip),
                nip=nip,
                score=name["score"],
                model=model_place.get(nip) or "-",
            ),  # fmt: skip
            10,
        )
        _line(pdf, f"   {w['reason']}: {name['reason']}", 9, "", "J")
        if name.get("failed_rules"):
            _line(pdf, f"   {w['failed_rules']}: " + "; ".join(name["failed_rules"]), 9, "I", "J")
    if proposal["divergence_reason"]:
        _line(pdf, f"{w['divergence']}: {proposal['divergence_reason']}", 9, "I", "J")
    else:
        _line(pdf, w["no_divergence"], 9, "I")
    pdf.ln(3)


def _signatures(pdf: FPDF, whole: Mapping[str, Any], w: Mapping[str, str]) -> None:
    pdf.ln(4)
    _line(pdf, w["signed"], 10, "B")
    for member in _chair_first(whole):
        pdf.ln(8)
        role = w["chair"] if member["chair"] else w["member"]
        _line(pdf, f"{member['name']} ({role})   ..............................", 10)
