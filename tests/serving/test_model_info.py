"""/v1/model, /health and the model page: the card, the model's age against the maximum, the
library-version notice, and a model whose scores are not finite refused at load."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from features.export import Export
from serving.app import create_app
from serving.auth import create_api_key
from serving.engine import Engine
from serving.model_info import card_html
from tests.serving.conftest import service_settings, sign_in
from tests.training.test_model_card import _nan_booster
from training.bundle import RankerBundle, ScoreCheckError, installed_versions, write_bundle


@pytest.fixture(scope="module")
def champion_engine(
    small_export: Export, champion: RankerBundle, tmp_path_factory: pytest.TempPathFactory
) -> Engine:
    return Engine.build(small_export, champion, service_settings(tmp_path_factory.mktemp("e")))


def _client(engine: Engine, folder: Path, **settings: object) -> Iterator[tuple[TestClient, str]]:
    config = service_settings(folder).model_copy(update=settings)
    with TestClient(create_app(config, engine=engine)) as client:
        yield client, create_api_key(client.app.state.db, "admin", None)[1]


def test_v1_model_returns_the_card_and_a_fresh_models_age(
    champion_engine: Engine, champion: RankerBundle, tmp_path: Path
) -> None:
    for client, key in _client(champion_engine, tmp_path):
        body = client.get("/v1/model", headers={"Authorization": f"Bearer {key}"}).json()
        health = client.get("/health").json()
    assert champion.model_card.startswith("# Model card")
    assert body["model_card"] == champion.model_card
    assert body["age_days"] == 0 and body["max_age_days"] == 365 and body["stale"] is False
    assert body["trained_at"] is not None
    assert health == {"status": "ready", "model_age_days": 0, "stale": False}


@pytest.mark.parametrize(("maximum", "stale"), [(365, True), (500, False)])
def test_age_and_stale_flag_follow_the_configured_maximum(
    champion_engine: Engine, tmp_path: Path, maximum: int, stale: bool
) -> None:
    old = replace(champion_engine.bundle, trained_at=datetime.now(UTC) - timedelta(days=400))
    engine = replace(champion_engine, bundle=old)
    for client, key in _client(engine, tmp_path, max_model_age_days=maximum):
        body = client.get("/v1/model", headers={"Authorization": f"Bearer {key}"}).json()
        health = client.get("/health").json()
    assert (body["age_days"], body["max_age_days"], body["stale"]) == (400, maximum, stale)
    assert health == {"status": "ready", "model_age_days": 400, "stale": stale}


@pytest.fixture(scope="module")
def ranker_engine(
    small_export: Export, ranker: RankerBundle, tmp_path_factory: pytest.TempPathFactory
) -> Engine:
    return Engine.build(small_export, ranker, service_settings(tmp_path_factory.mktemp("r")))


def test_the_model_page_shows_the_card_with_its_html_escaped(
    ranker_engine: Engine, tmp_path: Path
) -> None:
    card = "# Model card: x\n\n## Intended use\n\n<script>alert(1)</script>\n\n"
    card += "| a | b |\n|---|---|\n| 1 | 2 |\n"
    bundle = replace(
        ranker_engine.bundle, model_card=card, trained_at=datetime.now(UTC) - timedelta(days=3)
    )
    for client, _ in _client(replace(ranker_engine, bundle=bundle), tmp_path):
        key = create_api_key(client.app.state.db, "committee", "X")[1]
        assert client.get("/model", follow_redirects=False).status_code == 303
        sign_in(client, key)
        home, page = client.get("/"), client.get("/model")
    assert 'href="/model"' in home.text
    assert page.status_code == 200
    assert "<h2>Intended use</h2>" in page.text and "<table>" in page.text
    assert "<script>alert(1)</script>" not in page.text and "&lt;script&gt;" in page.text
    assert "3 days ago" in page.text or "3 hari lalu" in page.text
    assert str(card_html(card)) in page.text


def test_admin_status_names_libraries_installed_in_other_versions(
    ranker_engine: Engine, tmp_path: Path
) -> None:
    libraries = installed_versions() | {"lightgbm": "3.3.5"}
    engine = replace(ranker_engine, bundle=replace(ranker_engine.bundle, libraries=libraries))
    for client, key in _client(engine, tmp_path):
        status = client.get("/v1/admin/status", headers={"Authorization": f"Bearer {key}"}).json()
    installed = installed_versions()["lightgbm"]
    assert status["notices"] == [
        f"lightgbm {installed} is installed but the model was trained with 3.3.5"
    ]


def test_a_model_that_scores_nan_is_not_served(
    small_export: Export, small_export_dir: Path, ranker: RankerBundle, tmp_path: Path
) -> None:
    broken = replace(ranker, booster=_nan_booster(ranker.booster))
    with pytest.raises(ScoreCheckError, match="non-finite"):
        Engine.build(small_export, broken, service_settings(tmp_path))
    write_bundle(broken, tmp_path / "models")
    settings = service_settings(tmp_path).model_copy(
        update={"mlflow_tracking_uri": f"sqlite:///{tmp_path / 'none.db'}",
                "models_dir": tmp_path / "models"}
    )  # fmt: skip
    with TestClient(create_app(settings, data_dir=small_export_dir)) as client:
        assert client.get("/health").status_code == 503
        key = create_api_key(client.app.state.db, "admin", None)[1]
        status = client.get("/v1/admin/status", headers={"Authorization": f"Bearer {key}"}).json()
    assert status["status"] == "not ready"
    assert "non-finite score" in status["reason"] and "refused" in status["reason"]
