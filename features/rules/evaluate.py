"""Evaluating a rule set over a whole candidate pool at once (numpy masks, no per-candidate loop).

Messages are not formatted here: the :class:`~features.rules.results.Eligibility` keeps the
values each check computed and puts them into words only when asked for.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from features.rules.context import CandidatesLike, Context
from features.rules.model import Rule
from features.rules.position import Position, parse_position
from features.rules.results import Eligibility, RuleResult, VacancyFlag
from features.rules.ruleset import RuleSet

logger = logging.getLogger(__name__)


def evaluate_rules(
    candidates: CandidatesLike,
    position: Mapping[str, Any],
    features: pd.DataFrame,
    as_of: Any,
    ruleset: RuleSet,
    election_calendar: pd.DataFrame | None = None,
) -> Eligibility:
    """Evaluate every enabled rule of ``ruleset`` over the whole pool.

    Parameters
    ----------
    candidates : CandidatePool
        The pool (``as_of``, ``nips``, ``employees``, ``active_sanction_level``,
        ``pending_proceedings``).
    position : mapping
        A row of the contract's ``positions`` table (or an inline definition).
    features : pandas.DataFrame
        ``build_features(candidates, position, as_of)``: indexed by nip in the pool's order.
    as_of : date-like
        The decision date; must equal ``candidates.as_of``.
    ruleset : RuleSet
    election_calendar : pandas.DataFrame or None
        The export's ``election_calendar`` table (``agency_id``, ``event``, ``date``).

    Returns
    -------
    Eligibility

    Raises
    ------
    PositionError
        The position's type, minimum education or minimum rank is not in the contract.
    """
    as_of = pd.Timestamp(as_of).normalize()
    nips = np.asarray(candidates.nips)
    _check_alignment(candidates, features, nips, as_of)
    spec = parse_position(position)
    ctx = _context(candidates, features, as_of, spec)
    results = _candidate_results(ruleset, ctx, len(nips))
    eligible = np.ones(len(nips), dtype=bool)
    for result in results.values():
        if result.rule.severity == "hard":
            eligible &= result.passed
    flags = _vacancy_flags(ruleset, election_calendar, spec.agency_id, as_of)
    logger.debug(
        "rules %s: %d of %d eligible, %d vacancy flags",
        ruleset.version, int(eligible.sum()), len(nips), len(flags),
    )  # fmt: skip
    return Eligibility(ruleset.version, nips, _read_only(eligible), results, tuple(flags))


def _context(
    candidates: CandidatesLike, features: pd.DataFrame, as_of: pd.Timestamp, spec: Position
) -> Context:
    """The context over the pool, with the pool's own column codes when it carries them."""
    codes = getattr(candidates, "column_codes", None)
    return Context(
        employees=candidates.employees,
        features=features,
        sanction_level=np.asarray(candidates.active_sanction_level),
        pending=np.asarray(candidates.pending_proceedings),
        as_of=as_of,
        position=spec,
        coded=None if codes is None else (codes, candidates.column_labels),  # type: ignore[attr-defined]
    )


def _candidate_results(ruleset: RuleSet, ctx: Context, size: int) -> dict[str, RuleResult]:
    """Every enabled rule's result, in the rule set's order (read-only arrays)."""
    everyone = _read_only(np.ones(size, dtype=bool))
    nobody = _read_only(np.zeros(size, dtype=bool))
    results: dict[str, RuleResult] = {}
    for rule in ruleset.rules:
        if rule.enabled:
            results[rule.id] = _result(rule, ctx, everyone, nobody)
    return results


def _result(rule: Rule, ctx: Context, everyone: np.ndarray, nobody: np.ndarray) -> RuleResult:
    """One rule's result; a rule that does not apply passes everyone (``applies`` False)."""
    kind = ctx.position.position_type
    check = rule.evaluate(ctx) if rule.covers(kind) else None
    if check is None:
        return RuleResult(rule, False, everyone, nobody, {}, kind)
    passed = _read_only(np.asarray(check.passed, dtype=bool))
    missing = _read_only(check.missing & ~passed)
    return RuleResult(rule, True, passed, missing, check.values, kind)


def _vacancy_flags(
    ruleset: RuleSet, calendar: pd.DataFrame | None, agency_id: str, as_of: pd.Timestamp
) -> list[VacancyFlag]:
    return [
        flag
        for vacancy_rule in ruleset.vacancy_rules
        for flag in vacancy_rule.evaluate(calendar, agency_id, as_of)
    ]


def _read_only(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


def _check_alignment(
    candidates: CandidatesLike, features: pd.DataFrame, nips: np.ndarray, as_of: pd.Timestamp
) -> None:
    if pd.Timestamp(candidates.as_of).normalize() != as_of:
        raise ValueError(
            f"the pool was prepared for {pd.Timestamp(candidates.as_of).date()}, not {as_of.date()}"
        )
    sizes = {
        len(candidates.employees),
        len(candidates.active_sanction_level),
        len(candidates.pending_proceedings),
    }
    if sizes != {len(nips)}:
        raise ValueError("the pool's employees and sanctions are not aligned to its nips")
    if len(features) != len(nips) or not np.array_equal(features.index.to_numpy(), nips):
        raise ValueError("the features frame is not indexed by the pool's nips in pool order")
