"""Explained candidates over HTTP: reasons per merit factor, per-feature contributions kept."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from features.catalogue import FACTORS
from tests.serving.conftest import Keys


@pytest.fixture(scope="module")
def shortlist(service: tuple[TestClient, Keys], vacancy: str) -> dict:
    client, keys = service
    response = client.post(
        "/v1/shortlists",
        json={"position_id": vacancy, "k": 20},
        headers={**keys.header("committee"), "Accept-Language": "en"},
    )
    assert response.status_code == 201, response.text
    return response.json()


def test_factors_sum_their_features_and_the_score(shortlist: dict) -> None:
    for candidate in shortlist["candidates"]:
        by_feature = {c["feature"]: c["contribution"] for c in candidate["contributions"]}
        factors = candidate["factors"]
        assert {f["factor"] for f in factors} == set(FACTORS)
        for factor in factors:
            assert factor["features"] == list(FACTORS[factor["factor"]])
            total = sum(by_feature[name] for name in factor["features"])
            assert factor["contribution"] == pytest.approx(total, abs=1e-9)
        score = shortlist["base_value"] + sum(f["contribution"] for f in factors)
        assert candidate["score"] == pytest.approx(score, abs=1e-6)
        sizes = [abs(f["contribution"]) for f in factors]
        assert sizes == sorted(sizes, reverse=True)


def test_reasons_are_factor_sentences_each_on_one_side(shortlist: dict) -> None:
    for candidate in shortlist["candidates"]:
        texts = {f["text"]: f["contribution"] for f in candidate["factors"]}
        assert all(texts[t] > 0 and "raises" in t for t in candidate["reasons"]["positive"])
        assert all(texts[t] < 0 and "lowers" in t for t in candidate["reasons"]["negative"])
        assert not set(candidate["reasons"]["positive"]) & set(candidate["reasons"]["negative"])


def test_each_feature_keeps_its_factor_value_and_words(shortlist: dict) -> None:
    for candidate in shortlist["candidates"]:
        for item in candidate["contributions"]:
            assert item["feature"] in FACTORS[item["factor"]]
            assert item["says"]
        said = {item["feature"]: item["says"] for item in candidate["contributions"]}
        training = said["has_required_leadership_training"]  # against the post's own training
        assert "requires (PK" in training or training == "The post requires no leadership training"
        competency = next(f for f in candidate["factors"] if f["factor"] == "competency")
        if candidate["jpm_band"] is not None:  # the band shown is the band said
            assert f"({candidate['jpm_band']})" in competency["says"]


def test_recourse_says_the_value_and_the_direction_apart(
    service: tuple[TestClient, Keys], vacancy: str
) -> None:
    client, keys = service
    whole = client.post(
        "/v1/shortlists", json={"position_id": vacancy, "k": 50}, headers=keys.header("committee")
    )
    assert whole.status_code == 201, whole.text
    said = 0
    for candidate in reversed(whole.json()["candidates"]):
        fit = client.get(
            f"/v1/candidates/{candidate['nip']}/fit",
            params={"position_id": vacancy},
            headers={**keys.header("committee"), "Accept-Language": "id"},
        )
        assert fit.status_code == 200, fit.text
        detail = fit.json()
        lowering = {f["label"] for f in detail["factors"] if f["contribution"] < 0}
        for line in detail["recourse"]:
            assert line.split(":")[0] in lowering
            assert "menurunkan skor dibanding rata-rata kandidat" in line
            said += 1
    assert said, "no candidate of the list was given any recourse"
