"""Agency policy: a versioned file that makes the national rules stricter for one agency.

A policy file ``<agency_id>.yaml`` in a policy folder extends a national rule set and overrides
severities and thresholds (``extends: v2`` and ``overrides:``). It is read by the same loader
as every rule file (``load_ruleset``), which refuses an override that loosens a hard rule of its
base to nothing; here a policy must also carry its own version. An agency without a file gets
the national rule set. Every shortlist records the :class:`PolicyRef` it was checked against.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import Field, ValidationError, model_validator

from features.rules.loading import RuleSetError, load_ruleset, read_policy_header
from features.rules.model import Frozen
from features.rules.ruleset import RuleSet

NATIONAL = "national"
"""The policy id of the national rule set (no agency file)."""
POLICY_SUFFIX = ".yaml"
_AGENCY_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_MAX_VERSION = 32
"""Longest version a shortlist can record (``shortlists.ruleset_version``)."""


POLICY_SECTIONS: tuple[str, ...] = ("fairness_rerank", "selection")
"""Sections of a policy file that are not rules (read here, skipped by the rule loader)."""
RerankAttribute = Literal["gender", "age_band", "religion", "origin_region"]
"""The protected attributes a re-ranking target may name (read for the target, never scored)."""
RERANK_ATTRIBUTES: tuple[str, ...] = get_args(RerankAttribute)


class FairnessRerank(Frozen):
    """``fairness_rerank:`` of a policy file: reorder a top k within merit bands to a target.

    ``method: fair`` (FA*IR) takes the ``protected`` group, its minimum share ``p`` and the
    significance ``alpha``; ``method: detgreedy`` takes ``shares`` (group: target share).
    """

    attribute: RerankAttribute
    method: Literal["fair", "detgreedy"]
    protected: str | None = Field(default=None, min_length=1)
    p: float | None = Field(default=None, gt=0.0, lt=1.0)
    alpha: float | None = Field(default=None, gt=0.0, lt=1.0)
    shares: dict[str, float] | None = None

    @model_validator(mode="after")
    def _method_fields(self) -> FairnessRerank:
        fair = {"protected": self.protected, "p": self.p, "alpha": self.alpha}
        if self.method == "fair":
            missing = [name for name, value in fair.items() if value is None]
            if missing or self.shares is not None:
                raise ValueError(
                    "method fair takes protected, p and alpha, and no shares"
                    + (f" (missing: {', '.join(missing)})" if missing else "")
                )
            return self
        if self.shares is None or any(v is not None for v in fair.values()):
            raise ValueError("method detgreedy takes shares, and no protected, p or alpha")
        if not self.shares or any(not 0.0 < v <= 1.0 for v in self.shares.values()):
            raise ValueError("shares: each group's share is above 0 and at most 1")
        if math.fsum(self.shares.values()) > 1.0 + 1e-9:
            raise ValueError("shares: the shares add up to more than 1")
        return self


@dataclass(frozen=True)
class Policy:
    """The rules one agency's shortlists are checked against, and how to name them."""

    id: str
    ruleset: RuleSet
    extends: str | None
    sha256: str
    fairness_rerank: FairnessRerank | None = None
    """Re-ranking within merit bands, when the agency's policy turns it on (off by default)."""

    def ref(self) -> dict[str, str | None]:
        """What a shortlist records: policy id, rule set version, its base and content hash."""
        return {
            "id": self.id,
            "version": self.ruleset.version,
            "extends": self.extends,
            "sha256": self.sha256,
        }


@dataclass(frozen=True)
class Policies:
    """The national rule set and the agencies' policies, read once."""

    national: Policy
    by_agency: dict[str, Policy]

    def for_agency(self, agency_id: str) -> Policy:
        """The agency's policy, or the national rule set when it has none."""
        return self.by_agency.get(agency_id, self.national)


def national_policy(ruleset: RuleSet) -> Policy:
    """The national rule set as a policy (id ``national``)."""
    return Policy(NATIONAL, ruleset, None, ruleset_digest(ruleset))


def load_policies(folder: Path | None, national: RuleSet) -> Policies:
    """Read every ``<agency_id>.yaml`` of ``folder`` (none: only the national rule set).

    Raises
    ------
    RuleSetError
        The folder is missing, or a policy file is invalid: the message names the file, the
        key and what is wrong.
    """
    base = national_policy(national)
    if folder is None:
        return Policies(base, {})
    if not folder.is_dir():
        raise RuleSetError(f"policy folder {folder}: not found")
    by_agency = {
        path.name[: -len(POLICY_SUFFIX)]: load_policy(path)
        for path in sorted(folder.iterdir())
        if path.name.endswith(POLICY_SUFFIX)
    }
    return Policies(base, by_agency)


def load_policy(path: Path) -> Policy:
    """One agency's policy file, validated (see :func:`load_policies`)."""
    agency_id = path.name[: -len(POLICY_SUFFIX)]
    if not _AGENCY_ID.match(agency_id):
        raise RuleSetError(f"policy file {path}: the file name must be <agency_id>.yaml")
    header = read_policy_header(path)
    extends = header.get("extends")
    if not isinstance(extends, str) or not extends:
        raise RuleSetError(
            f"policy file {path}: key 'extends': a policy extends a national rule set "
            "(e.g. extends: v2)"
        )
    version = header.get("version")
    if not isinstance(version, str) or not version:
        raise RuleSetError(f"policy file {path}: key 'version': a policy needs its own version")
    if len(version) > _MAX_VERSION:
        raise RuleSetError(f"policy file {path}: key 'version': at most {_MAX_VERSION} characters")
    ruleset = load_ruleset(path, skip=POLICY_SECTIONS)
    if ruleset.version == load_ruleset(extends).version:
        raise RuleSetError(
            f"policy file {path}: key 'version': {version!r} is the version of its base; "
            "give the policy its own"
        )
    rerank = _fairness_rerank(header.get("fairness_rerank"), path)
    return Policy(agency_id, ruleset, extends, policy_digest(ruleset, rerank), rerank)


def _fairness_rerank(raw: Any, path: Path) -> FairnessRerank | None:
    """The policy's ``fairness_rerank:`` section, validated (absent: off)."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise RuleSetError(f"policy file {path}: key 'fairness_rerank': expected a mapping")
    try:
        return FairnessRerank.model_validate(raw)
    except ValidationError as error:
        problems = []
        for item in error.errors(include_url=False):
            key = ".".join(["fairness_rerank", *(str(part) for part in item["loc"])])
            problems.append(f"key '{key}': {item['msg'].removeprefix('Value error, ')}")
        raise RuleSetError(f"policy file {path}: " + "; ".join(problems)) from None


def policy_digest(ruleset: RuleSet, rerank: FairnessRerank | None) -> str:
    """The rule set's digest, or with a re-ranking section, the digest of both."""
    if rerank is None:
        return ruleset_digest(ruleset)
    both = ruleset.model_dump_json(by_alias=True) + rerank.model_dump_json()
    return hashlib.sha256(both.encode("utf-8")).hexdigest()


def ruleset_digest(ruleset: RuleSet) -> str:
    """SHA-256 of the rule set as evaluated (every rule, merged): the same rules, the same hash."""
    return hashlib.sha256(ruleset.model_dump_json(by_alias=True).encode("utf-8")).hexdigest()
