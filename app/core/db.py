"""Engine, sessions and the per-request unit of work."""

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import StaticPool

from app.core import metrics
from app.core.cache import SESSION_KEY, SharedCache
from app.core.tenant import TenantId, bind_tenant

# A pooled connection idle longer than this is pinged before it is handed out.
PING_AFTER_IDLE_SECONDS = 1.0


def create_engine(url: str, *, pool_size: int = 10, max_overflow: int = 10, echo: bool = False,
                  ping_after_idle: float = PING_AFTER_IDLE_SECONDS) -> AsyncEngine:
    parsed = make_url(url)
    kwargs: dict[str, Any] = {"echo": echo}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database in (None, "", ":memory:"):
            kwargs["poolclass"] = StaticPool
        kwargs["connect_args"] = {"timeout": 30}
    else:
        kwargs.update(pool_size=pool_size, max_overflow=max_overflow)
    engine = create_async_engine(url, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        _configure_sqlite(engine)
    else:
        _ping_idle_connections(engine, ping_after_idle)
    _count_connections_in_use(engine)  # after the ping: a connection that fails it is not out
    return engine


_LAST_CHECKIN = "last_checkin"


def _count_connections_in_use(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "checkout")
    def _out(_dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        metrics.DB_POOL_IN_USE.inc()

    @event.listens_for(engine.sync_engine, "checkin")
    def _in(_dbapi_connection: Any, _record: Any) -> None:
        metrics.DB_POOL_IN_USE.dec()


def _ping_idle_connections(engine: AsyncEngine, idle_seconds: float) -> None:
    """SQLAlchemy's pre-ping, only for connections that sat idle in the pool.

    A ping on every checkout is a round trip per request (a tenth of a portal read's time),
    spent on connections used a millisecond earlier. A connection that died while pooled (a
    database restart or failover, a proxy's idle timeout) has been idle at least that long:
    it fails the ping and the pool replaces it before any request sees it.
    """

    @event.listens_for(engine.sync_engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if time.monotonic() - record.info.get(_LAST_CHECKIN, 0.0) <= idle_seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            raise DisconnectionError("a pooled connection failed its ping") from exc

    @event.listens_for(engine.sync_engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info[_LAST_CHECKIN] = time.monotonic()


def _configure_sqlite(engine: AsyncEngine) -> None:
    """Foreign keys on, and transactions that really begin, so SAVEPOINTs work.

    pysqlite's own transaction handling defers BEGIN and breaks savepoints; SQLAlchemy's
    documented recipe turns it off and emits BEGIN itself.
    """

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql(
            "BEGIN " + connection.get_execution_options().get(_SQLITE_BEGIN, ""))


# SQLite: a unit of work that will write begins IMMEDIATE, taking the write lock first (it
# waits its turn). One that read first and then tried to write, after another connection
# wrote, would fail at once ("database is locked"): its snapshot is stale.
_SQLITE_BEGIN = "sqlite_begin"
_WRITER_OPTIONS = {_SQLITE_BEGIN: "IMMEDIATE"}


def libpq_url(database_url: str) -> str:
    """The libpq connection string (what psycopg itself takes) of a SQLAlchemy URL."""
    return database_url.replace("postgresql+psycopg://", "postgresql://", 1)


def is_postgres(session: AsyncSession) -> bool:
    """PostgreSQL-only paths (COPY, set-based billing, row locks) check this."""
    return session.get_bind().dialect.name == "postgresql"


class Database:
    """The engine and the session factory the app uses.

    Tests build one around a connection in an open transaction, so every session of a test
    (including the tenant lookup of the middleware) sees that test's uncommitted rows.
    """

    def __init__(self, bind: AsyncEngine | AsyncConnection, *, owns_engine: bool = True,
                 shared_cache: SharedCache | None = None) -> None:
        self.bind = bind
        self.owns_engine = owns_engine and isinstance(bind, AsyncEngine)
        # Redis, when configured: every unit of work can reach it (cache.cache_of).
        self.shared_cache = shared_cache
        self.session_factory = async_sessionmaker(
            bind=bind,
            expire_on_commit=False,
            autoflush=False,
            join_transaction_mode="create_savepoint",
        )

    @property
    def dialect_name(self) -> str:
        return self.bind.dialect.name

    @asynccontextmanager
    async def session(self, tenant_id: TenantId | None = None, *,
                      writes: bool = True) -> AsyncIterator[AsyncSession]:
        """A unit of work: commits when the block succeeds, rolls back when it raises.
        `writes=False`: it only reads (on SQLite it then leaves the write lock to others)."""
        session = self.session_factory(
            execution_options=_WRITER_OPTIONS if writes and self.dialect_name == "sqlite"
            else None)
        if self.shared_cache is not None:
            session.sync_session.info[SESSION_KEY] = self.shared_cache
        if tenant_id is not None:
            bind_tenant(session, tenant_id)
        try:
            yield session
            await session.commit()
        except BaseException:
            async with session:  # rolls back and closes, even when the request is cancelled
                raise
        # Committed, its connection is back in the pool: closing does no I/O, so it needs none
        # of the shielding `async with` gives (a task per request).
        await session.close()

    async def ping(self) -> None:
        """One round trip to the database; raises when it does not answer."""
        async with self.session(writes=False) as session:
            await session.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        if self.owns_engine:
            await self.bind.dispose()  # type: ignore[union-attr]
