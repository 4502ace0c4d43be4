"""The election freeze: a vacancy-level rule that flags the whole selection, never a candidate.

Replacing officials is frozen around regional elections (UU 10/2016 Pasal 71(2), 162(3)). For
each CANDIDATES_SET date of the position's agency, the window runs from N months before it to
the next TERM_END on or after it (else the next INAUGURATION; else open-ended); for each
INAUGURATION, from that day to N months later (exclusive). Inside a window the committee needs
the Minister's written approval.
"""

from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from features.rules.model import Bilingual, Frozen, check_placeholders
from features.rules.results import FreezeKind, VacancyFlag
from features.vocabulary import ELECTION_EVENTS


class FreezeMessages(Frozen):
    """Message templates of the freeze: before the election, after the inauguration."""

    before_election: Bilingual
    after_inauguration: Bilingual


class ElectionFreezeParams(Frozen):
    """How many months the freeze lasts on each side of the election."""

    months_before_candidates_set: int = Field(default=6, ge=0, le=36)
    months_after_inauguration: int = Field(default=6, ge=0, le=36)


class ElectionFreezeRule(Frozen):
    """Vacancy-level: replacing officials is frozen around regional elections (UU 10/2016)."""

    PLACEHOLDERS: ClassVar[frozenset[str]] = frozenset(
        {"agency", "window_start", "window_end", "event_date", "months"}
    )

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    check: Literal["election_freeze"]
    enabled: bool = True
    citation: str = Field(min_length=1)
    messages: FreezeMessages
    params: ElectionFreezeParams = ElectionFreezeParams()

    @model_validator(mode="after")
    def _check_messages(self) -> ElectionFreezeRule:
        for key in ("before_election", "after_inauguration"):
            check_placeholders(key, getattr(self.messages, key), self.PLACEHOLDERS)
        return self

    def evaluate(
        self, calendar: pd.DataFrame | None, agency_id: str, as_of: pd.Timestamp
    ) -> list[VacancyFlag]:
        """Flags for every freeze window of ``agency_id`` that contains ``as_of``."""
        if not self.enabled or calendar is None or calendar.empty or not agency_id:
            return []
        dates = _event_dates(calendar, agency_id)
        return [
            *self._before_election(dates, agency_id, as_of),
            *self._after_inauguration(dates, agency_id, as_of),
        ]

    def _before_election(
        self, dates: dict[str, np.ndarray], agency_id: str, as_of: pd.Timestamp
    ) -> list[VacancyFlag]:
        before = pd.DateOffset(months=self.params.months_before_candidates_set)
        flags = []
        for candidates_set in map(pd.Timestamp, dates["CANDIDATES_SET"]):
            end = _first_on_or_after(dates["TERM_END"], candidates_set)
            if end is None:
                end = _first_on_or_after(dates["INAUGURATION"], candidates_set)
            start = candidates_set - before
            if start <= as_of and (end is None or as_of <= end):
                flags.append(self._flag("before_election", agency_id, candidates_set, start, end))
        return flags

    def _after_inauguration(
        self, dates: dict[str, np.ndarray], agency_id: str, as_of: pd.Timestamp
    ) -> list[VacancyFlag]:
        after = pd.DateOffset(months=self.params.months_after_inauguration)
        flags = []
        for inauguration in map(pd.Timestamp, dates["INAUGURATION"]):
            end = inauguration + after
            if inauguration <= as_of < end:
                flags.append(
                    self._flag("after_inauguration", agency_id, inauguration, inauguration, end)
                )
        return flags

    def _flag(
        self,
        kind: FreezeKind,
        agency_id: str,
        event_date: pd.Timestamp,
        start: pd.Timestamp,
        end: pd.Timestamp | None,
    ) -> VacancyFlag:
        months = (
            self.params.months_before_candidates_set
            if kind == "before_election"
            else self.params.months_after_inauguration
        )
        return VacancyFlag(
            id=self.id,
            kind=kind,
            citation=self.citation,
            agency_id=agency_id,
            event_date=event_date,
            window_start=start,
            window_end=end,
            months=months,
            template=getattr(self.messages, kind),
        )


def _event_dates(calendar: pd.DataFrame, agency_id: str) -> dict[str, np.ndarray]:
    """The agency's dates of each election event, sorted (rows without a date are skipped)."""
    own = calendar["agency_id"].to_numpy() == agency_id
    events = calendar["event"].to_numpy()
    when = calendar["date"].to_numpy("datetime64[ns]")
    return {
        event: np.sort(when[own & (events == event) & ~np.isnat(when)]) for event in ELECTION_EVENTS
    }


def _first_on_or_after(dates: np.ndarray, when: pd.Timestamp) -> pd.Timestamp | None:
    position = np.searchsorted(dates, when.to_datetime64(), side="left")
    return pd.Timestamp(dates[position]) if position < len(dates) else None
