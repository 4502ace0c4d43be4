"""A real service over the small export and the in-memory ranker, with keys for each role."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from features.export import Export
from serving.app import create_app
from serving.auth import create_api_key
from serving.engine import Engine
from serving.settings import ServiceSettings
from training.bundle import RankerBundle

AS_OF = date(2026, 11, 1)


@dataclass(frozen=True)
class Keys:
    committee: str
    other_committee: str
    admin: str
    auditor: str

    def header(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {getattr(self, role)}"}


CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]{64})"')


def form_token(client: TestClient, path: str = "/") -> str:
    """The CSRF token of the forms on ``path`` (a first visit also sets the pre-session cookie)."""
    match = CSRF.search(client.get(path).text)
    assert match, f"no CSRF field on {path}"
    return match.group(1)


def sign_in(client: TestClient, key: str | None = None, **credentials: str) -> None:
    """Sign in through the page like a browser (with one's key, or ``user=`` and ``password=``).

    Afterwards the client sends the session's CSRF token with every request (``X-CSRF-Token``),
    as a browser sends each form's hidden field.
    """
    client.cookies.clear()
    client.headers.pop("x-csrf-token", None)
    data = {"csrf_token": form_token(client), **({"key": key} if key else credentials)}
    response = client.post("/login", data=data, follow_redirects=False)
    assert response.status_code == 303 and "ajf_session" in client.cookies, response.text
    client.headers["x-csrf-token"] = form_token(client)


def service_settings(folder: Path) -> ServiceSettings:
    """Settings of a test service whose database lives in ``folder``."""
    return ServiceSettings(
        database_url=f"sqlite:///{folder / 'service.db'}",
        as_of=AS_OF,
        mlflow_tracking_uri=os.environ["MLFLOW_TRACKING_URI"],
        max_k=50,
        max_body_bytes=4096,
    )


def _serve(export: Export, bundle: RankerBundle, folder: Path) -> Iterator[tuple[TestClient, Keys]]:
    """The app with a real engine over ``export`` and ``bundle``, and a key per role."""
    settings = service_settings(folder)
    engine = Engine.build(export, bundle, settings)
    app = create_app(settings, engine=engine)
    with TestClient(app) as client:
        db = app.state.db
        agency = str(export.positions["agency_id"].iloc[0])
        keys = Keys(
            committee=create_api_key(db, "committee", agency)[1],
            other_committee=create_api_key(db, "committee", "PEMKAB-LAIN")[1],
            admin=create_api_key(db, "admin", None)[1],
            auditor=create_api_key(db, "auditor", None)[1],
        )
        yield client, keys


@pytest.fixture(scope="module")
def service(
    small_export: Export, ranker: RankerBundle, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[TestClient, Keys]]:
    """The app with a real engine (the small export, the in-memory ranker) and a key per role."""
    yield from _serve(small_export, ranker, tmp_path_factory.mktemp("service"))


@pytest.fixture(scope="module")
def reloadable_service(
    small_export: Export, champion: RankerBundle, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[TestClient, Keys]]:
    """Like ``service``, but started with the champion registered in the isolated MLflow store,
    so that a reload (``/v1/admin/reload``, SIGHUP) has a champion to load."""
    yield from _serve(small_export, champion, tmp_path_factory.mktemp("reloadable-service"))


@pytest.fixture(scope="module")
def vacancy(small_export: Export) -> str:
    """A vacant managerial position of the small export."""
    positions = small_export.positions
    managerial = positions["position_type"].isin(["PENGAWAS", "ADMINISTRATOR"])
    return str(positions.loc[positions["is_vacant"] & managerial, "position_id"].iloc[0])
