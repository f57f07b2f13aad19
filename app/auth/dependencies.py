"""The current principal and the role guards routers declare."""

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from app.auth.principal import Principal
from app.auth.throttle import PortalLimits
from app.core.audit import Actor, bind_actor
from app.core.dependencies import READ_METHODS, SessionDep, get_settings_dep, get_tenant_id
from app.core.errors import Forbidden, Unauthorized
from app.core.security import InvalidToken, read_access_token
from app.users import service as users_service
from app.users.models import Role

_bearer = OAuth2PasswordBearer(tokenUrl="/api/auth/login", auto_error=False)


async def get_current_principal(
    request: Request,
    token: Annotated[str | None, Depends(_bearer)],
    session: SessionDep,
) -> Principal:
    tenant_id, settings = await get_tenant_id(request), await get_settings_dep(request)
    if not token:
        raise Unauthorized("Not authenticated: send 'Authorization: Bearer <token>'.")
    try:
        claims = read_access_token(settings, token, request.state)
    except InvalidToken as exc:
        raise Unauthorized(exc.reason) from exc
    if claims.tenant_id != tenant_id:
        raise Forbidden("The access token belongs to another tenant.")
    principal = await users_service.principal(session, tenant_id, claims.user_id)
    if principal is None:
        raise Unauthorized("The account is inactive or no longer exists.")
    request.state.user_id = str(principal.user_id)
    if principal.role == Role.cliente:
        await _portal_limits(request).request(str(principal.user_id), client_address(request))
    if request.method not in READ_METHODS:
        route = request.scope.get("route")
        bind_actor(session, Actor(
            user_id=principal.user_id, role=principal.role,
            accion=getattr(route, "name", None) or request.url.path,
            ruta=f"{request.method} {getattr(route, 'path', request.url.path)}",
            request_id=getattr(request.state, "request_id", None)))
    return principal


CurrentPrincipal = Annotated[Principal, Depends(get_current_principal)]


def client_address(request: Request) -> str:
    """The caller's address (behind the proxy, the one it forwarded)."""
    return request.client.host if request.client else "unknown"


def _portal_limits(request: Request) -> PortalLimits:
    limits: PortalLimits = request.app.state.portal_limits
    return limits


def portal_budget(kind: str) -> Callable[[Request, Principal], Awaitable[None]]:
    """A route's own, tighter budget for portal users ("pqr": filing; "pdf": downloading)."""

    async def spend(request: Request, principal: CurrentPrincipal) -> None:
        if principal.role == Role.cliente:
            await _portal_limits(request).special(kind, str(principal.user_id))

    return spend


def require_roles(*roles: Role) -> Callable[[Principal], Awaitable[Principal]]:
    allowed = frozenset(roles)
    names = ", ".join(sorted(allowed))

    async def guard(principal: CurrentPrincipal) -> Principal:
        if principal.role not in allowed:
            raise Forbidden(f"This action requires one of the roles: {names}.")
        return principal

    return guard


STAFF_ROLES = (Role.admin, Role.operador)

AdminPrincipal = Annotated[Principal, Depends(require_roles(Role.admin))]
StaffPrincipal = Annotated[Principal, Depends(require_roles(*STAFF_ROLES))]
# A tenant's administrator, or the platform's (in the public tenant): users, the audit log.
AdminOrSuperadminPrincipal = Annotated[Principal, Depends(require_roles(Role.admin,
                                                                        Role.superadmin))]
SuperadminPrincipal = Annotated[Principal, Depends(require_roles(Role.superadmin))]
ClientePrincipal = Annotated[Principal, Depends(require_roles(Role.cliente))]
