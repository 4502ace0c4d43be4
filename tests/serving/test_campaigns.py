"""Campaign service: scope checks, rounds and chains, baselines, caps, explanations, exports.

The planning tests use a table-driven scorer over hand-made frames so that the optimum,
the chains and the binding constraints are known by hand; the end-to-end test at the bottom
runs the real champion on the small export through the API.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Collection, Mapping
from typing import Any

import numpy as np
import pandas as pd
import pytest

from serving.campaigns import (
    CampaignError,
    CampaignNotFound,
    CampaignOptions,
    VacancyScores,
    age_band,
    plan_campaign,
    resolve_vacancies,
)

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
        scope="test",
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
    assert report.chains == [["P_A <- x from P_X", "P_X <- z from P_Z", "P_Z <- f1 from -"]]
    shallow = _plan(["P_A"], table, CampaignOptions(aspiration_mode="off", chain_depth=1))
    assert [p.position_id for p in shallow.placements] == ["P_A", "P_X"]


def test_no_eligible_candidate_names_the_failing_rules():
    excluded = {"P_C": {"perf_baik_2y": 12, "education_minimum": 3, "status_active": 0}}
    report = _plan(["P_A", "P_C"], {"P_A": {"x": 1.0}}, excluded=excluded)
    (gap,) = report.open_vacancies
    assert gap.position_id == "P_C"
    assert "no eligible candidate" in gap.reason
    assert "12 fail rule perf_baik_2y, 3 fail rule education_minimum" in gap.reason
    assert "status_active" not in gap.reason
    assert gap.reason_id.startswith("formasi P_C tanpa kandidat yang memenuhi syarat")
    assert "12 tidak lolos aturan perf_baik_2y, 3 tidak lolos aturan education_minimum" in (
        gap.reason_id
    )


def test_competition_is_explained():
    report = _plan(["P_A", "P_B"], {"P_A": {"x": 3.0}, "P_B": {"x": 1.0}})
    (gap,) = report.open_vacancies
    assert gap.position_id == "P_B" and "1 taken by other vacancies" in gap.reason
    assert "1 diusulkan ke formasi lain" in gap.reason_id


def test_unit_cap_binds_and_says_so():
    table = {"P_A": {"x": 9.0, "y": 1.0}, "P_B": {"z": 8.0, "y": 2.0}}
    options = CampaignOptions(aspiration_mode="off", max_unit_share=0.12)
    report = _plan(["P_A", "P_B"], table, options)
    from_u1 = [p for p in report.placements if p.from_unit_id == "U1"]
    assert len(from_u1) == 1  # 12% of 9 staff allows one move
    assert report.solver.startswith(("highs-lp", "milp-highs"))
    assert any(
        "unit U1 (staff 9) allows 1 move(s), 2 wanted" in c for c in report.binding_constraints
    )
    assert report.binding_constraints_id == [
        "batas 12% unit U1 (pegawai 9) membolehkan 1 mutasi, 2 diinginkan"
    ]
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
    assert age_band(birth, AS_OF).tolist() == ["30-39", "<30", "50+", "<30"]


def test_text_and_csv_exports():
    excluded = {"P_C": {"perf_baik_2y": 2}}
    report = _plan(["P_A", "P_B", "P_C"], CONFLICT, excluded=excluded)
    text = report.to_text()
    assert "optimal assignment: 2 filled" in text and "1 conflicts avoided" in text
    rows = list(csv.DictReader(io.StringIO(report.to_csv())))
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
    with pytest.raises(CampaignNotFound, match="P_NOPE"):
        resolve_vacancies(positions, position_ids=["P_A", "P_NOPE"])
    with pytest.raises(CampaignError, match="not vacant: P_X"):
        resolve_vacancies(positions, position_ids=["P_X"])
    with pytest.raises(CampaignError, match="more than once"):
        resolve_vacancies(positions, position_ids=["P_A", "P_A"])
    with pytest.raises(CampaignError, match="either"):
        resolve_vacancies(positions)
    with pytest.raises(CampaignError, match="either"):
        resolve_vacancies(positions, position_ids=["P_A"], agency_id="AG1")
    with pytest.raises(CampaignNotFound, match="AG9"):
        resolve_vacancies(positions, agency_id="AG9")
    closed = positions.assign(is_vacant=False)
    with pytest.raises(CampaignError, match="no open vacancy"):
        resolve_vacancies(closed, agency_id="AG1")


def test_pdf_export_is_a_pdf():
    from serving.campaigns import render_pdf

    data = render_pdf(_plan(["P_A", "P_B"], CONFLICT))
    assert data.startswith(b"%PDF-") and len(data) > 500


def test_authorize_scope():
    from serving.campaigns import CampaignForbidden, authorize_scope

    positions = _positions()
    assert authorize_scope("committee", "AG1", ["P_A"], positions) == "AG1"
    assert authorize_scope("admin", None, ["P_A", "P_B"], positions) == "AG1"
    with pytest.raises(CampaignForbidden, match="own agency"):
        authorize_scope("committee", "AG2", ["P_A"], positions)
    with pytest.raises(CampaignForbidden, match="admin or a selection committee"):
        authorize_scope("auditor", "AG1", ["P_A"], positions)


def test_store_round_trip(tmp_path):
    import sqlalchemy as sa

    from serving.campaigns import campaign_table, load_campaign, save_campaign

    engine = sa.create_engine(f"sqlite:///{tmp_path / 'c.db'}")
    table = campaign_table(sa.MetaData())
    table.metadata.create_all(engine)
    report = _plan(["P_A", "P_B"], CONFLICT)
    with engine.begin() as connection:
        stored = save_campaign(connection, table, report, "AG1", "key-1")
    assert stored.campaign_id
    with engine.connect() as connection:
        loaded, agency = load_campaign(connection, table, stored.campaign_id)
        assert agency == "AG1" and loaded == stored
        with pytest.raises(CampaignNotFound):
            load_campaign(connection, table, "nope")


@pytest.fixture
def campaign_client(tmp_path):
    """The campaigns router on a bare app, a real SQLite store, a header-driven caller."""
    from types import SimpleNamespace

    from fastapi import FastAPI, Header
    from fastapi.testclient import TestClient

    from serving.auth import Principal
    from serving.campaigns import CampaignRuntime
    from serving.routers.campaigns import build_router

    def caller(x_role: str = Header(), x_agency: str | None = Header(None)):
        return Principal(key_id="k1", role=x_role, agency_id=x_agency)

    from serving.db import make_engine, upgrade
    from serving.tables import campaigns as table

    db = make_engine(f"sqlite:///{tmp_path / 'svc.db'}")
    upgrade(db)  # the real Alembic schema
    export = SimpleNamespace(positions=_positions(), employees=_employees())
    app = FastAPI()
    app.state.campaigns = CampaignRuntime(
        export=export, scorer=TableScorer(CONFLICT, {}), model="m", db=db, table=table
    )
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
    from serving.audit import verify_chain

    client_app = campaign_client.app
    ok, message = verify_chain(client_app.state.campaigns.db)
    assert ok, message
    with client_app.state.campaigns.db.connect() as connection:
        import sqlalchemy as sa

        from serving.tables import audit_log

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
        ({"position_ids": ["P_NOPE"]}, COMMITTEE, 404, "unknown position_id(s): P_NOPE"),
        ({"position_ids": ["P_X"]}, COMMITTEE, 422, "not vacant: P_X"),
        ({"agency_id": "AG9"}, COMMITTEE, 404, "unknown agency_id"),
        ({"agency_id": "AG1"}, {"x-role": "committee", "x-agency": "AG2"}, 403, "own agency"),
        ({"agency_id": "AG1"}, {"x-role": "auditor", "x-agency": "AG1"}, 403, "admin"),
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
    assert "2 in units whose move cap is used up" in gap.reason
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
        scorer=scorer, options=CampaignOptions(aspiration_mode="off"), scope="t", model="m",
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
    campaign_client.app.state.campaigns = None
    campaign_client.app.state.engine_error = "no champion registered"
    down = campaign_client.post("/v1/campaigns", json=body, headers=COMMITTEE)
    assert down.status_code == 503
    assert "not ready: no champion registered" in down.json()["detail"]


def test_campaign_with_the_real_champion_on_the_small_export(small_export, ranker, tmp_path):
    """End to end on the service: real pool, features, rules and the few-tree ranker."""
    from features.build import build_features
    from features.candidates import prepare_candidates
    from features.rules import evaluate_rules, load_ruleset
    from serving.campaigns import RankerScorer, run_campaign
    from serving.engine import Engine
    from training.settings import Settings

    as_of = pd.Timestamp("2026-11-22")
    ruleset = load_ruleset(ranker.ruleset_version)
    settings = Settings(as_of=as_of.date(), compiled_dir=tmp_path / "compiled")
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
        assert gap.reason.startswith("vacancy ") and gap.position_id in gap.reason
    text = report.to_text()
    assert "optimal assignment" in text and "Fairness audit" in text


@pytest.mark.slow
def test_campaign_cli(small_export_dir, small_export, champion):
    """``python -m serving campaign``: a readable report, and exit code 2 with a message."""
    from typer.testing import CliRunner

    from serving.cli import app

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
    assert "unknown position_id(s): NOPE" in bad.output
    both = runner.invoke(
        app, ["campaign", "--data-dir", str(small_export_dir), "--positions", vacant[0],
              "--agency", "X"]
    )  # fmt: skip
    assert both.exit_code == 2 and "not both" in both.output


@pytest.fixture(scope="module")
def campaign_service(small_export, ranker, tmp_path_factory):
    """The real app (create_app) over the small export and the ranker, with real keys."""
    import os
    from datetime import date

    from fastapi.testclient import TestClient

    from serving.app import create_app
    from serving.auth import create_api_key
    from serving.engine import Engine
    from training.settings import Settings

    folder = tmp_path_factory.mktemp("campaign-service")
    settings = Settings(
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
    assert client.post("/v1/campaigns", json=body, headers=headers["other"]).status_code == 403
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
    assert missing.status_code == 404 and "NOPE-1" in missing.json()["detail"]


def test_screened_scoring_equals_scoring_the_whole_pool(small_export, ranker, tmp_path):
    """Screening first (hard rules without features) changes no eligibility and no score."""
    from features.rules import evaluate_rules
    from serving.campaigns import RankerScorer
    from serving.engine import Engine
    from training.settings import Settings

    settings = Settings(as_of="2026-11-22", compiled_dir=tmp_path / "compiled")
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
        assert np.allclose(np.sort(got.fit), np.sort(whole.scores), atol=1e-12)
        screen = evaluate_rules(
            agency_pool, position, whole.features, engine.as_of, engine.ruleset.screening()
        )
        for rule_id, count in screen.excluded_counts.items():  # over the whole agency pool
            assert got.excluded[rule_id] == whole.verdict.excluded_counts[rule_id] == count
        assert list(got.excluded) == [
            r for r in whole.verdict.excluded_counts if r in got.excluded
        ]  # rule-set order
