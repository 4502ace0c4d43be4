"""Past JPT selections: the stage results that led to every JPT appointment in the history.

Every span of a JPT post in ``position_history`` that began within :data:`YEARS_BACK` years of
the export date was the outcome of a selection decided a few weeks before it began: an open
selection (*seleksi terbuka*) when the appointee came from below, a job-fit test (*uji
kesesuaian*) when they already held a JPT post. The field is the appointee and a few officials
who held an administrator post (or, for a job-fit test, a JPT post) when it opened. They pass
through the five stages of PermenPANRB 15/2019 with the pass marks below; the panel proposes
its best three by weighted score and the PPK chooses the appointee, who is usually, not
always, the panel's first (the oversight report has something to show).

The table draws from its own random stream, so every other table keeps its bytes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from features.vocabulary import SELECTION_STAGES
from training.synthetic.spec import AgencySpec

JPT_TYPES = ("JPT_UTAMA", "JPT_MADYA", "JPT_PRATAMA")
YEARS_BACK = 8
STREAM = 19
"""Third word of the table's seed ``[seed, agency index, STREAM]`` (issue 19)."""
WEIGHTS = {"ADMINISTRATIVE": 0.0, "MANAGERIAL": 0.35, "TECHNICAL": 0.25, "INTERVIEW": 0.25,
           "TRACK_RECORD": 0.15}  # fmt: skip
PASS_MARKS = {"ADMINISTRATIVE": 100.0, "MANAGERIAL": 65.0, "TECHNICAL": 65.0, "INTERVIEW": 60.0,
              "TRACK_RECORD": 60.0}  # fmt: skip
NOT_FIRST = 0.15
"""Share of selections whose appointee was the panel's second or third name."""
COLUMNS = (
    "selection_id", "kind", "agency_id", "position_id", "opened_on", "decided_on", "nip",
    "stage", "score", "passed", "proposed_rank", "chosen",
)  # fmt: skip


def draw_jpt_selections(
    spec: AgencySpec, positions: pd.DataFrame, history: pd.DataFrame
) -> pd.DataFrame:
    """Rows of ``jpt_selections`` (one a candidate and stage) for the agency's JPT history."""
    rng = np.random.default_rng([spec.seed, spec.index, STREAM])
    jpt = set(positions.loc[positions["position_type"].isin(JPT_TYPES), "position_id"])
    spans = history.loc[history["position_id"].isin(jpt)].copy()
    spans["start_date"] = pd.to_datetime(spans["start_date"])
    earliest = pd.Timestamp(spec.reference_date) - pd.DateOffset(years=YEARS_BACK)
    spans = spans.loc[spans["start_date"] >= earliest].sort_values(
        ["start_date", "position_id", "nip"], kind="stable"
    )
    frames = [
        _one(spec, rng, history, jpt, span, number)
        for number, span in enumerate(spans.itertuples(index=False), start=1)
    ]
    if not frames:
        return pd.DataFrame(columns=list(COLUMNS))
    return pd.concat(frames, ignore_index=True)


def _one(
    spec: AgencySpec,
    rng: np.random.Generator,
    history: pd.DataFrame,
    jpt: set[str],
    span: object,
    number: int,
) -> pd.DataFrame:
    start = pd.Timestamp(span.start_date)
    decided = start - pd.Timedelta(days=int(rng.integers(14, 45)))
    opened = decided - pd.Timedelta(days=int(rng.integers(60, 120)))
    kind = "JOBFIT" if _held_jpt(history, span.nip, jpt, start) else "OPEN"
    field = _field(rng, history, jpt, kind, opened, span.nip)
    entrants = [span.nip, *field]
    quality = rng.normal(0.0, 1.0, len(entrants))
    quality[0] = quality.max() + rng.uniform(0.2, 0.8)
    if rng.random() < NOT_FIRST and len(entrants) > 1:  # a strong rival the PPK passed over
        quality[1] = quality[0] + rng.uniform(0.1, 0.5)
    rows, final = _stages(rng, entrants, quality)
    ranked = sorted(final, key=lambda nip: (-final[nip], nip))[:3]
    if span.nip not in ranked:
        ranked = [*ranked[:2], span.nip]
    frame = pd.DataFrame(rows, columns=["nip", "stage", "score", "passed"])
    frame["proposed_rank"] = [ranked.index(n) + 1 if n in ranked else 0 for n in frame["nip"]]
    frame["chosen"] = frame["nip"] == span.nip
    frame.insert(0, "selection_id", f"SEL-{spec.agency_id}-{start.year}-{number:03d}")
    frame.insert(1, "kind", kind)
    frame.insert(2, "agency_id", spec.agency_id)
    frame.insert(3, "position_id", span.position_id)
    frame.insert(4, "opened_on", opened)
    frame.insert(5, "decided_on", decided)
    return frame[list(COLUMNS)]


def _held_jpt(history: pd.DataFrame, nip: str, jpt: set[str], start: pd.Timestamp) -> bool:
    before = history.loc[(history["nip"] == nip) & history["position_id"].isin(jpt)]
    return bool((pd.to_datetime(before["start_date"]) < start).any())


def _field(
    rng: np.random.Generator,
    history: pd.DataFrame,
    jpt: set[str],
    kind: str,
    opened: pd.Timestamp,
    appointee: str,
) -> list[str]:
    """Officials in post when the selection opened: administrators (open) or JPT holders."""
    start = pd.to_datetime(history["start_date"])
    end = pd.to_datetime(history["end_date"], errors="coerce")
    serving = (start <= opened) & (end.isna() | (end > opened)) & (history["nip"] != appointee)
    rank = (
        history["position_id"].isin(jpt)
        if kind == "JOBFIT"
        else (history["position_type"] == "ADMINISTRATOR")
    )
    pool = np.unique(history.loc[serving & rank, "nip"].astype(str))
    size = min(len(pool), int(rng.integers(3, 8)))
    return sorted(rng.choice(pool, size=size, replace=False).tolist()) if size else []


def _stages(
    rng: np.random.Generator, entrants: list[str], quality: np.ndarray
) -> tuple[list[tuple[str, str, float, bool]], dict[str, float]]:
    """Each entrant through the stages until a stage fails them; the final weighted scores of
    those who passed every stage (the appointee always does)."""
    rows: list[tuple[str, str, float, bool]] = []
    final: dict[str, float] = {}
    for i, (nip, q) in enumerate(zip(entrants, quality, strict=True)):
        total = 0.0
        for stage in SELECTION_STAGES:
            if stage == "ADMINISTRATIVE":
                score = 0.0 if (i and rng.random() < 0.1) else 100.0
            else:
                score = float(np.clip(round(72 + 8 * q + rng.normal(0, 5), 1), 0, 100))
                if i == 0:
                    score = max(score, PASS_MARKS[stage] + float(rng.integers(1, 10)))
            passed = score >= PASS_MARKS[stage]
            rows.append((nip, stage, score, passed))
            total += WEIGHTS[stage] * score
            if not passed:
                break
        else:
            final[nip] = round(total, 2)
    return rows, final
