"""Reads on the request path without the ORM's per-statement work.

A `TenantRead` is a Core SELECT that a repository builds once. It is checked when it is built:
every tenant table it touches must be compared with the `:tenant_id` parameter, or building it
fails (at import, long before a request). When it runs, the tenant comes from the session the
unit of work was bound to, never from the caller, and a session bound to no tenant fails
closed. On PostgreSQL it is compiled once and sent on the session's own connection (same
transaction, so the tenant's `set_config` and row-level security apply) through the driver,
rows coming back as dicts; elsewhere it runs through SQLAlchemy Core.

What it skips, per execution, is what made each read cost twice the driver's time: the ORM
compile state, the statement cache key, result processing and entity loading.
"""

from collections.abc import AsyncIterator, Mapping
from typing import Any, cast

from psycopg import AsyncConnection
from psycopg import Error as PsycopgError
from psycopg.rows import dict_row
from sqlalchemy import (
    BinaryExpression,
    BindParameter,
    Column,
    FromClause,
    Select,
    Subquery,
    Table,
    bindparam,
    func,
    select,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import operators
from sqlalchemy.sql.util import find_tables
from sqlalchemy.sql.visitors import iterate

from app.core.tenant import TenantId, TenantNotSetError, session_tenant, transaction_driver

TENANT_PARAM = "tenant_id"

Row = dict[str, Any]


class UnscopedReadError(ValueError):
    """A read touches a tenant table that it does not filter by `:tenant_id`."""


def _tenant_column(element: Any) -> Table | None:
    if isinstance(element, Column) and element.name == TENANT_PARAM \
            and isinstance(element.table, Table):
        return element.table
    return None


def _scoped_tables(statement: Select[*tuple[Any, ...]]) -> set[Table]:
    """The tables whose rows the statement limits to `:tenant_id`: compared with the parameter
    (`t.tenant_id = :tenant_id`), or with the tenant column of a table that is
    (`p.tenant_id = f.tenant_id`, as a join condition says)."""
    scoped: set[Table] = set()
    pairs: list[tuple[Table, Table]] = []
    for element in iterate(statement):
        if not (isinstance(element, BinaryExpression) and element.operator is operators.eq):
            continue
        left, right = _tenant_column(element.left), _tenant_column(element.right)
        if left is not None and right is not None:
            pairs.append((left, right))
        for table, other in ((left, element.right), (right, element.left)):
            if (table is not None and isinstance(other, BindParameter)
                    and other.key == TENANT_PARAM):
                scoped.add(table)
    grown = True
    while grown:
        grown = False
        for a, b in pairs:
            if (a in scoped) != (b in scoped):
                scoped |= {a, b}
                grown = True
    return scoped


def check_scoped(statement: Select[*tuple[Any, ...]]) -> None:
    # find_tables is typed as returning tables, but a subquery is one of what it returns.
    tables: list[FromClause] = [*find_tables(statement, include_aliases=True,
                                             include_joins=True)]
    scoped = _scoped_tables(statement)
    for table in tables:
        if isinstance(table, Subquery):  # its own tables are in the list too
            continue
        if not isinstance(table, Table):
            raise UnscopedReadError(f"a tenant read cannot check {table!r}: use tables")
        if TENANT_PARAM in table.c and table not in scoped:
            raise UnscopedReadError(
                f"the read touches {table.name} without '{table.name}.tenant_id = :tenant_id'")


class TenantRead:
    """One checked SELECT of a tenant's rows, run with the session's tenant."""

    def __init__(self, statement: Select[*tuple[Any, ...]]) -> None:
        check_scoped(statement)
        self.statement = statement
        self._postgresql: tuple[str, dict[str, Any]] | None = None

    def _compile(self, dialect: Dialect, values: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """The SQL for the driver and the values the statement itself carries. Its IN lists of
        literal values are expanded once: a statement's own values do not change."""
        result = self.statement.compile(dialect=dialect)
        if any(bind.expanding and bind.value is None for bind in result.binds.values()):
            raise ValueError("a tenant read cannot take a list parameter")
        expanded = result.construct_expanded_state(values)
        return expanded.statement, {key: value for key, value in expanded.parameters.items()
                                    if key not in values}

    @staticmethod
    def _with_tenant(session: AsyncSession, params: Mapping[str, Any],
                     tenant_id: TenantId) -> dict[str, Any]:
        """The parameters with the session's tenant, which must be the caller's."""
        if TENANT_PARAM in params:
            raise ValueError("a tenant read takes its tenant from the session")
        bound = session_tenant(session)
        if bound is None:
            raise TenantNotSetError("tenant read on a session bound to no tenant")
        if bound != tenant_id:
            raise TenantNotSetError("tenant read for another tenant than the session's")
        return {**params, TENANT_PARAM: bound}

    async def stream(self, session: AsyncSession, params: Mapping[str, Any], *,
                     tenant_id: TenantId, batch: int = 1000) -> AsyncIterator[Row]:
        """The rows one by one from a server-side cursor, `batch` at a time: memory stays
        flat however many there are (exports). In the session's transaction, as `all`."""
        params = self._with_tenant(session, params, tenant_id)
        result = await session.stream(self.statement.execution_options(yield_per=batch),
                                      params)
        async for row in result.mappings():
            yield dict(row)

    async def all(self, session: AsyncSession, params: Mapping[str, Any], *,
                  tenant_id: TenantId) -> list[Row]:
        """The rows, as dicts. `tenant_id` is the caller's (a repository's) tenant: it must be
        the session's, which is what the statement receives."""
        params = self._with_tenant(session, params, tenant_id)
        if (driver := transaction_driver(session)) is None:
            connection = await session.connection()  # begins the transaction
            if connection.dialect.name != "postgresql":
                result = await connection.execute(self.statement, params)
                return [dict(row) for row in result.mappings()]
            driver = cast("AsyncConnection[Any]",
                          (await connection.get_raw_connection()).driver_connection)
        if self._postgresql is None:
            self._postgresql = self._compile(session.sync_session.get_bind().dialect, params)
        sql, defaults = self._postgresql
        values = {**defaults, **params}
        try:
            async with driver.cursor(row_factory=dict_row) as cursor:
                await cursor.execute(sql, values)
                rows: list[Row] = await cursor.fetchall()
                return rows
        except PsycopgError as exc:  # the same errors, and handlers, as any other statement
            raise DBAPIError.instance(sql, values, exc, PsycopgError) from exc


class PagedRead:
    """A listing's page (`:limit`, `:offset`), its count, and all of it (for exports), from
    one ordered statement."""

    def __init__(self, statement: Select[*tuple[Any, ...]]) -> None:
        self.all = TenantRead(statement)
        self.page = TenantRead(
            statement.limit(bindparam("limit")).offset(bindparam("offset")))
        self.count = TenantRead(select(func.count().label("total")).select_from(
            statement.order_by(None).subquery()))
