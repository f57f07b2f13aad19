"""Tenant look-ups for the resolving middleware.

Without Redis each process caches them for TENANT_CACHE_TTL_SECONDS, so a suspension reaches
the other processes within that time. With Redis (REDIS_URL) the cache is Redis itself,
shared by every replica, and a change deletes the entry after it commits: the next request,
on any replica, reads the database. If Redis does not answer, every look-up reads the
database (never a cache that a change on another replica could not reach).
"""

import dataclasses
import time

from sqlalchemy import select

from app.core.cache import SharedCache
from app.core.db import Database
from app.core.tenant import ResolvedTenant, TenantId
from app.tenancy.models import Tenant

SHARED_TTL_SECONDS = 300.0  # bounds staleness should an invalidation ever be lost


def _key(slug: str) -> str:
    return f"tenant:{slug}"


class TenantDirectory:
    def __init__(self, database: Database, ttl_seconds: float,
                 shared: SharedCache | None = None) -> None:
        self._database = database
        self._ttl = ttl_seconds
        self._shared = shared
        self._cache: dict[str, tuple[float, ResolvedTenant]] = {}

    async def get(self, slug: str) -> ResolvedTenant | None:
        if self._shared is not None:
            found = await self._shared.get_json(_key(slug))
            if found is not None and found.get("id") == slug:
                return ResolvedTenant(**found)
        cached = self._cache.get(slug)
        now = time.monotonic()
        if cached is not None and cached[0] > now:
            return cached[1]
        resolved = await self._load(slug)
        if resolved is None:
            self._cache.pop(slug, None)
            return None
        if self._shared is not None:
            await self._shared.set_json(_key(slug), dataclasses.asdict(resolved),
                                        SHARED_TTL_SECONDS)
        elif self._ttl > 0:
            self._cache[slug] = (now + self._ttl, resolved)
        return resolved

    async def _load(self, slug: str) -> ResolvedTenant | None:
        # The tenants table holds no tenant rows, so this session needs no tenant.
        async with self._database.session(writes=False) as session:
            tenant = await session.scalar(select(Tenant).where(Tenant.id == slug))
        if tenant is None:
            return None
        return ResolvedTenant(id=TenantId(tenant.id), nombre=tenant.nombre,
                              estado=tenant.estado, timezone=tenant.timezone)

    async def invalidate(self, slug: str) -> None:
        """After a change to the tenant has committed."""
        self._cache.pop(slug, None)
        if self._shared is not None:
            await self._shared.delete(_key(slug))
