"""Property-based requests from the app's own OpenAPI schema, with every schemathesis check.

Valid and invalid requests (positive and negative generation) to every API operation, once
with a committee key and once with an admin key. Each answer must pass all the checks of the
installed schemathesis (``schemathesis.checks.ALL_CHECKS``): no 5xx, only documented status
codes, content types and headers, bodies that match their schema, invalid input refused, and
a request without its key refused (401).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis import DataGenerationMethod, GenerationConfig

from features.export import Export
from serving.app import create_app
from serving.auth import create_api_key
from serving.engine import Engine
from tests.serving.conftest import service_settings
from training.bundle import RankerBundle

KEYS: dict[str, str] = {}

OPERATIONS = (
    "^/v1/(positions|shortlists|candidates|model|reports|campaigns|overrides|grants|admin/status"
    "|staffing|rotation|oversight|selections|selection-stages|jpt-rotation)"
)
"""Every API operation but the reload (it loads the registry's champion, not the test's)."""

EXAMPLES = settings(
    max_examples=25, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck)
)


@pytest.fixture(scope="module")
def api_schema(
    small_export: Export, ranker: RankerBundle, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[object]:
    """The OpenAPI schema of a live app (lifespan run), with a committee and an admin key."""
    config = service_settings(tmp_path_factory.mktemp("schemathesis"))
    app = create_app(config, engine=Engine.build(small_export, ranker, config))
    agency = str(small_export.positions["agency_id"].iloc[0])
    with TestClient(app):
        KEYS["committee"] = create_api_key(app.state.db, "committee", agency)[1]
        KEYS["admin"] = create_api_key(app.state.db, "admin", None)[1]
        yield schemathesis.from_asgi(
            "/openapi.json",
            app=app,
            force_schema_version="30",
            data_generation_methods=DataGenerationMethod.all(),
            generation_config=GenerationConfig(with_security_parameters=False),  # our keys
        )


schema = schemathesis.from_pytest_fixture("api_schema")


def _sent(value: object) -> bool:
    """Whether a query value reaches the URL at all (None, [] and {} vanish)."""
    if isinstance(value, list):
        return any(_sent(item) for item in value)
    return value is not None and value != {}


@schema.hook
def filter_query(context: object, query: dict[str, object] | None) -> bool:
    """Drop a query with a value that is sent as nothing: the request that arrives is then
    valid, and "accepted negative data" would be schemathesis's mistake, not the service's."""
    return query is None or all(_sent(value) for value in query.values())


def _check(case: schemathesis.Case, role: str) -> None:
    case.headers = case.headers or {}  # ignored_auth writes a wrong key into it (3.39 needs a dict)
    case.call_and_validate(headers={"Authorization": f"Bearer {KEYS[role]}"})


@pytest.mark.slow
@schema.parametrize(endpoint=OPERATIONS)
@EXAMPLES
def test_every_check_passes_for_a_committee(case: schemathesis.Case) -> None:
    _check(case, "committee")


@pytest.mark.slow
@schema.parametrize(endpoint=OPERATIONS)
@EXAMPLES
def test_every_check_passes_for_an_admin(case: schemathesis.Case) -> None:
    _check(case, "admin")


def test_the_schema_declares_the_bearer_scheme_and_problem_answers(
    api_schema: schemathesis.BaseSchema,
) -> None:
    raw = api_schema.raw_schema
    assert raw["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "An API key.",
    }
    for path, operations in raw["paths"].items():
        for method, operation in operations.items():
            errors = {s: r for s, r in operation["responses"].items() if s.startswith("4")}
            if path.startswith("/v1/"):
                assert operation["security"] == [{"bearer": []}], (method, path)
                assert {"401", "403"} <= set(errors), (method, path)
            for answer in errors.values():
                assert list(answer["content"]) == ["application/problem+json"], (method, path)


def test_the_schema_says_exactly_one_of_position_id_and_position(
    api_schema: schemathesis.BaseSchema,
) -> None:
    request = api_schema.raw_schema["components"]["schemas"]["ShortlistRequest"]
    branches = request["oneOf"]
    assert [b["required"] for b in branches] == [["position_id"], ["position"]]


def test_a_report_that_names_an_agency_declares_its_404(
    api_schema: schemathesis.BaseSchema,
) -> None:
    """``agency_id`` names an object: another agency's answers like a missing one, a 404."""
    paths = api_schema.raw_schema["paths"]
    for path in ("/v1/reports/divergence", "/v1/reports/integrity"):
        assert "404" in paths[path]["get"]["responses"], path
