"""Property-based requests from the app's own OpenAPI schema: no 5xx anywhere."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from features.export import Export
from serving.app import create_app
from serving.auth import create_api_key
from serving.engine import Engine
from tests.serving.conftest import service_settings
from training.bundle import RankerBundle

HEADERS: dict[str, str] = {}


@pytest.fixture(scope="module")
def api_schema(
    small_export: Export, ranker: RankerBundle, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[object]:
    """The OpenAPI schema of a live app (lifespan run) with an admin key."""
    config = service_settings(tmp_path_factory.mktemp("schemathesis"))
    app = create_app(config, engine=Engine.build(small_export, ranker, config))
    with TestClient(app):
        HEADERS["Authorization"] = f"Bearer {create_api_key(app.state.db, 'admin', None)[1]}"
        yield schemathesis.from_asgi("/openapi.json", app=app, force_schema_version="30")


schema = schemathesis.from_pytest_fixture("api_schema")


@pytest.mark.slow
@schema.parametrize(endpoint="^/(health|v1/(positions|shortlists|candidates|model|reports))")
@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_no_server_errors(case: schemathesis.Case) -> None:
    response = case.call_asgi(headers=HEADERS)
    case.validate_response(response, checks=(not_a_server_error,))
