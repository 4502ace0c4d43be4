"""Thresholds of the feature families that agencies set differently."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FeatureConfig:
    """Configurable thresholds (domain.md: some agencies use 90/78 for JPM bands).

    Attributes
    ----------
    jpm_ms, jpm_mms : float
        JPM at or above ``jpm_ms`` is "Memenuhi Syarat", at or above ``jpm_mms`` "Masih
        Memenuhi Syarat", below it "Kurang Memenuhi Syarat".
    jpm_cap_per_competency : bool
        Cap each assessed level at the required level before summing (some agencies do).
    potential_high, potential_middle : float
        Talent-box potential axis on the potential score (or JPM when there is none).
    """

    jpm_ms: float = 80.0
    jpm_mms: float = 68.0
    jpm_cap_per_competency: bool = False
    potential_high: float = 80.0
    potential_middle: float = 68.0
