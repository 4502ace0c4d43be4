"""Rule messages into words: placeholder values as text, templates filled, catalogue words.

The rule set's templates (policy data, in the rule set files) and the words fixed in code (the
``rules`` domain of the message catalogue, ``features/locales/<lang>/rules.yaml``) are both
``str.format`` templates with named fields, filled the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from features import i18n
from features.i18n import Lang, text
from features.rules.model import Bilingual

MISSING = "-"
"""How an unknown value reads in a message (no rating, no sanction, no value)."""


@dataclass(frozen=True)
class Term:
    """A catalogue word, read in the language of the message it is shown in."""

    key: str

    def get(self, lang: Lang) -> str:
        """The word in ``lang``."""
        return text(self.key, lang)


def rating_term(rating: str) -> Term:
    """The name of a performance rating (``SANGAT_BAIK`` reads "Sangat Baik")."""
    return Term(f"common.rating.{rating}")


def proceeding_term(status: str) -> Term:
    """The name of an open disciplinary case's stage (``IN_COURT`` reads "proses peradilan")."""
    return Term(f"rules.proceeding.{status}")


def type_label(position_type: str, lang: Lang) -> str:
    """How a position type reads in messages (``JPT_PRATAMA`` reads "JPT Pratama")."""
    return text(f"common.position_type.{position_type}", lang)


def not_applicable(position_type: str, lang: Lang) -> str:
    """The message of a rule that does not apply to the position."""
    return text("rules.not_applicable", lang, position_type=type_label(position_type, lang))


def open_end(lang: Lang) -> str:
    """How an election freeze window with no known end reads."""
    return text("rules.open_end", lang)


def format_value(value: Any, lang: Lang) -> str:
    """A placeholder value as text: words in ``lang``, dates as ISO days, years truncated to
    one decimal (never rounded up past a threshold), ``-`` for an unknown value."""
    if isinstance(value, (Bilingual, Term)):
        return value.get(lang)
    if isinstance(value, str):
        return value or MISSING
    if isinstance(value, tuple):
        return ", ".join(format_value(item, lang) for item in value)
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, (float, np.floating)):
        return _number(float(value))
    return str(value)


def _number(value: float) -> str:
    if np.isnan(value):
        return MISSING
    if value.is_integer():
        return str(int(value))
    return f"{np.floor(value * 10) / 10:.1f}"


def fill(template: Bilingual, lang: Lang, params: Mapping[str, Any]) -> str:
    """A rule set's template in ``lang`` with its named fields filled from ``params``."""
    return i18n.fill(template.get(lang), **params)
