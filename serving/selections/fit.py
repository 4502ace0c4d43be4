"""The model's fit beside the panel's stages: one input among the stages, never folded in.

For each candidate and post the ranker's score, its largest reasons each way and the JPT rules
(age limit, experience, rank...) as the engine explains them for any shortlist; the model's
order of a post's candidates is set beside the panel's, place by place, so the panel sees
where they differ (and :func:`serving.selections.service.propose` asks a written reason).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from features.errors import NotFoundError
from serving.engine import Engine
from serving.selections import service


def model_fit(
    engine: Engine, whole: Mapping[str, Any], lang: str
) -> dict[str, list[dict[str, Any]]]:
    """Per post, its candidates with the model's score, reasons and rules, best score first.

    In a job-fit selection every candidate is set against every post (who fits where); in an
    open one, against the post they registered for.
    """
    out: dict[str, list[dict[str, Any]]] = {}
    every = whole["kind"] == "jobfit"
    for post in whole["posts"]:
        position = engine.position(post["position_id"])
        rows = [
            _one(engine, c["nip"], position, lang)
            for c in whole["candidates"]
            if every or c["position_id"] == post["position_id"]
        ]
        rows.sort(key=lambda r: (r["score"] is None, -(r["score"] or 0.0), r["nip"]))
        for place, row in enumerate(rows, start=1):
            row["model_place"] = place if row["score"] is not None else None
        out[post["position_id"]] = rows
    return out


def _one(engine: Engine, nip: str, position: Mapping[str, Any], lang: str) -> dict[str, Any]:
    try:
        detail = engine.fit(nip, position, lang)
    except NotFoundError:
        return {
            "nip": nip,
            "name": nip,
            "score": None,
            "reasons": {},
            "rules": [],
            "eligible": None,
        }
    rules = [
        {
            "rule_id": e.get("rule_id"),
            "passed": bool(e.get("passed")),
            "severity": e.get("severity"),
            "message": e.get("message") or e.get("text") or e.get("rule_id"),
        }
        for e in detail["eligibility"]
    ]
    return {
        "nip": nip,
        "name": detail["name"],
        "score": round(float(detail["score"]), 4),
        "reasons": detail["reasons"],
        "rules": rules,
        "eligible": detail["eligible"],
    }


def failed_hard(fit: Mapping[str, list[dict[str, Any]]], position_id: str) -> dict[str, list[str]]:
    """Per candidate of the post, the hard rules it fails (their messages)."""
    return {
        r["nip"]: [x["message"] for x in r["rules"] if x["severity"] == "hard" and not x["passed"]]
        for r in fit.get(position_id, [])
    }


def model_order(fit: Mapping[str, list[dict[str, Any]]], position_id: str) -> list[str]:
    """The model's order (NIPs) of a post's scored candidates."""
    return [r["nip"] for r in fit.get(position_id, []) if r["score"] is not None]


def side_by_side(
    whole: Mapping[str, Any], fit: Mapping[str, list[dict[str, Any]]], position_id: str
) -> dict[str, Any]:
    """The panel's final ranking beside the model's order of the same candidates.

    ``rows``: per candidate who passed every stage, the panel's place and final score and the
    model's place among them; ``differs`` whether the first three differ.
    """
    ranking = service.panel_ranking(whole, position_id)
    passed = {r["nip"] for r in ranking}
    order = [nip for nip in model_order(fit, position_id) if nip in passed]
    place = {nip: i + 1 for i, nip in enumerate(order)}
    rows = [
        {**r, "model_place": place.get(r["nip"]), "moved": place.get(r["nip"]) != r["place"]}
        for r in ranking
    ]
    top = [r["nip"] for r in ranking[: service.NAMES]]
    return {
        "rows": rows,
        "order": order,
        "differs": bool(ranking) and order[: service.NAMES] != top,
    }


def positions_of(engine: Engine, position_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The export's rows of the asked positions (a missing one is left out)."""
    frame = engine.export.positions
    rows = frame[frame["position_id"].isin(list(position_ids))]
    return {str(r["position_id"]): r for r in rows.to_dict("records")}


def employee_of(engine: Engine, nip: str) -> dict[str, Any] | None:
    """The export's row of ``nip`` with its current post's type; None when there is none."""
    employees = engine.export.employees
    match = employees.loc[employees["nip"] == nip]
    if match.empty:
        return None
    row = match.iloc[0].to_dict()
    positions = engine.export.positions
    post = positions.loc[positions["position_id"] == row.get("current_position_id")]
    row["position_type"] = None if post.empty else str(post["position_type"].iat[0])
    return row


def names_of(engine: Engine, nips: Iterable[str]) -> dict[str, str]:
    """Names of the given NIPs from the export (for the documents and pages)."""
    employees = engine.export.employees
    rows = employees.loc[employees["nip"].isin(list(nips)), ["nip", "name"]]
    return {str(n): str(m) for n, m in zip(rows["nip"], rows["name"], strict=True)}
