"""A tenant's users: who may create whom, and the bindings of portal users."""

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.clientes import service as clientes_service
from app.core.errors import Conflict, Forbidden, NotFound, invalid_fields
from app.core.pagination import PageParams
from app.core.schemas import sent_changes
from app.core.security import hash_password
from app.core.tenant import TenantId
from app.tenancy.constants import PUBLIC_TENANT
from app.users.models import Role, User
from app.users.repository import UserRepository
from app.users.schemas import UserCreate, UserUpdate


def _not_found() -> NotFound:
    return NotFound("No such user in this tenant.")


def _check_role_allowed(tenant_id: TenantId, actor_role: Role | None, role: Role) -> None:
    """Superadmins exist only in the public tenant, and only a superadmin makes one.

    `actor_role` None is the platform operator's CLI.
    """
    if role == Role.superadmin and actor_role not in (None, Role.superadmin):
        raise Forbidden("Only a superadmin can create or promote a superadmin.")
    if (tenant_id == PUBLIC_TENANT) != (role == Role.superadmin):
        where = "the public tenant" if tenant_id == PUBLIC_TENANT else "a utility tenant"
        raise invalid_fields({"role": f"role {role} is not allowed in {where}"})


async def _cliente_binding(session: AsyncSession, tenant_id: TenantId, role: Role,
                           numero_cuenta: str | None) -> uuid.UUID | None:
    if role != Role.cliente:
        if numero_cuenta is not None:
            raise invalid_fields({"numero_cuenta": "only cliente users are bound to an account"})
        return None
    if numero_cuenta is None:
        raise invalid_fields({"numero_cuenta": "a cliente user must name its account"})
    cliente = await clientes_service.find_by_numero_cuenta(session, tenant_id, numero_cuenta)
    if cliente is None:
        raise invalid_fields({"numero_cuenta": f"no account {numero_cuenta} in this tenant"})
    return cliente.id


async def create(session: AsyncSession, tenant_id: TenantId, data: UserCreate, *,
                 actor_role: Role | None) -> User:
    _check_role_allowed(tenant_id, actor_role, data.role)
    users = UserRepository(session, tenant_id)
    email = data.email.lower()
    if await users.get_by_email(email) is not None:
        raise Conflict(f"A user with e-mail {email} already exists in this tenant.")
    cliente_id = await _cliente_binding(session, tenant_id, data.role, data.numero_cuenta)
    return await users.add(User(
        email=email, nombre=data.nombre, role=data.role, cliente_id=cliente_id, activo=True,
        password_hash=await hash_password(data.password),
    ))


async def principal(session: AsyncSession, tenant_id: TenantId,
                    user_id: uuid.UUID) -> Principal | None:
    """Who the token's user is now (role, binding), or None when inactive or gone: read on
    every request, so a demotion or deactivation takes effect at once."""
    row = await UserRepository(session, tenant_id).principal(user_id)
    if row is None or not row["activo"]:
        return None
    return Principal(user_id=row["id"], tenant_id=tenant_id, email=row["email"],
                     nombre=row["nombre"], role=Role(row["role"]), cliente_id=row["cliente_id"])


async def find(session: AsyncSession, tenant_id: TenantId, user_id: uuid.UUID) -> User | None:
    return await UserRepository(session, tenant_id).get(user_id)


async def get(session: AsyncSession, tenant_id: TenantId, user_id: uuid.UUID) -> User:
    user = await find(session, tenant_id, user_id)
    if user is None:
        raise _not_found()
    return user


async def find_by_email(session: AsyncSession, tenant_id: TenantId, email: str) -> User | None:
    return await UserRepository(session, tenant_id).get_by_email(email)


async def list_page(session: AsyncSession, tenant_id: TenantId, params: PageParams, *,
                    role: Role | None, activo: bool | None) -> tuple[Sequence[User], int]:
    return await UserRepository(session, tenant_id).list_page(params, role=role, activo=activo)


async def update(session: AsyncSession, actor: Principal, user_id: uuid.UUID,
                 data: UserUpdate) -> User:
    user = await get(session, actor.tenant_id, user_id)
    changes = sent_changes(data)
    if user.id == actor.user_id and (
        changes.get("activo") is False or changes.get("role", user.role) != user.role
    ):
        raise Conflict("You cannot deactivate yourself or change your own role.")

    role = Role(changes.get("role", user.role))
    if role != user.role:
        _check_role_allowed(actor.tenant_id, actor.role, role)
    keeps_account = role == Role.cliente and "numero_cuenta" not in changes and user.cliente_id
    if ("role" in changes or "numero_cuenta" in changes) and not keeps_account:
        user.cliente_id = await _cliente_binding(session, actor.tenant_id, role,
                                                 changes.get("numero_cuenta"))
    user.role = role
    if "nombre" in changes:
        user.nombre = changes["nombre"]
    if "activo" in changes:
        user.activo = changes["activo"]
    await UserRepository(session, actor.tenant_id).flush()
    return user


async def deactivate(session: AsyncSession, actor: Principal, user_id: uuid.UUID) -> None:
    await update(session, actor, user_id, UserUpdate(activo=False))


async def set_password(session: AsyncSession, user: User, password: str) -> None:
    user.password_hash = await hash_password(password)
    await UserRepository(session, TenantId(user.tenant_id)).flush()
