"""Wall 1 of tenancy: every /api request runs under exactly one resolved tenant.

The tenant comes from `X-Tenant-ID`, else from the bearer token, else `public`. A malformed
slug is 400, an unknown tenant 404, a suspended one 403, and a token of another tenant 403.
"""

from typing import Any

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from app.core.config import Settings
from app.core.errors import send_problem
from app.core.security import TOKEN_CLAIMS_STATE, InvalidToken, TokenClaims, decode_access_token
from app.tenancy.constants import PUBLIC_TENANT, SLUG_PATTERN
from app.tenancy.directory import TenantDirectory
from app.tenancy.models import TenantEstado

TENANT_HEADER = "x-tenant-id"


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
        slug = headers.get(TENANT_HEADER) or token_tenant or PUBLIC_TENANT

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
