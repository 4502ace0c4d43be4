"""Plain-language reasons from the booster's own contributions (Indonesian and English)."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

Lang = str
Template = Callable[[float], str]

_BANDS = {
    2.0: ("Memenuhi Syarat", "meets the standard"),
    1.0: ("Masih Memenuhi Syarat", "still meets the standard"),
    0.0: ("Kurang Memenuhi Syarat", "below the standard"),
}

PHRASES: dict[str, tuple[Template, Template, Template, Template]] = {
    # feature: (positive id, positive en, negative id, negative en)
    "jpm": (
        lambda v: f"Kompetensi memenuhi standar jabatan (JPM {v:.0f}%)",
        lambda v: f"Competencies meet the position's standard (JPM {v:.0f}%)",
        lambda v: f"Kompetensi di bawah standar jabatan (JPM {v:.0f}%)",
        lambda v: f"Competencies below the position's standard (JPM {v:.0f}%)",
    ),
    "assessment_missing": (
        lambda v: "Hasil asesmen kompetensi tersedia",
        lambda v: "A competency assessment is on file",
        lambda v: "Belum ada hasil asesmen kompetensi",
        lambda v: "No competency assessment on file",
    ),
    "potential_score": (
        lambda v: f"Potensi tinggi (skor {v:.0f})",
        lambda v: f"High potential (score {v:.0f})",
        lambda v: f"Potensi rendah (skor {v:.0f})",
        lambda v: f"Low potential (score {v:.0f})",
    ),
    "perf_mean": (
        lambda v: f"Kinerja tiga tahun terakhir baik (rata-rata {v:.1f} dari 5)",
        lambda v: f"Good performance over three years (mean {v:.1f} of 5)",
        lambda v: f"Kinerja tiga tahun terakhir belum menonjol (rata-rata {v:.1f} dari 5)",
        lambda v: f"Performance not outstanding over three years (mean {v:.1f} of 5)",
    ),
    "perf_sangat_baik_count": (
        lambda v: f"Predikat Sangat Baik {v:.0f} kali dalam tiga tahun",
        lambda v: f"Rated Sangat Baik {v:.0f} time(s) in three years",
        lambda v: "Belum pernah berpredikat Sangat Baik",
        lambda v: "Never rated Sangat Baik recently",
    ),
    "major_match": (
        lambda v: "Jurusan pendidikan sesuai syarat jabatan",
        lambda v: "Field of study matches the position's accepted majors",
        lambda v: "Jurusan pendidikan kurang sesuai syarat jabatan",
        lambda v: "Field of study does not match the accepted majors",
    ),
    "major_family_match": (
        lambda v: "Latar pendidikan sesuai rumpun jabatan",
        lambda v: "Education fits the position's job family",
        lambda v: "Latar pendidikan di luar rumpun jabatan",
        lambda v: "Education is outside the position's job family",
    ),
    "education_level_gap": (
        lambda v: "Jenjang pendidikan di atas syarat minimal",
        lambda v: "Education level above the minimum",
        lambda v: "Jenjang pendidikan pas atau di bawah syarat minimal",
        lambda v: "Education level at or below the minimum",
    ),
    "years_in_job_family": (
        lambda v: f"Pengalaman {v:.1f} tahun di rumpun jabatan ini",
        lambda v: f"{v:.1f} years of experience in this job family",
        lambda v: f"Pengalaman di rumpun jabatan ini baru {v:.1f} tahun",
        lambda v: f"Only {v:.1f} years in this job family",
    ),
    "years_one_level_below": (
        lambda v: f"Pengalaman {v:.1f} tahun pada jenjang di bawahnya",
        lambda v: f"{v:.1f} years one level below",
        lambda v: f"Pengalaman pada jenjang di bawahnya baru {v:.1f} tahun",
        lambda v: f"Only {v:.1f} years one level below",
    ),
    "has_required_leadership_training": (
        lambda v: "Telah mengikuti pelatihan kepemimpinan yang dipersyaratkan",
        lambda v: "Has the leadership training the post expects",
        lambda v: "Belum mengikuti pelatihan kepemimpinan yang dipersyaratkan (PKP/PKA/PKN)",
        lambda v: "Lacks the leadership training the post expects (PKP/PKA/PKN)",
    ),
    "technical_hours_in_family": (
        lambda v: f"Pelatihan teknis {v:.0f} jam di rumpun jabatan ini",
        lambda v: f"{v:.0f} hours of technical training in this job family",
        lambda v: "Sedikit pelatihan teknis di rumpun jabatan ini",
        lambda v: "Little technical training in this job family",
    ),
    "talent_box": (
        lambda v: f"Kotak talenta {v:.0f} (kelompok rencana suksesi bila 7-9)",
        lambda v: f"Talent box {v:.0f} (succession pool when 7-9)",
        lambda v: f"Kotak talenta {v:.0f}",
        lambda v: f"Talent box {v:.0f}",
    ),
    "sanction_count_5y": (
        lambda v: "Tanpa hukuman disiplin lima tahun terakhir",
        lambda v: "No disciplinary sanction in five years",
        lambda v: f"Pernah dijatuhi hukuman disiplin ({v:.0f} kali dalam lima tahun)",
        lambda v: f"Disciplinary sanction(s) in five years: {v:.0f}",
    ),
    "aspires_job_family": (
        lambda v: "Menyatakan minat pada rumpun jabatan ini",
        lambda v: "Asked for this job family",
        lambda v: "Tidak menyatakan minat pada rumpun jabatan ini",
        lambda v: "Did not ask for this job family",
    ),
}


def _same(id_text: Template, en_text: Template) -> tuple[Template, Template, Template, Template]:
    """Templates that describe the value itself, whichever way it moves the score."""
    return (id_text, en_text, id_text, en_text)


_COMPETENCY_NAMES = {
    "integritas": ("Integritas", "Integrity"),
    "kerja_sama": ("Kerja Sama", "Cooperation"),
    "komunikasi": ("Komunikasi", "Communication"),
    "orientasi_hasil": ("Orientasi pada Hasil", "Results orientation"),
    "pelayanan_publik": ("Pelayanan Publik", "Public service"),
    "pengembangan_diri": ("Pengembangan Diri dan Orang Lain", "Developing self and others"),
    "mengelola_perubahan": ("Mengelola Perubahan", "Managing change"),
    "pengambilan_keputusan": ("Pengambilan Keputusan", "Decision making"),
    "perekat_bangsa": ("Perekat Bangsa", "National cohesion"),
}
_RATINGS = {
    5: ("Sangat Baik", "Sangat Baik (very good)"),
    4: ("Baik", "Baik (good)"),
    3: ("Butuh Perbaikan", "Butuh Perbaikan (needs improvement)"),
    2: ("Kurang", "Kurang (poor)"),
    1: ("Sangat Kurang", "Sangat Kurang (very poor)"),
}
_LEADERSHIP = {1: "PKP", 2: "PKA", 3: "PKN II", 4: "PKN I"}
_SANCTIONS = {1: "ringan", 2: "sedang", 3: "berat"}
_SANCTIONS_EN = {1: "light", 2: "moderate", 3: "severe"}
_YEARS_AGO = {"perf_rating_y1": ("tahun lalu", "last year"),
              "perf_rating_y2": ("dua tahun lalu", "two years ago"),
              "perf_rating_y3": ("tiga tahun lalu", "three years ago")}  # fmt: skip


def _gap(name: str) -> tuple[Template, Template, Template, Template]:
    id_name, en_name = _COMPETENCY_NAMES[name]
    return _same(
        lambda v: f"{id_name} {'memenuhi' if v >= 0 else 'di bawah'} standar ({v:+.1f} level)",
        lambda v: f"{en_name} {'meets' if v >= 0 else 'is below'} the standard ({v:+.1f} levels)",
    )


def _rating(feature: str) -> tuple[Template, Template, Template, Template]:
    ago_id, ago_en = _YEARS_AGO[feature]
    return _same(
        lambda v: f"Predikat kinerja {ago_id}: {_RATINGS.get(round(v), ('-', '-'))[0]}",
        lambda v: f"Performance rating {ago_en}: {_RATINGS.get(round(v), ('-', '-'))[1]}",
    )


def _rank_gap_id(v: float) -> str:
    if v == 0:
        return "Pangkat tepat pada syarat minimal"
    return f"Pangkat {abs(v):.0f} tingkat {'di atas' if v > 0 else 'di bawah'} syarat minimal"


def _rank_gap_en(v: float) -> str:
    if v == 0:
        return "Rank exactly at the minimum"
    return f"Rank {abs(v):.0f} step(s) {'above' if v > 0 else 'below'} the minimum"


PHRASES.update(
    {
        "jpm_band": _same(
            lambda v: f"Kategori JPM: {_BANDS.get(v, ('-', '-'))[0]}",
            lambda v: f"JPM category: {_BANDS.get(v, ('-', '-'))[1]}",
        ),
        **{f"gap_{name}": _gap(name) for name in _COMPETENCY_NAMES},
        "shortfall_count": _same(
            lambda v: (
                "Tidak ada kompetensi di bawah standar"
                if v == 0
                else f"{v:.0f} kompetensi di bawah standar jabatan"
            ),
            lambda v: (
                "No competency below the standard"
                if v == 0
                else f"{v:.0f} competencies below the position's standard"
            ),
        ),
        "shortfall_sum": _same(
            lambda v: (
                "Tanpa kekurangan kompetensi"
                if v == 0
                else f"Kekurangan kompetensi total {v:.1f} level"
            ),
            lambda v: (
                "No competency shortfall" if v == 0 else f"Competency shortfall {v:.1f} levels"
            ),
        ),
        "surplus_sum": _same(
            lambda v: f"Kompetensi di atas standar total {v:.1f} level",
            lambda v: f"Competencies above the standard by {v:.1f} levels in all",
        ),
        "years_since_assessment": _same(
            lambda v: f"Asesmen kompetensi {v:.1f} tahun lalu",
            lambda v: f"Competencies assessed {v:.1f} years ago",
        ),
        **{feature: _rating(feature) for feature in _YEARS_AGO},
        "perf_trend": _same(
            lambda v: (
                "Kinerja meningkat" if v > 0 else "Kinerja menurun" if v < 0 else "Kinerja stabil"
            ),
            lambda v: (
                "Performance improving"
                if v > 0
                else "Performance declining"
                if v < 0
                else "Performance steady"
            ),
        ),
        "perf_below_baik_last2": _same(
            lambda v: (
                "Ada predikat di bawah Baik dalam dua tahun terakhir"
                if v
                else "Predikat minimal Baik dalam dua tahun terakhir"
            ),
            lambda v: (
                "A rating below Baik in the last two years"
                if v
                else "Rated at least Baik in the last two years"
            ),
        ),
        "perf_missing_years": _same(
            lambda v: (
                "Penilaian kinerja tiga tahun lengkap"
                if v == 0
                else f"{v:.0f} tahun tanpa penilaian kinerja"
            ),
            lambda v: (
                "Performance rated in each of three years"
                if v == 0
                else f"{v:.0f} year(s) without a performance rating"
            ),
        ),
        "years_at_position_type": _same(
            lambda v: f"{v:.1f} tahun pada jenis/jenjang jabatan ini",
            lambda v: f"{v:.1f} years at this type or level of post",
        ),
        "years_in_current_position": _same(
            lambda v: f"{v:.1f} tahun di jabatan sekarang",
            lambda v: f"{v:.1f} years in the current post",
        ),
        "years_of_service": _same(
            lambda v: f"Masa kerja {v:.1f} tahun", lambda v: f"{v:.1f} years of service"
        ),
        "rank_gap": _same(_rank_gap_id, _rank_gap_en),
        "sanction_active": _same(
            lambda v: (
                "Tidak sedang menjalani hukuman disiplin"
                if v == 0
                else f"Sedang menjalani hukuman disiplin {_SANCTIONS.get(round(v), '')}"
            ),
            lambda v: (
                "No disciplinary sanction running"
                if v == 0
                else f"A {_SANCTIONS_EN.get(round(v), '')} disciplinary sanction is running"
            ),
        ),
        "leadership_level": _same(
            lambda v: (
                "Belum mengikuti pelatihan kepemimpinan"
                if v == 0
                else f"Pelatihan kepemimpinan tertinggi: {_LEADERSHIP.get(round(v), '-')}"
            ),
            lambda v: (
                "No leadership training yet"
                if v == 0
                else f"Highest leadership training: {_LEADERSHIP.get(round(v), '-')}"
            ),
        ),
        "trainings_in_family_count": _same(
            lambda v: f"{v:.0f} pelatihan di rumpun jabatan ini",
            lambda v: f"{v:.0f} training course(s) in this job family",
        ),
        "training_hours_3y": _same(
            lambda v: f"Pelatihan {v:.0f} jam dalam tiga tahun terakhir",
            lambda v: f"{v:.0f} hours of training in the last three years",
        ),
        "aspires_unit": (
            lambda v: "Menyatakan minat pada unit kerja ini",
            lambda v: "Asked for this unit",
            lambda v: "Tidak menyatakan minat pada unit kerja ini",
            lambda v: "Did not ask for this unit",
        ),
    }
)

MISSING: dict[str, tuple[str, str]] = {
    "jpm": ("Belum ada hasil asesmen kompetensi", "No competency assessment on file"),
    "jpm_band": ("Belum ada hasil asesmen kompetensi", "No competency assessment on file"),
    **{f"gap_{n}": ("Belum ada hasil asesmen kompetensi", "No competency assessment on file")
       for n in _COMPETENCY_NAMES},
    "shortfall_count": ("Belum ada hasil asesmen kompetensi", "No competency assessment on file"),
    "shortfall_sum": ("Belum ada hasil asesmen kompetensi", "No competency assessment on file"),
    "surplus_sum": ("Belum ada hasil asesmen kompetensi", "No competency assessment on file"),
    "years_since_assessment": ("Belum ada hasil asesmen kompetensi",
                               "No competency assessment on file"),
    "potential_score": ("Skor potensi tidak tercatat", "No potential score on file"),
    "perf_rating_y1": ("Tidak ada penilaian kinerja tahun lalu", "No performance rating last year"),
    "perf_rating_y2": ("Tidak ada penilaian kinerja dua tahun lalu",
                       "No performance rating two years ago"),
    "perf_rating_y3": ("Tidak ada penilaian kinerja tiga tahun lalu",
                       "No performance rating three years ago"),
    "perf_mean": ("Belum ada penilaian kinerja", "No performance rating on file"),
    "perf_trend": ("Tren kinerja belum dapat dihitung", "Not enough ratings for a trend"),
    "years_in_current_position": ("Lama di jabatan sekarang tidak tercatat",
                                  "Time in the current post is not recorded"),
    "rank_gap": ("Pangkat tidak dibandingkan (PPPK atau tanpa syarat pangkat)",
                 "Rank not compared (PPPK, or no minimum rank)"),
    "talent_box": ("Kotak talenta belum dapat ditentukan", "Talent box cannot be placed yet"),
}  # fmt: skip
"""What to say when a feature has no value (NaN: the data is not recorded)."""

LABELS: dict[str, tuple[str, str]] = {
    "assessment_missing": ("Status asesmen kompetensi", "Competency assessment status"),
    "education_level_gap": ("Jenjang pendidikan", "Education level"),
    "major_match": ("Kesesuaian jurusan", "Match of the field of study"),
    "major_family_match": ("Kesesuaian pendidikan dengan rumpun", "Education fit to the family"),
    "perf_sangat_baik_count": ("Jumlah predikat Sangat Baik", "Sangat Baik ratings"),
    "perf_below_baik_last2": ("Predikat dua tahun terakhir", "Ratings of the last two years"),
    "perf_missing_years": ("Kelengkapan penilaian kinerja", "Performance ratings on file"),
    "years_in_job_family": ("Pengalaman di rumpun jabatan", "Experience in the job family"),
    "years_at_position_type": ("Pengalaman pada jenis jabatan", "Experience at this type of post"),
    "years_one_level_below": ("Pengalaman satu jenjang di bawah", "Experience one level below"),
    "years_of_service": ("Masa kerja", "Length of service"),
    "sanction_count_5y": ("Riwayat hukuman disiplin", "Disciplinary record"),
    "sanction_active": ("Hukuman disiplin berjalan", "Running disciplinary sanction"),
    "has_required_leadership_training": ("Pelatihan kepemimpinan", "Leadership training"),
    "leadership_level": ("Pelatihan kepemimpinan", "Leadership training"),
    "technical_hours_in_family": ("Pelatihan teknis di rumpun", "Technical training in the family"),
    "trainings_in_family_count": ("Pelatihan di rumpun jabatan", "Training in the job family"),
    "training_hours_3y": ("Jam pelatihan tiga tahun terakhir", "Training hours in three years"),
    "aspires_job_family": ("Minat pada rumpun jabatan", "Interest in the job family"),
    "aspires_unit": ("Minat pada unit kerja", "Interest in the unit"),
}
"""Plain names of features, for a value that is not recorded (else the feature's own words)."""


CHANGEABLE: tuple[str, ...] = (
    "jpm", "assessment_missing", "years_since_assessment", "has_required_leadership_training",
    "technical_hours_in_family", "trainings_in_family_count", "training_hours_3y",
    "perf_rating_y1", "perf_mean", "perf_sangat_baik_count", "aspires_job_family",
)  # fmt: skip
"""Factors a candidate can change (recourse); never protected attributes or seniority."""


def _generic(feature: str, value: float, positive: bool, lang: Lang) -> str:
    """The fallback for a feature without words of its own (a new feature, say)."""
    label = feature.replace("_", " ")
    if math.isnan(value):
        return f"{label}: not recorded" if lang == "en" else f"{label}: tidak tercatat"
    if lang == "en":
        return f"{label} = {value:.2f} {'raises' if positive else 'lowers'} the score"
    return f"{label} = {value:.2f} {'menaikkan' if positive else 'menurunkan'} skor"


def phrase(feature: str, value: float, positive: bool, lang: Lang) -> str:
    """One reason sentence for a feature's contribution."""
    if math.isnan(value):
        if feature in MISSING:
            return MISSING[feature][lang == "en"]
        if feature in LABELS:
            label = LABELS[feature][lang == "en"]
            return f"{label}: not recorded" if lang == "en" else f"{label}: tidak tercatat"
        return _generic(feature, value, positive, lang)
    templates = PHRASES.get(feature)
    if templates is None:
        return _generic(feature, value, positive, lang)
    index = (0 if positive else 2) + (1 if lang == "en" else 0)
    return templates[index](value)


def reasons(
    features: list[str], values: np.ndarray, contributions: np.ndarray, lang: Lang, count: int = 3
) -> dict[str, list[str]]:
    """The main positive and negative factors of one candidate, in plain language.

    Contributions are against the average candidate (the base value), so a modest shortfall can
    raise a score and a small surplus lower it; the sentence states the value, its side says
    which way it moved the score. Factors that read the same (several features of one missing
    assessment) are said once.
    """
    order = np.argsort(contributions)

    def sentences(indices: np.ndarray, positive: bool) -> list[str]:
        out: list[str] = []
        for i in indices:
            if (contributions[i] > 0) != positive or contributions[i] == 0:
                break
            text = phrase(features[i], float(values[i]), positive, lang)
            if text not in out:
                out.append(text)
            if len(out) == count:
                break
        return out

    return {"positive": sentences(order[::-1], True), "negative": sentences(order, False)}


def jpm_band_label(band: float, lang: Lang) -> str | None:
    """MS / MMS / KMS in words, or None when there is no assessment."""
    if math.isnan(band):
        return None
    label_id, label_en = _BANDS[float(band)]
    return label_en if lang == "en" else label_id


def recourse(
    features: list[str], values: np.ndarray, contributions: np.ndarray, lang: Lang
) -> list[str]:
    """What would improve the standing: the changeable factors that now pull the score down."""
    out = []
    for i in np.argsort(contributions):
        if contributions[i] >= 0 or features[i] not in CHANGEABLE:
            continue
        out.append(
            phrase(features[i], float(values[i]), False, lang)
            + (" (dapat diperbaiki)" if lang != "en" else " (can be improved)")
        )
    return out[:5]


def merit_bands(scores: np.ndarray, spread: float) -> np.ndarray:
    """Band numbers (1 = best) for scores sorted best first.

    A new band starts where the score drops by more than a quarter of the eligible pool's
    score spread (standard deviation): candidates within that distance cannot be told apart.
    """
    if len(scores) == 0:
        return np.zeros(0, dtype=int)
    threshold = 0.25 * spread if spread > 0 else 0.0
    drops = np.diff(scores) < -threshold
    return np.concatenate([[1], 1 + np.cumsum(drops)]).astype(int)
