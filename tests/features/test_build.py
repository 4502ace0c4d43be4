"""build_features: one path for training and serving, point in time, protected attributes inert."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from features.build import FEATURE_COLUMNS, build_features
from features.candidates import prepare_candidates, subset
from features.competency import competency_features, jpm_band
from features.config import FeatureConfig
from features.education import normalise_major
from features.export import PROTECTED_ATTRIBUTES, Export
from features.talent import talent_box
from features.vocabulary import COMPETENCIES

PROTECTED_SHUFFLED = (
    "name",
    "gender",
    "birth_date",
    "religion",
    "ethnicity",
    "origin_region",
    "disability",
    "marital_status",
)
NIP_TABLES = (
    "employees",
    "competencies",
    "performance",
    "position_history",
    "rounds",
    "discipline",
    "trainings",
    "aspirations",
)


def _rounds(export: Export, count: int = 6) -> list[tuple[str, pd.Timestamp, dict, list[str]]]:
    positions = export.positions.set_index("position_id")
    out = []
    for round_id, rows in list(export.rounds.groupby("round_id"))[:count]:
        position = positions.loc[rows["position_id"].iloc[0]].to_dict()
        position["position_id"] = rows["position_id"].iloc[0]
        out.append((round_id, rows["decided_on"].iloc[0], position, list(rows["nip"])))
    return out


def test_no_feature_is_or_contains_a_protected_attribute() -> None:
    for column in FEATURE_COLUMNS:
        for attribute in PROTECTED_ATTRIBUTES:
            assert attribute not in column.split("_"), (column, attribute)
    assert "birth" not in " ".join(FEATURE_COLUMNS)
    assert len(set(FEATURE_COLUMNS)) == len(FEATURE_COLUMNS)


def test_training_and_serving_paths_give_identical_features(small_export: Export) -> None:
    for _, decided_on, position, nips in _rounds(small_export):
        training = build_features(
            prepare_candidates(small_export, decided_on, nips=nips), position, decided_on
        )
        everyone = prepare_candidates(small_export, decided_on)
        serving = build_features(everyone, position, decided_on).loc[nips]
        pd.testing.assert_frame_equal(training, serving, check_exact=True)


def test_subset_equals_building_the_smaller_pool(small_export: Export) -> None:
    _, decided_on, position, nips = _rounds(small_export, 1)[0]
    everyone = prepare_candidates(small_export, decided_on)
    rows = pd.Index(everyone.nips).get_indexer(nips)
    pd.testing.assert_frame_equal(
        build_features(subset(everyone, rows), position, decided_on),
        build_features(everyone, position, decided_on).loc[nips],
    )


def test_shuffling_protected_attributes_changes_no_feature(small_export: Export) -> None:
    _, decided_on, position, _ = _rounds(small_export, 1)[0]
    before = build_features(prepare_candidates(small_export, decided_on), position, decided_on)
    rng = np.random.default_rng(0)
    employees = small_export.employees.copy()
    for column in PROTECTED_SHUFFLED:
        employees[column] = rng.permutation(employees[column].to_numpy())
    after = build_features(
        prepare_candidates(replace(small_export, employees=employees), decided_on),
        position,
        decided_on,
    )
    pd.testing.assert_frame_equal(before, after, check_exact=True)


def test_renumbering_nips_consistently_changes_no_feature(small_export: Export) -> None:
    # a NIP encodes birth date and gender: new NIPs (same everywhere) must give the same rows
    _, decided_on, position, nips = _rounds(small_export, 1)[0]
    before = build_features(
        prepare_candidates(small_export, decided_on, nips=nips), position, decided_on
    )
    old = small_export.employees["nip"].to_numpy()
    rng = np.random.default_rng(1)
    new = [f"{n:018d}" for n in rng.choice(10**17, size=len(old), replace=False)]
    mapping = dict(zip(old, new, strict=True))
    renamed = replace(
        small_export,
        **{
            table: small_export.table(table).assign(
                nip=small_export.table(table)["nip"].map(mapping)
            )
            for table in NIP_TABLES
        },
    )
    after = build_features(
        prepare_candidates(renamed, decided_on, nips=[mapping[n] for n in nips]),
        position,
        decided_on,
    )
    assert list(after.index) == [mapping[n] for n in nips]
    np.testing.assert_array_equal(before.to_numpy(), after.to_numpy())


def test_later_records_do_not_change_a_rounds_features(small_export: Export) -> None:
    _, decided_on, position, nips = _rounds(small_export, 1)[0]
    before = build_features(
        prepare_candidates(small_export, decided_on, nips=nips), position, decided_on
    )
    later = decided_on + pd.Timedelta(days=1)
    nip = nips[0]
    competencies = pd.concat(
        [
            small_export.competencies,
            pd.DataFrame(
                [
                    {
                        "nip": nip,
                        "assessed_on": later,
                        "method": "ASSESSMENT_CENTER",
                        **{c: 5.0 for c in small_export.competencies.columns[3:12]},
                        "potential_score": 99.0,
                    }
                ]
            ),
        ]
    )
    performance = pd.concat(
        [
            small_export.performance,
            pd.DataFrame([{"nip": nip, "year": decided_on.year, "rating": "SANGAT_BAIK"}]),
        ]
    )
    trainings = pd.concat(
        [
            small_export.trainings,
            pd.DataFrame(
                [
                    {
                        "nip": nip,
                        "name": "PKN II",
                        "kind": "PKN_II",
                        "job_family": position["job_family"],
                        "completed_on": later,
                        "hours": 300,
                    }
                ]
            ),
        ]
    )
    discipline = pd.concat(
        [
            small_export.discipline,
            pd.DataFrame([{"nip": nip, "level": "BERAT", "decided_on": later, "ends_on": pd.NaT}]),
        ]
    )
    changed = replace(
        small_export,
        competencies=competencies,
        performance=performance,
        trainings=trainings,
        discipline=discipline,
    )
    after = build_features(prepare_candidates(changed, decided_on, nips=nips), position, decided_on)
    pd.testing.assert_frame_equal(before, after, check_exact=True)
    # ... and the same records dated before the decision do change them
    # (the day after the injected record: the generator may hold later assessments of its own)
    today = build_features(
        prepare_candidates(changed, later + pd.Timedelta(days=1), nips=nips),
        position,
        later + pd.Timedelta(days=1),
    )
    assert today.loc[nip, "potential_score"] == 99.0


def test_feature_frame_shape_and_order(small_export: Export) -> None:
    _, decided_on, position, nips = _rounds(small_export, 1)[0]
    features = build_features(
        prepare_candidates(small_export, decided_on, nips=nips), position, decided_on
    )
    assert tuple(features.columns) == FEATURE_COLUMNS
    assert list(features.index) == nips
    assert (features.dtypes == np.float64).all()


def test_jpm_by_hand() -> None:
    # assessed 3,3,3,3,3,3,3,3,3 (sum 27) against required 3 x 8 + 4 (sum 28): JPM 27/28*100
    class Pool:
        competency_levels = np.array([[3.0] * 9, [np.nan] * 9])
        assessed_on = np.array(["2024-01-01", "NaT"], dtype="datetime64[ns]")
        potential_score = np.array([70.0, np.nan])
        as_of = pd.Timestamp("2025-01-01")

    position = {f"req_{c}": 3 for c in COMPETENCIES[:8]}  # all but perekat_bangsa
    position["req_perekat_bangsa"] = 4
    out = competency_features(Pool(), position, FeatureConfig())  # type: ignore[arg-type]
    assert out["jpm"][0] == pytest.approx(27 / 28 * 100)
    assert out["jpm_band"][0] == 2.0  # 96.4 >= 80: Memenuhi Syarat
    assert out["shortfall_count"][0] == 1 and out["shortfall_sum"][0] == pytest.approx(1.0)
    assert out["gap_perekat_bangsa"][0] == -1.0
    assert out["assessment_missing"].tolist() == [0.0, 1.0]
    assert np.isnan(out["jpm"][1]) and np.isnan(out["jpm_band"][1])
    assert out["years_since_assessment"][0] == pytest.approx(366 / 365.25)


def test_jpm_bands_follow_configurable_thresholds() -> None:
    jpm = np.array([95.0, 85.0, 70.0, 60.0])
    assert jpm_band(jpm, FeatureConfig()).tolist() == [2, 2, 1, 0]
    assert jpm_band(jpm, FeatureConfig(jpm_ms=90, jpm_mms=78)).tolist() == [2, 1, 0, 0]


def test_talent_box_corners() -> None:
    rating = np.array([5.0, 3.0, 4.0, np.nan])
    potential = np.array([90.0, 50.0, 70.0, 90.0])
    boxes = talent_box(rating, potential, np.full(4, np.nan), FeatureConfig())
    assert boxes[:3].tolist() == [9.0, 1.0, 5.0] and np.isnan(boxes[3])


def test_major_names_are_normalised() -> None:
    assert normalise_major("S1 Kesmas") == "kesehatan masyarakat"
    assert normalise_major("Prodi  Akuntansi.") == "akuntansi"
    assert normalise_major("ILMU Hukum") == "hukum"
