"""Eligibility rules as data: versioned rule sets, vectorised evaluation, bilingual messages.

A rule set (``features/rulesets/<version>.yaml``, or an agency's own file) lists rules. Each
rule names the *check* that evaluates it, its severity (``hard`` excludes a candidate, ``soft``
warns), the position types it applies to, a regulation citation, message templates in
Indonesian and English, and the parameters that agencies set differently (years, thresholds,
tables). ``evaluate_rules`` runs every enabled rule over a whole candidate pool with numpy masks
and returns an :class:`Eligibility`: who is eligible, why each candidate passes or fails each
rule, counts per rule, and vacancy-level flags (the election freeze).

One module per concept, each importing only the ones above it in this list:

- ``position``: the position's type and requirements, parsed (``PositionError``);
- ``context``: the pool as the checks read it (coded columns, ordinals, features);
- ``model``: what every rule is (fields, message templates, placeholder validation);
- ``render``: values and templates into words (``features/locales/<lang>/rules.yaml``);
- ``results``: the verdict per rule, per candidate and per vacancy, and its messages;
- ``checks``: the candidate checks a rule file can name (``CHECKS``);
- ``freeze``: the election freeze, the vacancy-level rule;
- ``ruleset``: a versioned set of rules;
- ``loading``: reading rule files, ``extends`` and ``overrides`` (``RuleSetError``);
- ``policy``: agency policy files, one per agency, recorded with every shortlist;
- ``evaluate``: ``evaluate_rules``.
"""

from __future__ import annotations

from features.i18n import Lang
from features.rules.checks import (
    CHECKS,
    AgeLimitParams,
    AgeLimitRule,
    AnyRule,
    EducationByTypeParams,
    EducationByTypeRule,
    EducationMinimumRule,
    EmploymentTypeParams,
    EmploymentTypeRule,
    EselonRange,
    ExperienceByTypeParams,
    ExperienceByTypeRule,
    ExperienceRequirement,
    JpmFloorParams,
    JpmFloorRule,
    MaxYearsInPositionRule,
    MinYearsInPositionRule,
    NotCurrentHolderRule,
    PendingProceedingsParams,
    PendingProceedingsRule,
    PerformanceParams,
    PerformanceRule,
    PositionMinExperienceRule,
    RankMinimumRule,
    RankRangeParams,
    RankRangeRule,
    SanctionParams,
    SanctionRule,
    StatusActiveParams,
    StatusActiveRule,
    YearsParams,
)
from features.rules.context import CandidatesLike
from features.rules.evaluate import evaluate_rules
from features.rules.freeze import ElectionFreezeParams, ElectionFreezeRule, FreezeMessages
from features.rules.loading import (
    DEFAULT_RULESET,
    RULESET_PACKAGE_DIR,
    RuleSetError,
    available_rulesets,
    load_ruleset,
)
from features.rules.model import (
    Bilingual,
    EducationLevel,
    Messages,
    PnsRank,
    PositionType,
    Rating,
    Rule,
    SanctionLevel,
)
from features.rules.policy import (
    NATIONAL,
    RERANK_ATTRIBUTES,
    FairnessRerank,
    Policies,
    Policy,
    load_policies,
    load_policy,
    national_policy,
    ruleset_digest,
)
from features.rules.position import PositionError
from features.rules.results import Eligibility, RuleOutcome, RuleResult, VacancyFlag
from features.rules.ruleset import RuleSet

__all__ = [
    "CHECKS",
    "DEFAULT_RULESET",
    "NATIONAL",
    "RULESET_PACKAGE_DIR",
    "AgeLimitParams",
    "AgeLimitRule",
    "AnyRule",
    "Bilingual",
    "CandidatesLike",
    "EducationByTypeParams",
    "EducationByTypeRule",
    "EducationLevel",
    "EducationMinimumRule",
    "ElectionFreezeParams",
    "ElectionFreezeRule",
    "Eligibility",
    "EmploymentTypeParams",
    "EmploymentTypeRule",
    "EselonRange",
    "ExperienceByTypeParams",
    "ExperienceByTypeRule",
    "ExperienceRequirement",
    "FreezeMessages",
    "JpmFloorParams",
    "JpmFloorRule",
    "Lang",
    "MaxYearsInPositionRule",
    "Messages",
    "MinYearsInPositionRule",
    "NotCurrentHolderRule",
    "PendingProceedingsParams",
    "PendingProceedingsRule",
    "PerformanceParams",
    "Policies",
    "FairnessRerank",
    "RERANK_ATTRIBUTES",
    "Policy",
    "PerformanceRule",
    "PnsRank",
    "PositionError",
    "PositionMinExperienceRule",
    "PositionType",
    "RankMinimumRule",
    "RankRangeParams",
    "RankRangeRule",
    "Rating",
    "Rule",
    "RuleOutcome",
    "RuleResult",
    "RuleSet",
    "RuleSetError",
    "SanctionLevel",
    "SanctionParams",
    "SanctionRule",
    "StatusActiveParams",
    "StatusActiveRule",
    "VacancyFlag",
    "YearsParams",
    "available_rulesets",
    "evaluate_rules",
    "load_policies",
    "load_policy",
    "load_ruleset",
    "national_policy",
    "ruleset_digest",
]
