"""Pure ASGI middleware: request ids with one JSON access-log line, and a body size limit."""

import logging
import re
import time
import uuid

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core import metrics
from app.core.errors import DATABASE_UNAVAILABLE, is_database_unavailable, send_problem
from app.core.incidents import (
    IncidentSink,
    Ocurrencia,
    Severidad,
    TipoIncidente,
    database_unavailable,
)

REQUEST_ID_HEADER = "x-request-id"
_VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")

access_logger = logging.getLogger("app.access")
error_logger = logging.getLogger("app.errors")


def route_of(scope: Scope) -> str:
    """The route template the request matched (few values: a label, an incident's place)."""
    route = scope.get("route")
    return f"{scope['method']} {getattr(route, 'path', None) or 'unmatched'}"


class RequestContextMiddleware:
    """Gives every request an id (the caller's, when well-formed), echoes it in the response,
    logs one line and moves the metrics per request, and turns an unhandled exception into a
    500 problem (a database that does not answer into a 503) that is also an incident."""

    def __init__(self, app: ASGIApp, incidents: IncidentSink | None = None) -> None:
        self.app = app
        self.incidents = incidents

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = Headers(scope=scope).get(REQUEST_ID_HEADER, "")
        request_id = incoming if _VALID_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        started = time.perf_counter()
        status = 500
        response_started = False
        metrics.HTTP_IN_FLIGHT.inc()

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                response_started = True
                status = message["status"]
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:
            status = 500
            if is_database_unavailable(exc):  # raised before any route, e.g. a tenant look-up
                status = 503
                error_logger.error("database unavailable", extra={"request_id": request_id})
                detail, type_slug = DATABASE_UNAVAILABLE, "service-unavailable"
                headers = {REQUEST_ID_HEADER: request_id, "Retry-After": "5"}
            else:
                error_logger.exception("unhandled error", extra={"request_id": request_id})
                detail = (f"An unexpected error occurred; it has been logged with request id "
                          f"{request_id}.")
                type_slug = "internal-error"
                headers = {REQUEST_ID_HEADER: request_id}
            self._report(scope, request_id, exc)
            if not response_started:
                await send_problem(send, status, detail, type_slug=type_slug,
                                   headers=headers, request_id=request_id)
        finally:
            metrics.HTTP_IN_FLIGHT.dec()
            route = route_of(scope)
            elapsed = time.perf_counter() - started
            metrics.HTTP_REQUESTS.labels(scope["method"], route, str(status)).inc()
            metrics.HTTP_LATENCY.labels(scope["method"], route).observe(elapsed)
            tenant = state.get("tenant")
            access_logger.info("request", extra={
                "request_id": request_id,
                "tenant": tenant.id if tenant is not None else None,
                "user": state.get("user_id"),
                "method": scope["method"],
                "path": scope["path"],
                "status": status,
                "duration_ms": round(elapsed * 1000, 2),
            })

    def _report(self, scope: Scope, request_id: str, exc: Exception) -> None:
        if self.incidents is None:
            return
        tenant = scope["state"].get("tenant")
        route = route_of(scope)
        if is_database_unavailable(exc):
            ocurrencia = database_unavailable(exc, request_id=request_id, ruta=route)
        else:
            ocurrencia = Ocurrencia(
                TipoIncidente.error_interno, Severidad.error, type(exc).__name__,
                f"Unhandled {type(exc).__name__} answering {route}.",
                tenant_id=tenant.id if tenant is not None else None,
                request_id=request_id, ruta=route)
        self.incidents.reportar(ocurrencia)


class BodySizeLimitMiddleware:
    """Refuses a request body over the limit with 413 before the route reads it."""

    def __init__(self, app: ASGIApp, *, max_bytes: int,
                 upload_paths: dict[str, int] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.upload_paths = upload_paths or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.upload_paths.get(scope["path"], self.max_bytes)
        declared = Headers(scope=scope).get("content-length")
        if declared is not None:
            if not declared.isdigit() or int(declared) > limit:
                await self._refuse(send, limit)
                return
            await self.app(scope, receive, send)
            return
        # No length declared (chunked): read up to the limit here, then replay it.
        messages: list[Message] = []
        size = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            size += len(message.get("body", b""))
            if size > limit:
                await self._refuse(send, limit)
                return
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, send: Send, limit: int) -> None:
        await send_problem(send, 413, f"The request body is larger than {limit} bytes.",
                           type_slug="payload-too-large")


_DOCS_PREFIXES = ("/docs", "/redoc")
# The docs pages load only their own assets (an inline start-up script, ReDoc's worker).
_DOCS_CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline'; "
             "style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
             "worker-src 'self' blob:; frame-ancestors 'none'")
_API_CSP = "default-src 'none'; frame-ancestors 'none'"


class SecurityHeadersMiddleware:
    """Headers every response carries: no MIME sniffing, no framing, no referrer, a content
    security policy, `Cache-Control: no-store` on the API's answers (personal data; a
    response that set its own caching keeps it) and, behind HTTPS, Strict-Transport-Security.
    """

    def __init__(self, app: ASGIApp, *, hsts_seconds: int = 0) -> None:
        self.app = app
        self.fixed = [(b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"),
                      (b"referrer-policy", b"no-referrer")]
        if hsts_seconds > 0:
            self.fixed.append((b"strict-transport-security",
                               f"max-age={hsts_seconds}; includeSubDomains".encode()))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        docs = path.startswith(_DOCS_PREFIXES)
        api = path.startswith("/api/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.fixed:
                    headers.append(name.decode(), value.decode())
                headers.setdefault("content-security-policy", _DOCS_CSP if docs else _API_CSP)
                if api and "cache-control" not in headers:
                    headers["cache-control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)
