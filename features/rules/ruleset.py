"""A rule set: a versioned, dated list of candidate rules and vacancy rules.

The version is recorded with every trained model and stored shortlist, so a decision can be
traced to the exact rules it was checked against.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date as Date

from pydantic import Field, model_validator

from features.config import FeatureConfig
from features.rules.checks import AnyRule, JpmFloorRule
from features.rules.freeze import ElectionFreezeRule
from features.rules.model import Frozen, Rule


class RuleSet(Frozen):
    """A versioned set of eligibility rules. ``version`` is recorded with models and shortlists."""

    version: str = Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    date: Date
    description: str = ""
    rules: tuple[AnyRule, ...] = Field(min_length=1)
    vacancy_rules: tuple[ElectionFreezeRule, ...] = ()

    @model_validator(mode="after")
    def _unique_ids(self) -> RuleSet:
        seen: set[str] = set()
        for rule in (*self.rules, *self.vacancy_rules):
            if rule.id in seen:
                raise ValueError(f"rule id {rule.id!r} appears more than once")
            seen.add(rule.id)
        return self

    def screening(self) -> RuleSet:
        """The enabled hard rules that read no built features and depend only on a position's
        requirements, and no vacancy rules: a cheap first pass over a whole pool, whose result
        positions with the same requirements share, before features are built for the rows
        that pass it."""
        return self._only(lambda r: not (r.features_read() or r.PER_POSITION))

    def feature_screening(self) -> RuleSet:
        """The enabled hard rules that read built features (see :meth:`features_read`)."""
        return self._only(lambda r: bool(r.features_read()))

    def features_read(self) -> tuple[str, ...]:
        """The built features the enabled rules read, in rule order, once each."""
        names = [f for r in self.rules if r.enabled for f in r.features_read()]
        return tuple(dict.fromkeys(names))

    def _only(self, keep: Callable[[Rule], bool]) -> RuleSet:
        rules = tuple(r for r in self.rules if r.enabled and r.severity == "hard" and keep(r))
        return self.model_copy(update={"rules": rules, "vacancy_rules": ()})

    def feature_config(self) -> FeatureConfig:
        """Feature thresholds as the rule set sets them: the JPM bands of its ``jpm_floor``
        rule (Memenuhi Syarat from ``meets``, Masih Memenuhi Syarat from ``threshold``), so the
        band a committee sees and the rule it is checked by are the same numbers."""
        floor = next((r for r in self.rules if isinstance(r, JpmFloorRule)), None)
        if floor is None:
            return FeatureConfig()
        return FeatureConfig(jpm_ms=floor.params.meets, jpm_mms=floor.params.threshold)

    def rule(self, rule_id: str) -> Rule:
        """Return the candidate rule ``rule_id``."""
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)
