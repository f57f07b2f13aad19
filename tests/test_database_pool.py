"""The connection pool: a connection that died while pooled never reaches a request, and one
used a moment ago is not pinged again."""

import asyncio

import psycopg
import pytest
from sqlalchemy import text

from app.core.db import create_engine, libpq_url

pytestmark = pytest.mark.postgres


async def _backend_pid(engine) -> int:
    async with engine.connect() as connection:
        return await connection.scalar(text("SELECT pg_backend_pid()"))


async def test_a_connection_that_died_while_idle_is_replaced_unseen(settings):
    engine = create_engine(settings.database_url, pool_size=1, max_overflow=0,
                           ping_after_idle=0.05)
    try:
        pid = await _backend_pid(engine)
        dsn = libpq_url(settings.database_url)
        with psycopg.connect(dsn, autocommit=True) as other:  # a restart, as the pool sees it
            assert other.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone()[0]
        await asyncio.sleep(0.1)
        assert await _backend_pid(engine) != pid  # no error: the pool replaced it
    finally:
        await engine.dispose()


async def test_a_connection_used_a_moment_ago_is_not_pinged(settings, monkeypatch):
    engine = create_engine(settings.database_url, pool_size=1, max_overflow=0,
                           ping_after_idle=60)
    pings: list[object] = []
    ping = engine.dialect.do_ping
    monkeypatch.setattr(engine.dialect, "do_ping",
                        lambda connection: pings.append(connection) or ping(connection))
    try:
        pids = {await _backend_pid(engine) for _ in range(3)}
        assert len(pids) == 1  # one pooled connection, reused
        assert len(pings) == 1  # checked once, when it was new to the pool
    finally:
        await engine.dispose()
