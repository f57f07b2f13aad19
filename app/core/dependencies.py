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


async def get_tenant_id(request: Request) -> TenantId:
    return (await get_tenant(request)).id


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
DatabaseDep = Annotated[Database, Depends(get_database)]
TenantDep = Annotated[ResolvedTenant, Depends(get_tenant)]
TenantIdDep = Annotated[TenantId, Depends(get_tenant_id)]


READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's unit of work, bound to its tenant.

    Scoped to the path function: it commits before the response is sent, so a failed commit
    becomes an error response instead of a success the database does not hold. (It reads the
    database and the tenant from the request rather than through sub-dependencies: every
    route takes it, and each dependency level costs the request path.)
    """
    async with (await get_database(request)).session(
            await get_tenant_id(request), writes=request.method not in READ_METHODS) as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
