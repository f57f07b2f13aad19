"""Logging in and changing one's own password."""

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.auth.throttle import LoginThrottle
from app.core import clock
from app.core.config import Settings
from app.core.errors import Unauthorized, invalid_fields
from app.core.security import create_access_token, verify_password
from app.core.tenant import TenantId
from app.users import service as users_service

_BAD_CREDENTIALS = "Incorrect e-mail or password."


async def login(session: AsyncSession, tenant_id: TenantId, settings: Settings,
                throttle: LoginThrottle, *, email: str, password: str, address: str,
                ) -> tuple[str, int]:
    """Returns (access token, lifetime in seconds).

    An unknown e-mail, a wrong password and an inactive account get the same answer in the
    same time, so the answer does not tell which accounts exist.
    """
    email = email.strip().lower()
    await throttle.check(tenant_id, email, address)
    user = await users_service.find_by_email(session, tenant_id, email)
    password_ok = await verify_password(password, user.password_hash if user else None)
    if user is None or not password_ok or not user.activo:
        await throttle.failed(tenant_id, email, address)
        raise Unauthorized(_BAD_CREDENTIALS)
    await throttle.succeeded(tenant_id, email)
    user.last_login_at = clock.now()
    return create_access_token(
        settings, user_id=user.id, tenant_id=tenant_id, role=user.role,
        cliente_id=user.cliente_id,
    )


async def change_password(session: AsyncSession, principal: Principal, *,
                          current_password: str, new_password: str) -> None:
    user = await users_service.find(session, principal.tenant_id, principal.user_id)
    if user is None:
        raise Unauthorized("The account no longer exists.")
    if not await verify_password(current_password, user.password_hash):
        raise invalid_fields({"current_password": "is not correct"})
    if current_password == new_password:
        raise invalid_fields({"new_password": "must differ from the current password"})
    await users_service.set_password(session, user, new_password)
