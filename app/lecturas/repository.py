import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import and_, func, insert, select
from sqlalchemy.orm import aliased

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

    async def count_for_cliente(self, cliente_id: uuid.UUID) -> int:
        statement = select(func.count()).select_from(Lectura).where(
            Lectura.tenant_id == self.tenant_id, Lectura.cliente_id == cliente_id)
        return await self.session.scalar(statement) or 0

    async def has_later(self, cliente_id: uuid.UUID, periodo: str) -> bool:
        statement = select(func.count()).select_from(Lectura).where(
            Lectura.tenant_id == self.tenant_id, Lectura.cliente_id == cliente_id,
            Lectura.periodo > periodo)
        return bool(await self.session.scalar(statement))

    async def list_page(self, params: PageParams, *, periodo: str | None,
                        cliente_id: uuid.UUID | None) -> tuple[Sequence[Lectura], int]:
        statement = self.select().order_by(Lectura.periodo.desc(), Lectura.cliente_id)
        if periodo is not None:
            statement = statement.where(Lectura.periodo == periodo)
        if cliente_id is not None:
            statement = statement.where(Lectura.cliente_id == cliente_id)
        return await self.page(statement, params)

    async def recorded_in(self, periodos: Iterable[str]) -> set[tuple[uuid.UUID, str]]:
        rows = await self.session.execute(
            select(Lectura.cliente_id, Lectura.periodo).where(
                Lectura.tenant_id == self.tenant_id, Lectura.periodo.in_(list(periodos))))
        return {(cliente_id, periodo) for cliente_id, periodo in rows}

    async def latest_before(self, periodo: str) -> dict[uuid.UUID, tuple[str, int]]:
        """Every account's last reading before `periodo`: cliente_id -> (periodo, reading)."""
        later = aliased(Lectura)
        statement = select(Lectura.cliente_id, Lectura.periodo, Lectura.lectura_actual).where(
            Lectura.tenant_id == self.tenant_id, Lectura.periodo < periodo,
            ~select(later.id).where(
                and_(later.tenant_id == Lectura.tenant_id, later.cliente_id == Lectura.cliente_id,
                     later.periodo > Lectura.periodo, later.periodo < periodo)
            ).exists(),
        )
        rows = await self.session.execute(statement)
        return {cliente_id: (p, reading) for cliente_id, p, reading in rows}

    async def latest_periodo(self) -> dict[uuid.UUID, str]:
        rows = await self.session.execute(
            select(Lectura.cliente_id, func.max(Lectura.periodo))
            .where(Lectura.tenant_id == self.tenant_id).group_by(Lectura.cliente_id))
        return {cliente_id: periodo for cliente_id, periodo in rows}

    async def insert_many(self, rows: list[dict[str, Any]]) -> None:
        """Many readings in one statement (SQLite); PostgreSQL uses `copy_many`."""
        for row in rows:
            row["tenant_id"] = self.tenant_id
        await self.session.execute(insert(Lectura), rows)

    async def copy_many(self, rows: list[dict[str, Any]], columns: Sequence[str]) -> None:
        """COPY into a temporary table, then one INSERT … SELECT: COPY itself cannot write to
        a table under row-level security, and the INSERT is checked by its policy."""
        connection = await self.session.connection()
        raw = await connection.get_raw_connection()
        driver = raw.driver_connection
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
