"""The position as the rules read it: its type and requirements, parsed and checked once."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from features.errors import JobfitError
from features.ordinals import RANK_ORDINAL
from features.vocabulary import EDUCATION_LEVELS, POSITION_TYPES


class PositionError(JobfitError):
    """A position definition cannot be checked (unknown type, level or rank)."""


@dataclass(frozen=True)
class Position:
    """A position's type and requirements; an empty string is a requirement it does not set."""

    position_id: str
    agency_id: str
    position_type: str
    job_family: str
    min_education_level: str
    min_rank: str
    min_experience_years: float


def parse_position(position: Mapping[str, Any]) -> Position:
    """Read a row of the contract's ``positions`` table (or an inline definition).

    Raises
    ------
    PositionError
        The type, minimum education, minimum rank or minimum years is not in the contract.
    """
    return Position(
        position_id=_text(position.get("position_id")),
        agency_id=_text(position.get("agency_id")),
        position_type=_position_type(position),
        job_family=_text(position.get("job_family")),
        min_education_level=_min_education(position),
        min_rank=_min_rank(position),
        min_experience_years=_min_experience_years(position),
    )


def _text(value: Any) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return str(value).strip()


def _position_type(position: Mapping[str, Any]) -> str:
    kind = _text(position.get("position_type"))
    if kind not in POSITION_TYPES:
        raise PositionError(
            f"position: position_type {kind!r} is not one of {', '.join(POSITION_TYPES)}"
        )
    return kind


def _min_education(position: Mapping[str, Any]) -> str:
    education = _text(position.get("min_education_level"))
    if education and education not in EDUCATION_LEVELS:
        raise PositionError(
            f"position: min_education_level {education!r} is not one of "
            f"{', '.join(EDUCATION_LEVELS)}"
        )
    return education


def _min_rank(position: Mapping[str, Any]) -> str:
    rank = _text(position.get("min_rank"))
    if rank and rank not in RANK_ORDINAL:
        raise PositionError(f"position: min_rank {rank!r} is not a golongan ruang I/a … IV/e")
    return rank


def _min_experience_years(position: Mapping[str, Any]) -> float:
    raw_years = position.get("min_experience_years")
    try:
        years = 0.0 if _text(raw_years) == "" else float(raw_years)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise PositionError(
            f"position: min_experience_years {raw_years!r} is not a number"
        ) from None
    if not 0 <= years <= 40:
        raise PositionError(f"position: min_experience_years {years:g} is not between 0 and 40")
    return years
