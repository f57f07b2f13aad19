"""Wall 1 of tenancy: every /api request runs under exactly one resolved tenant.

The tenant comes from `X-Tenant-ID`, else from the bearer token, else (the login only) from
the OAuth2 form's `client_id`, else `public`. A malformed
slug is 400, an unknown tenant 404, a suspended one 403, and a token of another tenant 403.
"""

import base64
import binascii
from typing import Any
from urllib.parse import parse_qs, unquote_plus

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.config import Settings
from app.core.errors import send_problem
from app.core.security import TOKEN_CLAIMS_STATE, InvalidToken, TokenClaims, decode_access_token
from app.tenancy.constants import PUBLIC_TENANT, SLUG_PATTERN
from app.tenancy.directory import TenantDirectory
from app.tenancy.models import TenantEstado

TENANT_HEADER = "x-tenant-id"
LOGIN_PATH = "/api/auth/login"
_FORM = "application/x-www-form-urlencoded"
_MAX_LOGIN_FORM = 16 * 1024


async def _login_client_id(headers: Headers, receive: Receive) -> tuple[str | None, Receive]:
    """The login's OAuth2 `client_id`, which names the tenant when no header does (Swagger's
    Authorize sends it as the user of an `Authorization: Basic` header by default, or in the
    form), and a `receive` that replays the form this read."""
    scheme, _, credentials = headers.get("authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            client_id = base64.b64decode(credentials.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None, receive
        return unquote_plus(client_id.partition(":")[0]) or None, receive
    if not headers.get("content-type", "").startswith(_FORM):
        return None, receive
    messages: list[Message] = []
    body = b""
    while True:
        message = await receive()
        messages.append(message)
        body += message.get("body", b"")
        if message["type"] != "http.request" or not message.get("more_body") \
                or len(body) > _MAX_LOGIN_FORM:
            break

    async def replay() -> Message:
        return messages.pop(0) if messages else await receive()

    values = parse_qs(body.decode("latin-1")).get("client_id")
    return (values[0] if values and values[0] else None), replay


class TenancyMiddleware:
    def __init__(self, app: ASGIApp, *, directory: TenantDirectory, settings: Settings) -> None:
        self.app = app
        self.directory = directory
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return

        headers = Headers(scope=scope)
        state = scope.setdefault("state", {})
        claims = self._token_claims(headers.get("authorization"), state)
        token_tenant = claims.tenant_id if claims is not None else None
        slug = headers.get(TENANT_HEADER) or token_tenant
        if slug is None and scope["path"] == LOGIN_PATH and scope["method"] == "POST":
            slug, receive = await _login_client_id(headers, receive)
        slug = slug or PUBLIC_TENANT

        if not SLUG_PATTERN.fullmatch(slug):
            await send_problem(send, 400, "X-Tenant-ID must be a lowercase slug "
                               "(letters, digits and hyphens, 2 to 63 characters).",
                               type_slug="invalid-tenant")
            return
        tenant = await self.directory.get(slug)
        if tenant is None:
            await send_problem(send, 404, f"Unknown tenant '{slug}'.", type_slug="unknown-tenant")
            return
        if tenant.estado == TenantEstado.suspendido:
            await send_problem(send, 403, f"Tenant '{slug}' is suspended.",
                               type_slug="tenant-suspended")
            return
        if token_tenant is not None and token_tenant != slug:
            await send_problem(send, 403, "The access token belongs to another tenant.",
                               type_slug="tenant-mismatch")
            return

        state["tenant"] = tenant
        await self.app(scope, receive, send)

    def _token_claims(self, authorization: str | None, state: dict[str, Any],
                      ) -> TokenClaims | None:
        """The claims of a well-signed bearer token (expired or not); None otherwise. They
        are kept in the request state with their token, so the auth dependency does not
        decode it again (it checks the expiry).

        A token that fails here is left to the auth dependency, which answers 401.
        """
        if not authorization:
            return None
        scheme, _, token = authorization.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            return None
        try:
            claims = decode_access_token(self.settings, token, verify_exp=False)
        except InvalidToken:
            return None
        state[TOKEN_CLAIMS_STATE] = (token, claims)
        return claims
