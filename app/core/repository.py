"""The base of every repository of tenant-owned rows.

A repository is built with a session and a tenant and cannot be built without one: every
SELECT it makes filters by the tenant, every INSERT sets it. (The session's safety net in
`app.core.tenant` and, on PostgreSQL, row-level security stand behind it.)
"""

import uuid
from collections.abc import AsyncIterator, Sequence
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped
from sqlalchemy.orm.attributes import set_attribute

from app.core.pagination import PageParams
from app.core.reads import PagedRead, Row, TenantRead
from app.core.tenant import TenantId


async def page_of(session: AsyncSession, statement: Select[Any], params: PageParams,
                  ) -> tuple[Sequence[Any], int]:
    """One page of the statement's entities and the total (counted only when the page does
    not tell it)."""
    rows = (await session.scalars(statement.limit(params.limit).offset(params.offset))).all()
    if (last := params.total_if_last(len(rows))) is not None:
        return rows, last
    total = await session.scalar(
        select(func.count()).select_from(statement.order_by(None).subquery()))
    return rows, total or 0


class TenantKeyed(Protocol):
    """A tenant-owned model keyed by (tenant_id, id): TenantScoped with UUIDKeyed."""

    tenant_id: Mapped[str]
    id: Mapped[uuid.UUID]


M = TypeVar("M", bound=TenantKeyed)

_BY_ID: dict[type[Any], Select[Any]] = {}


def _by_id(model: type[M]) -> Select[M]:
    """One statement per model, built once: a look-up by key runs on almost every request."""
    if (statement := _BY_ID.get(model)) is None:
        statement = _BY_ID[model] = select(model).where(
            model.tenant_id == bindparam("tenant_id"), model.id == bindparam("id"))
    return statement


class ScopedRepository:
    """Bound to a session and one tenant; the base of every repository of tenant rows."""

    def __init__(self, session: AsyncSession, tenant_id: TenantId) -> None:
        if not tenant_id:
            raise ValueError("a tenant repository needs a tenant")
        self.session = session
        self.tenant_id = tenant_id

    async def flush(self) -> None:
        await self.session.flush()

    async def rows(self, read: TenantRead, **params: Any) -> list[Row]:
        return await read.all(self.session, params, tenant_id=self.tenant_id)

    def stream_rows(self, read: TenantRead, **params: Any) -> AsyncIterator[Row]:
        return read.stream(self.session, params, tenant_id=self.tenant_id)

    async def first(self, read: TenantRead, **params: Any) -> Row | None:
        rows = await self.rows(read, **params)
        return rows[0] if rows else None

    async def page_rows(self, read: PagedRead, params: PageParams, **values: Any,
                        ) -> tuple[list[Row], int]:
        """A page of rows and the total; the count runs only when the page does not tell."""
        rows = await self.rows(read.page, limit=params.limit, offset=params.offset, **values)
        if (total := params.total_if_last(len(rows))) is not None:
            return rows, total
        (count,) = await self.rows(read.count, **values)
        return rows, count["total"]


class TenantRepository(ScopedRepository, Generic[M]):
    """The repository of one model keyed by (tenant_id, id)."""

    model: type[M]

    def select(self) -> Select[M]:
        return select(self.model).where(self.model.tenant_id == self.tenant_id)

    async def get(self, id_: uuid.UUID) -> M | None:
        return await self.session.scalar(_by_id(self.model),
                                         {"tenant_id": self.tenant_id, "id": id_})

    async def get_for_update(self, id_: uuid.UUID) -> M | None:
        """The row, locked until the transaction ends, with what is in the database now even
        when this session had loaded it before the lock."""
        return await self.session.scalar(
            self.select().where(self.model.id == id_).with_for_update()
            .execution_options(populate_existing=True))

    async def add(self, obj: M) -> M:
        set_attribute(obj, "tenant_id", self.tenant_id)  # whatever the caller set
        self.session.add(obj)
        await self.session.flush()
        return obj

    async def delete(self, obj: M) -> None:
        await self.session.delete(obj)
        await self.session.flush()

    async def stream(self, statement: Select[Any], *, batch: int = 1000) -> AsyncIterator[M]:
        """The statement's entities one by one from a server-side cursor (exports)."""
        async for entity in await self.session.stream_scalars(
                statement.execution_options(yield_per=batch)):
            yield entity

    async def count_of(self, statement: Select[Any]) -> int:
        return await self.session.scalar(
            select(func.count()).select_from(statement.order_by(None).subquery())) or 0

    async def page(self, statement: Select[Any], params: PageParams,
                   ) -> tuple[Sequence[M], int]:
        return await page_of(self.session, statement, params)
