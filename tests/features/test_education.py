"""Education family: level gap (D4 = S1) and relevance of the major (rapidfuzz token sets)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from features.candidates import prepare_candidates
from features.config import FeatureConfig
from features.education import education_features, normalise_major
from tests.features.factories import employee, make_export, position

NIPS = ("198001012005031001", "198502022010012002", "199003032015031003", "199104042016031004")


def _pool():
    export = make_export(
        employees=[
            employee(NIPS[0], education_level="S1", education_major="Akuntansi"),
            employee(NIPS[1], education_level="D4", education_major="S1 Ekonomi"),
            employee(NIPS[2], education_level="S2", education_major="Kesehatan Masyarakat"),
            employee(NIPS[3], education_level="SMA", education_major=""),
        ]
    )
    return prepare_candidates(export, pd.Timestamp("2024-07-01"))


def test_level_gap_counts_d4_as_s1() -> None:
    out = education_features(_pool(), position(min_education_level="S1"), FeatureConfig())
    # ordinals SD 0 .. D3 5, D4 = S1 6, S2 7: S1 0, D4 0, S2 +1, SMA 2 - 6 = -4
    assert out["education_level_gap"].tolist() == [0.0, 0.0, 1.0, -4.0]
    d3 = education_features(_pool(), position(min_education_level="D3"), FeatureConfig())
    assert d3["education_level_gap"].tolist() == [1.0, 1.0, 2.0, -3.0]


def test_major_match_against_accepted_majors() -> None:
    out = education_features(
        _pool(), position(accepted_majors="Akuntansi;Ekonomi"), FeatureConfig()
    )
    # exact matches after normalisation ("S1 Ekonomi" -> "ekonomi"); an unrelated field is far
    # below, an empty major is 0
    assert out["major_match"][:2].tolist() == [1.0, 1.0]
    assert out["major_match"][2] < 0.5
    assert out["major_match"][3] == 0.0


def test_empty_accepted_majors_means_any() -> None:
    out = education_features(_pool(), position(accepted_majors=""), FeatureConfig())
    assert out["major_match"].tolist() == [1.0] * 4


def test_major_relevance_to_the_job_family() -> None:
    keuangan = education_features(_pool(), position(job_family="keuangan"), FeatureConfig())
    kesehatan = education_features(_pool(), position(job_family="kesehatan"), FeatureConfig())
    # akuntansi and ekonomi are keuangan keywords; kesehatan masyarakat contains "kesehatan"
    assert keuangan["major_family_match"][:2].tolist() == [1.0, 1.0]
    assert keuangan["major_family_match"][2] < 0.5
    assert kesehatan["major_family_match"][2] == 1.0
    # unrelated words keep a character-level baseline (akuntansi vs kesehatan: 0.5)
    assert kesehatan["major_family_match"][0] <= 0.5
    assert np.all(keuangan["major_family_match"][3] == 0.0)


def test_major_normalisation() -> None:
    assert normalise_major("S1 Kesmas") == "kesehatan masyarakat"
    assert normalise_major("  Prodi Akuntansi. ") == "akuntansi"
    assert normalise_major("S2 Ilmu Hukum") == "hukum"
    assert normalise_major("S1 Adm. Negara") == "administrasi negara"
    assert normalise_major("S1 Pend. Matematika") == "pendidikan matematika"
    assert normalise_major("D-IV Akuntansi") == "akuntansi"
    assert normalise_major("S1 PWK") == "perencanaan wilayah dan kota"
