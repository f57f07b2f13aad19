from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import undefer

from app.core.pagination import PageParams
from app.tenancy.models import Tenant, TenantEstado


class TenantsRepository:
    """The tenants table is the platform's, not a tenant's: it is the one unscoped table."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, slug: str, *, with_logo: bool = False) -> Tenant | None:
        statement = select(Tenant).where(Tenant.id == slug)
        if with_logo:
            statement = statement.options(undefer(Tenant.logo))
        return await self.session.scalar(statement)

    async def add(self, tenant: Tenant) -> Tenant:
        self.session.add(tenant)
        await self.session.flush()
        return tenant

    async def flush(self) -> None:
        await self.session.flush()

    async def ids_activos(self) -> list[str]:
        return list((await self.session.scalars(
            select(Tenant.id).where(Tenant.estado == TenantEstado.activo).order_by(Tenant.id)
        )).all())

    async def list_page(self, params: PageParams) -> tuple[Sequence[Tenant], int]:
        total = await self.session.scalar(select(func.count()).select_from(Tenant)) or 0
        rows = await self.session.scalars(
            select(Tenant).order_by(Tenant.id).limit(params.limit).offset(params.offset)
        )
        return rows.all(), total
