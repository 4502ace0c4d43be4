"""The synthetic export generator: contract format, consistency, determinism, labels."""

from __future__ import annotations

import csv
import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from features.export import TABLE_COLUMNS, Export
from features.loader import load_export
from features.vocabulary import COMPETENCIES, PNS_RANKS, PPPK_RANKS
from training.synthetic import generate_export
from training.synthetic import writer as synthetic_writer
from training.synthetic.agency import generate_agency
from training.synthetic.latent import HiddenTraits, vacancy_truth
from training.synthetic.spec import AgencySpec
from training.synthetic.writer import GeneratorError


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_same_seed_gives_identical_files_and_another_seed_differs(tmp_path: Path) -> None:
    generate_export(tmp_path / "a", employees=300, seed=3, progress=False)
    generate_export(tmp_path / "b", employees=300, seed=3, progress=False)
    generate_export(tmp_path / "c", employees=300, seed=4, progress=False)
    first, second, other = (_files(tmp_path / x) for x in "abc")
    assert first == second
    assert first.keys() == other.keys()
    assert first["employees.csv"] != other["employees.csv"]
    assert first["rounds.csv"] != other["rounds.csv"]


def test_parquet_is_deterministic_and_holds_the_same_rows_as_csv(tmp_path: Path) -> None:
    generate_export(tmp_path / "p1", employees=300, seed=5, fmt="parquet", progress=False)
    generate_export(tmp_path / "p2", employees=300, seed=5, fmt="parquet", progress=False)
    generate_export(tmp_path / "c", employees=300, seed=5, fmt="csv", progress=False)
    assert _files(tmp_path / "p1") == _files(tmp_path / "p2")
    assert sorted(p.name for p in (tmp_path / "p1").iterdir()) == sorted(
        f"{table}.parquet" for table in TABLE_COLUMNS
    )
    for table, columns in TABLE_COLUMNS.items():
        parquet = pd.read_parquet(tmp_path / "p1" / f"{table}.parquet")
        assert list(parquet.columns) == list(columns), table
    csv_export, parquet_export = load_export(tmp_path / "c"), load_export(tmp_path / "p1")
    for table in TABLE_COLUMNS:
        pd.testing.assert_frame_equal(
            csv_export.table(table), parquet_export.table(table), check_dtype=False
        )


def test_every_csv_has_exactly_the_contract_columns_and_text_conventions(
    small_export_dir: Path,
) -> None:
    for table, columns in TABLE_COLUMNS.items():
        path = small_export_dir / f"{table}.csv"
        with path.open(encoding="utf-8", newline="") as handle:
            header = next(csv.reader(handle))
        assert tuple(header) == columns, table
    employees = pd.read_csv(small_export_dir / "employees.csv", dtype=str, keep_default_na=False)
    assert employees["nip"].str.fullmatch(r"\d{18}").all()
    assert employees["birth_date"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    assert set(employees["disability"]) <= {"true", "false"}
    rounds = pd.read_csv(small_export_dir / "rounds.csv", dtype=str, keep_default_na=False)
    assert set(rounds["selected"]) == {"true", "false"}


def test_generated_export_passes_the_loader(small_export: Export) -> None:
    assert len(small_export.employees) == 400
    assert small_export.employees["nip"].is_unique
    assert small_export.positions["is_vacant"].any()
    for table in TABLE_COLUMNS:
        assert len(small_export.table(table)) > 0, table


def test_nips_agree_with_birth_date_gender_and_service_start(small_export: Export) -> None:
    emp = small_export.employees
    nip = emp["nip"].astype(str)
    assert (nip.str[:8] == emp["birth_date"].dt.strftime("%Y%m%d")).all()
    assert (nip.str[8:14] == emp["service_start"].dt.strftime("%Y%m")).all()
    assert (nip.str[14] == emp["gender"].map({"M": "1", "F": "2"})).all()
    assert (emp["service_start"] > emp["birth_date"] + pd.DateOffset(years=17)).all()


def test_ranks_follow_employment_type_and_managerial_posts_are_pns(small_export: Export) -> None:
    emp = small_export.employees
    pns = emp["employment_type"] == "PNS"
    assert emp.loc[pns, "rank"].isin(PNS_RANKS).all()
    assert emp.loc[~pns, "rank"].isin(PPPK_RANKS).all()
    assert pns.any() and (~pns).any()
    types = emp["current_position_id"].map(
        small_export.positions.set_index("position_id")["position_type"]
    )
    managerial = types.isin(["JPT_PRATAMA", "ADMINISTRATOR", "PENGAWAS"])
    assert managerial.any() and pns[managerial].all()
    # an S1 PNS enters at III/a: nobody with a degree is ranked below it
    s1 = pns & emp["education_level"].isin(["S1", "S2", "S3"])
    assert (emp.loc[s1, "rank"].map(PNS_RANKS.index) >= PNS_RANKS.index("III/a")).all()


def test_vacant_posts_have_no_holder_and_the_current_post_is_in_history(
    small_export: Export,
) -> None:
    positions, emp = small_export.positions, small_export.employees
    vacant = set(positions.loc[positions["is_vacant"], "position_id"])
    assert vacant and not vacant & set(emp["current_position_id"])
    history = small_export.position_history
    current = history[history["end_date"].isna()].set_index("nip")
    assert current.index.is_unique
    joined = emp.set_index("nip").join(current, rsuffix="_h")
    assert (joined["position_id"] == joined["current_position_id"]).all()
    assert (joined["start_date"] == joined["position_since"]).all()


def test_rounds_have_one_selected_outcome_and_graded_labels(small_export: Export) -> None:
    rounds = small_export.rounds
    assert rounds["round_id"].nunique() >= 20
    assert (rounds.groupby("round_id")["selected"].sum() == 1).all()
    assert rounds["label"].between(0, 4).all() and rounds["label"].nunique() == 5
    assert ((rounds["label_source"] == "OUTCOME") == rounds["selected"]).all()
    sizes = rounds.groupby("round_id").size()
    assert sizes.max() <= 40 and sizes.median() >= 10
    assert rounds.groupby("round_id")["position_id"].nunique().eq(1).all()


def test_records_dated_after_a_round_exist_for_its_candidates(small_export: Export) -> None:
    """The point-in-time rule matters: candidates gain assessments etc. after decisions."""
    rounds = small_export.rounds[["round_id", "nip", "decided_on"]]
    later = {
        "competencies": "assessed_on",
        "trainings": "completed_on",
        "discipline": "decided_on",
    }
    for table, column in later.items():
        dated = small_export.table(table)[["nip", column]].rename(columns={column: "when"})
        joined = rounds.merge(dated, on="nip")
        assert (joined["when"] > joined["decided_on"]).any(), table
    ratings = rounds.merge(small_export.performance, on="nip")
    known_from = pd.to_datetime((ratings["year"] + 1).astype(str) + "-01-01")
    assert (known_from > ratings["decided_on"]).any()
    assert (known_from <= ratings["decided_on"]).any()


def test_every_record_is_dated_on_or_before_the_reference_date(small_export: Export) -> None:
    reference = pd.Timestamp(synthetic_writer.DEFAULT_REFERENCE_DATE)
    for table, column in (
        ("competencies", "assessed_on"),
        ("rounds", "decided_on"),
        ("trainings", "completed_on"),
        ("discipline", "decided_on"),
        ("position_history", "start_date"),
        ("employees", "position_since"),
    ):
        assert small_export.table(table)[column].max() <= reference, table
    assert small_export.performance["year"].max() < reference.year


def test_the_latent_fit_drives_outcome_labels(tmp_path: Path) -> None:
    """OUTCOME labels rise with the job-person match known when the round was decided."""
    generate_export(tmp_path / "x", employees=1500, seed=11, progress=False)
    export = load_export(tmp_path / "x")
    selected = export.rounds[export.rounds["selected"]]
    assessed = (
        selected.merge(export.competencies, on="nip")
        .query("assessed_on <= decided_on")
        .sort_values("assessed_on")
        .drop_duplicates("round_id", keep="last")
        .merge(export.positions, on="position_id")
    )
    assert len(assessed) >= 30
    held = assessed[list(COMPETENCIES)].to_numpy().sum(axis=1)
    required = assessed[[f"req_{c}" for c in COMPETENCIES]].to_numpy().sum(axis=1)
    jpm = held / required
    correlation = np.corrcoef(jpm, assessed["label"].to_numpy())[0, 1]
    assert correlation > 0.2


def test_an_existing_folder_survives_a_failed_run(tmp_path: Path, monkeypatch) -> None:
    out = tmp_path / "export"
    generate_export(out, employees=200, seed=1, progress=False)
    before = _files(out)

    def broken(spec):
        raise RuntimeError("interrupted")

    monkeypatch.setattr(synthetic_writer, "generate_agency", broken)
    with pytest.raises(RuntimeError):
        generate_export(out, employees=200, seed=2, progress=False)
    assert _files(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"employees": 50, "seed": 1}, "at least 200"),
        ({"employees": 300, "seed": 1, "fmt": "xlsx"}, "csv or parquet"),
    ],
)
def test_bad_options_are_refused_with_a_clear_message(tmp_path: Path, kwargs, message) -> None:
    with pytest.raises(GeneratorError, match=message):
        generate_export(tmp_path / "out", progress=False, **kwargs)
    assert not (tmp_path / "out").exists()


def test_each_winner_career_shows_the_post_from_just_after_the_decision(
    small_export: Export,
) -> None:
    rounds = small_export.rounds
    winners = rounds[rounds["selected"]]
    spells = winners.merge(small_export.position_history, on=["nip", "position_id"])
    gap = spells["start_date"] - spells["decided_on"]
    matched = spells[(gap > pd.Timedelta(0)) & (gap <= pd.Timedelta(days=90))]
    assert set(matched["round_id"]) == set(winners["round_id"])


def test_the_reference_date_bounds_every_record(tmp_path: Path) -> None:
    generate_export(
        tmp_path / "x", employees=300, seed=2, reference_date="2023-06-30", progress=False
    )
    export = load_export(tmp_path / "x")
    reference = pd.Timestamp("2023-06-30")
    assert export.rounds["decided_on"].max() <= reference
    assert export.competencies["assessed_on"].max() <= reference
    assert export.trainings["completed_on"].max() <= reference
    assert export.performance["year"].max() == 2022
    assert export.employees["position_since"].max() <= reference
    # the election calendar moves with it (agency 0's last election was ~2 years before)
    dates = export.election_calendar["date"]
    assert (dates < reference).all() and (dates > reference - pd.DateOffset(years=3)).all()


@pytest.mark.parametrize("reference_date", ["2026-13-01", "2019-01-01"])
def test_a_bad_reference_date_is_refused(tmp_path: Path, reference_date: str) -> None:
    with pytest.raises(GeneratorError, match="reference-date"):
        generate_export(
            tmp_path / "out", employees=300, seed=1, reference_date=reference_date, progress=False
        )


def test_large_exports_span_several_agencies_written_in_turn(tmp_path: Path, monkeypatch) -> None:
    """Above the agency size the export is several governments, each with its own calendar."""
    monkeypatch.setattr(synthetic_writer, "AGENCY_SIZE", 200)
    generate_export(tmp_path / "x", employees=700, seed=3, progress=False)
    export = load_export(tmp_path / "x")
    agencies = export.employees.groupby("agency_id").size()
    assert len(agencies) == 4 and agencies.sum() == 700 and "PEMKOT-PLG" in agencies
    assert set(export.election_calendar["agency_id"]) == set(agencies.index)
    assert set(export.positions["agency_id"]) == set(agencies.index)
    round_agency = export.rounds["position_id"].map(
        export.positions.set_index("position_id")["agency_id"]
    )
    assert set(round_agency) == set(agencies.index)
    assert export.rounds["round_id"].nunique() >= 4 * 40


def test_an_agency_carries_no_hidden_values_inside_its_frames() -> None:
    """Merit, growth, grade and true major family never ride along in a frame (attrs, columns)."""
    spec = AgencySpec("PEMKOT-PLG", 0, 300, np.datetime64("2026-10-31"), seed=3)
    plain = generate_agency(spec)
    assert plain.truth is None
    assert set(plain.tables) == set(TABLE_COLUMNS) - {"export_metadata"}  # one for the export
    for table, frame in plain.tables.items():
        assert not frame.attrs, table
        assert not {"grade", "merit", "growth", "major_family"} & set(frame.columns), table
    with_truth = generate_agency(dataclasses.replace(spec, truth=True))
    assert with_truth.truth is not None and len(with_truth.truth) > 0
    for table, frame in plain.tables.items():
        pd.testing.assert_frame_equal(frame, with_truth.tables[table], obj=table)


def test_the_latent_fit_counts_a_d4_as_an_s1() -> None:
    """Education is compared through the shared ordinals (D-IV = S1), as the rules compare it."""
    spec = AgencySpec("A", 0, 200, np.datetime64("2026-10-31"), seed=1)
    levels = ["SMA", "D3", "D4", "S1", "S2", "S3"]
    nips = [f"N{i}" for i in range(len(levels))]
    employees = pd.DataFrame({"nip": nips, "status": "ACTIVE", "education_level": levels})
    traits = HiddenTraits(
        merit=np.zeros(len(levels)),
        growth=np.zeros(len(levels)),
        grade=np.full(len(levels), "PELAKSANA", dtype=object),
        major_family=np.full(len(levels), "keuangan", dtype=object),
    )
    post = pd.DataFrame({
        "position_id": ["A-P1"], "grade": ["PENGAWAS"], "job_family": ["keuangan"],
        "min_education_level": ["D3"], "is_vacant": [True],
    })  # fmt: skip
    history = pd.DataFrame({
        "nip": nips, "job_family": "keuangan", "start_date": pd.Timestamp("2024-01-01"),
        "end_date": pd.NaT,
    })  # fmt: skip
    trainings = pd.DataFrame({"nip": pd.Series([], dtype=object), "kind": []})
    truth = vacancy_truth(spec, employees, traits, post, history, trainings)
    fit = dict(zip(truth["nip"], truth["fit"], strict=True))
    sma, d3, d4, s1, s2, s3 = (fit[nip] for nip in nips)
    assert sma == d3 < d4 == s1 < s2 == s3  # below the minimum is 0; D4 = S1; capped at 2 above
