"""The tenant of a unit of work, and the safety net that enforces it on every ORM query.

`TenantId` values come only from the tenancy dependency (or the CLI, which names a tenant
explicitly). A session is bound to one with `bind_tenant`; every ORM SELECT, UPDATE and DELETE
that touches a `TenantScoped` entity then gets `tenant_id = :tenant` added, and such a query on
a session with no tenant raises instead of reading every tenant's rows.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NewType

from psycopg import AsyncConnection
from sqlalchemy import BindParameter, Table, bindparam, event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria
from sqlalchemy.sql.util import find_tables

from app.core import clock
from app.core.models import TenantScoped

TenantId = NewType("TenantId", str)

_TENANT_KEY = "tenant_id"


class TenantNotSetError(RuntimeError):
    """A tenant-scoped query ran on a session that is bound to no tenant."""


def _sync(session: AsyncSession | Session) -> Session:
    return session.sync_session if isinstance(session, AsyncSession) else session


def bind_tenant(session: AsyncSession | Session, tenant_id: TenantId) -> None:
    """Bind a session that has not begun yet to a tenant (ORM filter and row-level security)."""
    sync_session = _sync(session)
    if sync_session.in_transaction():
        raise RuntimeError("bind_tenant on a session that has begun; use switch_tenant")
    sync_session.info[_TENANT_KEY] = tenant_id


async def switch_tenant(session: AsyncSession, tenant_id: TenantId) -> None:
    """Move a session, possibly mid-transaction, to another tenant (platform operations)."""
    session.sync_session.info[_TENANT_KEY] = tenant_id
    if session.in_transaction():
        connection = await session.connection()
        await connection.run_sync(lambda sync_conn: _set_database_tenant(sync_conn, tenant_id))


def session_tenant(session: AsyncSession | Session) -> TenantId | None:
    return _sync(session).info.get(_TENANT_KEY)


def _set_database_tenant(connection: Any, tenant_id: str) -> None:
    if connection.dialect.name == "postgresql":
        # Transaction-local (is_local = true): a pooled connection never carries it further.
        # Sent through the driver's cursor: it runs at the start of every transaction, and
        # SQLAlchemy's statement machinery cost more than the round trip.
        cursor = connection.connection.cursor()
        try:
            cursor.execute("SELECT set_config('app.tenant_id', %(tenant_id)s, true)",
                           {"tenant_id": tenant_id})
        finally:
            cursor.close()


def _touches_tenant_tables(statement: Any) -> bool:
    tables = find_tables(statement, include_aliases=True, include_joins=True, include_crud=True)
    return any(isinstance(t, Table) and "tenant_id" in t.c for t in tables)


_DRIVER_KEY = "driver_connection"


@event.listens_for(Session, "after_begin")
def _on_begin(session: Session, _transaction: Any, connection: Any) -> None:
    tenant_id = session.info.get(_TENANT_KEY)
    if tenant_id is not None:
        _set_database_tenant(connection, tenant_id)
        if connection.dialect.name == "postgresql":
            session.info[_DRIVER_KEY] = connection.connection.driver_connection


@event.listens_for(Session, "after_transaction_end")
def _on_end(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        session.info.pop(_DRIVER_KEY, None)


def transaction_driver(session: AsyncSession) -> "AsyncConnection[Any] | None":
    """The driver connection of the session's transaction on PostgreSQL, once it has begun
    with a tenant (None before, and after it ends)."""
    return session.sync_session.info.get(_DRIVER_KEY)


# One criterion for every statement: the tenant is a bound parameter, not a value captured by
# the lambda, so SQLAlchemy analyses the lambda once and caches the compiled statements, where
# a criterion closing over each request's tenant was analysed again on every execution.
_TENANT_PARAM = "tenant_scope_"
_TENANT_BIND: BindParameter[str] = bindparam(_TENANT_PARAM)
_TENANT_CRITERIA = with_loader_criteria(
    TenantScoped,
    lambda cls: cls.tenant_id == _TENANT_BIND,
    include_aliases=True,
    track_closure_variables=False,
)


@event.listens_for(Session, "do_orm_execute")
def _scope_to_tenant(state: ORMExecuteState) -> None:
    if not (state.is_select or state.is_update or state.is_delete):
        return
    tenant_id = state.session.info.get(_TENANT_KEY)
    if tenant_id is None:
        if _touches_tenant_tables(state.statement):
            raise TenantNotSetError("tenant-scoped query on a session bound to no tenant")
        return
    state.statement = state.statement.options(_TENANT_CRITERIA)
    parameters = state.parameters
    if isinstance(parameters, Mapping) or parameters is None:
        state.parameters = {**(parameters or {}), _TENANT_PARAM: tenant_id}
    else:  # executemany (bulk UPDATE by primary key)
        state.parameters = [{**row, _TENANT_PARAM: tenant_id} for row in parameters]


@dataclass(frozen=True)
class ResolvedTenant:
    """The tenant a request runs under, as the tenancy middleware resolved it."""

    id: TenantId
    nombre: str
    estado: str
    timezone: str

    def local_date(self, moment: datetime | None = None) -> date:
        """The tenant's date of `moment` (default now): business dates such as deadlines and
        filing days are the tenant's, not the server's."""
        return clock.local_date(self.timezone, moment)
