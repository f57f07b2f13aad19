"""The OpenAPI document tells the truth about errors: every operation declares the statuses it
can answer with, each as `application/problem+json` with the one Problem schema the service
sends (FastAPI's default `{"detail": [...]}` 422 is not what this service answers)."""

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details. Some problems add members (e.g. "
                   "`periodo_pendiente`, `missing_tarifas`, `error_count`).",
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "description": "A URI that names the kind of problem"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string", "description": "What went wrong, for a person"},
        "instance": {"type": "string"},
        "request_id": {"type": "string"},
        "errors": {
            "type": "array",
            "description": "The fields at fault (validation problems)",
            "items": {
                "type": "object",
                "required": ["message"],
                "properties": {
                    "field": {"type": "string"}, "in": {"type": "string"},
                    "message": {"type": "string"}, "fila": {"type": "integer"},
                    "campo": {"type": "string"}, "error": {"type": "string"},
                },
            },
        },
    },
    "additionalProperties": True,
}

_DESCRIPTIONS = {
    "400": "Malformed request (e.g. an invalid X-Tenant-ID)",
    "401": "Not authenticated, or the token is invalid or expired",
    "403": "Not allowed: role, suspended tenant, or a token of another tenant",
    "404": "No such resource in this tenant (or no such tenant)",
    "409": "Conflicts with the resource's state or with existing data",
    "413": "The request body is too large",
    "422": "Invalid input: `errors` names each field",
    "429": "Too many requests: wait as `Retry-After` says",
    "500": "Unexpected error: `request_id` leads to the incident",
    "503": "The database is unavailable; try again shortly",
}


def _statuses(path: str, method: str, operation: dict[str, Any]) -> set[str]:
    statuses = {"500", "503"}
    if path.startswith("/api/"):
        statuses |= {"400", "403", "404", "422"}  # tenant resolution, validation
    if operation.get("security"):
        statuses |= {"401", "429"}  # a portal user past its request budget
    if method != "get":
        statuses.add("409")
    if "requestBody" in operation:
        statuses.add("413")
    if path == "/api/auth/login":
        statuses |= {"401", "429"}
    if path == "/health/live":
        statuses = set()
    return statuses


def document_problems(schema: dict[str, Any]) -> dict[str, Any]:
    """Adds the Problem schema and every operation's error responses to an OpenAPI document."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = PROBLEM_SCHEMA
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for status in sorted(_statuses(path, method, operation) | (
                    {"422"} & responses.keys())):
                responses[status] = {
                    "description": _DESCRIPTIONS[status],
                    "content": {"application/problem+json": {"schema": PROBLEM_REF}},
                }
    return schema


TENANT_SCHEME = "TenantHeader"


def declare_tenant_header(schema: dict[str, Any]) -> dict[str, Any]:
    """Declares `X-Tenant-ID` as an API-key header scheme that every /api operation may send
    (besides the bearer token, or alone), so a client built from the document, and Swagger's
    Authorize dialog, can send it."""
    schema.setdefault("components", {}).setdefault("securitySchemes", {})[TENANT_SCHEME] = {
        "type": "apiKey", "in": "header", "name": "X-Tenant-ID",
        "description": "The tenant (a utility's slug, e.g. acueducto-demo). Optional when "
                       "the bearer token names it; without either the tenant is `public`."}
    for path, operations in schema.get("paths", {}).items():
        if not path.startswith("/api/"):
            continue
        for operation in operations.values():
            requirements = operation.get("security") or [{}]
            operation["security"] = [r | {TENANT_SCHEME: []} for r in requirements] + \
                requirements
    return schema


def install(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = declare_tenant_header(document_problems(get_openapi(
                title=app.title, version=app.version, description=app.description,
                routes=app.routes)))
        return app.openapi_schema

    # FastAPI's documented way to extend the document: replace the method on the instance.
    app.openapi = openapi  # type: ignore[method-assign]
