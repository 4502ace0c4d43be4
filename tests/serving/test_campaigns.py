"""Campaign service: scope checks, rounds and chains, baselines, caps, explanations, exports.

The planning tests use a table-driven scorer over hand-made frames so that the optimum,
the chains and the binding constraints are known by hand; the end-to-end test at the bottom
runs the real champion on the small export through the API.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
from collections.abc import Collection, Mapping
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from fastapi import FastAPI, Header
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from features.build import build_features
from features.candidates import prepare_candidates
from features.errors import ForbiddenError, NotFoundError
from features.ordinals import age_bands
from features.rules import evaluate_rules, load_ruleset
from serving import audit, errors
from serving.app import create_app
from serving.auth import Principal, create_api_key
from serving.campaigns.models import (
    SCHEMA_VERSION,
    AgencyScope,
    CampaignError,
    CampaignNotFound,
    CampaignOptions,
    ChainLink,
    ListedScope,
    Said,
)
from serving.campaigns.planning import plan_campaign, resolve_vacancies, run_campaign
from serving.campaigns.rendering import render_csv, render_pdf, render_text, say
from serving.campaigns.scoring import RankerScorer, VacancyScores
from serving.campaigns.service import authorize_scope, recent_campaigns
from serving.campaigns.storage import load_campaign, read_report, save_campaign
from serving.cli import app
from serving.db import make_engine, upgrade
from serving.engine import Engine
from serving.fairness import PanelRules
from serving.routers.campaigns import build_router
from serving.runtime import Runtime, RuntimeHolder
from serving.settings import ServiceSettings
from serving.tables import audit_log, metadata
from serving.tables import campaigns as table
from tests.serving.conftest import service_settings

AS_OF = pd.Timestamp("2026-11-01")


def _positions() -> pd.DataFrame:
    rows = [
        # id, unit, vacant, family
        ("P_A", "U3", True, "keuangan"),
        ("P_B", "U3", True, "keuangan"),
        ("P_C", "U3", True, "hukum"),
        ("P_X", "U1", False, "keuangan"),
        ("P_Y", "U2", False, "keuangan"),
        ("P_Z", "U1", False, "keuangan"),
    ]
    return pd.DataFrame(
        {
            "position_id": [r[0] for r in rows],
            "title": [f"Jabatan {r[0]}" for r in rows],
            "agency_id": "AG1",
            "unit_id": [r[1] for r in rows],
            "is_vacant": [r[2] for r in rows],
            "job_family": [r[3] for r in rows],
        }
    )


def _employees() -> pd.DataFrame:
    core = [
        # nip, unit, position, since, gender, birth
        ("x", "U1", "P_X", "2021-01-01", "M", "1980-05-01"),
        ("y", "U2", "P_Y", "2020-01-01", "F", "1990-05-01"),
        ("z", "U1", "P_Z", "2026-01-01", "F", "1970-05-01"),
    ]
    filler = [(f"f{i}", "U1" if i < 7 else "U2", "", "", "M", "1985-01-01") for i in range(10)]
    rows = core + filler
    return pd.DataFrame(
        {
            "nip": [r[0] for r in rows],
            "name": [f"Pegawai {r[0]}" for r in rows],
            "gender": [r[4] for r in rows],
            "birth_date": pd.to_datetime([r[5] for r in rows]),
            "unit_id": [r[1] for r in rows],
            "current_position_id": [r[2] for r in rows],
            "position_since": pd.to_datetime([r[3] or None for r in rows]),
            "status": "ACTIVE",
            "agency_id": "AG1",
        }
    )


ASPIRATIONS = {("P_A", "y"): 1.0}
"""(position, nip) -> aspiration match the scorer reports (y asked for P_A's job family)."""


class TableScorer:
    """Scores from a fixed table: position -> {nip: fit}; everyone else is ineligible."""

    def __init__(self, table: dict[str, dict[str, float]], excluded: dict[str, dict[str, int]]):
        self.as_of = AS_OF
        self.table = table
        self.excluded = excluded
        self.calls: list[tuple[str, frozenset[str]]] = []

    def score(
        self, position: Mapping[str, Any], exclude: Collection[str], top_n: int
    ) -> VacancyScores:
        pid = position["position_id"]
        self.calls.append((pid, frozenset(exclude)))
        fits = {n: f for n, f in self.table.get(pid, {}).items() if n not in exclude}
        order = sorted(fits, key=lambda n: -fits[n])
        kept = order[:top_n]
        return VacancyScores(
            position_id=pid,
            nips=np.array(kept, dtype=object),
            fit=np.array([fits[n] for n in kept]),
            eligible_count=len(order),
            pool_size=13 - len(exclude),
            excluded=self.excluded.get(pid, {}),
            reasons={n: [f"reason for {n}"] for n in kept},
            aspiration=np.array([ASPIRATIONS.get((pid, n), 0.0) for n in kept]),
        )


def _plan(vacancies, table, options=None, excluded=None):
    return plan_campaign(
        vacancy_ids=vacancies,
        positions=_positions(),
        employees=_employees(),
        scorer=TableScorer(table, excluded or {}),
        options=options or CampaignOptions(aspiration_mode="off"),
        scope=ListedScope(count=len(vacancies)),
        model="test-model",
    )


CONFLICT = {"P_A": {"x": 10.0, "y": 9.0}, "P_B": {"x": 8.0}}


def test_optimum_avoids_the_double_booking_greedy_falls_into():
    report = _plan(["P_A", "P_B"], CONFLICT)
    got = {p.position_id: p.nip for p in report.placements}
    assert got == {"P_A": "y", "P_B": "x"}
    b = report.baselines
    assert (b.optimal_filled, b.optimal_total_fit) == (2, 17.0)
    assert (b.greedy_filled, b.greedy_total_fit) == (1, 10.0)
    assert (b.top1_conflicts, b.top1_double_booked_people, b.top1_total_fit) == (1, 1, 18.0)
    assert report.open_vacancies == []
    placed = {p.nip: p for p in report.placements}
    assert placed["x"].rank_on_shortlist == 1 and placed["y"].rank_on_shortlist == 2
    assert placed["y"].reasons == ["reason for y"]


def test_staffing_before_and_after():
    report = _plan(["P_A", "P_B"], CONFLICT)
    units = {u.unit_id: u for u in report.units}
    assert (units["U1"].staff_before, units["U1"].leaving, units["U1"].staff_after) == (9, 1, 8)
    assert (units["U2"].staff_before, units["U2"].staff_after) == (4, 3)
    assert (units["U3"].staff_before, units["U3"].arriving, units["U3"].staff_after) == (0, 2, 2)


def test_chains_refill_opened_positions_and_exclude_moved_people():
    table = {"P_A": {"x": 5.0}, "P_X": {"x": 9.0, "z": 4.0}, "P_Z": {"f1": 2.0}}
    report = _plan(["P_A"], table, CampaignOptions(aspiration_mode="off", chain_depth=2))
    assert [(p.round, p.position_id, p.nip) for p in report.placements] == [
        (0, "P_A", "x"),
        (1, "P_X", "z"),
        (2, "P_Z", "f1"),
    ]
    assert report.chains == [
        [
            ChainLink(position_id="P_A", nip="x", origin_position_id="P_X"),
            ChainLink(position_id="P_X", nip="z", origin_position_id="P_Z"),
            ChainLink(position_id="P_Z", nip="f1", origin_position_id=None),
        ]
    ]
    assert "P_A <- x from P_X  |  P_X <- z from P_Z  |  P_Z <- f1 from -" in render_text(report)
    shallow = _plan(["P_A"], table, CampaignOptions(aspiration_mode="off", chain_depth=1))
    assert [p.position_id for p in shallow.placements] == ["P_A", "P_X"]


def test_no_eligible_candidate_names_the_failing_rules():
    excluded = {"P_C": {"perf_baik_2y": 12, "education_minimum": 3, "status_active": 0}}
    report = _plan(["P_A", "P_C"], {"P_A": {"x": 1.0}}, excluded=excluded)
    (gap,) = report.open_vacancies
    assert gap.position_id == "P_C"
    assert gap.reason.code == "open.no_eligible"
    assert [(p.code, p.params) for p in gap.reason.parts] == [
        ("open.fail_rule", {"count": 12, "rule_id": "perf_baik_2y"}),
        ("open.fail_rule", {"count": 3, "rule_id": "education_minimum"}),
    ]  # status_active excluded nobody: not named
    english, indonesian = say(gap.reason, "en"), say(gap.reason, "id")
    assert "no eligible candidate" in english
    assert "12 fail rule perf_baik_2y, 3 fail rule education_minimum" in english
    assert indonesian.startswith("formasi P_C tanpa kandidat yang memenuhi syarat")
    assert "12 tidak lolos aturan perf_baik_2y, 3 tidak lolos aturan education_minimum" in (
        indonesian
    )


def test_competition_is_explained():
    report = _plan(["P_A", "P_B"], {"P_A": {"x": 3.0}, "P_B": {"x": 1.0}})
    (gap,) = report.open_vacancies
    assert gap.position_id == "P_B" and gap.reason.code == "open.none_free"
    assert Said(code="open.taken", params={"count": 1}) in gap.reason.parts
    assert "1 taken by other vacancies" in say(gap.reason, "en")
    assert "1 diusulkan ke formasi lain" in say(gap.reason, "id")


def test_unit_cap_binds_and_says_so():
    table = {"P_A": {"x": 9.0, "y": 1.0}, "P_B": {"z": 8.0, "y": 2.0}}
    options = CampaignOptions(aspiration_mode="off", max_unit_share=0.12)
    report = _plan(["P_A", "P_B"], table, options)
    from_u1 = [p for p in report.placements if p.from_unit_id == "U1"]
    assert len(from_u1) == 1  # 12% of 9 staff allows one move
    assert report.solver.startswith(("highs-lp", "milp-highs"))
    (binding,) = report.binding_constraints
    assert binding.code == "binding.unit_cap"
    assert binding.params == {"share": 0.12, "unit_id": "U1", "staff": 9, "cap": 1, "wanted": 2}
    assert "unit U1 (staff 9) allows 1 move(s), 2 wanted" in say(binding, "en")
    assert say(binding, "id") == "batas 12% unit U1 (pegawai 9) membolehkan 1 mutasi, 2 diinginkan"
    line = {u.unit_id: u for u in report.units}["U1"]
    assert (line.cap, line.wanted, line.leaving) == (1, 2, 1)


def test_tenure_limit_keeps_recent_appointees():
    table = {"P_A": {"z": 9.0, "x": 1.0}}
    stay = _plan(["P_A"], table, CampaignOptions(aspiration_mode="off", min_tenure_years=2))
    assert [p.nip for p in stay.placements] == ["x"]  # z has been in post since Jan 2026
    free = _plan(["P_A"], table)
    assert [p.nip for p in free.placements] == ["z"]


def test_aspiration_weight_changes_the_pick():
    table = {"P_A": {"x": 1.0, "y": 0.9}}
    plain = _plan(["P_A"], table)
    assert plain.placements[0].nip == "x"
    weighted = CampaignOptions(aspiration_mode="weighted", aspiration_weight=0.5)
    report = _plan(["P_A"], table, weighted)
    assert report.placements[0].nip == "y"
    assert report.placements[0].aspiration_match == 1.0


def test_fairness_audit_counts_the_considered_pool():
    report = _plan(["P_A", "P_B"], CONFLICT)
    gender = {g.group: g for g in report.fairness if g.attribute == "gender"}
    assert (gender["M"].considered, gender["M"].selected) == (1, 1)
    assert (gender["F"].considered, gender["F"].selected) == (1, 1)
    assert report.fairness_max_gap["gender"] == 0.0
    bands = {g.group for g in report.fairness if g.attribute == "age_band"}
    assert bands == {"30-39", "40-49"}


def test_age_band_boundaries():
    birth = pd.Series(pd.to_datetime(["1996-11-01", "1996-11-02", "1976-11-01", "2000-01-01"]))
    assert age_bands(birth, AS_OF).tolist() == ["30-39", "<30", "50+", "<30"]
    assert age_bands(pd.Series(pd.to_datetime([None])), AS_OF).tolist() == ["UNKNOWN"]


def test_text_and_csv_exports():
    excluded = {"P_C": {"perf_baik_2y": 2}}
    report = _plan(["P_A", "P_B", "P_C"], CONFLICT, excluded=excluded)
    text = render_text(report)
    assert "optimal assignment: 2 filled" in text and "1 conflicts avoided" in text
    rows = list(csv.DictReader(io.StringIO(render_csv(report))))
    assert [(r["position_id"], r["status"], r["nip"]) for r in rows] == [
        ("P_A", "PROPOSED", "y"),
        ("P_B", "PROPOSED", "x"),
        ("P_C", "OPEN", ""),
    ]
    assert "perf_baik_2y" in rows[2]["reasons"]


def test_resolve_scope_errors():
    positions = _positions()
    assert resolve_vacancies(positions, agency_id="AG1") == ["P_A", "P_B", "P_C"]
    assert resolve_vacancies(positions, position_ids=["P_B"]) == ["P_B"]
    with pytest.raises(CampaignNotFound, match="1 unknown position"):
        resolve_vacancies(positions, position_ids=["P_A", "P_NOPE"])
    with pytest.raises(CampaignError, match="not vacant: P_X"):
        resolve_vacancies(positions, position_ids=["P_X"])
    with pytest.raises(CampaignError, match="more than once"):
        resolve_vacancies(positions, position_ids=["P_A", "P_A"])
    with pytest.raises(CampaignError, match="either"):
        resolve_vacancies(positions)
    with pytest.raises(CampaignError, match="either"):
        resolve_vacancies(positions, position_ids=["P_A"], agency_id="AG1")
    with pytest.raises(CampaignNotFound, match="no such agency"):
        resolve_vacancies(positions, agency_id="AG9")
    closed = positions.assign(is_vacant=False)
    with pytest.raises(CampaignError, match="no open vacancy"):
        resolve_vacancies(closed, agency_id="AG1")


def test_pdf_export_is_a_pdf():
    data = render_pdf(_plan(["P_A", "P_B"], CONFLICT))
    assert data.startswith(b"%PDF-") and len(data) > 500


def test_authorize_scope_asks_the_policy():
    positions = _positions()

    def who(role: str, agency: str | None) -> Principal:
        return Principal(key_id="k", role=role, agency_id=agency)

    assert authorize_scope(who("committee", "AG1"), ["P_A"], positions) == "AG1"
    assert authorize_scope(who("admin", None), ["P_A", "P_B"], positions) == "AG1"
    with pytest.raises(NotFoundError, match="no such position"):  # the wall: as if missing
        authorize_scope(who("committee", "AG2"), ["P_A"], positions)
    with pytest.raises(ForbiddenError, match="may not do campaign.create"):
        authorize_scope(who("auditor", None), ["P_A"], positions)


def test_store_round_trip(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'c.db'}")
    metadata.create_all(engine)
    report = _plan(["P_A", "P_B"], CONFLICT)
    with engine.begin() as connection:
        stored = save_campaign(connection, report, "AG1", "key-1")
    assert stored.campaign_id
    with engine.connect() as connection:
        loaded, agency = load_campaign(connection, stored.campaign_id)
        assert agency == "AG1" and loaded == stored
        with pytest.raises(CampaignNotFound):
            load_campaign(connection, "nope")


@pytest.fixture
def campaign_client(tmp_path):
    """The campaigns router on a bare app, a real SQLite store, a header-driven caller."""

    def caller(x_role: str = Header(), x_agency: str | None = Header(None)):
        return Principal(key_id="k1", role=x_role, agency_id=x_agency)

    db = make_engine(f"sqlite:///{tmp_path / 'svc.db'}")
    upgrade(db)  # the real Alembic schema
    audit.install(db, service_settings(tmp_path))
    export = SimpleNamespace(positions=_positions(), employees=_employees())
    engine = SimpleNamespace(
        export=export,
        bundle=SimpleNamespace(name="m", version="1"),
        panel_rules=PanelRules.from_settings(service_settings(tmp_path)),
    )
    app = FastAPI()
    app.state.db = db
    app.state.runtime = RuntimeHolder(service_settings(tmp_path), tmp_path)
    app.state.runtime.swap(Runtime(engine=engine, scorer=TableScorer(CONFLICT, {}), reason=None))
    errors.install(app)
    app.include_router(build_router(caller))
    return TestClient(app)


COMMITTEE = {"x-role": "committee", "x-agency": "AG1"}


def test_api_runs_stores_and_exports(campaign_client):
    body = {"position_ids": ["P_A", "P_B"], "options": {"aspiration_mode": "off"}}
    created = campaign_client.post("/v1/campaigns", json=body, headers=COMMITTEE)
    assert created.status_code == 201, created.text
    report = created.json()
    assert {p["position_id"]: p["nip"] for p in report["placements"]} == {"P_A": "y", "P_B": "x"}
    cid = report["campaign_id"]

    client_app = campaign_client.app
    result = audit.verify(client_app.state.db)
    assert result.ok, result.lines()
    with client_app.state.db.connect() as connection:
        entry = connection.execute(sa.select(audit_log)).one()
    assert (entry.action, entry.subject) == ("campaign.create", cid)
    assert '["P_A", "y"]' in entry.detail_json
    again = campaign_client.get(f"/v1/campaigns/{cid}", headers=COMMITTEE)
    assert again.status_code == 200 and again.json() == report
    csv_text = campaign_client.get(f"/v1/campaigns/{cid}/csv", headers=COMMITTEE)
    assert csv_text.headers["content-type"].startswith("text/csv")
    assert csv_text.text.splitlines()[0].startswith("round,position_id")
    pdf = campaign_client.get(f"/v1/campaigns/{cid}/pdf", headers=COMMITTEE)
    assert pdf.content.startswith(b"%PDF-")
    other = campaign_client.get(f"/v1/campaigns/{cid}", headers={"x-role": "committee",
                                                                  "x-agency": "AG2"})  # fmt: skip
    assert other.status_code == 404


@pytest.mark.parametrize(
    ("body", "headers", "status", "detail"),
    [
        ({"position_ids": ["P_NOPE"]}, COMMITTEE, 404, "no such position"),
        ({"position_ids": ["P_X"]}, COMMITTEE, 422, "not vacant: P_X"),
        ({"agency_id": "AG9"}, COMMITTEE, 404, "no such agency"),
        # another agency's answers exactly like a missing one (issue 13, agency walls)
        ({"agency_id": "AG1"}, {"x-role": "committee", "x-agency": "AG2"}, 404, "no such agency"),
        ({"agency_id": "AG1"}, {"x-role": "auditor", "x-agency": "AG1"}, 403, "may not"),
    ],
)
def test_api_user_errors_are_problems(campaign_client, body, headers, status, detail):
    response = campaign_client.post("/v1/campaigns", json=body, headers=headers)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert detail in response.json()["detail"]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"position_ids": ["P_A"], "agency_id": "AG1"},
        {"position_ids": []},
        {"agency_id": "AG1", "options": {"max_unit_share": 2}},
        {"agency_id": "AG1", "options": {"chain_depth": 9}},
        {"agency_id": "AG1", "options": {"unknown": 1}},
        {"agency_id": "AG1", "options": {"aspiration_mode": "loud"}},
    ],
)
def test_api_malformed_requests_are_422(campaign_client, body):
    response = campaign_client.post("/v1/campaigns", json=body, headers=COMMITTEE)
    assert response.status_code == 422


def test_api_unknown_campaign_is_404(campaign_client):
    missing = "00000000-0000-0000-0000-000000000000"
    assert campaign_client.get(f"/v1/campaigns/{missing}", headers=COMMITTEE).status_code == 404
    assert campaign_client.get("/v1/campaigns/not-a-uuid", headers=COMMITTEE).status_code == 422


def test_unit_caps_are_consumed_across_chain_rounds():
    # 12%: U1 (9 staff) may lose one person, U2 (4 staff) nobody. Round 0 moves x out of U1,
    # so the chain round may not take z from U1 either: P_X stays open, and says why.
    table = {"P_A": {"x": 5.0}, "P_X": {"z": 9.0, "y": 1.0}}
    options = CampaignOptions(aspiration_mode="off", chain_depth=1, max_unit_share=0.12)
    report = _plan(["P_A"], table, options)
    assert [(p.round, p.position_id, p.nip) for p in report.placements] == [(0, "P_A", "x")]
    (gap,) = report.open_vacancies
    assert (gap.round, gap.position_id) == (1, "P_X")
    assert Said(code="open.cap_used", params={"count": 2}) in gap.reason.parts
    assert "2 in units whose move cap is used up" in say(gap.reason, "en")
    free = _plan(["P_A"], table, CampaignOptions(aspiration_mode="off", chain_depth=1))
    assert [p.nip for p in free.placements] == ["x", "z"]


def test_only_the_people_placed_are_explained_in_one_batch():
    class ExplainingScorer(TableScorer):
        def score(self, position, exclude, top_n):
            scores = super().score(position, exclude, top_n)
            values = np.array([[float(ord(n[0]))] for n in scores.nips]).reshape(-1, 1)
            return VacancyScores(**{**scores.__dict__, "reasons": {}, "values": values})

        def explain(self, values):
            self.batches.append(len(values))
            return [[f"value {v[0]:.0f}"] for v in values]

    scorer = ExplainingScorer(CONFLICT, {})
    scorer.batches = []
    report = plan_campaign(
        vacancy_ids=["P_A", "P_B"], positions=_positions(), employees=_employees(),
        scorer=scorer, options=CampaignOptions(aspiration_mode="off"),
        scope=ListedScope(count=2), model="m",
    )  # fmt: skip
    assert scorer.batches == [2]  # two people placed, explained together; x and y both listed
    assert {p.nip: p.reasons for p in report.placements} == {
        "y": [f"value {ord('y')}"],
        "x": [f"value {ord('x')}"],
    }


def test_api_auditor_reads_any_campaign_and_not_ready_is_503(campaign_client):
    body = {"position_ids": ["P_A"], "options": {"aspiration_mode": "off"}}
    cid = campaign_client.post("/v1/campaigns", json=body, headers=COMMITTEE).json()["campaign_id"]
    auditor = {"x-role": "auditor"}
    assert campaign_client.get(f"/v1/campaigns/{cid}", headers=auditor).status_code == 200

    campaign_client.app.state.runtime.swap(Runtime.not_ready("no champion registered"))
    down = campaign_client.post("/v1/campaigns", json=body, headers=COMMITTEE)
    assert down.status_code == 503
    assert down.headers["content-type"] == "application/problem+json"
    assert down.json()["detail"] == "the service is not ready: no champion registered"


def test_campaign_with_the_real_champion_on_the_small_export(small_export, ranker, tmp_path):
    """End to end on the service: real pool, features, rules and the few-tree ranker."""
    as_of = pd.Timestamp("2026-11-22")
    ruleset = load_ruleset(ranker.ruleset_version)
    settings = ServiceSettings(as_of=as_of.date(), compiled_dir=tmp_path / "compiled")
    scorer = RankerScorer(Engine.build(small_export, ranker, settings))
    agency = small_export.positions["agency_id"].iloc[0]
    options = CampaignOptions(chain_depth=2, top_n=20)
    report = run_campaign(
        small_export, scorer, position_ids=None, agency_id=agency, options=options, model="c"
    )
    vacancies = small_export.positions.query("is_vacant and agency_id == @agency")
    assert report.vacancies == vacancies["position_id"].tolist()
    nips = [p.nip for p in report.placements]
    assert len(nips) == len(set(nips)), "someone was placed twice"
    b = report.baselines
    assert (b.optimal_filled, b.optimal_total_fit) >= (b.greedy_filled, b.greedy_total_fit - 1e-9)
    assert len(report.placements) + len(report.open_vacancies) >= len(report.vacancies)
    pool = prepare_candidates(small_export, as_of)
    positions = small_export.positions.set_index("position_id", drop=False)
    for placement in report.placements[:5]:  # each proposed pair is eligible, fit = champion's
        position = positions.loc[placement.position_id].to_dict()
        features = build_features(pool, position, as_of)
        verdict = evaluate_rules(
            pool, position, features, as_of, ruleset, small_export.election_calendar
        )
        i = int(np.flatnonzero(np.asarray(pool.nips) == placement.nip)[0])
        assert verdict.eligible[i]
        row = features[list(ranker.feature_columns)].to_numpy(dtype=float)[[i]]
        assert placement.fit == pytest.approx(float(ranker.booster.predict(row)[0]), abs=1e-6)
    for gap in report.open_vacancies:
        assert gap.reason.code.startswith("open.") and gap.reason.params["position_id"] == (
            gap.position_id
        )
        assert say(gap.reason, "en").startswith("vacancy ")
    text = render_text(report)
    assert "optimal assignment" in text and "Fairness audit" in text


@pytest.mark.slow
def test_campaign_cli(small_export_dir, small_export, champion):
    """``python -m serving campaign``: a readable report, and exit code 2 with a message."""
    vacant = small_export.positions.query("is_vacant")["position_id"].tolist()[:2]
    runner = CliRunner()
    args = ["campaign", "--data-dir", str(small_export_dir), "--positions", ",".join(vacant)]
    ok = runner.invoke(app, args)
    assert ok.exit_code == 0, ok.output
    assert "Optimum vs baselines" in ok.output and vacant[0] in ok.output
    bad = runner.invoke(
        app, ["campaign", "--data-dir", str(small_export_dir), "--positions", "NOPE"]
    )
    assert bad.exit_code == 2
    assert "1 unknown position id(s)" in bad.output
    both = runner.invoke(
        app, ["campaign", "--data-dir", str(small_export_dir), "--positions", vacant[0],
              "--agency", "X"]
    )  # fmt: skip
    assert both.exit_code == 2 and "not both" in both.output


@pytest.fixture(scope="module")
def campaign_service(small_export, ranker, tmp_path_factory):
    """The real app (create_app) over the small export and the ranker, with real keys."""
    folder = tmp_path_factory.mktemp("campaign-service")
    settings = ServiceSettings(
        database_url=f"sqlite:///{folder / 'service.db'}",
        as_of=date(2026, 11, 1),
        mlflow_tracking_uri=os.environ["MLFLOW_TRACKING_URI"],
    )
    app = create_app(settings, engine=Engine.build(small_export, ranker, settings))
    with TestClient(app) as client:
        agency = str(small_export.positions["agency_id"].iloc[0])
        keys = {
            "committee": create_api_key(app.state.db, "committee", agency)[1],
            "other": create_api_key(app.state.db, "committee", "PEMKAB-LAIN")[1],
            "admin": create_api_key(app.state.db, "admin", None)[1],
        }
        yield client, {role: {"Authorization": f"Bearer {k}"} for role, k in keys.items()}, agency


def test_api_campaign_end_to_end(campaign_service, small_export):
    """POST /v1/campaigns through the real app: auth, scoring, storage, audit, exports."""
    client, headers, agency = campaign_service
    body = {"agency_id": agency, "options": {"chain_depth": 1, "max_unit_share": 0.2}}
    assert client.post("/v1/campaigns", json=body).status_code == 401
    assert client.post("/v1/campaigns", json=body, headers=headers["other"]).status_code == 404
    created = client.post("/v1/campaigns", json=body, headers=headers["committee"])
    assert created.status_code == 201, created.text
    report = created.json()
    vacant = small_export.positions.query("is_vacant and agency_id == @agency")
    assert report["vacancies"] == vacant["position_id"].tolist()
    nips = [p["nip"] for p in report["placements"]]
    assert len(nips) == len(set(nips))
    for line in report["units"]:
        if line["cap"] is not None:
            assert line["leaving"] <= line["cap"]
    assert any(p["reasons"] for p in report["placements"])  # words from serving.explain
    cid = report["campaign_id"]
    assert client.get(f"/v1/campaigns/{cid}", headers=headers["admin"]).json() == report
    assert client.get(f"/v1/campaigns/{cid}", headers=headers["other"]).status_code == 404
    exported = client.get(f"/v1/campaigns/{cid}/csv", headers=headers["committee"])
    assert exported.status_code == 200 and exported.text.count("\n") >= len(report["vacancies"])
    missing = client.post(
        "/v1/campaigns", json={"position_ids": ["NOPE-1"]}, headers=headers["committee"]
    )
    assert missing.status_code == 404 and missing.json()["detail"] == "no such position"


def test_screened_scoring_equals_scoring_the_whole_pool(small_export, ranker, tmp_path):
    """Screening first (hard rules without features) changes no eligibility and no score."""
    settings = ServiceSettings(as_of="2026-11-22", compiled_dir=tmp_path / "compiled")
    engine = Engine.build(small_export, ranker, settings)
    scorer = RankerScorer(engine)
    positions = small_export.positions.groupby("position_type").head(3)
    for position in positions.to_dict("records"):
        agency_pool = scorer._agency_pool(position["agency_id"], frozenset())
        whole = engine.score(agency_pool, position)
        got = scorer.score(position, frozenset(), top_n=500)
        order = np.argsort(-whole.scores, kind="stable")
        assert got.eligible_count == len(whole.eligible)
        assert set(got.nips) == set(agency_pool.nips[whole.eligible[order]])
        # the same order as a shortlist over that pool, so "rank on shortlist" is its rank there
        assert list(got.nips) == list(agency_pool.nips[whole.top(500)])
        assert np.allclose(np.sort(got.fit), np.sort(whole.scores), atol=1e-12)
        screen = evaluate_rules(
            agency_pool, position, whole.features, engine.as_of, engine.ruleset.screening()
        )
        for rule_id, count in screen.excluded_counts.items():  # over the whole agency pool
            assert got.excluded[rule_id] == whole.verdict.excluded_counts[rule_id] == count
        assert list(got.excluded) == [
            r for r in whole.verdict.excluded_counts if r in got.excluded
        ]  # rule-set order


FIXTURES = Path(__file__).with_name("fixtures")
"""Reports stored by the code before ``schema_version`` (prose scopes, chains and reasons),
with the text and CSV that code rendered from them."""


class BlockingScorer(TableScorer):
    """P_B is under an election freeze (the scorer gives the flag's message)."""

    def score(self, position, exclude, top_n):
        scores = super().score(position, exclude, top_n)
        if position["position_id"] != "P_B":
            return scores
        return VacancyScores(
            **{**scores.__dict__, "blocked": "Pilkada: mutasi perlu persetujuan Mendagri"}
        )


def _fixture_campaign():
    """The campaign the version-0 fixture was made from: chains, a freeze, a rule, a cap."""
    table = {"P_A": {"x": 5.0, "y": 1.0}, "P_X": {"z": 4.0, "f1": 3.0, "f8": 2.0},
             "P_Z": {"f1": 2.0}, "P_C": {}, "P_B": {"x": 1.0}}  # fmt: skip
    excluded = {"P_C": {"perf_baik_2y": 12, "education_minimum": 3, "status_active": 0}}
    options = CampaignOptions(
        aspiration_mode="off", chain_depth=2, max_unit_share=0.25, min_tenure_years=0.5
    )
    report = plan_campaign(
        vacancy_ids=["P_A", "P_B", "P_C"], positions=_positions(), employees=_employees(),
        scorer=BlockingScorer(table, excluded), options=options,
        scope=AgencyScope(agency_id="AG1"), model="asn-jobfit v3",
    )  # fmt: skip
    return report.model_copy(update={"campaign_id": "0f6c2d4e-1b8a-4c1e-9a55-2f1d3c4b5a69"})


def _without_timing(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.startswith("time: "))


def test_reports_say_in_words_what_they_said_before_codes():
    """Planned now, rendered through the catalogue: the old text and CSV, word for word."""
    report = _fixture_campaign()
    old = (FIXTURES / "campaign_report_v0.txt").read_text(encoding="utf-8")
    assert _without_timing(render_text(report)) == _without_timing(old)
    assert render_csv(report) == (FIXTURES / "campaign_report_v0.csv").read_text(encoding="utf-8")
    stored = json.loads((FIXTURES / "campaign_report_v0.json").read_text())
    for now, then in zip(report.open_vacancies, stored["open_vacancies"], strict=True):
        assert (say(now.reason, "en"), say(now.reason, "id")) == (then["reason"], then["reason_id"])
    assert [g.model_dump() for g in report.fairness] == stored["fairness"]


@pytest.mark.parametrize("name", ["campaign_report_v0", "campaign_report_v0_caps"])
def test_a_report_stored_before_schema_versions_reads_and_renders_as_before(name):
    raw = (FIXTURES / f"{name}.json").read_text(encoding="utf-8")
    report = read_report(raw)
    assert report.schema_version == SCHEMA_VERSION
    text = render_text(report)
    assert text + "\n" == (FIXTURES / f"{name}.txt").read_text(encoding="utf-8")
    assert render_csv(report) == (FIXTURES / f"{name}.csv").read_text(encoding="utf-8")
    old = json.loads(raw)
    for gap, then in zip(report.open_vacancies, old["open_vacancies"], strict=True):
        assert gap.reason.code == "legacy"
        assert (say(gap.reason, "en"), say(gap.reason, "id")) == (then["reason"], then["reason_id"])
    said_id = [say(c, "id") for c in report.binding_constraints]
    assert said_id == old["binding_constraints_id"]
    assert read_report(report.model_dump_json()) == report  # the current shape reads as is


def test_the_old_reader_takes_scopes_and_chains_apart():
    report = read_report((FIXTURES / "campaign_report_v0.json").read_text(encoding="utf-8"))
    assert report.scope == AgencyScope(agency_id="AG1")
    assert report.chains == [
        [
            ChainLink(position_id="P_A", nip="x", origin_position_id="P_X"),
            ChainLink(position_id="P_X", nip="z", origin_position_id="P_Z"),
        ]
    ]
    caps = read_report((FIXTURES / "campaign_report_v0_caps.json").read_text(encoding="utf-8"))
    assert caps.scope == ListedScope(count=2)
    (binding,) = caps.binding_constraints
    assert binding.params["text"].startswith("unit cap 12% of unit U1")


def test_api_reads_a_campaign_stored_before_schema_versions(campaign_client):
    raw = (FIXTURES / "campaign_report_v0.json").read_text(encoding="utf-8")
    cid = "0f6c2d4e-1b8a-4c1e-9a55-2f1d3c4b5a69"
    db = campaign_client.app.state.db
    with db.begin() as connection:
        connection.execute(
            table.insert().values(campaign_id=cid, created_at=dt.datetime.now(dt.UTC),
                                  agency_id="AG1", created_by="k0", vacancies=3,
                                  report_json=raw)
        )  # fmt: skip
    report = campaign_client.get(f"/v1/campaigns/{cid}", headers=COMMITTEE).json()
    assert report["scope"] == {"kind": "agency", "agency_id": "AG1"}
    assert report["chains"][0][0] == {"position_id": "P_A", "nip": "x", "origin_position_id": "P_X"}
    exported = campaign_client.get(f"/v1/campaigns/{cid}/csv", headers=COMMITTEE).text
    assert exported == (FIXTURES / "campaign_report_v0.csv").read_text(encoding="utf-8")
    (listed,) = recent_campaigns(db, table, "AG1")
    assert (listed["scope"], listed["filled"]) == ("agency AG1", 1)


def test_campaign_errors_declare_their_status():
    assert CampaignError("x").status == 422
    assert CampaignNotFound("x").status == 404 and isinstance(CampaignNotFound("x"), NotFoundError)
