"""NIPs stay unique inside one agency at any size, and keep their structure."""

from __future__ import annotations

import numpy as np
import pandas as pd

from training.synthetic.people import NIP_SEQUENCES_PER_AGENCY, _nips


def _crowded_draws(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``n`` employees crowded into few birth dates and TMTs, as a huge agency's recruits."""
    rng = np.random.default_rng(seed)
    birth = np.datetime64("1985-01-01") + rng.integers(0, 20_000, n).astype("timedelta64[D]")
    service = np.datetime64("2024-01") + rng.integers(0, 12, n).astype("timedelta64[M]")
    gender = rng.integers(1, 3, n)
    return birth, service.astype("datetime64[D]"), gender


def test_nips_are_unique_in_an_agency_of_one_million() -> None:
    birth, service, gender = _crowded_draws(1_000_000, seed=11)
    prefix = pd.Series(birth.astype("int64") * 1000 + service.astype("int64") % 1000 * 10 + gender)
    assert (prefix.groupby(prefix).cumcount() >= NIP_SEQUENCES_PER_AGENCY).sum() > 10_000
    nips, born = _nips(birth, service, gender, agency_index=7)
    nip = pd.Series(nips)
    assert nip.is_unique
    assert nip.str.fullmatch(r"\d{18}").all()
    assert (nip.str[:8] == pd.Series(born).astype(str).str.replace("-", "")).all()
    assert (nip.str[8:14] == pd.Series(service).astype(str).str[:7].str.replace("-", "")).all()
    assert (nip.str[14] == pd.Series(gender).astype(str)).all()
    sequence = nip.str[15:].astype(int)
    first = 7 * NIP_SEQUENCES_PER_AGENCY + 1
    assert sequence.between(first, first + NIP_SEQUENCES_PER_AGENCY - 1).all()
    moved = born != birth
    assert (born <= birth).all() and moved.any()


def test_nips_of_a_small_agency_keep_their_drawn_birth_dates() -> None:
    birth, service, gender = _crowded_draws(1_000, seed=3)
    nips, born = _nips(birth, service, gender, agency_index=0)
    assert pd.Series(nips).is_unique
    assert (born == birth).all()


def test_two_agencies_never_share_a_nip() -> None:
    birth, service, gender = _crowded_draws(50_000, seed=5)
    first, _ = _nips(birth, service, gender, agency_index=1)
    second, _ = _nips(birth, service, gender, agency_index=2)
    assert not set(first) & set(second)
