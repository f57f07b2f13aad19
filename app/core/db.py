"""Engine, sessions and the per-request unit of work."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import StaticPool

from app.core.tenant import TenantId, bind_tenant


def create_engine(url: str, *, pool_size: int = 10, max_overflow: int = 10, echo: bool = False,
                  ) -> AsyncEngine:
    parsed = make_url(url)
    kwargs: dict[str, Any] = {"echo": echo}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database in (None, "", ":memory:"):
            kwargs["poolclass"] = StaticPool
        kwargs["connect_args"] = {"timeout": 30}
    else:
        kwargs.update(pool_size=pool_size, max_overflow=max_overflow, pool_pre_ping=True)
    engine = create_async_engine(url, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        _configure_sqlite(engine)
    return engine


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
        connection.exec_driver_sql("BEGIN")


def is_postgres(session: AsyncSession) -> bool:
    """PostgreSQL-only paths (COPY, set-based billing, row locks) check this."""
    return session.get_bind().dialect.name == "postgresql"


class Database:
    """The engine and the session factory the app uses.

    Tests build one around a connection in an open transaction, so every session of a test
    (including the tenant lookup of the middleware) sees that test's uncommitted rows.
    """

    def __init__(self, bind: AsyncEngine | AsyncConnection, *, owns_engine: bool = True) -> None:
        self.bind = bind
        self.owns_engine = owns_engine and isinstance(bind, AsyncEngine)
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
    async def session(self, tenant_id: TenantId | None = None) -> AsyncIterator[AsyncSession]:
        """A unit of work: commits when the block succeeds, rolls back when it raises."""
        async with self.session_factory() as session:
            if tenant_id is not None:
                bind_tenant(session, tenant_id)
            try:
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                raise

    async def ping(self) -> None:
        """One round trip to the database; raises when it does not answer."""
        async with self.session() as session:
            await session.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        if self.owns_engine:
            await self.bind.dispose()  # type: ignore[union-attr]
