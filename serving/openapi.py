"""The API's OpenAPI document: the bearer scheme, and every error answer as problem+json.

FastAPI documents what the routes declare; this adds what the edges do for every route:

- the ``Authorization`` header the caller dependency reads becomes the ``bearer`` security
  scheme (an HTTP bearer API key) on each operation that reads it;
- each operation lists the errors it can answer, all ``application/problem+json``
  (:data:`PROBLEM`, RFC 9457): 401 and 403 where a key is needed, 404 where an id is looked
  up (in the path, the body, or a query parameter of :data:`LOOKED_UP`), 413 where there is a
  body, 422 on every ``/v1`` operation (:func:`refuse_undeclared_query` refuses a query
  parameter the operation does not declare), 503 while the service is not ready. FastAPI's
  own 422 (``HTTPValidationError``) is replaced: the service never sends it;
- an optional query or header parameter is a plain string (absent, never ``null``).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.utils import get_openapi

from features.errors import InputError

SCHEME = "bearer"

PROBLEM: dict[str, Any] = {
    "title": "Problem",
    "description": "A problem detail (RFC 9457); it never echoes the request's values.",
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "description": "Each invalid input: where it is and what is wrong (422 only).",
            "items": {
                "type": "object",
                "required": ["location", "message"],
                "properties": {"location": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}

ERRORS = {
    401: "No key, or a key that is unknown, expired or revoked.",
    403: "The key's role may not do this.",
    404: "No such object, or one the key may not see (the same answer).",
    413: "The request body is larger than the service accepts.",
    422: "The request is not valid; the problem says where.",
    503: "The service is not ready (no model or no valid export loaded).",
}

_FASTAPI_VALIDATION = ("HTTPValidationError", "ValidationError")
LOOKED_UP: frozenset[str] = frozenset({"agency_id", "position_id", "nip"})
"""Query parameters that name an object (a missing one, or one behind a wall, is a 404)."""


def _take_authorization(operation: dict[str, Any]) -> bool:
    """Remove the ``Authorization`` header parameter; True when there was one."""
    parameters = operation.get("parameters", [])
    kept = [
        p for p in parameters if not (p["in"] == "header" and p["name"].lower() == "authorization")
    ]
    if kept:
        operation["parameters"] = kept
    else:
        operation.pop("parameters", None)
    return len(kept) != len(parameters)


def _not_null(parameter: dict[str, Any]) -> None:
    """An optional query or header parameter is absent or a string, never ``null``."""
    options = parameter.get("schema", {}).get("anyOf")
    if options and {"type": "null"} in options:
        kept = [option for option in options if option != {"type": "null"}]
        rest = {k: v for k, v in parameter["schema"].items() if k != "anyOf"}
        parameter["schema"] = {**rest, **kept[0]} if len(kept) == 1 else {**rest, "anyOf": kept}


def _errors_of(path: str, operation: dict[str, Any], secured: bool) -> list[int]:
    """The error statuses one operation can answer."""
    has_body = "requestBody" in operation
    has_input = has_body or bool(operation.get("parameters"))
    queried = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
    wanted = {
        401: secured,
        403: secured,
        404: secured and ("{" in path or has_body or bool(queried & LOOKED_UP)),
        413: has_body,
        422: has_input or path.startswith("/v1/"),
        503: path.startswith("/v1/"),
    }
    return [status for status, applies in wanted.items() if applies]


def _problem(status: int) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "description": ERRORS[status],
        "content": {
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
        },
    }
    if status == 401:
        answer["headers"] = {
            "WWW-Authenticate": {"description": "Bearer", "schema": {"type": "string"}}
        }
    return answer


def document(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI document of ``app`` (built once, then cached on the app)."""
    if app.openapi_schema:
        return app.openapi_schema
    spec = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    components = spec.setdefault("components", {})
    components["securitySchemes"] = {
        SCHEME: {"type": "http", "scheme": "bearer", "description": "An API key."}
    }
    schemas = components.setdefault("schemas", {})
    for name in _FASTAPI_VALIDATION:
        schemas.pop(name, None)
    schemas["Problem"] = PROBLEM
    for path, operations in spec["paths"].items():
        for operation in operations.values():
            secured = _take_authorization(operation)
            for parameter in operation.get("parameters", []):
                _not_null(parameter)
            if secured:
                operation["security"] = [{SCHEME: []}]
            responses = operation["responses"]
            responses.pop("422", None)  # FastAPI's HTTPValidationError: never sent as such
            for status in _errors_of(path, operation, secured):
                responses[str(status)] = _problem(status)
    app.openapi_schema = spec
    return spec


def refuse_undeclared_query(request: Request) -> None:
    """422 for a ``/v1`` request whose query names a parameter its operation does not take."""
    route = request.scope.get("route")
    path = getattr(route, "path_format", "")
    if not path.startswith("/v1/"):
        return
    operation = document(request.app)["paths"].get(path, {}).get(request.method.lower(), {})
    declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
    if set(request.query_params) - declared:
        raise InputError("the query names a parameter this operation does not take")
