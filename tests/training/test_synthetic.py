"""The synthetic generator: contract format, determinism, consistency, point in time, signal."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from features.export import TABLE_COLUMNS, Export
from features.loader import load_export
from features.vocabulary import PNS_RANKS, PPPK_RANKS
from training.synthetic import generate_export
from training.synthetic.writer import GeneratorError


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_same_seed_same_bytes_other_seed_differs(tmp_path: Path) -> None:
    generate_export(tmp_path / "a", employees=250, seed=3, progress=False)
    generate_export(tmp_path / "b", employees=250, seed=3, progress=False)
    generate_export(tmp_path / "c", employees=250, seed=4, progress=False)
    assert _digests(tmp_path / "a") == _digests(tmp_path / "b")
    assert _digests(tmp_path / "a")["employees.csv"] != _digests(tmp_path / "c")["employees.csv"]


def test_every_table_has_exactly_the_contract_columns(small_export_dir: Path) -> None:
    for table, columns in TABLE_COLUMNS.items():
        header = (small_export_dir / f"{table}.csv").read_text(encoding="utf-8").splitlines()[0]
        assert tuple(header.split(",")) == columns


def test_parquet_export_loads_like_csv(tmp_path: Path) -> None:
    generate_export(tmp_path / "csv", employees=250, seed=5, progress=False)
    generate_export(tmp_path / "pq", employees=250, seed=5, fmt="parquet", progress=False)
    assert sorted(p.suffix for p in (tmp_path / "pq").iterdir()) == [".parquet"] * 10
    csv, parquet = load_export(tmp_path / "csv"), load_export(tmp_path / "pq")
    for table in TABLE_COLUMNS:
        pd.testing.assert_frame_equal(csv.table(table), parquet.table(table), check_dtype=False)


def test_nips_agree_with_birth_gender_and_service(small_export: Export) -> None:
    employees = small_export.employees
    assert employees["nip"].str.fullmatch(r"\d{18}").all()
    assert (employees["nip"].str[:8] == employees["birth_date"].dt.strftime("%Y%m%d")).all()
    assert (employees["nip"].str[14] == employees["gender"].map({"M": "1", "F": "2"})).all()
    assert (employees["nip"].str[8:14] == employees["service_start"].dt.strftime("%Y%m")).all()
    assert employees["nip"].is_unique


def test_ranks_follow_employment_type(small_export: Export) -> None:
    employees = small_export.employees
    pns = employees["employment_type"] == "PNS"
    assert employees.loc[pns, "rank"].isin(PNS_RANKS).all()
    assert employees.loc[~pns, "rank"].isin(PPPK_RANKS).all()
    managerial = employees["current_position_id"].map(
        small_export.positions.set_index("position_id")["position_type"]
    ).isin(["PENGAWAS", "ADMINISTRATOR", "JPT_PRATAMA"])
    assert (employees.loc[managerial, "employment_type"] == "PNS").all()


def test_rounds_have_one_outcome_each(small_export: Export) -> None:
    rounds = small_export.rounds
    assert rounds["round_id"].nunique() >= 40
    per_round = rounds.groupby("round_id")["selected"].sum()
    assert (per_round == 1).all()
    assert rounds["label"].between(0, 4).all()
    assert (rounds["label_source"] == np.where(rounds["selected"], "OUTCOME", "COMMITTEE")).all()


def test_records_exist_after_some_rounds_decisions(small_export: Export) -> None:
    rounds = small_export.rounds[["nip", "decided_on"]]
    later = rounds.merge(small_export.competencies[["nip", "assessed_on"]], on="nip")
    assert (later["assessed_on"] > later["decided_on"]).any()
    ratings = rounds.merge(small_export.performance[["nip", "year"]], on="nip")
    assert (ratings["year"] >= ratings["decided_on"].dt.year).any()


def test_vacancies_have_no_holder(small_export: Export) -> None:
    vacant = small_export.positions.loc[small_export.positions["is_vacant"], "position_id"]
    assert len(vacant) > 0
    assert not small_export.employees["current_position_id"].isin(vacant).any()


def test_outcome_labels_follow_competency(small_export: Export) -> None:
    """The latent fit drives outcomes: better-assessed candidates get better outcome grades."""
    rounds = small_export.rounds
    latest = small_export.competencies.sort_values("assessed_on").drop_duplicates("nip", keep="last")
    level = latest.set_index("nip")[["integritas", "komunikasi", "orientasi_hasil"]].mean(axis=1)
    rounds = rounds.assign(level=rounds["nip"].map(level)).dropna(subset=["level"])
    assert rounds["label"].corr(rounds["level"], method="spearman") > 0.2


def test_bad_options_are_refused(tmp_path: Path) -> None:
    with pytest.raises(GeneratorError, match="format"):
        generate_export(tmp_path / "x", employees=300, seed=1, fmt="xlsx")
    with pytest.raises(GeneratorError, match="at least 200"):
        generate_export(tmp_path / "x", employees=10, seed=1)
    assert not (tmp_path / "x").exists()
