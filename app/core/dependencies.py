"""Typed dependencies shared by every domain's router."""

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.core.db import Database
from app.core.tenant import ResolvedTenant, TenantId


async def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


async def get_tenant(request: Request) -> ResolvedTenant:
    tenant: ResolvedTenant | None = getattr(request.state, "tenant", None)
    if tenant is None:  # only /api routes are resolved; a route outside it must not ask
        raise RuntimeError("no tenant was resolved for this request")
    return tenant


async def get_tenant_id(tenant: Annotated[ResolvedTenant, Depends(get_tenant)]) -> TenantId:
    return tenant.id


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
DatabaseDep = Annotated[Database, Depends(get_database)]
TenantDep = Annotated[ResolvedTenant, Depends(get_tenant)]
TenantIdDep = Annotated[TenantId, Depends(get_tenant_id)]


async def get_session(database: DatabaseDep, tenant_id: TenantIdDep,
                      ) -> AsyncIterator[AsyncSession]:
    """The request's unit of work, bound to its tenant.

    Scoped to the path function: it commits before the response is sent, so a failed commit
    becomes an error response instead of a success the database does not hold.
    """
    async with database.session(tenant_id) as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
