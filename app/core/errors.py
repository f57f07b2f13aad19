"""RFC 9457 problem details: one error shape for every status the API answers."""

import json
import logging
import re
from http import HTTPStatus
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DBAPIError, IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse
from starlette.types import Send

from app.core.incidents import IncidentSink, database_unavailable

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://cunservicios.co/problems/"

logger = logging.getLogger("app.errors")


class AppError(Exception):
    """A failure the client can act on. Subclasses fix the status and the problem type."""

    status: int = 400
    type_slug: str = "bad-request"

    def __init__(self, detail: str, *, headers: dict[str, str] | None = None,
                 **extensions: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers = headers
        self.extensions = extensions


class Unauthorized(AppError):
    status, type_slug = 401, "unauthorized"

    def __init__(self, detail: str = "Not authenticated", **extensions: Any) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": "Bearer"}, **extensions)


class Forbidden(AppError):
    status, type_slug = 403, "forbidden"


class NotFound(AppError):
    status, type_slug = 404, "not-found"


class Conflict(AppError):
    status, type_slug = 409, "conflict"


class PayloadTooLarge(AppError):
    status, type_slug = 413, "payload-too-large"


class UnprocessableEntity(AppError):
    status, type_slug = 422, "validation-error"


class TooManyRequests(AppError):
    status, type_slug = 429, "too-many-requests"


class ServiceUnavailable(AppError):
    status, type_slug = 503, "service-unavailable"


def invalid_fields(problems: dict[str, str]) -> UnprocessableEntity:
    """A 422 for rules a schema cannot check alone, naming each field like pydantic does."""
    return UnprocessableEntity(
        f"Invalid request: check {', '.join(problems)}.",
        errors=[{"field": f, "in": "body", "message": m} for f, m in problems.items()],
    )


def problem_body(status: int, detail: str, *, type_slug: str | None = None,
                 instance: str | None = None, **extensions: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + type_slug if type_slug else "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    body.update(extensions)
    return body


def problem_response(status: int, detail: str, *, headers: dict[str, str] | None = None,
                     type_slug: str | None = None, **extensions: Any) -> JSONResponse:
    return JSONResponse(
        problem_body(status, detail, type_slug=type_slug, **extensions),
        status_code=status,
        headers=headers,
        media_type=PROBLEM_MEDIA_TYPE,
    )


async def send_problem(send: Send, status: int, detail: str, *, type_slug: str,
                       headers: dict[str, str] | None = None, **extensions: Any) -> None:
    """Answer from a pure ASGI middleware, before any route runs."""
    body = json.dumps(problem_body(status, detail, type_slug=type_slug, **extensions)).encode()
    raw_headers = [
        (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
        (b"content-length", str(len(body)).encode()),
    ]
    raw_headers += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body})


def _field_errors(exc: RequestValidationError) -> list[dict[str, str]]:
    errors = []
    for error in exc.errors():
        location = [str(part) for part in error.get("loc", ())]
        if location and location[0] in ("body", "query", "path", "header", "cookie"):
            source, location = location[0], location[1:]
        else:
            source = "body"
        message = error.get("msg", "invalid value").removeprefix("Value error, ")
        if error.get("type") == "json_invalid":
            location = []
        errors.append({"field": ".".join(location) or source, "in": source, "message": message})
    return errors


async def _app_error_handler(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    return problem_response(exc.status, exc.detail, headers=exc.headers,
                            type_slug=exc.type_slug, **exc.extensions)


async def _validation_error_handler(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = _field_errors(exc)
    if any(e["message"].startswith("JSON decode error") for e in errors):
        detail = "The request body is not valid JSON."
    else:
        fields = ", ".join(sorted({e["field"] for e in errors}))
        detail = f"Invalid request: check {fields}."
    return problem_response(422, detail, type_slug="validation-error", errors=errors)


def _allowed_methods(request: Request) -> str:
    """Every method the API serves on this path: FastAPI keeps one route per method, and the
    405 it raises names only the first route's. Read from the OpenAPI document's paths."""
    app = request.app
    paths: list[tuple[re.Pattern[str], set[str]]] | None = getattr(app.state, "_paths", None)
    if paths is None:
        paths = [(re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$"),
                  {method.upper() for method in operations})
                 for template, operations in app.openapi()["paths"].items()]
        app.state._paths = paths
    path = request.url.path
    matching = [(regex, m) for regex, m in paths if regex.match(path)]
    # A literal path (/api/clientes/me) is its own resource, not an id of its neighbour.
    literal = [m for regex, m in matching if "[^/]+" not in regex.pattern]
    return ", ".join(sorted(set().union(*(literal or [m for _, m in matching]))))


def refuse_other_methods(router: APIRouter, path: str, allowed: set[str]) -> None:
    """A literal path beside a parametrised one (/clientes/me beside /clientes/{id}): another
    method on it would reach the parametrised route and fail as a malformed id. Register
    right after the literal route, before the parametrised ones."""
    async def refuse() -> None:
        raise StarletteHTTPException(405, headers={"Allow": ", ".join(sorted(allowed))})

    router.add_api_route(path, refuse, include_in_schema=False,
                         methods=sorted({"GET", "POST", "PUT", "PATCH", "DELETE"} - allowed))


async def _http_exception_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    headers = dict(exc.headers) if exc.headers else None
    if exc.status_code == 404 and detail == "Not Found":
        detail = "No such resource."
    elif exc.status_code == 405:
        allowed = _allowed_methods(request)
        detail = f"This method is not allowed on this resource; it allows {allowed}."
        headers = (headers or {}) | {"Allow": allowed}
    return problem_response(exc.status_code, detail, headers=headers)


async def _integrity_error_handler(_request: Request, exc: Exception) -> JSONResponse:
    # Services check uniqueness first; this answers the race two requests can still run into.
    logger.info("integrity error: %s", exc)
    return problem_response(409, "The request conflicts with data that already exists.",
                            type_slug="conflict")


DATABASE_UNAVAILABLE = "The database is unavailable; try again shortly."


def is_database_unavailable(exc: BaseException) -> bool:
    return isinstance(exc, DBAPIError) and (
        exc.connection_invalidated or "connect" in str(exc.orig).lower()
    )


async def _database_error_handler(request: Request, exc: Exception) -> JSONResponse:
    """A database that stops answering mid-request: 503, and an incident."""
    if not is_database_unavailable(exc):
        raise exc
    logger.error("database unavailable: %s", getattr(exc, "orig", exc))
    incidents: IncidentSink | None = getattr(request.app.state, "incidentes", None)
    request_id = getattr(request.state, "request_id", None)
    if incidents is not None:
        route = getattr(request.scope.get("route"), "path", None) or request.url.path
        incidents.reportar(database_unavailable(exc, request_id=request_id,
                                                ruta=f"{request.method} {route}"))
    return problem_response(503, DATABASE_UNAVAILABLE, type_slug="service-unavailable",
                            headers={"Retry-After": "5"}, request_id=request_id)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error_handler)
    app.add_exception_handler(RequestValidationError, _validation_error_handler)
    app.add_exception_handler(StarletteHTTPException, _http_exception_handler)
    app.add_exception_handler(IntegrityError, _integrity_error_handler)
    app.add_exception_handler(DBAPIError, _database_error_handler)
