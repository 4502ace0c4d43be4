"""The agency's office as its decrees need it: letterhead, signer, numbering, deadlines.

One YAML file (``ASN_JOBFIT_DECREE_CONFIG``; docs/decrees.md) holds, per agency id, what a draft
decree (*SK*) prints at its head and how it is numbered, and how many days each step after the
committee may take (recommendation → the PPK's approval; approval → the draft SK). It is
validated strictly: an unknown key, a missing field, a number format without ``{seq}`` or with
a field other than ``{seq}``, ``{year}``, ``{month}`` are refused, naming the file and the key.
An agency without an entry gets the default deadlines and cannot draft a decree.
"""

from __future__ import annotations

import string
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from features.errors import InputError, NotReadyError

NUMBER_FIELDS = frozenset({"seq", "year", "month"})
"""What a decree number format may use: the agency's running number, the year and month."""


class ConfigError(NotReadyError):
    """The decree configuration file is missing or invalid (503: fix the file, then reload)."""


class Strict(BaseModel):
    """No unknown keys, frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Deadlines(Strict):
    """Days each step after the committee's recommendation may take (0: due the same day)."""

    approval_days: int = Field(default=14, ge=0, le=365)
    """Recommendation → the PPK's approval (or return)."""
    decree_days: int = Field(default=30, ge=0, le=365)
    """The PPK's approval → the draft decree carrying the move."""


class Office(Strict):
    """One agency's heading, signer and numbering."""

    government: str = Field(min_length=3, max_length=120)
    """First line of the letterhead, e.g. ``PEMERINTAH KOTA CONTOH``."""
    head_title: Literal["Wali Kota", "Bupati", "Gubernur"]
    """The PPK's title, which names the decree (*Keputusan Wali Kota ...*)."""
    region: str = Field(min_length=3, max_length=120)
    """The region after the title: ``Contoh`` in *Wali Kota Contoh*."""
    office: str = Field(min_length=3, max_length=160)
    """The personnel office under the letterhead (BKPSDM ...)."""
    address: str = Field(min_length=3, max_length=200)
    place: str = Field(min_length=2, max_length=80)
    """*Ditetapkan di*: the place of signing."""
    signer_name: str = Field(min_length=3, max_length=120)
    number_format: str = Field(min_length=5, max_length=100)
    """e.g. ``800.1.3.3/{seq:03d}/BKPSDM/{year}``."""
    deadlines: Deadlines = Deadlines()

    @field_validator("number_format")
    @classmethod
    def _fields(cls, value: str) -> str:
        try:
            used = {name for _, name, _, _ in string.Formatter().parse(value) if name is not None}
            value.format(seq=1, year=2026, month=1)
        except (ValueError, IndexError, KeyError) as error:
            raise ValueError(f"not a valid format ({error})") from None
        if "seq" not in used or not used <= NUMBER_FIELDS:
            raise ValueError("must use {seq} and may use only {seq}, {year}, {month}")
        return value

    def number(self, seq: int, on: date) -> str:
        """The decree's number: its running ``seq`` in the agency, on date ``on``."""
        return self.number_format.format(seq=seq, year=on.year, month=on.month)


class OfficeConfig(Strict):
    """The file: ``agencies: {<agency_id>: Office}``."""

    agencies: dict[str, Office]


DEFAULT_DEADLINES = Deadlines()


def load(path: Path) -> OfficeConfig:
    """Read and validate the configuration file (cached until the file changes).

    Raises
    ------
    ConfigError
        The file is missing, not YAML, or invalid: the message names the file and the key.
    """
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        raise ConfigError(f"decree configuration {path}: not found") from None
    return _load(path, stamp)


@lru_cache(maxsize=4)
def _load(path: Path, _stamp: int) -> OfficeConfig:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return OfficeConfig.model_validate(raw)
    except yaml.YAMLError as error:
        raise ConfigError(f"decree configuration {path}: not YAML ({error})") from None
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "(top)"
        raise ConfigError(f"decree configuration {path}: {where}: {first['msg']}") from None


def office_of(path: Path | None, agency_id: str) -> Office | None:
    """The agency's office, None when there is no file or no entry for it."""
    return None if path is None else load(path).agencies.get(agency_id)


def deadlines_of(path: Path | None, agency_id: str) -> Deadlines:
    """The agency's deadlines (the defaults without an entry)."""
    office = office_of(path, agency_id)
    return office.deadlines if office else DEFAULT_DEADLINES


def require_office(path: Path | None, agency_id: str) -> Office:
    """The agency's office, or an InputError saying where to configure it."""
    office = office_of(path, agency_id)
    if office is None:
        raise InputError(
            f"no decree configuration for agency {agency_id}: add its letterhead, signer and "
            "number format to the file named by ASN_JOBFIT_DECREE_CONFIG (docs/decrees.md)"
        )
    return office
