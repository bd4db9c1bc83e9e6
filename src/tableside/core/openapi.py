"""The served OpenAPI document, made truthful in one place.

FastAPI documents a route's success and, for a route with parameters, a 422 in its own
shape. Every other answer comes from what the route is made of, so ``truthful_openapi``
derives them from the route itself, and a new route is documented by what it uses:

- a dependency that says what it can answer (``answers``): the staff token (401, and 403
  when the route is not for every role), a guest's link (404, 429);
- a path parameter: 404 (nothing with that id in the caller's restaurant);
- any parameter or a body: 422 (``{"error": {"code": "invalid_request", "details"}}``);
- a body: 413 over the body limit (``middleware.RequestGuard``);
- a state-changing method: 403 ``cross_origin`` (``RequestGuard``) and 409 (a row another
  terminal holds, or a state the change does not fit: ``core.errors.Conflict``);
- every operation: 503 ``database_unavailable`` (``http_errors``);
- an ``Idempotency-Key`` header: required, 1–255 characters, and 400 without it.

A route's own ``responses`` keep their descriptions; every error answer gets the one error
schema. ``tests/api/test_openapi_document.py`` holds the document to these rules.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TypeVar

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts

from tableside.core.idempotency import MAX_KEY_LENGTH

T = TypeVar("T")

ANSWERS = "openapi_answers"
IDEMPOTENCY_HEADER = "Idempotency-Key"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
ERROR_REF = {"$ref": "#/components/schemas/Error"}

# What each status means when the route says nothing more particular.
DESCRIPTIONS: dict[int, str] = {
    400: "idempotency_key_required: no Idempotency-Key header, or one over 255 characters",
    401: "not_authenticated: no token, or one that expired or was ended; log in again",
    403: "forbidden: this role may not do this; cross_origin: sent by a browser from another site",
    404: "not_found: nothing with this id in the caller's restaurant",
    409: "The current state does not allow it (the code says which), or another terminal "
    "is changing the same thing right now: try again",
    413: "request_too_large: the body is over this server's limit",
    422: "invalid_request: the request can never succeed as sent (``details`` lists the "
    "fields), or another rule of the request's own code",
    429: "Too many attempts or requests: wait, then try again",
    503: "database_unavailable: the database is restarting or unreachable; try again (a "
    "payment retried with the same key is never taken twice)",
}

ERROR_SCHEMA: dict[str, Any] = {
    "title": "Error",
    "description": "Every error answer: a stable code and a message a person can act on.",
    "type": "object",
    "required": ["error"],
    "additionalProperties": False,
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "minLength": 1},
                "message": {"type": "string", "minLength": 1},
                "details": {
                    "type": "array",
                    "description": "422 invalid_request: the first fields at fault",
                    "items": {
                        "type": "object",
                        "required": ["field", "problem"],
                        "properties": {
                            "field": {"type": "string"},
                            "problem": {"type": "string"},
                        },
                    },
                },
            },
        }
    },
}


def answers(target: T, *statuses: int) -> T:
    """Mark a dependency with the statuses it can answer; every route that uses it then
    documents them. Returns ``target``."""
    setattr(target, ANSWERS, frozenset(statuses))
    return target


def install(app: FastAPI) -> None:
    """Serve ``truthful_openapi`` as the app's document (made once, on first request)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = truthful_openapi(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def truthful_openapi(app: FastAPI) -> dict[str, Any]:
    document = get_openapi(
        title=app.title,
        version=app.version,
        summary=app.summary,
        description=app.description,
        routes=app.routes,
    )
    paths: dict[str, dict[str, Any]] = document.get("paths", {})
    for path, method, route in api_routes(app):
        operation = paths.get(path, {}).get(method.lower())
        if operation is not None:
            _document(operation, route, method)
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR_SCHEMA
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    return document


def api_routes(app: FastAPI) -> Iterator[tuple[str, str, APIRoute]]:
    """(path, method, route) of every route in the document (routers included)."""
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute) and route.include_in_schema and context.path_format:
            for method in sorted(context.methods or ()):
                yield context.path_format, method, route


def statuses_of(route: APIRoute, method: str) -> set[int]:
    """Every error status ``route`` can answer to ``method``, from what it is made of."""
    found: set[int] = {503}
    dependant = route.dependant
    for dependency in _dependencies(dependant):
        found |= getattr(dependency.call, ANSWERS, frozenset())
    if dependant.path_params:
        found.add(404)
    body = bool(dependant.body_params)
    if body or _parameters(dependant):
        found.add(422)
    if body:
        found.add(413)
    if method not in SAFE_METHODS:
        found |= {403, 409}
    if any(p.alias == IDEMPOTENCY_HEADER for p in dependant.header_params):
        found.add(400)
    return found


def _document(operation: dict[str, Any], route: APIRoute, method: str) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    for code in statuses_of(route, method):
        responses.setdefault(str(code), {})
    for key, response in responses.items():
        if not key.isdigit() or int(key) < 400:
            continue
        if not response.get("description") or response["description"] == "Validation Error":
            response["description"] = DESCRIPTIONS.get(int(key), "An error")
        response["content"] = {"application/json": {"schema": ERROR_REF}}
    for parameter in operation.get("parameters", []):
        if parameter.get("in") == "header" and parameter.get("name") == IDEMPOTENCY_HEADER:
            # Optional to FastAPI so that a missing key is the contract's 400, not a 422.
            parameter["required"] = True
            parameter["schema"] = {
                "type": "string",
                "minLength": 1,
                "maxLength": MAX_KEY_LENGTH,
                # What arrives: a header's value has no blanks at its ends.
                "pattern": r"^\S(.*\S)?$",
                "title": IDEMPOTENCY_HEADER,
            }
    operation["responses"] = dict(sorted(responses.items()))


def _dependencies(dependant: Dependant) -> Iterator[Dependant]:
    for dependency in dependant.dependencies:
        yield dependency
        yield from _dependencies(dependency)


def _parameters(dependant: Dependant) -> bool:
    """Whether a request can be refused for a parameter (the token aside)."""
    return any(
        dependant.path_params
        or dependant.query_params
        or dependant.header_params
        or dependant.cookie_params
        for dependant in [dependant, *_dependencies(dependant)]
    )
