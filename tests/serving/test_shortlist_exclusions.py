"""Shortlists show who the hard rules excluded and why, and name the policy they applied."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient

from features.export import Export
from features.rules import NATIONAL, RuleSetError, load_ruleset, ruleset_digest
from serving import explain
from serving.engine import Engine
from serving.schemas import Shortlist
from tests.serving.conftest import Keys, service_settings, sign_in
from training.bundle import RankerBundle


def _policy(folder: Path, agency: str, overrides: dict) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    raw = {"version": "strict-1", "date": "2026-12-01", "extends": "v2", "overrides": overrides}
    path = folder / f"{agency}.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return path


def _position(export: Export, vacancy: str) -> dict:
    return export.positions[export.positions["position_id"] == vacancy].iloc[0].to_dict()


def test_every_excluded_candidate_is_listed_with_the_rules_it_fails(
    small_export: Export, ranker: RankerBundle, tmp_path: Path, vacancy: str
) -> None:
    engine = Engine.build(small_export, ranker, service_settings(tmp_path))
    body = engine.shortlist(_position(small_export, vacancy), 5, "en", {})
    excluded = body["excluded"]

    assert len(excluded["candidates"]) == excluded["total"] > 0
    listed = {c["nip"] for c in excluded["candidates"]}
    assert not listed & {c["nip"] for c in body["candidates"]}
    counted: dict[str, int] = {}
    for candidate in excluded["candidates"]:
        assert candidate["name"] and candidate["rules"]
        for rule in candidate["rules"]:
            assert rule["message"] and rule["citation"]
            assert load_ruleset().rule(rule["rule_id"]).severity == "hard"
            counted[rule["rule_id"]] = counted.get(rule["rule_id"], 0) + 1
    assert counted == {k: v for k, v in excluded["by_rule"].items() if v}
    assert "min_years_in_position" not in excluded["by_rule"]
    assert set(excluded["warnings_by_rule"]) >= {"min_years_in_position", "jpm_floor"}
    assert body["policy"] == {
        "id": NATIONAL,
        "version": "v2",
        "extends": None,
        "sha256": ruleset_digest(engine.ruleset),
    }
    Shortlist.model_validate({"shortlist_id": "x", **body})


def test_an_agency_policy_applies_to_its_positions_and_is_recorded(
    small_export: Export, ranker: RankerBundle, tmp_path: Path, vacancy: str
) -> None:
    position = _position(small_export, vacancy)
    folder = tmp_path / "policies"
    _policy(folder, str(position["agency_id"]), {"min_years_in_position": {"severity": "hard"}})
    settings = service_settings(tmp_path).model_copy(update={"policy_dir": folder})
    national = Engine.build(small_export, ranker, service_settings(tmp_path))
    strict = Engine.build(small_export, ranker, settings)

    loose = national.shortlist(position, 5, "id", {})
    body = strict.shortlist(position, 5, "id", {})

    assert body["ruleset_version"] == "strict-1"
    assert body["policy"]["id"] == position["agency_id"] and body["policy"]["extends"] == "v2"
    short = loose["excluded"]["warnings_by_rule"]["min_years_in_position"]
    assert short > 0
    assert body["excluded"]["by_rule"]["min_years_in_position"] >= short
    assert body["eligible_count"] == loose["eligible_count"] - short
    named = [
        c for c in body["excluded"]["candidates"]
        if any(r["rule_id"] == "min_years_in_position" for r in c["rules"])
    ]  # fmt: skip
    assert len(named) == body["excluded"]["by_rule"]["min_years_in_position"]


def test_an_invalid_policy_stops_the_engine_with_file_and_key(
    small_export: Export, ranker: RankerBundle, tmp_path: Path
) -> None:
    path = _policy(tmp_path / "policies", "PEMKOT-X", {"status_active": {"enabled": False}})
    settings = service_settings(tmp_path).model_copy(update={"policy_dir": path.parent})
    with pytest.raises(RuleSetError) as caught:
        Engine.build(small_export, ranker, settings)
    assert str(path) in str(caught.value)
    assert "key 'overrides.status_active.enabled'" in str(caught.value)


def test_the_page_lists_the_excluded_per_rule(
    service: tuple[TestClient, Keys], vacancy: str
) -> None:
    client, keys = service
    made = client.post(
        "/v1/shortlists", json={"position_id": vacancy, "k": 3}, headers=keys.header("committee")
    )
    assert made.status_code == 201, made.text
    body = made.json()
    sign_in(client, keys.committee)

    page = client.get(f"/shortlists/{body['shortlist_id']}").text

    assert "Dikecualikan oleh aturan wajib" in page
    for rule_id, count in body["excluded"]["by_rule"].items():
        if count:
            assert f'<details class="excluded" id="excluded-{rule_id}">' in page
    first = body["excluded"]["candidates"][0]
    assert first["nip"] in page and first["rules"][0]["message"] in page


def test_the_band_shown_follows_the_rules_that_checked_it(
    small_export: Export, ranker: RankerBundle, tmp_path: Path, vacancy: str
) -> None:
    position = _position(small_export, vacancy)
    folder = tmp_path / "policies"
    bands = {"jpm_floor": {"params": {"threshold": 90, "meets": 95}}}
    _policy(folder, str(position["agency_id"]), bands)
    settings = service_settings(tmp_path).model_copy(update={"policy_dir": folder})

    body = Engine.build(small_export, ranker, settings).shortlist(position, 20, "id", {})

    shown = {c["jpm_band"] for c in body["candidates"] if c["jpm"] is not None}
    for candidate in body["candidates"]:
        if candidate["jpm"] is None:
            continue
        band = 2.0 if candidate["jpm"] >= 95 else 1.0 if candidate["jpm"] >= 90 else 0.0
        assert candidate["jpm_band"] == explain.jpm_band_label(band, "id")
        floor = next(e for e in candidate["eligibility"] if e["rule_id"] == "jpm_floor")
        assert floor["passed"] == (band > 0)
    assert explain.jpm_band_label(0.0, "id") in shown
