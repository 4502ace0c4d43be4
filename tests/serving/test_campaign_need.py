"""Campaigns that fill by need: the need weight, the need floor, gaps before and after."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from features.export import Export
from serving.campaigns.models import CampaignError, CampaignOptions, ListedScope
from serving.campaigns.planning import plan_campaign
from serving.campaigns.rendering import render_text, say
from tests.serving.conftest import Keys, _serve
from tests.serving.test_campaigns import AS_OF, TableScorer, _employees, _positions
from training.bundle import RankerBundle

TYPE = "PELAKSANA"


def positions() -> pd.DataFrame:
    return _positions().assign(position_type=TYPE, unit_name=lambda f: "Unit " + f["unit_id"])


def gaps_now() -> pd.DataFrame:
    """U1 keuangan over by one (x and z, one needed), U2 exact (y), U3 short of two."""
    rows = [("U1", "keuangan", 1, 2), ("U2", "keuangan", 1, 1), ("U3", "keuangan", 2, 0)]
    frame = pd.DataFrame(rows, columns=["unit_id", "job_family", "needed", "filled"])
    frame = frame.assign(agency_id="AG1", position_type=TYPE, as_of=AS_OF, unit_name="")
    frame["gap"] = frame["filled"] - frame["needed"]
    frame["over"], frame["under"] = frame["gap"].clip(lower=0), (-frame["gap"]).clip(lower=0)
    return frame


TABLE = {"P_A": {"y": 10.0, "x": 9.5}}


def plan(options: CampaignOptions, gaps: pd.DataFrame | None = None):
    return plan_campaign(
        vacancy_ids=["P_A"],
        positions=positions(),
        employees=_employees(),
        scorer=TableScorer(TABLE, {}),
        options=options,
        scope=ListedScope(count=1),
        model="test-model",
        gaps_now=gaps_now() if gaps is None else gaps,
    )


def test_fit_alone_takes_the_best_fit_and_reports_the_gaps():
    report = plan(CampaignOptions(aspiration_mode="off"))
    assert [p.nip for p in report.placements] == ["y"]
    need = report.need
    assert need.status == "ok" and need.as_of == "2026-11-01"
    by_unit = {u.unit_id: u for u in need.units}
    assert set(by_unit) == {"U2", "U3"}
    assert (by_unit["U2"].filled_before, by_unit["U2"].filled_after) == (1, 0)
    assert (by_unit["U2"].under_before, by_unit["U2"].under_after) == (0, 1)
    assert (by_unit["U3"].under_before, by_unit["U3"].under_after) == (2, 1)
    assert (need.abs_gap_before, need.abs_gap_after, need.gap_closed) == (2, 2, 0)
    assert report.baselines.optimal_gap_closed == 0


def test_need_weight_moves_the_over_staffed_unit_first():
    report = plan(CampaignOptions(aspiration_mode="off", need_weight=1.0))
    assert [(p.nip, p.from_unit_id) for p in report.placements] == [("x", "U1")]
    need = report.need
    assert (need.abs_gap_before, need.abs_gap_after, need.gap_closed) == (3, 1, 2)
    assert report.baselines.optimal_gap_closed == 2
    assert "milp-highs-need" in report.solver


def test_a_small_weight_does_not_outweigh_a_large_fit_difference():
    report = plan(CampaignOptions(aspiration_mode="off", need_weight=0.2))
    assert [p.nip for p in report.placements] == ["y"]  # 10 + 0 > 9.5 + 0.4


def test_need_floor_keeps_a_unit_at_its_need():
    report = plan(CampaignOptions(aspiration_mode="off", need_floor=1.0))
    assert [p.nip for p in report.placements] == ["x"]  # U2 would fall below its need
    floors = {u.unit_id: u.floor for u in report.need.units}
    assert floors == {"U1": 1, "U3": 2}
    (binding,) = report.binding_constraints
    assert say(binding, "en") == "need floor 100% of unit U2 (staff 4) allows 0 move(s), 1 wanted"
    assert "batas bawah kebutuhan 100% unit U2" in say(binding, "id")


def test_the_text_report_shows_the_gaps_before_and_after():
    text = render_text(plan(CampaignOptions(aspiration_mode="off", need_weight=1.0)), "id")
    assert "selisih tertutup 2 (jumlah |terisi - kebutuhan| 3 -> 1)" in text
    assert "U1: kebutuhan 1, terisi 2 -> 1, kurang 0 -> 0, lebih 1 -> 0" in text


def test_without_a_job_map_need_is_refused_and_fit_alone_says_no_data():
    empty = gaps_now().iloc[0:0]
    with pytest.raises(CampaignError, match="staffing_needs"):
        plan(CampaignOptions(need_weight=1.0), empty)
    with pytest.raises(CampaignError, match="staffing_needs"):
        plan(CampaignOptions(need_floor=0.5), empty)
    report = plan(CampaignOptions(aspiration_mode="off"), empty)
    assert report.need.status == "no_data" and report.baselines.optimal_gap_closed is None


def test_api_campaign_by_need_reports_the_gaps_and_refuses_without_a_job_map(
    service: tuple[TestClient, Keys],
    small_export: Export,
    ranker: RankerBundle,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    client, keys = service
    agency = str(small_export.positions["agency_id"].iloc[0])
    body = {"agency_id": agency, "options": {"need_weight": 1.0, "need_floor": 0.8}}
    created = client.post("/v1/campaigns", json=body, headers=keys.header("committee"))
    assert created.status_code == 201, created.text
    need = created.json()["need"]
    assert need["status"] == "ok" and need["units"]
    assert need["gap_closed"] == need["abs_gap_before"] - need["abs_gap_after"]
    assert all(u["filled_after"] >= u["floor"] or u["filled_after"] >= u["filled_before"]
               for u in need["units"])  # fmt: skip
    bare = replace(small_export, staffing_needs=small_export.staffing_needs.iloc[0:0])
    for bare_client, bare_keys in _serve(bare, ranker, tmp_path_factory.mktemp("bare")):
        refused = bare_client.post(
            "/v1/campaigns", json=body, headers=bare_keys.header("committee")
        )
        assert refused.status_code == 422 and "staffing_needs" in refused.json()["detail"]
