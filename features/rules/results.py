"""The rules' verdict over a pool: per rule, per candidate, per vacancy, and its messages.

Results keep arrays aligned to the pool and the values the checks computed; a message is put
into words only when asked for, in the language asked for (``render.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from features.i18n import Lang
from features.rules.context import PER_CANDIDATE
from features.rules.model import Bilingual, Rule
from features.rules.render import fill, format_value, not_applicable, open_end, type_label

FreezeKind = Literal["before_election", "after_inauguration"]


@dataclass(frozen=True)
class RuleOutcome:
    """One rule's verdict on one candidate, ready to show."""

    id: str
    severity: Literal["hard", "soft"]
    applies: bool
    passed: bool
    message: str
    citation: str


@dataclass(frozen=True)
class RuleResult:
    """One rule over the whole pool.

    Attributes
    ----------
    rule : the rule model (id, severity, citation, messages, params)
    applies : bool
        False when the position's type is not covered or the position sets no requirement
        (then every candidate passes).
    passed : numpy.ndarray of bool
    missing : numpy.ndarray of bool
        Failed because the data needed is not recorded (the ``missing`` message explains).
    values : mapping
        Placeholder values: scalars, or per-candidate arrays aligned to the pool.
    """

    rule: Rule
    applies: bool
    passed: np.ndarray
    missing: np.ndarray
    values: Mapping[str, Any]
    position_type: str

    @property
    def id(self) -> str:
        """The rule's id."""
        return self.rule.id

    @property
    def failed_count(self) -> int:
        """How many candidates fail the rule."""
        return int(self.passed.size - np.count_nonzero(self.passed))

    def detail(self, i: int, lang: Lang = "id") -> dict[str, str]:
        """The placeholder values for candidate ``i``, formatted as text."""
        out = {"position_type": type_label(self.position_type, lang)}
        for name, value in self.values.items():
            item = value[i] if isinstance(value, PER_CANDIDATE) else value
            out[name] = format_value(item, lang)
        return out

    def message(self, i: int, lang: Lang = "id") -> str:
        """The message for candidate ``i`` in ``lang``."""
        if not self.applies:
            return not_applicable(self.position_type, lang)
        return fill(self._template(i), lang, self.detail(i, lang))

    def messages(self, rows: np.ndarray, lang: Lang = "id") -> list[str]:
        """The messages of candidates ``rows``; candidates with the same values share one."""
        per_candidate = [v for v in self.values.values() if isinstance(v, PER_CANDIDATE)]
        said: dict[tuple[Any, ...], str] = {}
        out = []
        for i in rows:
            key = (bool(self.passed[i]), bool(self.missing[i]), *(v[i] for v in per_candidate))
            if key not in said:
                said[key] = self.message(int(i), lang)
            out.append(said[key])
        return out

    def _template(self, i: int) -> Bilingual:
        messages = self.rule.messages
        if self.passed[i]:
            return messages.pass_
        if self.missing[i] and messages.missing is not None:
            return messages.missing
        return messages.fail


@dataclass(frozen=True)
class VacancyFlag:
    """A vacancy-level flag (the election freeze): the whole selection needs an approval."""

    id: str
    kind: FreezeKind
    citation: str
    agency_id: str
    event_date: pd.Timestamp
    window_start: pd.Timestamp
    window_end: pd.Timestamp | None
    months: int
    template: Bilingual

    def message(self, lang: Lang = "id") -> str:
        """The flag's message in ``lang``."""
        end = open_end(lang) if self.window_end is None else format_value(self.window_end, lang)
        params = {
            "agency": self.agency_id,
            "window_start": format_value(self.window_start, lang),
            "window_end": end,
            "event_date": format_value(self.event_date, lang),
            "months": self.months,
        }
        return fill(self.template, lang, params)


@dataclass(frozen=True)
class Eligibility:
    """The rules' verdict over a pool for one position on one date.

    Attributes
    ----------
    ruleset_version : str
    nips : numpy.ndarray
        The pool's order; every array is aligned to it.
    eligible : numpy.ndarray of bool
        Every hard rule passes.
    results : mapping of rule id to RuleResult, in the rule set's order (enabled rules only)
    vacancy_flags : tuple of VacancyFlag
        Vacancy-level flags; not candidate exclusions.
    """

    ruleset_version: str
    nips: np.ndarray
    eligible: np.ndarray
    results: Mapping[str, RuleResult]
    vacancy_flags: tuple[VacancyFlag, ...]

    def passed(self, rule_id: str) -> np.ndarray:
        """The pass array of ``rule_id``."""
        return self.results[rule_id].passed

    @property
    def excluded_counts(self) -> dict[str, int]:
        """Per hard rule, how many candidates fail it (a candidate can fail several)."""
        return {rid: r.failed_count for rid, r in self.results.items() if r.rule.severity == "hard"}

    @property
    def excluded_total(self) -> int:
        """How many candidates fail at least one hard rule."""
        return int(self.eligible.size - np.count_nonzero(self.eligible))

    @property
    def warning_counts(self) -> dict[str, int]:
        """Per soft rule, how many candidates it warns about."""
        return {rid: r.failed_count for rid, r in self.results.items() if r.rule.severity == "soft"}

    @property
    def eligible_warning_counts(self) -> dict[str, int]:
        """Per soft rule, how many eligible candidates it warns about (each needs a written
        answer if chosen)."""
        return {
            rid: int(np.count_nonzero(self.eligible & ~r.passed))
            for rid, r in self.results.items()
            if r.rule.severity == "soft"
        }

    @property
    def frozen(self) -> bool:
        """Whether any vacancy flag (election freeze) is raised."""
        return bool(self.vacancy_flags)

    def as_frame(self) -> pd.DataFrame:
        """Pass/fail per rule (columns, in rule-set order) and ``eligible``, indexed by nip."""
        columns = {rid: r.passed for rid, r in self.results.items()}
        frame = pd.DataFrame(columns, index=pd.Index(self.nips, name="nip"))
        frame["eligible"] = self.eligible
        return frame

    def excluded_rows(self) -> np.ndarray:
        """Pool positions of the candidates that fail at least one hard rule, in pool order."""
        return np.flatnonzero(~self.eligible)

    def failed_hard(self, i: int, lang: Lang = "id") -> list[RuleOutcome]:
        """The hard rules candidate ``i`` fails, with messages: why it is excluded."""
        return self.exclusions(lang, np.array([i]))[i]

    def exclusions(
        self, lang: Lang = "id", rows: np.ndarray | None = None
    ) -> dict[int, list[RuleOutcome]]:
        """Why each excluded candidate (or each of ``rows``) is excluded: the hard rules it
        fails, in rule order. Only the failing pairs are put into words."""
        rows = self.excluded_rows() if rows is None else rows
        wanted = np.zeros(self.eligible.size, dtype=bool)
        wanted[rows] = True
        out: dict[int, list[RuleOutcome]] = {int(i): [] for i in rows}
        for rid, r in self.results.items():
            if r.rule.severity != "hard":
                continue
            failing = np.flatnonzero(wanted & ~r.passed)
            for i, message in zip(failing, r.messages(failing, lang), strict=True):
                out[int(i)].append(RuleOutcome(rid, "hard", True, False, message, r.rule.citation))
        return out

    def outcomes_for(self, i: int, lang: Lang = "id") -> list[RuleOutcome]:
        """Every enabled rule's outcome for candidate ``i`` (position in the pool)."""
        if not -len(self.nips) <= i < len(self.nips):
            raise IndexError(f"candidate {i} is outside the pool of {len(self.nips)}")
        return [
            RuleOutcome(
                id=rid,
                severity=r.rule.severity,
                applies=r.applies,
                passed=bool(r.passed[i]),
                message=r.message(i, lang),
                citation=r.rule.citation,
            )
            for rid, r in self.results.items()
        ]
