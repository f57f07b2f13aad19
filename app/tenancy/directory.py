"""Tenant look-ups for the resolving middleware, cached in-process with a short TTL."""

import time

from sqlalchemy import select

from app.core.db import Database
from app.core.tenant import ResolvedTenant, TenantId
from app.tenancy.models import Tenant


class TenantDirectory:
    def __init__(self, database: Database, ttl_seconds: float) -> None:
        self._database = database
        self._ttl = ttl_seconds
        self._cache: dict[str, tuple[float, ResolvedTenant]] = {}

    async def get(self, slug: str) -> ResolvedTenant | None:
        cached = self._cache.get(slug)
        now = time.monotonic()
        if cached is not None and cached[0] > now:
            return cached[1]
        # The tenants table holds no tenant rows, so this session needs no tenant.
        async with self._database.session(writes=False) as session:
            tenant = await session.scalar(select(Tenant).where(Tenant.id == slug))
        if tenant is None:
            self._cache.pop(slug, None)
            return None
        resolved = ResolvedTenant(
            id=TenantId(tenant.id), nombre=tenant.nombre, estado=tenant.estado,
            timezone=tenant.timezone,
        )
        if self._ttl > 0:
            self._cache[slug] = (now + self._ttl, resolved)
        return resolved

    def invalidate(self, slug: str | None = None) -> None:
        if slug is None:
            self._cache.clear()
        else:
            self._cache.pop(slug, None)
