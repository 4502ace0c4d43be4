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

CHANGEABLE: tuple[str, ...] = (
    "jpm", "assessment_missing", "years_since_assessment", "has_required_leadership_training",
    "technical_hours_in_family", "trainings_in_family_count", "training_hours_3y",
    "perf_rating_y1", "perf_mean", "perf_sangat_baik_count", "aspires_job_family",
)  # fmt: skip
"""Factors a candidate can change (recourse); never protected attributes or seniority."""


def _generic(feature: str, value: float, positive: bool, lang: Lang) -> str:
    shown = "-" if math.isnan(value) else f"{value:.2f}"
    if lang == "en":
        return (
            f"{feature.replace('_', ' ')} = {shown} {'raises' if positive else 'lowers'} the score"
        )
    return f"{feature.replace('_', ' ')} = {shown} {'menaikkan' if positive else 'menurunkan'} skor"


def phrase(feature: str, value: float, positive: bool, lang: Lang) -> str:
    """One reason sentence for a feature's contribution."""
    templates = PHRASES.get(feature)
    if templates is None or (math.isnan(value) and feature != "jpm"):
        return _generic(feature, value, positive, lang)
    if feature == "jpm" and math.isnan(value):
        return PHRASES["assessment_missing"][3 if lang == "en" else 2](value)
    index = (0 if positive else 2) + (1 if lang == "en" else 0)
    return templates[index](value)


def reasons(
    features: list[str], values: np.ndarray, contributions: np.ndarray, lang: Lang, count: int = 3
) -> dict[str, list[str]]:
    """The main positive and negative factors of one candidate, in plain language."""
    order = np.argsort(contributions)
    positive = [i for i in order[::-1][:count] if contributions[i] > 0]
    negative = [i for i in order[:count] if contributions[i] < 0]
    return {
        "positive": [phrase(features[i], float(values[i]), True, lang) for i in positive],
        "negative": [phrase(features[i], float(values[i]), False, lang) for i in negative],
    }


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
