"""Talent pools, succession for key posts and development plans, through the one engine.

Each person in post is scored by the engine (rules and features) against the *reference post*
of the level above theirs (``features.talent_pools``): the 9-box it computes places them in the
pool (boxes 7-9) or near it (5-6), its hard rules and the next level's competency standard say
what separates them from it. A key post's succession list is the engine's own ranking for that
post restricted to the pool of its agency. Everything is computed once per engine (so afresh
for each export loaded or reloaded) and per language. Knows nothing of HTTP: returns codes and
figures; the routers put them into words.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from fpdf import FPDF

from features import i18n
from features import talent_pools as tp
from features.candidates import subset
from features.errors import NotFoundError
from features.ranking import top_k
from features.trainings import REQUIRED_LEADERSHIP
from serving.engine import Engine, Scored
from serving.exports import neutralised

MEMBER_COLUMNS: tuple[str, ...] = (
    "nip", "name", "agency_id", "unit_id", "position_id", "job_family", "level", "next_level",
    "reference_post", "talent_box", "jpm", "standing", "readiness", "eligible",
)  # fmt: skip
"""The columns of a pool member (with ``failed_rules`` and ``competency_gaps``, lists)."""
SUCCESSION_K = 10
"""How many ready-now and ready-later successors a key post lists."""


@dataclass(frozen=True)
class Talent:
    """The pools of one engine in one language.

    Attributes
    ----------
    members : pandas.DataFrame
        One row per person in a pool or near it: :data:`MEMBER_COLUMNS`, ``failed_rules``
        (the next level's hard rules failed: ``rule_id``, ``message``, ``citation``) and
        ``competency_gaps`` (``features.talent_pools.gap_list``). Sorted by agency, family,
        level, readiness, box (best first) and NIP.
    """

    members: pd.DataFrame
    successions: dict[tuple[str, int], dict[str, Any]] = field(
        default_factory=dict, compare=False, repr=False
    )
    """Succession lists drawn up so far, by key post and length."""


_cache: dict[tuple[int, str], tuple[Engine, Talent]] = {}
_lock = threading.Lock()


def talent(engine: Engine, lang: str) -> Talent:
    """The pools of ``engine`` in ``lang``, computed on first use and kept while it serves."""
    key = (id(engine), lang)
    with _lock:
        hit = _cache.get(key)
        if hit is not None and hit[0] is engine:
            return hit[1]
        for stale in [k for k, (e, _) in _cache.items() if e is not engine]:
            del _cache[stale]
        built = Talent(_members(engine, lang))
        _cache[key] = (engine, built)
        return built


def _members(engine: Engine, lang: str) -> pd.DataFrame:
    positions = engine.export.positions.assign(level=tp.levels(engine.export.positions))
    current = engine.pool.employees[["current_position_id"]].merge(
        positions[["position_id", "agency_id", "job_family", "level"]],
        how="left", left_on="current_position_id", right_on="position_id",
    )  # fmt: skip
    records: list[dict[str, Any]] = []
    groups = current.dropna(subset=["level"]).groupby(["agency_id", "job_family", "level"])
    for (agency, family, level), rows in groups.indices.items():
        above = tp.next_level(str(level))
        posts = tp.next_level_posts(positions, str(agency), str(family), above) if above else None
        if posts is None or posts.empty:
            continue
        target = tp.standard(posts)
        reference = tp.reference_post(posts, target).drop(labels="level").to_dict()
        scored = engine.score(subset(engine.pool, rows), reference)
        cls = (str(family), str(level), above)
        records.extend(_class_members(scored, target, cls, reference, lang))
    out = pd.DataFrame.from_records(
        records, columns=[*MEMBER_COLUMNS, "failed_rules", "competency_gaps"]
    )
    out["_order"] = out["readiness"].map({r: i for i, r in enumerate(tp.READINESS)})
    order = ["agency_id", "job_family", "level", "_order", "talent_box", "nip"]
    ascending = [True, True, True, True, False, True]
    out = out.sort_values(order, ascending=ascending, ignore_index=True).drop(columns="_order")
    out["jpm"] = out["jpm"].astype(object).where(out["jpm"].notna(), None)
    return out


def _class_members(
    scored: Scored,
    target: np.ndarray,
    cls: tuple[str, str, str],
    reference: Mapping[str, Any],
    lang: str,
) -> list[dict[str, Any]]:
    """The pool and near-pool members of one class (family, level, next level), scored
    against the next level's ``reference`` post and competency ``target``."""
    family, level, above = cls
    pool, employees = scored.pool, scored.pool.employees
    boxes = scored.features["talent_box"].to_numpy()
    jpm, bands = scored.features["jpm"].to_numpy(), scored.features["jpm_band"].to_numpy()
    gaps = tp.competency_gaps(pool.competency_levels, target)
    eligible = np.asarray(scored.verdict.eligible, dtype=bool)
    records = []
    for row in np.flatnonzero([tp.standing(b) is not None for b in boxes]):
        listed = tp.gap_list(gaps[row], pool.competency_levels[row], target)
        failed = [
            {"rule_id": o.id, "message": o.message, "citation": o.citation}
            for o in scored.verdict.outcomes_for(int(row), lang=lang)
            if o.applies and not o.passed and o.severity == "hard"
        ]
        within = all(_within(scored, f["rule_id"], int(row)) for f in failed)
        records.append({
            "nip": str(pool.nips[row]),
            "name": str(employees["name"].iat[row]),
            "agency_id": str(employees["agency_id"].iat[row]),
            "unit_id": str(employees["unit_id"].iat[row]),
            "position_id": str(employees["current_position_id"].iat[row]),
            "job_family": family,
            "level": level,
            "next_level": above,
            "reference_post": str(reference["position_id"]),
            "talent_box": int(boxes[row]),
            "jpm": None if np.isnan(jpm[row]) else round(float(jpm[row]), 1),
            "standing": tp.standing(boxes[row]),
            "readiness": tp.readiness(boxes[row], bool(eligible[row]), bands[row], within),
            "eligible": bool(eligible[row]),
            "failed_rules": failed,
            "competency_gaps": listed,
        })  # fmt: skip
    return records


def _closable(scored: Scored, row: int) -> bool:
    """Whether every hard rule pool row ``row`` fails can be met within the horizon."""
    failed = ~np.asarray(
        [r.passed[row] or not r.applies or r.rule.severity != "hard"
         for r in scored.verdict.results.values()]
    )  # fmt: skip
    ids = [rid for rid, bad in zip(scored.verdict.results, failed, strict=True) if bad]
    return all(_within(scored, rid, row) for rid in ids)


def _within(scored: Scored, rule_id: str, row: int) -> bool:
    """Whether the failed rule ``rule_id`` of pool row ``row`` can be met within the horizon."""
    result = scored.verdict.results[rule_id]
    values = {k: v[row] if isinstance(v, np.ndarray) else v for k, v in result.values.items()}
    return tp.within_horizon(result.rule.check, values.get("actual"), values.get("required"))


def pools(engine: Engine, lang: str, agency_id: str | None, family: str | None = None,
          unit_id: str | None = None) -> pd.DataFrame:  # fmt: skip
    """The members of one agency (``None``: all), optionally of one job family and unit."""
    members = talent(engine, lang).members
    keep = pd.Series(True, index=members.index)
    for column, value in (("agency_id", agency_id), ("job_family", family), ("unit_id", unit_id)):
        if value is not None:
            keep &= members[column] == value
    return members[keep].reset_index(drop=True)


def summary(members: pd.DataFrame) -> list[dict[str, Any]]:
    """Per agency, job family and level: pool and near-pool sizes, ready now and later."""
    if members.empty:
        return []
    keys = ["agency_id", "job_family", "level", "next_level"]
    figures = ("pool", "near", *tp.READINESS)
    counts = members.assign(
        pool=members["standing"] == "pool",
        near=members["standing"] == "near",
        **{r: members["readiness"] == r for r in tp.READINESS},
    )
    out = counts.groupby(keys, as_index=False, sort=True)[list(figures)].sum()
    return out.astype(dict.fromkeys(figures, "int64")).to_dict("records")


def key_posts(engine: Engine, agency_id: str | None) -> list[dict[str, Any]]:
    """The export's key posts of one agency (``None``: all) with their contract fields."""
    marked = engine.export.key_posts
    posts = engine.export.positions.merge(marked, on="position_id")
    if agency_id is not None:
        posts = posts[posts["agency_id"] == agency_id]
    columns = ["position_id", "title", "agency_id", "unit_id", "unit_name", "position_type",
               "job_family", "is_vacant", "reason", "critical_since"]  # fmt: skip
    out = posts[columns].sort_values("position_id").astype(object)
    out["critical_since"] = [None if pd.isna(d) else pd.Timestamp(d).date() for d in
                             out["critical_since"]]  # fmt: skip
    return out.to_dict("records")


def succession(
    engine: Engine, position: Mapping[str, Any], lang: str, k: int = SUCCESSION_K
) -> dict[str, Any]:
    """Ready-now and ready-later successors of a key post, from the engine's own ranking.

    Kept with the pools: drawn up once per engine, language and post.

    Ready now: the engine's shortlist for the post over its agency's staff (hard rules, then
    the ranker's score, ties by NIP, and any re-ranking the agency's policy applies),
    restricted to the agency's pool (boxes 7-9), first ``k``.
    Ready later: the other members of the pool and those near it (boxes 5-6), those the rules
    already admit first in the engine's order, then those a hard rule still stops but two
    years can close (``features.talent_pools.within_horizon``), by the ranker's score as if
    admitted, each with the rules it fails for the post.
    """
    kept = talent(engine, lang).successions
    key = (str(position["position_id"]), k)
    if key not in kept:
        kept[key] = _succession(engine, position, lang, k)
    return kept[key]


def _succession(engine: Engine, position: Mapping[str, Any], lang: str, k: int) -> dict[str, Any]:
    agency = str(position["agency_id"])
    members = pools(engine, lang, agency).set_index("nip")
    filters = {"agency_id": agency}
    scored = engine.score(engine.candidates(filters), position)
    nips = scored.pool.nips
    ranked = _shortlisted(engine, scored, position, lang, filters)
    core = set(members.index[members["standing"] == "pool"])
    now = [int(r) for r in ranked if nips[r] in core][:k]
    admitted = [int(r) for r in ranked if nips[r] in members.index and int(r) not in now]
    stopped = np.setdiff1d(np.flatnonzero(np.isin(nips, members.index)), scored.eligible)
    stopped = stopped[[_closable(scored, int(r)) for r in stopped]].astype(np.int64)
    if len(stopped):
        scores = engine.predictor.scores(scored.matrix[stopped])
        stopped = stopped[top_k(scores, nips[stopped], len(stopped))]
    later = (admitted + [int(r) for r in stopped])[:k]
    return {
        "position_id": str(position["position_id"]),
        "title": str(position["title"]),
        "agency_id": agency,
        "as_of": engine.as_of.date(),
        "model": {"name": engine.bundle.name, "version": str(engine.bundle.version)},
        "data_hash": engine.export.snapshot_hash,
        "pool_size": len(members),
        "ready_now": [_successor(scored, members, r, i + 1, lang) for i, r in enumerate(now)],
        "ready_later": [_successor(scored, members, r, i + 1, lang) for i, r in enumerate(later)],
    }


def _shortlisted(
    engine: Engine,
    scored: Scored,
    position: Mapping[str, Any],
    lang: str,
    filters: Mapping[str, str],
) -> list[int]:
    """Pool rows of every eligible candidate in the order of the engine's own shortlist (so
    with any re-ranking the agency's policy applies), not a copy of its ordering."""
    listed = engine.shortlist(position, max(len(scored.eligible), 1), lang, filters)
    row_of = {str(nip): i for i, nip in enumerate(scored.pool.nips)}
    return [row_of[c["nip"]] for c in listed["candidates"]]


def _successor(
    scored: Scored, members: pd.DataFrame, row: int, rank: int, lang: str
) -> dict[str, Any]:
    nip = str(scored.pool.nips[row])
    member = members.loc[nip]
    failed = [
        {"rule_id": o.id, "message": o.message, "citation": o.citation}
        for o in scored.verdict.outcomes_for(row, lang=lang)
        if o.applies and not o.passed and o.severity == "hard"
    ]
    return {
        "rank": rank,
        "nip": nip,
        "name": str(member["name"]),
        "unit_id": str(member["unit_id"]),
        "position_id": str(member["position_id"]),
        "talent_box": int(member["talent_box"]),
        "standing": str(member["standing"]),
        "readiness": str(member["readiness"]),
        "eligible": not failed,
        "failed_rules": failed,
    }


def development(engine: Engine, nip: str, lang: str) -> dict[str, Any]:
    """One pool member's plan: each competency below the next level's standard, how far, and
    the trainings of the export's catalogue offered for it (NotFoundError if not a member)."""
    members = talent(engine, lang).members
    rows = members[members["nip"] == nip]
    if rows.empty:
        raise NotFoundError("no active employee with that NIP")
    member = rows.iloc[0]
    trainings = engine.export.trainings
    done = trainings.loc[trainings["nip"] == nip, "name"].astype(str).tolist()
    leadership = REQUIRED_LEADERSHIP.get(str(member["next_level"]))
    gaps = list(member["competency_gaps"])
    offered = tp.offers(
        tp.catalogue(trainings), done, [g["competency"] for g in gaps],
        str(member["job_family"]), leadership,
    )  # fmt: skip
    return {
        **{c: _plain(member[c]) for c in MEMBER_COLUMNS},
        "failed_rules": list(member["failed_rules"]),
        "competency_gaps": [g | {"trainings": offered[g["competency"]]} for g in gaps],
        "leadership_training": leadership,
    }


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


CSV_COLUMNS: tuple[str, ...] = (
    "agency_id", "job_family", "level", "next_level", "nip", "name", "unit_id", "talent_box",
    "standing", "readiness", "failed_rules", "competency_gaps",
)  # fmt: skip


def to_csv(members: pd.DataFrame) -> str:
    """The pool members as CSV (rule ids and ``competency:gap`` joined by ``;``)."""
    frame = members.assign(
        failed_rules=[";".join(r["rule_id"] for r in rules) for rules in members["failed_rules"]],
        competency_gaps=[
            ";".join(f"{g['competency']}:{g['gap']:g}" for g in gaps)
            for gaps in members["competency_gaps"]
        ],
    )[list(CSV_COLUMNS)]
    buffer = io.StringIO()
    frame.astype(object).map(neutralised).to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue()


def succession_csv(body: Mapping[str, Any]) -> str:
    """A succession list as CSV: list (ready now / later), rank, NIP, name, box, failed rules."""
    rows = [
        {"list": which, "rank": s["rank"], "nip": s["nip"], "name": s["name"],
         "unit_id": s["unit_id"], "talent_box": s["talent_box"], "standing": s["standing"],
         "failed_rules": ";".join(r["rule_id"] for r in s["failed_rules"])}
        for which in ("ready_now", "ready_later") for s in body[which]
    ]  # fmt: skip
    columns = ["list", "rank", "nip", "name", "unit_id", "talent_box", "standing", "failed_rules"]
    frame = pd.DataFrame.from_records(rows, columns=columns)
    buffer = io.StringIO()
    frame.astype(object).map(neutralised).to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue()


def _latin(text: Any) -> str:
    return str(text).encode("latin-1", "replace").decode("latin-1")


def succession_pdf(body: Mapping[str, Any], lang: str = "id") -> bytes:
    """The succession list of a key post for the leadership (Indonesian by default)."""
    words = i18n.section("talent.pdf", lang)
    pdf = FPDF(orientation="P", format="A4")
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 13)
    title = words["title"].format(title=body["title"], position=body["position_id"])
    pdf.multi_cell(0, 7, _latin(title), align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=9)
    model = body["model"]
    for line in (
        words["basis"].format(as_of=body["as_of"], model=model["name"],
                              version=model["version"], data=body["data_hash"][:16]),
        words["human"],
    ):  # fmt: skip
        pdf.multi_cell(0, 5, _latin(line), align="L", new_x="LMARGIN", new_y="NEXT")
    for which in ("ready_now", "ready_later"):
        pdf.ln(2)
        pdf.set_font("Helvetica", "B", 10)
        pdf.cell(0, 6, _latin(words[which]), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", size=7)
        if not body[which]:
            pdf.cell(0, 5, _latin(words["none"]), new_x="LMARGIN", new_y="NEXT")
            continue
        with pdf.table(col_widths=(8, 34, 44, 10, 94), text_align="LEFT", line_height=4) as table:
            heading = table.row()
            for column in ("rank", "nip", "name", "box", "gaps"):
                heading.cell(_latin(words[f"columns.{column}"]))
            for s in body[which]:
                rules = "\n".join(r["message"] for r in s["failed_rules"]) or "-"
                row = table.row()
                for value in (s["rank"], s["nip"], s["name"], s["talent_box"], rules):
                    row.cell(_latin(value))
    return bytes(pdf.output())
