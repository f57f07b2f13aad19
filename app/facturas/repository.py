import uuid
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import selectinload

from app.core.pagination import PageParams
from app.core.repository import TenantRepository
from app.facturas.models import Factura, FacturaEstado, FacturaLinea, NotaCredito

OPEN_ESTADOS = (FacturaEstado.emitida, FacturaEstado.parcial)


class FacturaRepository(TenantRepository[Factura]):
    model = Factura

    async def get_with_lines(self, factura_id: uuid.UUID) -> Factura | None:
        return await self.session.scalar(
            self.select().where(Factura.id == factura_id).options(selectinload(Factura.lineas)))

    async def get_for_update(self, factura_id: uuid.UUID) -> Factura | None:
        return await self.session.scalar(
            self.select().where(Factura.id == factura_id).with_for_update())

    async def exists_for(self, cliente_id: uuid.UUID, periodo: str) -> bool:
        statement = select(func.count()).select_from(Factura).where(
            Factura.tenant_id == self.tenant_id, Factura.cliente_id == cliente_id,
            Factura.periodo == periodo)
        return bool(await self.session.scalar(statement))

    async def count_for_cliente(self, cliente_id: uuid.UUID) -> int:
        statement = select(func.count()).select_from(Factura).where(
            Factura.tenant_id == self.tenant_id, Factura.cliente_id == cliente_id)
        return await self.session.scalar(statement) or 0

    async def billed_in(self, periodos: Iterable[str]) -> set[tuple[uuid.UUID, str]]:
        rows = await self.session.execute(
            select(Factura.cliente_id, Factura.periodo).where(
                Factura.tenant_id == self.tenant_id, Factura.periodo.in_(list(periodos))))
        return {(cliente_id, periodo) for cliente_id, periodo in rows}

    async def open_invoices(self) -> Sequence[Factura]:
        """Invoices with something still to pay, oldest first."""
        return (await self.session.scalars(
            self.select().where(Factura.estado.in_(OPEN_ESTADOS)).order_by(Factura.numero)
        )).all()

    async def carried_into(self, factura_id: uuid.UUID) -> Sequence[Factura]:
        return (await self.session.scalars(
            self.select().where(Factura.trasladada_a_id == factura_id))).all()

    async def for_cliente(self, cliente_id: uuid.UUID) -> Sequence[Factura]:
        return (await self.session.scalars(
            self.select().where(Factura.cliente_id == cliente_id)
            .order_by(Factura.numero.desc()))).all()

    async def list_page(self, params: PageParams, *, today: date, periodo: str | None,
                        estado: str | None, cliente_id: uuid.UUID | None,
                        ) -> tuple[Sequence[Factura], int]:
        """`estado` is the one shown: vencida is an open invoice past its payment deadline."""
        statement = self.select().order_by(Factura.numero.desc())
        if periodo is not None:
            statement = statement.where(Factura.periodo == periodo)
        if cliente_id is not None:
            statement = statement.where(Factura.cliente_id == cliente_id)
        if estado == FacturaEstado.vencida:
            statement = statement.where(Factura.estado.in_(OPEN_ESTADOS),
                                        Factura.fecha_limite_pago < today)
        elif estado in OPEN_ESTADOS:
            statement = statement.where(Factura.estado == estado,
                                        Factura.fecha_limite_pago >= today)
        elif estado is not None:
            statement = statement.where(Factura.estado == estado)
        return await self.page(statement, params)

    async def insert_many(self, invoices: list[dict[str, Any]],
                          lines: list[dict[str, Any]]) -> None:
        """A run's invoices and their lines, each set in one statement."""
        for row in (*invoices, *lines):
            row["tenant_id"] = self.tenant_id
        await self.session.execute(insert(Factura), invoices)
        await self.session.execute(insert(FacturaLinea), lines)


class NotaCreditoRepository(TenantRepository[NotaCredito]):
    model = NotaCredito
