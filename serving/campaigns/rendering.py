"""A campaign report in words: text for the terminal, CSV and PDF for the committee's file.

The report says things as codes with parameters; this module (and the review page, through
:func:`say`, :func:`scope_words` and :func:`chain_words`) puts them into words with the
message catalogue (``features/locales/<lang>/campaign.yaml``). The exports are in English by
default, as they always were.
"""

from __future__ import annotations

import csv
import io

from fpdf import FPDF

from features import i18n
from serving import fairness
from serving.campaigns.models import AgencyScope, CampaignReport, ChainLink, ListedScope, Said

CSV_COLUMNS: tuple[str, ...] = (
    "round", "position_id", "position_title", "position_unit_id", "status", "nip", "name",
    "from_position_id", "from_unit_id", "fit", "rank_on_shortlist", "aspiration_match",
    "reasons",
)  # fmt: skip

EXPORT_LANGUAGE = "en"
"""Language of the text, CSV and PDF exports unless asked otherwise."""


def say(said: Said, lang: str) -> str:
    """What ``said`` says in ``lang`` (a report stored before codes: its own words)."""
    if said.code == "legacy":
        indonesian = said.params.get("text_id") if lang == "id" else None
        return str(indonesian or said.params["text"])
    parts = ", ".join(say(part, lang) for part in said.parts)
    return i18n.text(f"campaign.{said.code}", lang, **said.params, parts=parts)


def in_english_only(report: CampaignReport) -> bool:
    """Whether some reason of ``report`` has words in English only (stored before codes)."""
    said = [*(o.reason for o in report.open_vacancies), *report.binding_constraints]
    return any(s.code == "legacy" and not s.params.get("text_id") for s in said)


def scope_words(scope: AgencyScope | ListedScope, lang: str, heading: bool = False) -> str:
    """The scope in words: as in the report, or as the page's heading (``heading``)."""
    prefix = "campaign.scope_title" if heading else "campaign.scope"
    return i18n.text(f"{prefix}.{scope.kind}", lang, **scope.model_dump(exclude={"kind"}))


def chain_words(link: ChainLink, lang: str) -> str:
    """One link of a vacancy chain: "P <- NIP from Q"."""
    origin = link.origin_position_id or "-"
    return i18n.text(
        "campaign.chain.link", lang, position_id=link.position_id, nip=link.nip, origin=origin
    )


def render_text(report: CampaignReport, lang: str = EXPORT_LANGUAGE) -> str:
    """The campaign as a readable report."""

    def line(key: str, **params: object) -> str:
        return i18n.text(f"campaign.text.{key}", lang, **params)

    b, t = report.baselines, report.timings_s
    lines = [
        line(
            "title",
            campaign_id=report.campaign_id or line("not_stored"),
            scope=scope_words(report.scope, lang),
            as_of=report.as_of,
        ),
        line(
            "summary",
            model=report.model,
            solver=report.solver,
            vacancies=len(report.vacancies),
            chain_depth=report.options.chain_depth,
        ),
        "",
        line("baselines"),
        "  " + line("optimal", filled=b.optimal_filled, fit=b.optimal_total_fit),
        "  " + line("greedy", filled=b.greedy_filled, fit=b.greedy_total_fit),
        "  "
        + line(
            "top1",
            filled=b.top1_filled,
            fit=b.top1_total_fit,
            double_booked=b.top1_double_booked_people,
            conflicts=b.top1_conflicts,
        ),
        "",
        line("placements", count=len(report.placements)),
    ]
    for p in report.placements:
        reasons = f"; {'; '.join(p.reasons[:3])}" if p.reasons else ""
        lines.append(
            "  "
            + line(
                "placement",
                round=p.round,
                position_id=p.position_id,
                position_title=p.position_title,
                nip=p.nip,
                name=p.name,
                origin=p.from_position_id or "-",
                unit=p.from_unit_id or "-",
                fit=p.fit,
                rank=p.rank_on_shortlist,
                reasons=reasons,
            )
        )
    if report.chains:
        lines += ["", line("chains")]
        lines += ["  " + "  |  ".join(chain_words(k, lang) for k in c) for c in report.chains]
    if report.open_vacancies:
        lines += ["", line("open", count=len(report.open_vacancies))]
        lines += [
            "  " + line("open_line", round=o.round, reason=say(o.reason, lang))
            for o in report.open_vacancies
        ]
    if report.binding_constraints:
        lines += ["", line("binding")]
        lines += [f"  {say(c, lang)}" for c in report.binding_constraints]
    lines += ["", line("units")]
    for u in report.units:
        cap = "" if u.cap is None else line("unit_cap", cap=u.cap, wanted=u.wanted or 0)
        lines.append(
            "  "
            + line(
                "unit",
                unit_id=u.unit_id,
                before=u.staff_before,
                after=u.staff_after,
                leaving=u.leaving,
                arriving=u.arriving,
                cap=cap,
            )
        )
    lines += ["", line("fairness")]
    for g in report.fairness:
        lines.append(
            "  "
            + line(
                "fairness_group",
                attribute=g.attribute,
                group=g.group,
                selected=g.selected,
                considered=g.considered,
                rate=g.selection_rate,
            )
        )
    for attribute, gap in sorted(report.fairness_max_gap.items()):
        lines.append("  " + line("fairness_gap", attribute=attribute, gap=gap))
    for agency in report.fairness_panels:
        panel = agency.panel.model_dump()
        lines.append("  " + i18n.text("fairness.title.campaign", lang, agency_id=agency.agency_id))
        lines += ["    " + fairness.sentence(panel, a, lang) for a in panel["attributes"]]
    lines += ["", line("time", scoring=t["scoring"], solving=t["solving"], total=t["total"])]
    return "\n".join(lines)


def render_csv(report: CampaignReport, lang: str = EXPORT_LANGUAGE) -> str:
    """Placements and open vacancies as CSV, one row a position (PROPOSED, or OPEN with why)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for p in report.placements:
        row = p.model_dump()
        row["status"] = "PROPOSED"
        row["reasons"] = "; ".join(p.reasons)
        writer.writerow({k: row.get(k, "") for k in CSV_COLUMNS})
    for o in report.open_vacancies:
        writer.writerow(
            {"round": o.round, "position_id": o.position_id, "position_title": o.position_title,
             "status": "OPEN", "reasons": say(o.reason, lang)}
        )  # fmt: skip
    return out.getvalue()


def render_pdf(report: CampaignReport, lang: str = EXPORT_LANGUAGE) -> bytes:
    """The text report as a PDF (fpdf2, monospaced core font) for the committee's file."""
    pdf = FPDF(orientation="landscape", format="A4")
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_page()
    pdf.set_font("Courier", size=7.5)
    for text in render_text(report, lang).splitlines():
        safe = text.encode("latin-1", errors="replace").decode("latin-1")
        pdf.multi_cell(0, 3.6, safe or " ", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
