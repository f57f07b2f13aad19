from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, status

from app.auth import service
from app.auth.dependencies import CurrentPrincipal, client_address
from app.auth.schemas import LoginForm, Me, PasswordChange, Token
from app.auth.throttle import LoginThrottle
from app.core.dependencies import SessionDep, SettingsDep, TenantIdDep

router = APIRouter(prefix="/api/auth", tags=["auth"])


async def get_throttle(request: Request) -> LoginThrottle:
    throttle: LoginThrottle = request.app.state.login_throttle
    return throttle


@router.post("/login", response_model=Token, summary="Log in (OAuth2 password form)")
async def login(
    request: Request,
    form: Annotated[LoginForm, Form()],
    session: SessionDep,
    tenant_id: TenantIdDep,
    settings: SettingsDep,
    throttle: Annotated[LoginThrottle, Depends(get_throttle)],
) -> Token:
    """`username` is the e-mail. The tenant is `X-Tenant-ID` (default `public`)."""
    address = client_address(request)
    token, expires_in = await service.login(
        session, tenant_id, settings, throttle,
        email=form.username, password=form.password, address=address,
    )
    return Token(access_token=token, expires_in=expires_in)


@router.get("/me", response_model=Me)
async def me(principal: CurrentPrincipal) -> Me:
    return Me(id=principal.user_id, tenant_id=principal.tenant_id, email=principal.email,
              nombre=principal.nombre, role=principal.role, cliente_id=principal.cliente_id)


@router.post("/password", status_code=status.HTTP_204_NO_CONTENT)
async def change_password(body: PasswordChange, principal: CurrentPrincipal,
                          session: SessionDep) -> None:
    await service.change_password(session, principal, current_password=body.current_password,
                                  new_password=body.new_password)
