"""The stages of a JPT selection as agency policy gives them (the ``selection:`` section).

PermenPANRB 15/2019 names the stages of an open selection of a JPT post: the administrative
check, the managerial and socio-cultural competency assessment, the technical competency test,
the interview and the track record. An agency's policy file may set their weights and pass
marks (``selection:`` beside its rules); without one the national defaults below apply. A
selection records the stages, their version and hash when it opens, so a later change of the
file does not change a running selection.
"""

from __future__ import annotations

import hashlib
import math
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from features.rules.loading import RuleSetError

SECTION = "selection"
STAGE_IDS: tuple[str, ...] = (
    "administrative",
    "managerial",
    "technical",
    "interview",
    "track_record",
)
"""The stages in their order (PermenPANRB 15/2019): administrative check, managerial and
socio-cultural competency, technical competency, interview, track record."""
NATIONAL_VERSION = "permenpanrb-15-2019"


class Stage(BaseModel):
    """One stage: its weight in the final score and its pass mark (0-100)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    weight: float = Field(ge=0.0, le=1.0)
    pass_mark: float = Field(ge=0.0, le=100.0)


class SelectionRules(BaseModel):
    """``selection:`` of a policy file: a version and the five stages, weights adding to 1."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str = Field(min_length=1, max_length=32)
    stages: tuple[Stage, ...]
    days_per_stage: int = Field(default=7, ge=1, le=90)
    """Days the panel has to enter a stage's results (the deadline, counted from the opening)."""

    @model_validator(mode="after")
    def _all_stages(self) -> SelectionRules:
        ids = tuple(stage.id for stage in self.stages)
        if ids != STAGE_IDS:
            raise ValueError(f"stages: exactly {', '.join(STAGE_IDS)}, in that order")
        if not math.isclose(math.fsum(s.weight for s in self.stages), 1.0, abs_tol=1e-6):
            raise ValueError("stages: the weights add up to 1")
        return self

    def stage(self, stage_id: str) -> Stage:
        """The stage named ``stage_id`` (KeyError when there is none)."""
        return {s.id: s for s in self.stages}[stage_id]

    def digest(self) -> str:
        """SHA-256 of the stages as applied."""
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()


NATIONAL = SelectionRules(
    version=NATIONAL_VERSION,
    stages=(
        Stage(id="administrative", weight=0.0, pass_mark=100.0),
        Stage(id="managerial", weight=0.35, pass_mark=65.0),
        Stage(id="technical", weight=0.25, pass_mark=65.0),
        Stage(id="interview", weight=0.25, pass_mark=60.0),
        Stage(id="track_record", weight=0.15, pass_mark=60.0),
    ),
)
"""Defaults: the administrative check is pass/fail (100 passes, 0 fails; no weight)."""


def for_agency(policy_dir: Path | None, agency_id: str) -> tuple[SelectionRules, str]:
    """The agency's selection rules and where they come from (its policy id, or ``national``).

    Raises
    ------
    RuleSetError
        The policy file's ``selection:`` section is invalid: names the file, key and problem.
    """
    path = policy_dir / f"{agency_id}.yaml" if policy_dir else None
    if path is None or not path.is_file():
        return NATIONAL, "national"
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    section = raw.get(SECTION) if isinstance(raw, dict) else None
    if section is None:
        return NATIONAL, "national"
    return parse(section, path), agency_id


def parse(section: Any, path: Path) -> SelectionRules:
    """The ``selection:`` section validated, or RuleSetError naming the key and the problem."""
    if not isinstance(section, dict):
        raise RuleSetError(f"policy file {path}: key 'selection': expected a mapping")
    try:
        return SelectionRules.model_validate(section)
    except ValidationError as error:
        problems = []
        for item in error.errors(include_url=False):
            key = ".".join([SECTION, *(str(part) for part in item["loc"])])
            problems.append(f"key '{key}': {item['msg'].removeprefix('Value error, ')}")
        raise RuleSetError(f"policy file {path}: " + "; ".join(problems)) from None
