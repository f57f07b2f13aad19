import uuid
from collections.abc import AsyncIterator, Sequence
from typing import Any

from sqlalchemy import Select, and_, func, insert, select

from app.core.db import is_postgres
from app.core.pagination import PageParams
from app.core.repository import TenantRepository
from app.lecturas.models import Lectura


class LecturaRepository(TenantRepository[Lectura]):
    model = Lectura

    async def find(self, cliente_id: uuid.UUID, periodo: str) -> Lectura | None:
        return await self.session.scalar(
            self.select().where(Lectura.cliente_id == cliente_id, Lectura.periodo == periodo))

    async def previous(self, cliente_id: uuid.UUID, periodo: str) -> Lectura | None:
        return await self.session.scalar(
            self.select().where(Lectura.cliente_id == cliente_id, Lectura.periodo < periodo)
            .order_by(Lectura.periodo.desc()).limit(1))

    async def has_later(self, cliente_id: uuid.UUID, periodo: str) -> bool:
        statement = select(func.count()).select_from(Lectura).where(
            Lectura.tenant_id == self.tenant_id, Lectura.cliente_id == cliente_id,
            Lectura.periodo > periodo)
        return bool(await self.session.scalar(statement))

    def _filtered(self, *, periodo: str | None, cliente_id: uuid.UUID | None,
                  ) -> Select[Lectura]:
        statement = self.select().order_by(Lectura.periodo.desc(), Lectura.cliente_id)
        if periodo is not None:
            statement = statement.where(Lectura.periodo == periodo)
        if cliente_id is not None:
            statement = statement.where(Lectura.cliente_id == cliente_id)
        return statement

    async def list_page(self, params: PageParams, **filters: Any,
                        ) -> tuple[Sequence[Lectura], int]:
        return await self.page(self._filtered(**filters), params)

    async def count(self, **filters: Any) -> int:
        return await self.count_of(self._filtered(**filters))

    def export(self, **filters: Any) -> AsyncIterator[Lectura]:
        return self.stream(self._filtered(**filters))

    async def latest(self) -> dict[uuid.UUID, tuple[str, int]]:
        """Every account's last reading: cliente_id -> (periodo, lectura_actual)."""
        last = (select(Lectura.cliente_id, func.max(Lectura.periodo).label("periodo"))
                .where(Lectura.tenant_id == self.tenant_id)
                .group_by(Lectura.cliente_id).subquery())
        rows = await self.session.execute(
            select(Lectura.cliente_id, Lectura.periodo, Lectura.lectura_actual).join(
                last, and_(Lectura.cliente_id == last.c.cliente_id,
                           Lectura.periodo == last.c.periodo))
            .where(Lectura.tenant_id == self.tenant_id))
        return {cliente_id: (periodo, reading) for cliente_id, periodo, reading in rows}

    async def of_periodo(self, periodo: str) -> dict[uuid.UUID, Lectura]:
        rows = await self.session.scalars(self.select().where(Lectura.periodo == periodo))
        return {lectura.cliente_id: lectura for lectura in rows}

    async def measured_before(self, periodo: str) -> dict[uuid.UUID, list[int]]:
        """Each account's measured consumptions before the period, most recent first."""
        history: dict[uuid.UUID, list[int]] = {}
        for cliente_id, consumo in await self.session.execute(
                select(Lectura.cliente_id, Lectura.consumo_m3)
                .where(Lectura.tenant_id == self.tenant_id, Lectura.periodo < periodo,
                       Lectura.consumo_m3.is_not(None))
                .order_by(Lectura.cliente_id, Lectura.periodo.desc())):
            if consumo is not None:  # the query keeps only measured ones
                history.setdefault(cliente_id, []).append(consumo)
        return history

    async def insert_many(self, rows: list[dict[str, Any]]) -> None:
        """Many readings at once: COPY on PostgreSQL, one multi-row INSERT elsewhere."""
        for row in rows:
            row["tenant_id"] = self.tenant_id
        if is_postgres(self.session):
            await self._copy(rows, list(rows[0]))
        else:
            await self.session.execute(insert(Lectura), rows)

    async def _copy(self, rows: list[dict[str, Any]], columns: Sequence[str]) -> None:
        """COPY into a temporary table, then one INSERT … SELECT: COPY itself cannot write to
        a table under row-level security, and the INSERT is checked by its policy."""
        connection = await self.session.connection()
        raw = await connection.get_raw_connection()
        driver = raw.driver_connection
        assert driver is not None  # a live connection of this session
        column_list = ", ".join(columns)
        async with driver.cursor() as cursor:
            await cursor.execute("DROP TABLE IF EXISTS _carga_lecturas")
            await cursor.execute(
                "CREATE TEMP TABLE _carga_lecturas (LIKE lecturas INCLUDING DEFAULTS) "
                "ON COMMIT DROP")
            async with cursor.copy(
                    f"COPY _carga_lecturas ({column_list}) FROM STDIN") as copy:
                for row in rows:
                    await copy.write_row([row[c] for c in columns])
            await cursor.execute(
                f"INSERT INTO lecturas ({column_list}) "  # noqa: S608 - fixed column names
                f"SELECT {column_list} FROM _carga_lecturas")
