"""Sanctions under examination or in court (Peraturan BKN 5/2019): recorded, loaded, ruled on."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from features.candidates import prepare_candidates
from features.config import FeatureConfig
from features.experience import experience_features
from features.loader import ContractError, load_export
from features.rules import load_ruleset
from tests.features.factories import employee, make_export
from tests.features.test_rules import evaluate, outcome

A, B, C, D = (
    "198001012005031001",
    "198502022010012002",
    "199003032015031003",
    "199104042016031004",
)
AS_OF = pd.Timestamp("2024-07-01")


def _discipline_csv(source: Path, tmp_path: Path, statuses: list[str] | None) -> Path:
    folder = tmp_path / "export"
    shutil.copytree(source, folder)
    employees = pd.read_csv(folder / "employees.csv", dtype=str, keep_default_na=False)
    nips = employees["nip"].iloc[: len(statuses or [""])].tolist()
    rows = pd.DataFrame(
        {
            "nip": nips,
            "level": "SEDANG",
            "decided_on": "2020-01-01",
            "ends_on": "",
        }
    )
    if statuses is not None:
        rows["status"] = statuses
    rows.to_csv(folder / "discipline.csv", index=False)
    return folder


def test_an_export_without_the_status_column_still_loads(small_export_dir, tmp_path) -> None:
    export = load_export(_discipline_csv(small_export_dir, tmp_path, None))
    assert export.discipline["status"].tolist() == [""]


def test_the_status_column_is_read_and_validated(small_export_dir, tmp_path) -> None:
    statuses = ["IMPOSED", "UNDER_EXAMINATION", "IN_COURT", ""]
    export = load_export(_discipline_csv(small_export_dir, tmp_path / "ok", statuses))
    assert export.discipline["status"].tolist() == statuses

    bad = _discipline_csv(small_export_dir, tmp_path / "bad", ["IMPOSED", "APPEALED"])
    with pytest.raises(ContractError) as caught:
        load_export(bad)
    (violation,) = [v for v in caught.value.violations if v.column == "status"]
    assert violation.file == "discipline.csv" and violation.row == 2
    assert "UNDER_EXAMINATION" in violation.rule and "or empty" in violation.rule


@pytest.fixture(scope="module")
def pool():
    def case(nip: str, level: str, status: str, ends_on: str = "") -> dict[str, str]:
        return {"nip": nip, "level": level, "decided_on": "2024-01-01", "ends_on": ends_on,
                "status": status}  # fmt: skip

    export = make_export(
        employees=[employee(nip) for nip in (A, B, C, D)],
        discipline=[
            case(A, "BERAT", "UNDER_EXAMINATION"),
            case(B, "SEDANG", "IN_COURT"),
            case(B, "SEDANG", "UNDER_EXAMINATION"),
            case(C, "SEDANG", ""),
            case(D, "BERAT", "IN_COURT", ends_on="2024-06-01"),
        ],
    )
    return prepare_candidates(export, AS_OF)


def test_an_open_case_is_not_a_sanction(pool) -> None:
    assert pool.pending_proceedings.tolist() == [1, 2, 0, 0]
    assert pool.active_sanction_level.tolist() == [0, 0, 2, 0]
    features = experience_features(pool, {"position_type": "PELAKSANA"}, FeatureConfig())
    assert features["sanction_count_5y"].tolist() == [0.0, 0.0, 1.0, 0.0]


def test_an_open_case_excludes_with_its_stage_named() -> None:
    ruleset = load_ruleset()
    result = evaluate(ruleset, "PELAKSANA", {}, {"pending": 1}, {"pending": 2})

    assert result.eligible.tolist() == [True, False, False]
    assert result.excluded_counts["no_pending_proceedings"] == 2
    assert result.passed("no_active_sanction").all()
    examined = outcome(result, 1, "no_pending_proceedings", "en")
    assert examined.message == (
        "Under examination of an alleged disciplinary breach: cannot be moved until it ends"
    )
    assert "proses peradilan" in outcome(result, 2, "no_pending_proceedings").message
    assert "Peraturan BKN 5/2019 Pasal 3" in examined.citation


def test_a_policy_can_narrow_the_stages(tmp_path) -> None:
    path = tmp_path / "agency.yaml"
    path.write_text(
        "version: a1\ndate: 2026-12-01\nextends: v2\n"
        "overrides:\n  no_pending_proceedings:\n    params: {statuses: [IN_COURT]}\n",
        encoding="utf-8",
    )
    result = evaluate(load_ruleset(path), "PELAKSANA", {"pending": 1}, {"pending": 2})
    assert result.eligible.tolist() == [True, False]
    assert np.array_equal(result.passed("no_pending_proceedings"), [True, False])
