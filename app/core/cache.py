"""What the replicas share in Redis (REDIS_URL), when it is configured: small JSON values
with a TTL, and counters. Optional by design: every operation that fails (Redis down, a
timeout) is logged (once a minute at most) and answered as a miss, so the caller goes to
the database and the service keeps answering."""

import asyncio
import json
import logging
import time
from typing import Any

import redis.asyncio as redis
from redis.exceptions import RedisError
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from app.core.config import Settings

logger = logging.getLogger("app.cache")
PREFIX = "cunservicios:"
_WARN_EVERY_SECONDS = 60.0


class SharedCache:
    def __init__(self, url: str, *, timeout_seconds: float = 0.5,
                 report_ttl_seconds: float = 300.0) -> None:
        self.report_ttl_seconds = report_ttl_seconds  # how long a report's result is kept
        self._client = redis.Redis.from_url(url, socket_timeout=timeout_seconds,
                                            socket_connect_timeout=timeout_seconds)
        self._warned_at = float("-inf")

    async def get_json(self, key: str) -> Any | None:
        _, raw = await self._call("GET", PREFIX + key)
        return json.loads(raw) if raw is not None else None

    async def set_json(self, key: str, value: Any, ttl_seconds: float) -> None:
        await self._call("SET", PREFIX + key, json.dumps(value, separators=(",", ":")),
                         "PX", max(1, int(ttl_seconds * 1000)))

    async def delete(self, key: str) -> None:
        await self._call("DEL", PREFIX + key)

    async def counter(self, key: str) -> int | None:
        """The counter's value (0 when never moved); None when Redis does not answer."""
        answered, raw = await self._call("GET", PREFIX + key)
        return int(raw) if raw is not None else (0 if answered else None)

    async def increment(self, key: str) -> None:
        await self._call("INCR", PREFIX + key)

    async def close(self) -> None:
        await self._client.aclose()

    async def _call(self, *command: Any) -> tuple[bool, Any]:
        """(whether Redis answered, its answer)."""
        try:
            return True, await self._client.execute_command(*command)
        except (RedisError, OSError) as exc:
            now = time.monotonic()
            if now - self._warned_at > _WARN_EVERY_SECONDS:
                self._warned_at = now
                logger.warning("Redis does not answer (%s); working from the database", exc)
            return False, None


def shared_cache_of(settings: Settings) -> SharedCache | None:
    """The process's shared cache: Redis at REDIS_URL, or none."""
    if not settings.redis_url:
        return None
    return SharedCache(settings.redis_url, report_ttl_seconds=settings.report_cache_seconds)


SESSION_KEY = "shared_cache"
_AFTER_COMMIT = "shared_cache_after_commit"
_background: set[asyncio.Task[None]] = set()


def cache_of(session: AsyncSession) -> SharedCache | None:
    """The shared cache of the unit of work's process (Database puts it there), if any."""
    cache: SharedCache | None = session.sync_session.info.get(SESSION_KEY)
    return cache


async def increment_around_commit(session: AsyncSession, key: str) -> None:
    """Moves a generation counter now and again once the session commits: a reader that
    computed from the data before the commit, in between, cached under a generation that the
    second move leaves behind."""
    cache = cache_of(session)
    if cache is None:
        return
    await cache.increment(key)
    session.sync_session.info.setdefault(_AFTER_COMMIT, set()).add(key)


@event.listens_for(Session, "after_commit")
def _increment_committed(session: Session) -> None:
    keys = session.info.pop(_AFTER_COMMIT, ())
    cache: SharedCache | None = session.info.get(SESSION_KEY)
    if cache is None:
        return
    for key in keys:
        task = asyncio.get_running_loop().create_task(cache.increment(key))
        _background.add(task)
        task.add_done_callback(_background.discard)


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session: Session) -> None:
    session.info.pop(_AFTER_COMMIT, None)
