"""The runtime: one swappable state, so that a reload swaps the engine and campaigns together."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from features.export import Export
from serving.app import create_app
from serving.auth import create_api_key
from serving.settings import ServiceSettings
from tests.serving.conftest import AS_OF
from training.bundle import RankerBundle, write_bundle


def test_start_without_a_model_then_reload_serves_shortlists_and_campaigns(
    small_export_dir: Path, small_export: Export, champion: RankerBundle, tmp_path: Path
) -> None:
    models = tmp_path / "models"
    settings = ServiceSettings(
        database_url=f"sqlite:///{tmp_path / 'service.db'}",
        mlflow_tracking_uri=f"sqlite:///{tmp_path / 'no-store.db'}",
        models_dir=models,
        compiled_dir=tmp_path / "compiled",
        as_of=AS_OF,
    )
    app = create_app(settings, data_dir=small_export_dir)
    positions = small_export.positions
    vacancy = positions[positions["is_vacant"]].iloc[0]
    with TestClient(app) as client:
        admin = {"Authorization": f"Bearer {create_api_key(app.state.db, 'admin', None)[1]}"}
        ask = {"position_id": str(vacancy["position_id"]), "k": 3}
        campaign = {"position_ids": [str(vacancy["position_id"])]}
        assert client.get("/health").status_code == 503
        assert client.post("/v1/shortlists", json=ask, headers=admin).status_code == 503
        assert client.post("/v1/campaigns", json=campaign, headers=admin).status_code == 503

        write_bundle(champion, models)  # a champion appears (exported for offline serving)
        assert client.post("/v1/admin/reload", headers=admin).status_code == 200

        assert client.get("/health").status_code == 200
        assert client.post("/v1/shortlists", json=ask, headers=admin).status_code == 201
        created = client.post("/v1/campaigns", json=campaign, headers=admin)
        assert created.status_code == 201, created.text
        assert created.json()["model"].startswith(champion.name)


def test_not_ready_is_503_on_every_router(tmp_path: Path) -> None:
    settings = ServiceSettings(
        database_url=f"sqlite:///{tmp_path / 'service.db'}",
        mlflow_tracking_uri=f"sqlite:///{tmp_path / 'no-store.db'}",
        models_dir=tmp_path / "models",
        as_of=AS_OF,
    )
    app = create_app(settings, data_dir=tmp_path / "no-export")
    with TestClient(app) as client:
        admin = {"Authorization": f"Bearer {create_api_key(app.state.db, 'admin', None)[1]}"}
        answers = [
            client.get("/v1/positions", headers=admin),
            client.get("/v1/model", headers=admin),
            client.post("/v1/shortlists", json={"position_id": "P", "k": 3}, headers=admin),
            client.post("/v1/campaigns", json={"position_ids": ["P"]}, headers=admin),
        ]
        assert [a.status_code for a in answers] == [503] * 4
        assert all(a.headers["content-type"] == "application/problem+json" for a in answers)
        assert all("not ready" in a.json()["detail"] for a in answers)
