"""Reasons never misstate a value: the judgment word follows the value, never the sign.

Every feature of the catalogue is said with values on both sides of its standard and with a
contribution of either sign; the words that judge the value (a JPM band, "below the standard",
"meets the minimum", "asked for") must be those of the value, in Indonesian and in English.
"""

# ruff: noqa: E501  (the case table reads best one case a line)

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import pytest

from features.build import FEATURE_COLUMNS
from features.catalogue import CATALOGUE, FACTOR_NAMES, FACTORS
from serving import explain


class Case(NamedTuple):
    value: float
    says: tuple[str, str]
    """A fragment that must be said (Indonesian, English)."""
    never: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())
    """Fragments of the other side of the standard, never said for this value."""
    context: dict[str, float] = {}
    """Other features of the row, for a consistent record (an assessment has a JPM)."""
    minimum: float | None = None
    """The post's minimum of the feature, when it has one."""


MS, MMS, KMS = (
    ("(Memenuhi Syarat)", "(meets"),
    ("(Masih Memenuhi", "(still meets"),
    ("(Kurang", "(below"),
)
BELOW_ID, BELOW_EN = "di bawah standar", "below the standard"
MEETS_ID, MEETS_EN = "memenuhi standar", "meets the standard"
ASSESSED = {"jpm": 85.0, "shortfall_count": 0.0, "assessment_missing": 0.0}
SHORT = ("kurang dari minimal", "short of the minimum")
MET = ("memenuhi minimal", "meets the minimum")


def _years(name: str, id_: str, en: str) -> list[Case]:
    return [
        Case(5.0, (f"5.0 tahun {id_} (memenuhi minimal 4", f"5.0 years {en} (meets the minimum of 4"),
             ((SHORT[0],), (SHORT[1],)), minimum=4.0),
        Case(4.0, (f"4.0 tahun {id_} (memenuhi minimal 4", f"4.0 years {en} (meets the minimum of 4"),
             ((SHORT[0],), (SHORT[1],)), minimum=4.0),
        Case(1.5, (f"1.5 tahun {id_} (kurang dari minimal 4", f"1.5 years {en} (short of the minimum of 4"),
             ((MET[0],), (MET[1],)), minimum=4.0),
        Case(1.5, (f"1.5 tahun {id_}", f"1.5 years {en}"), ((MET[0], SHORT[0]), (MET[1], SHORT[1]))),
    ]  # fmt: skip


def _none_some(none: tuple[str, str], some: tuple[str, str], value: float = 2.0) -> list[Case]:
    return [
        Case(0.0, none, ((some[0],), (some[1],))),
        Case(value, some, ((none[0],), (none[1],))),
    ]


CASES: dict[str, list[Case]] = {
    "jpm": [
        Case(85.0, ("JPM 85% " + MS[0], "JPM 85% " + MS[1]), ((MMS[0], KMS[0], BELOW_ID), (MMS[1], KMS[1]))),
        Case(80.0, ("JPM 80% " + MS[0], "JPM 80% " + MS[1]), ((MMS[0], KMS[0], BELOW_ID), (MMS[1], KMS[1]))),
        Case(70.0, ("JPM 70% " + MMS[0], "JPM 70% " + MMS[1]), ((MS[0], KMS[0]), (MS[1], KMS[1]))),
        Case(50.0, ("JPM 50% " + KMS[0], "JPM 50% " + KMS[1]), ((MS[0], MMS[0]), (MS[1], MMS[1]))),
    ],
    "jpm_band": [
        Case(2.0, ("JPM: Memenuhi Syarat", "JPM category: meets"), (("Kurang", "Masih"), ("below", "still"))),
        Case(1.0, ("JPM: Masih Memenuhi Syarat", "JPM category: still meets"), (("Kurang",), ("below",))),
        Case(0.0, ("JPM: Kurang Memenuhi Syarat", "JPM category: below"), (("Masih",), ("meets",))),
    ],
    **{
        gap: [
            Case(0.5, (MEETS_ID, MEETS_EN), ((BELOW_ID,), (BELOW_EN,))),
            Case(0.0, (MEETS_ID, MEETS_EN), ((BELOW_ID,), (BELOW_EN,))),
            Case(-1.0, (BELOW_ID, BELOW_EN), ((MEETS_ID,), (MEETS_EN,))),
        ]
        for gap in FEATURE_COLUMNS
        if gap.startswith("gap_")
    },
    "shortfall_count": _none_some(
        ("Tidak ada kompetensi di bawah", "No competency below"),
        ("2 kompetensi di bawah standar", "below the position's standard: 2"),
    ),
    "shortfall_sum": _none_some(
        ("Tanpa kekurangan kompetensi", "No competency shortfall"),
        ("Kekurangan kompetensi total 6.6 level", "Competency shortfall 6.6 levels"),
        6.6,
    ),
    "surplus_sum": _none_some(
        ("Tidak ada kompetensi di atas standar", "No competency above"),
        ("di atas standar total 3.0 level", "above the standard by 3.0 levels"),
        3.0,
    ),
    "years_since_assessment": [Case(1.5, ("1.5 tahun lalu", "1.5 years ago"))],
    "assessment_missing": [
        Case(0.0, ("asesmen kompetensi tersedia", "assessment is on file"),
             (("Belum ada hasil asesmen",), ("No competency assessment",)), ASSESSED),
        Case(1.0, ("Belum ada hasil asesmen", "No competency assessment"),
             (("tersedia",), ("is on file",))),
    ],  # fmt: skip
    "potential_score": [
        Case(85.0, ("85 (tinggi)", "85 (high)"), (("(rendah)", "(menengah)"), ("(low)", "(middle)"))),
        Case(70.0, ("70 (menengah)", "70 (middle)"), (("(rendah)", "(tinggi)"), ("(low)", "(high)"))),
        Case(40.0, ("40 (rendah)", "40 (low)"), (("(tinggi)", "(menengah)"), ("(high)", "(middle)"))),
    ],
    "education_level_gap": [
        Case(1.0, ("1 tingkat di atas syarat", "1 level(s) above the minimum"),
             (("di bawah syarat", "tepat"), ("below", "exactly"))),
        Case(0.0, ("tepat pada syarat minimal", "exactly at the minimum"),
             (("di bawah syarat", "di atas"), ("below", "above"))),
        Case(-1.0, ("1 tingkat di bawah syarat", "1 level(s) below the minimum"),
             (("di atas syarat", "tepat"), ("above", "exactly"))),
    ],  # fmt: skip
    "major_match": [
        Case(0.95, ("Jurusan sesuai", "matches the accepted"), (("tidak sesuai",), ("does not",))),
        Case(0.3, ("Jurusan tidak sesuai", "does not match"), (("Jurusan sesuai",), (" matches",))),
    ],
    "major_family_match": [
        Case(0.95, ("sesuai rumpun", "fits the position"), (("di luar",), ("outside",))),
        Case(0.3, ("di luar rumpun", "outside the position"), (("sesuai rumpun",), ("fits",))),
    ],
    **{
        f"perf_rating_y{y}": [
            Case(5.0, ("Sangat Baik", "(very good)"), (("Kurang", "Butuh"), ("poor", "needs"))),
            Case(2.0, ("Kurang", "(poor)"), (("Baik",), ("good",))),
        ]
        for y in (1, 2, 3)
    },
    "perf_mean": [
        Case(4.5, ("4.5 dari 5 (setara Baik atau lebih)", "4.5 of 5 (Baik (good) or better)"),
             (("di bawah",), ("below",))),
        Case(4.0, ("4.0 dari 5 (setara Baik atau lebih)", "4.0 of 5 (Baik (good) or better)"),
             (("di bawah",), ("below",))),
        Case(3.2, ("3.2 dari 5 (di bawah Baik)", "3.2 of 5 (below Baik (good))"),
             (("atau lebih",), ("or better",))),
    ],  # fmt: skip
    "perf_trend": [
        Case(0.5, ("Kinerja meningkat", "improving"), (("Kinerja menurun", "Kinerja stabil"), ("declining", "steady"))),
        Case(-0.5, ("Kinerja menurun", "declining"), (("Kinerja meningkat", "Kinerja stabil"), ("improving", "steady"))),
        Case(0.0, ("Kinerja stabil", "steady"), (("Kinerja meningkat", "Kinerja menurun"), ("improving", "declining"))),
    ],
    "perf_sangat_baik_count": _none_some(
        ("Belum pernah berpredikat Sangat Baik", "Not rated Sangat Baik"),
        ("Sangat Baik 2 kali", "Sangat Baik 2 time"),
    ),
    "perf_below_baik_last2": [
        Case(1.0, ("Ada predikat di bawah Baik", "A rating below Baik"), (("minimal Baik",), ("at least",))),
        Case(0.0, ("Predikat minimal Baik", "at least Baik"), (("Ada predikat",), ("A rating below",))),
    ],
    "perf_missing_years": _none_some(
        ("tiga tahun lengkap", "in each of three years"),
        ("2 tahun tanpa penilaian", "2 year(s) without"),
    ),
    "years_in_job_family": _years("years_in_job_family", "di rumpun jabatan ini", "in this job family"),
    "years_at_position_type": [Case(3.0, ("3.0 tahun pada jenis", "3.0 years at this type"))],
    "years_one_level_below": _years("years_one_level_below", "pada jenjang di bawahnya", "one level below"),
    "years_in_current_position": _years(
        "years_in_current_position", "di jabatan sekarang", "in the current post"
    ),
    "years_of_service": [Case(12.0, ("Masa kerja 12.0 tahun", "12.0 years of service"))],
    "rank_gap": [
        Case(1.0, ("1 tingkat di atas syarat", "1 step(s) above"), (("tingkat di bawah", "tepat"), ("step(s) below", "exactly"))),
        Case(0.0, ("Pangkat tepat pada syarat", "exactly at the minimum"), (("tingkat di bawah", "tingkat di atas"), ("step(s) below", "step(s) above"))),
        Case(-2.0, ("2 tingkat di bawah syarat", "2 step(s) below"), (("tingkat di atas", "tepat"), ("step(s) above", "exactly"))),
    ],
    "sanction_count_5y": _none_some(
        ("Tanpa hukuman disiplin", "No disciplinary sanction in five"),
        ("Pernah dijatuhi hukuman disiplin (2 kali", "sanction(s) in five years: 2"),
    ),
    "sanction_active": [
        Case(0.0, ("Tidak sedang menjalani", "No disciplinary sanction running"), (("Sedang menjalani",), ("is running",))),
        Case(2.0, ("Sedang menjalani hukuman disiplin sedang", "A moderate disciplinary sanction is running"),
             (("Tidak sedang",), ("No disciplinary sanction running",))),
    ],
    "has_required_leadership_training": [
        Case(1.0, ("dipersyaratkan jabatan sudah diikuti", "Has the leadership training"), (("belum",), ("not yet",))),
        Case(0.0, ("dipersyaratkan jabatan belum diikuti", "Has not yet had"), (("sudah",), ("Has the",))),
        Case(1.0, ("dipersyaratkan jabatan (PKA) sudah diikuti", "the post requires (PKA)"), (("belum",), ("not yet",)), minimum=2.0),
        Case(0.0, ("dipersyaratkan jabatan (PKA) belum diikuti", "Has not yet had the leadership training the post requires (PKA)"), (("sudah",), ("Has the",)), minimum=2.0),
        Case(1.0, ("tidak mempersyaratkan pelatihan", "requires no leadership"), (("sudah", "belum"), ("Has the", "not yet")), minimum=0.0),
    ],
    "leadership_level": [
        Case(0.0, ("Belum mengikuti pelatihan kepemimpinan", "No leadership training yet"), (("tertinggi",), ("Highest",))),
        Case(2.0, ("Pelatihan kepemimpinan tertinggi: PKA", "Highest leadership training: PKA"), (("Belum",), ("No leadership",))),
    ],
    "technical_hours_in_family": _none_some(
        ("Belum ada pelatihan teknis", "No technical training"),
        ("Pelatihan teknis 40 jam", "40 hours of technical training"),
        40.0,
    ),
    "trainings_in_family_count": _none_some(
        ("Belum ada pelatihan di rumpun", "No training course"),
        ("2 pelatihan di rumpun", "2 training course(s)"),
    ),
    "training_hours_3y": [Case(60.0, ("Pelatihan 60 jam", "60 hours of training"))],
    "talent_box": [
        Case(9.0, ("Kotak talenta 9 (kelompok rencana suksesi)", "Talent box 9 (succession pool)"), (("di luar",), ("outside",))),
        Case(2.0, ("Kotak talenta 2 (di luar kelompok", "Talent box 2 (outside"), (("(kelompok",), ("(succession",))),
    ],
    "aspires_job_family": [
        Case(1.0, ("Menyatakan minat pada rumpun", "Asked for this job family"), (("Tidak menyatakan",), ("Did not",))),
        Case(0.0, ("Tidak menyatakan minat pada rumpun", "Did not ask for this job family"), (("; Menyatakan", ": Menyatakan"), ("Asked",))),
    ],
    "aspires_unit": [
        Case(1.0, ("Menyatakan minat pada unit", "Asked for this unit"), (("Tidak menyatakan",), ("Did not",))),
        Case(0.0, ("Tidak menyatakan minat pada unit", "Did not ask for this unit"), (("; Menyatakan", ": Menyatakan"), ("Asked",))),
    ],
}  # fmt: skip
"""Per feature, values on each side of its standard and what they must (and must never) say."""

PARAMS = [
    pytest.param(feature, i, sign, lang, id=f"{feature}-{i}-{sign:+d}-{lang}")
    for feature, cases in CASES.items()
    for i in range(len(cases))
    for sign in (1, -1)
    for lang in ("id", "en")
]


def test_the_cases_cover_every_feature_of_the_catalogue() -> None:
    assert sorted(CASES) == sorted(CATALOGUE)
    assert sorted(CATALOGUE) == sorted(FEATURE_COLUMNS)


def _said(feature: str, case: Case, sign: int, lang: str) -> list[str]:
    """Every reason said for a row where ``feature`` alone moved the score, by ``sign``."""
    features = list(FEATURE_COLUMNS)
    values = np.full(len(features), math.nan)
    for name, value in {**case.context, feature: case.value}.items():
        values[features.index(name)] = value
    contributions = np.zeros(len(features))
    contributions[features.index(feature)] = 0.4 * sign
    kwargs = {} if case.minimum is None else {"standards": {feature: case.minimum}}
    got = explain.reasons(features, values, contributions, lang, **kwargs)
    return got["positive"] + got["negative"]


@pytest.mark.parametrize(("feature", "index", "sign", "lang"), PARAMS)
def test_the_judgment_follows_the_value_never_the_sign(
    feature: str, index: int, sign: int, lang: str
) -> None:
    case = CASES[feature][index]
    which = 0 if lang == "id" else 1
    reasons = _said(feature, case, sign, lang)
    said = " | ".join(reasons)
    assert case.says[which] in said, said
    for wrong in case.never[which]:
        assert wrong not in said, (wrong, said)
    moved = {("id", 1): "menaikkan skor", ("id", -1): "menurunkan skor",
             ("en", 1): "raises the score", ("en", -1): "lowers the score"}  # fmt: skip
    assert len(reasons) == 1 and moved[lang, sign] in reasons[0]  # the sign, said apart


@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_direction_is_said_separately_from_the_sign(lang: str) -> None:
    raises = {"id": "menaikkan skor dibanding rata-rata kandidat", "en": "raises the score"}
    lowers = {"id": "menurunkan skor dibanding rata-rata kandidat", "en": "lowers the score"}
    case = CASES["jpm"][0]
    up = _said("jpm", case, 1, lang)
    down = _said("jpm", case, -1, lang)
    assert len(up) == len(down) == 1
    assert raises[lang] in up[0] and "(+0.400)" in up[0] and lowers[lang] not in up[0]
    assert lowers[lang] in down[0] and "(-0.400)" in down[0] and raises[lang] not in down[0]
    assert up[0].split(". ")[0] == down[0].split(". ")[0]  # the values read the same either way


def test_every_feature_is_in_exactly_one_factor() -> None:
    placed = [name for names in FACTORS.values() for name in names]
    assert sorted(placed) == sorted(FEATURE_COLUMNS)
    assert set(FACTORS) == set(FACTOR_NAMES)
    assert all(FACTORS[f] for f in FACTOR_NAMES)


def _row(seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    values = rng.uniform(0, 5, len(FEATURE_COLUMNS))
    values[list(FEATURE_COLUMNS).index("jpm")] = 85.0
    return values, rng.normal(0, 0.2, len(FEATURE_COLUMNS))


@pytest.mark.parametrize("seed", range(5))
def test_a_factor_contributes_the_sum_of_its_features(seed: int) -> None:
    values, contributions = _row(seed)
    features = list(FEATURE_COLUMNS)
    said = explain.factors(features, values, contributions, "en")
    assert [f.factor for f in said] != [] and len(said) == len(FACTOR_NAMES)
    for factor in said:
        members = [features.index(n) for n in FACTORS[factor.factor]]  # type: ignore[index]
        assert factor.features == list(FACTORS[factor.factor])  # type: ignore[index]
        assert factor.contribution == pytest.approx(contributions[members].sum(), abs=1e-12)
    assert sum(f.contribution for f in said) == pytest.approx(contributions.sum())
    sizes = [abs(f.contribution) for f in said]
    assert sizes == sorted(sizes, reverse=True)


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("lang", ["id", "en"])
def test_no_factor_both_raises_and_lowers(seed: int, lang: str) -> None:
    values, contributions = _row(seed)
    got = explain.reasons(list(FEATURE_COLUMNS), values, contributions, lang, count=10)
    labels = {explain.factors(list(FEATURE_COLUMNS), values, contributions, lang)[0].label}
    up = {text.split(":")[0] for text in got["positive"]}
    down = {text.split(":")[0] for text in got["negative"]}
    assert up and down and not up & down
    assert labels <= up | down
