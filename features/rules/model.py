"""What every candidate rule is: its fields, its message templates, and what its check returns.

A rule names the *check* that evaluates it (a subclass of :class:`Rule`, in ``checks.py``), its
severity (``hard`` excludes a candidate, ``soft`` warns), the position types it applies to, a
regulation citation, message templates in Indonesian and English, and the parameters agencies
set differently. The templates are policy data: they live in the rule set files, and an
unknown placeholder is a load error, not a runtime surprise.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from features import i18n
from features.i18n import LANGUAGES, Lang, language
from features.rules.context import Context
from features.vocabulary import (
    EDUCATION_LEVELS,
    PNS_RANKS,
    POSITION_TYPES,
    RATINGS_BEST_FIRST,
    SANCTION_LEVELS,
)

PositionType = Literal[POSITION_TYPES]  # type: ignore[valid-type]
EducationLevel = Literal[EDUCATION_LEVELS]  # type: ignore[valid-type]
PnsRank = Literal[PNS_RANKS]  # type: ignore[valid-type]
SanctionLevel = Literal[SANCTION_LEVELS]  # type: ignore[valid-type]
Rating = Literal[RATINGS_BEST_FIRST]  # type: ignore[valid-type]


class Frozen(BaseModel):
    """Base of every rule-file model: unknown fields are errors, and nothing changes once read."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class NoParams(Frozen):
    """The parameters of a check that takes none (its requirement comes from the position)."""


class Bilingual(Frozen):
    """A text in Indonesian (``id``) and English (``en``)."""

    id: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def get(self, lang: Lang) -> str:
        """Return the text in ``lang`` (Indonesian for a language the product does not speak)."""
        return self.en if language(lang) == "en" else self.id


def check_placeholders(key: str, text: Bilingual, allowed: frozenset[str]) -> None:
    """Raise ``ValueError`` when ``text`` is not a template or names a field not ``allowed``."""
    for lang in LANGUAGES:
        try:
            names = i18n.fields(text.get(lang))
        except ValueError as error:
            raise ValueError(f"messages.{key}.{lang}: {error}") from None
        unknown = sorted(names - allowed)
        if unknown:
            raise ValueError(
                f"messages.{key}.{lang}: unknown placeholder {{{unknown[0]}}}; "
                f"this check offers {sorted(allowed)}"
            )


class Messages(Frozen):
    """Message templates of a rule: when it passes, fails, or fails for want of data."""

    pass_: Bilingual = Field(alias="pass")
    fail: Bilingual
    missing: Bilingual | None = None


class Check:
    """What a check computed for one position over the pool (before it becomes a result).

    ``values`` fills the message placeholders: scalars, or per-candidate arrays and lookups.
    """

    __slots__ = ("passed", "missing", "values")

    def __init__(
        self, passed: np.ndarray, values: Mapping[str, Any], missing: np.ndarray | None = None
    ) -> None:
        self.passed = passed
        self.missing = np.zeros(len(passed), dtype=bool) if missing is None else missing
        self.values = values


class Rule(Frozen):
    """Fields every candidate rule has; subclasses add ``check``, ``params`` and the logic."""

    PLACEHOLDERS: ClassVar[frozenset[str]] = frozenset({"actual", "required"})
    """The placeholders the check fills (``position_type`` is offered by every check)."""
    USES_MISSING: ClassVar[bool] = False
    """Whether the check can fail for want of data (then ``messages.missing`` is required)."""
    BY_TYPE_TABLE: ClassVar[str | None] = None
    """The ``params`` table keyed by position type, which must cover ``applies_to``."""
    FEATURES: ClassVar[tuple[str, ...]] = ()
    """The built features the check reads (none: only employee columns and sanctions)."""
    PER_POSITION: ClassVar[bool] = False
    """Whether the check depends on the position itself, not only on its requirements."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    severity: Literal["hard", "soft"]
    enabled: bool = True
    applies_to: Literal["ALL"] | tuple[PositionType, ...]
    citation: str = Field(min_length=1)
    messages: Messages

    @model_validator(mode="after")
    def _check_messages(self) -> Rule:
        allowed = self.PLACEHOLDERS | {"position_type"}
        for key in ("pass_", "fail", "missing"):
            text: Bilingual | None = getattr(self.messages, key)
            if text is not None:
                check_placeholders(key.rstrip("_"), text, allowed)
            elif key == "missing" and self.USES_MISSING:
                raise ValueError(
                    "messages.missing is required: this check can fail for want of data"
                )
        return self

    @model_validator(mode="after")
    def _check_table_covers_types(self) -> Rule:
        if self.BY_TYPE_TABLE is None or self.applies_to == "ALL":
            return self
        table = getattr(self.params, self.BY_TYPE_TABLE)  # type: ignore[attr-defined]
        lacking = [t for t in self.applies_to if t not in table]
        if lacking:
            raise ValueError(
                f"params.{self.BY_TYPE_TABLE}: no entry for {lacking[0]}, which applies_to lists"
            )
        return self

    def features_read(self) -> tuple[str, ...]:
        """The built features the check reads."""
        return self.FEATURES

    def covers(self, position_type: str) -> bool:
        """Whether the rule is enabled and its ``applies_to`` includes ``position_type``."""
        return self.enabled and (self.applies_to == "ALL" or position_type in self.applies_to)

    def evaluate(self, ctx: Context) -> Check | None:
        """Evaluate over the pool; ``None`` when the position sets no requirement to check."""
        raise NotImplementedError
