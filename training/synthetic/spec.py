"""What to generate for one agency (a city, regency or province government)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class AgencySpec:
    """What to generate for one agency."""

    agency_id: str
    index: int
    employees: int
    reference_date: np.datetime64
    seed: int
    latent: str = "default"
    truth: bool = False
    """Also return the truth: the latent fit of every open vacancy x active employee."""
