"""Past JPT selections in the generator and the loader's checks of ``jpt_selections``."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from features.export import Export
from features.loader import ContractError, load_export
from features.vocabulary import SELECTION_STAGES
from training.synthetic import agency as synthetic_agency
from training.synthetic.agency import generate_agency
from training.synthetic.jpt import COLUMNS, PASS_MARKS
from training.synthetic.spec import AgencySpec


def test_every_recent_jpt_appointment_has_its_selection(small_export: Export) -> None:
    table = small_export.jpt_selections
    assert len(table) > 0 and tuple(table.columns) == COLUMNS
    history = small_export.position_history
    for sid, rows in table.groupby("selection_id"):
        chosen = rows.loc[rows["chosen"], "nip"].unique()
        assert len(chosen) == 1, sid
        assert set(rows.loc[rows["chosen"], "proposed_rank"]) <= {1, 2, 3}
        assert sorted(set(rows["proposed_rank"]) - {0}) == list(
            range(1, rows.loc[rows["proposed_rank"] > 0, "nip"].nunique() + 1)
        )
        span = history.loc[
            (history["nip"] == chosen[0]) & (history["position_id"] == rows["position_id"].iat[0])
        ]
        assert (span["start_date"] > rows["decided_on"].iat[0]).any(), sid
        assert (rows["opened_on"] < rows["decided_on"]).all()


def test_a_candidate_stops_at_the_first_stage_they_fail(small_export: Export) -> None:
    for (_, _), rows in small_export.jpt_selections.groupby(["selection_id", "nip"]):
        stages = rows["stage"].tolist()
        assert stages == list(SELECTION_STAGES[: len(stages)])
        marks = rows["stage"].map(PASS_MARKS)
        assert ((rows["score"] >= marks) == rows["passed"]).all()
        assert rows["passed"].iloc[:-1].all()
        proposed = rows["proposed_rank"].iat[0] > 0
        assert not proposed or (len(stages) == len(SELECTION_STAGES) and rows["passed"].all())


def test_the_other_tables_do_not_move(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = AgencySpec("PEMKOT-PLG", 0, 600, np.datetime64("2026-10-31", "D"), 11)
    with_jpt = generate_agency(spec).tables
    monkeypatch.setattr(
        synthetic_agency, "draw_jpt_selections", lambda *_: pd.DataFrame(columns=list(COLUMNS))
    )
    without = generate_agency(spec).tables
    assert len(with_jpt["jpt_selections"]) > 0
    for table, frame in without.items():
        if table != "jpt_selections":
            pd.testing.assert_frame_equal(frame, with_jpt[table], obj=table)


def _broken(source: Path, tmp_path: Path, edit: Callable[[pd.DataFrame], None]) -> Path:
    folder = tmp_path / "export"
    shutil.copytree(source, folder)
    path = folder / "jpt_selections.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    edit(frame)
    frame.to_csv(path, index=False)
    return folder


def _second_chosen(frame: pd.DataFrame) -> None:
    first = frame["selection_id"].iat[0]
    other = frame.index[(frame["selection_id"] == first) & (frame["chosen"] == "false")][0]
    frame.loc[other, ["chosen", "proposed_rank"]] = ["true", "2"]


def _chosen_unproposed(frame: pd.DataFrame) -> None:
    frame.loc[frame["chosen"] == "true", "proposed_rank"] = "0"


def _set(column: str, value: str) -> Callable[[pd.DataFrame], None]:
    def edit(frame: pd.DataFrame) -> None:
        frame.loc[0, column] = value

    return edit


@pytest.mark.parametrize(
    ("edit", "column", "rule"),
    [
        (_second_chosen, "chosen", "at most one person"),
        (_chosen_unproposed, "proposed_rank", "must be proposed"),
        (_set("stage", "PSYCHOTEST"), "stage", "ADMINISTRATIVE"),
        (_set("score", "101"), "score", "from 0 to 100"),
        (_set("position_id", "NO-SUCH-POST"), "position_id", "positions.position_id"),
        (_set("decided_on", "2000-01-01"), "decided_on", "before opened_on"),
        (_set("nip", "199001012015011999"), "nip", "employees.nip"),
    ],
)
def test_the_loader_refuses_a_broken_selection(
    small_export_dir: Path,
    tmp_path: Path,
    edit: Callable[[pd.DataFrame], None],
    column: str,
    rule: str,
) -> None:
    with pytest.raises(ContractError) as caught:
        load_export(_broken(small_export_dir, tmp_path, edit))
    found = [v for v in caught.value.violations if v.column == column and rule in v.rule]
    assert found and found[0].file == "jpt_selections.csv", str(caught.value)


def test_the_table_is_optional(small_export_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "export"
    shutil.copytree(small_export_dir, folder)
    (folder / "jpt_selections.csv").unlink()
    assert load_export(folder).jpt_selections.empty
