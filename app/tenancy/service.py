"""Creating, renaming, suspending and reactivating tenants (the platform operator's work)."""

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import Conflict, NotFound
from app.core.pagination import PageParams
from app.core.schemas import sent_changes
from app.core.tenant import TenantId, session_tenant, switch_tenant
from app.tenancy.constants import PUBLIC_TENANT
from app.tenancy.models import Tenant, TenantEstado
from app.tenancy.repository import TenantsRepository
from app.tenancy.schemas import TenantCreate, TenantUpdate
from app.users import service as users_service
from app.users.models import Role
from app.users.schemas import UserCreate


async def create(session: AsyncSession, data: TenantCreate) -> Tenant:
    tenants = TenantsRepository(session)
    if await tenants.get(data.slug) is not None:
        raise Conflict(f"Tenant '{data.slug}' already exists.")
    tenant = await tenants.add(Tenant(id=data.slug, nombre=data.nombre, nit=data.nit,
                                      timezone=data.timezone, estado=TenantEstado.activo))
    if data.admin is not None:
        # Writing into the new tenant: move the unit of work there and back.
        caller_tenant = session_tenant(session)
        await switch_tenant(session, TenantId(tenant.id))
        await users_service.create(
            session, TenantId(tenant.id),
            UserCreate(email=data.admin.email, nombre=data.admin.nombre,
                       password=data.admin.password, role=Role.admin),
            actor_role=Role.superadmin,
        )
        if caller_tenant is not None:
            await switch_tenant(session, caller_tenant)
    return tenant


async def find(session: AsyncSession, slug: str) -> Tenant | None:
    return await TenantsRepository(session).get(slug)


async def get(session: AsyncSession, slug: str) -> Tenant:
    tenant = await find(session, slug)
    if tenant is None:
        raise NotFound(f"No tenant '{slug}'.")
    return tenant


async def list_page(session: AsyncSession, params: PageParams) -> tuple[Sequence[Tenant], int]:
    return await TenantsRepository(session).list_page(params)


async def update(session: AsyncSession, slug: str, data: TenantUpdate) -> Tenant:
    tenant = await get(session, slug)
    changes = sent_changes(data, nullable=frozenset({"nit"}))
    if changes.get("estado") == TenantEstado.suspendido and slug == PUBLIC_TENANT:
        raise Conflict("The public tenant cannot be suspended.")
    for column, value in changes.items():
        setattr(tenant, column, value)
    await TenantsRepository(session).flush()
    return tenant
