"""Talent pools' pure parts on hand-made frames: levels, standards, standing, readiness, offers."""

from __future__ import annotations

import numpy as np
import pandas as pd

from features import talent_pools as tp
from features.vocabulary import COMPETENCIES, REQUIRED_COMPETENCY_COLUMNS


def _posts(rows: list[tuple[str, str, str, str, str, float]]) -> pd.DataFrame:
    """(position_id, agency, family, type, functional level, every required level)."""
    out = pd.DataFrame(
        rows,
        columns=["position_id", "agency_id", "job_family", "position_type", "functional_level",
                 "req"],
    )  # fmt: skip
    for column in REQUIRED_COMPETENCY_COLUMNS:
        out[column] = out["req"]
    return out.drop(columns="req")


def test_levels_and_the_ladders() -> None:
    posts = _posts([
        ("a", "X", "KES", "FUNGSIONAL", "AHLI_MUDA", 3.0),
        ("b", "X", "KES", "PENGAWAS", "", 3.0),
    ])  # fmt: skip
    assert list(tp.levels(posts)) == ["FUNGSIONAL/AHLI_MUDA", "PENGAWAS"]
    assert tp.next_level("FUNGSIONAL/AHLI_MUDA") == "FUNGSIONAL/AHLI_MADYA"
    assert tp.next_level("PENGAWAS") == "ADMINISTRATOR"
    assert tp.next_level("FUNGSIONAL/PENYELIA") is None
    assert tp.next_level("JPT_UTAMA") is None


def test_next_level_posts_prefer_the_family_then_any() -> None:
    posts = _posts([
        ("p1", "X", "KES", "ADMINISTRATOR", "", 3.0),
        ("p2", "X", "UMUM", "ADMINISTRATOR", "", 4.0),
        ("p3", "Y", "KES", "ADMINISTRATOR", "", 2.0),
    ])  # fmt: skip
    assert list(tp.next_level_posts(posts, "X", "KES", "ADMINISTRATOR")["position_id"]) == ["p1"]
    anyone = tp.next_level_posts(posts, "X", "HUKUM", "ADMINISTRATOR")["position_id"]
    assert list(anyone) == ["p1", "p2"]
    assert tp.next_level_posts(posts, "Z", "KES", "ADMINISTRATOR").empty


def test_standard_is_the_median_and_the_reference_the_nearest_post() -> None:
    posts = _posts([
        ("p2", "X", "KES", "ADMINISTRATOR", "", 2.0),
        ("p3", "X", "KES", "ADMINISTRATOR", "", 3.0),
        ("p5", "X", "KES", "ADMINISTRATOR", "", 5.0),
    ])  # fmt: skip
    target = tp.standard(posts)
    assert np.array_equal(target, np.full(len(COMPETENCIES), 3.0))
    assert tp.reference_post(posts, target)["position_id"] == "p3"
    tied = _posts([("b", "X", "K", "PENGAWAS", "", 2.0), ("a", "X", "K", "PENGAWAS", "", 4.0)])
    assert tp.reference_post(tied, np.full(9, 3.0))["position_id"] == "a"


def test_standing_and_readiness() -> None:
    assert [tp.standing(float(b)) for b in range(1, 10)] == [
        None, None, None, None, "near", "near", "pool", "pool", "pool",
    ]  # fmt: skip
    assert tp.standing(np.nan) is None
    assert tp.readiness(9.0, True, 2.0) == "ready_now"
    assert tp.readiness(7.0, True, 2.0) == "ready_now"
    assert tp.readiness(9.0, False, 2.0) == "ready_later"
    assert tp.readiness(9.0, True, 1.0) == "ready_later"
    assert tp.readiness(9.0, True, np.nan) == "ready_later"
    assert tp.readiness(6.0, True, 2.0) == "ready_later"
    assert tp.readiness(9.0, False, 2.0, within=False) == "not_yet"
    assert tp.readiness(9.0, True, 2.0, within=False) == "ready_now"


def test_the_two_year_horizon() -> None:
    assert not tp.within_horizon("employment_type", "PPPK", "PNS")
    assert not tp.within_horizon("education_minimum", "D3", "S1")
    assert tp.within_horizon("experience_by_type", 3.0, 5)
    assert not tp.within_horizon("experience_by_type", 2.9, 5)
    assert not tp.within_horizon("position_min_experience", np.nan, 2)
    assert tp.within_horizon("rank_minimum", "III/c", "III/d")


def test_competency_gaps_and_their_list() -> None:
    levels = np.array([[3.0] * 8 + [1.0], [np.nan] * 9])
    target = np.full(9, 3.0)
    target[0] = 4.0
    gaps = tp.competency_gaps(levels, target)
    assert gaps[0, 0] == 1.0 and gaps[0, 1] == 0.0 and gaps[0, 8] == 2.0
    assert np.isnan(gaps[1]).all()
    listed = tp.gap_list(gaps[0], levels[0], target)
    assert [(g["competency"], g["gap"]) for g in listed] == [
        ("perekat_bangsa", 2.0), ("integritas", 1.0),
    ]  # fmt: skip
    assert tp.gap_list(gaps[1], levels[1], target) == []


def test_offers_from_the_catalogue_leave_out_what_is_done() -> None:
    trainings = pd.DataFrame({
        "nip": ["1", "2", "3", "3"],
        "name": ["PKA Angkatan I", "Bimtek Gizi", "Bimtek Gizi", "Workshop Hukum"],
        "kind": ["PKA", "TECHNICAL", "TECHNICAL", "TECHNICAL"],
        "job_family": ["", "KES", "KES", "HUKUM"],
        "hours": [100.0, 20.0, 30.0, 16.0],
    })  # fmt: skip
    catalogue = tp.catalogue(trainings)
    assert len(catalogue) == 3
    assert catalogue.loc[catalogue["name"] == "Bimtek Gizi", "hours"].item() == 25.0
    offered = tp.offers(catalogue, ["Bimtek Gizi"], ["integritas", "perekat_bangsa"], "KES", "PKA")
    assert [t["name"] for t in offered["integritas"]] == ["PKA Angkatan I"]
    assert offered["perekat_bangsa"] == []
    fresh = tp.offers(catalogue, [], ["perekat_bangsa"], "KES", None)
    assert [t["name"] for t in fresh["perekat_bangsa"]] == ["Bimtek Gizi"]
    assert tp.offers(tp.catalogue(trainings.iloc[0:0]), [], ["integritas"], "KES", "PKA") == {
        "integritas": []
    }
