import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable, Sequence
from datetime import date
from functools import cache
from typing import Any

from sqlalchemy import Date, Select, and_, bindparam, case, func, insert, literal, not_, select

from app.clientes.models import Cliente
from app.core.pagination import PageParams
from app.core.reads import PagedRead, Row, TenantRead
from app.core.repository import TenantRepository
from app.facturas.models import OPEN_ESTADOS, Factura, FacturaEstado, FacturaLinea, NotaCredito

# Built once (`today` bound at execution): the saldo expression is costly to build on every
# list request.
_VENCIDA = Factura.vencida_sql(bindparam("today", type_=Date()))

# An invoice as the portal shows it on :today: its saldo, and vencida when past its deadline.
_RESUMEN = (
    Factura.id, Factura.numero, Factura.cliente_id, Factura.periodo, Factura.fecha_expedicion,
    Factura.fecha_limite_pago, Factura.fecha_suspension, Factura.consumo_m3,
    Factura.consumo_estimado, Factura.total, Factura.valor_pagado, Factura.valor_en_reclamo,
    Factura.valor_acreditado, Factura.saldo.label("saldo"),
    case((_VENCIDA, literal(FacturaEstado.vencida.value)), else_=Factura.estado).label("estado"),
    Factura.referencia_pago,
)
# With the account's number and holder the invoice prints: one round trip, not two.
_DETALLE = TenantRead(
    select(*_RESUMEN, Factura.lectura_anterior, Factura.lectura_actual, Factura.promedio_m3,
           Factura.saldo_anterior, Factura.intereses_mora, Factura.valor_trasladado,
           Factura.trasladada_a_id, Factura.anulada_motivo, Factura.anulada_at,
           Cliente.numero_cuenta, Cliente.nombre)
    .join(Cliente, and_(Cliente.tenant_id == Factura.tenant_id,
                        Cliente.id == Factura.cliente_id))
    .where(Factura.tenant_id == bindparam("tenant_id"), Factura.id == bindparam("id")))
_LINEAS = TenantRead(
    select(FacturaLinea.orden, FacturaLinea.servicio, FacturaLinea.concepto,
           FacturaLinea.cantidad_m3, FacturaLinea.valor_unitario, FacturaLinea.factor,
           FacturaLinea.valor)
    .where(FacturaLinea.tenant_id == bindparam("tenant_id"),
           FacturaLinea.factura_id == bindparam("id"))
    .order_by(FacturaLinea.orden))
_DE_CLIENTE = TenantRead(
    select(*_RESUMEN)
    .where(Factura.tenant_id == bindparam("tenant_id"),
           Factura.cliente_id == bindparam("cliente_id"))
    .order_by(Factura.numero.desc()))


@cache
def _listing(periodo: bool, cliente: bool, estado: str | None) -> PagedRead:
    """The invoice listing with the filters a request uses (each combination built once)."""
    statement: Select[*tuple[Any, ...]] = (
        select(*_RESUMEN).where(Factura.tenant_id == bindparam("tenant_id"))
        .order_by(Factura.numero.desc()))
    if periodo:
        statement = statement.where(Factura.periodo == bindparam("periodo"))
    if cliente:
        statement = statement.where(Factura.cliente_id == bindparam("cliente_id"))
    if estado == FacturaEstado.vencida:
        statement = statement.where(_VENCIDA)
    elif estado in OPEN_ESTADOS:
        statement = statement.where(Factura.estado == bindparam("estado"), not_(_VENCIDA))
    elif estado is not None:
        statement = statement.where(Factura.estado == bindparam("estado"))
    return PagedRead(statement)


class FacturaRepository(TenantRepository[Factura]):
    model = Factura

    async def detalle(self, factura_id: uuid.UUID, today: date,
                      ) -> tuple[Row, list[Row]] | None:
        """The invoice as shown on `today` with its account's number and holder, and its
        lines."""
        factura = await self.first(_DETALLE, id=factura_id, today=today)
        if factura is None:
            return None
        return factura, await self.rows(_LINEAS, id=factura_id)

    async def resumen_de_cliente(self, cliente_id: uuid.UUID, today: date) -> list[Row]:
        """The account's invoices as shown on `today`, newest first."""
        return await self.rows(_DE_CLIENTE, cliente_id=cliente_id, today=today)

    async def lineas_de(self, factura_ids: Iterable[uuid.UUID]
                        ) -> dict[uuid.UUID, list[FacturaLinea]]:
        rows = await self.session.scalars(
            select(FacturaLinea).where(FacturaLinea.tenant_id == self.tenant_id,
                                       FacturaLinea.factura_id.in_(list(factura_ids)))
            .order_by(FacturaLinea.factura_id, FacturaLinea.orden))
        lineas: dict[uuid.UUID, list[FacturaLinea]] = defaultdict(list)
        for linea in rows:
            lineas[linea.factura_id].append(linea)
        return lineas

    async def consumo_historial(self, cliente_ids: Iterable[uuid.UUID], hasta_periodo: str,
                                periodos: int) -> dict[uuid.UUID, list[tuple[str, int, bool]]]:
        """Each account's last `periodos` billed consumptions up to `hasta_periodo`, oldest
        first, as (periodo, m3, estimated)."""
        recent = (
            select(Factura.cliente_id, Factura.periodo, Factura.consumo_m3,
                   Factura.consumo_estimado,
                   func.row_number().over(partition_by=Factura.cliente_id,
                                          order_by=Factura.periodo.desc()).label("n"))
            .where(Factura.tenant_id == self.tenant_id, Factura.periodo <= hasta_periodo,
                   Factura.cliente_id.in_(list(cliente_ids)))
            .subquery())
        rows = await self.session.execute(
            select(recent.c.cliente_id, recent.c.periodo, recent.c.consumo_m3,
                   recent.c.consumo_estimado)
            .where(recent.c.n <= periodos).order_by(recent.c.cliente_id, recent.c.periodo))
        historial: dict[uuid.UUID, list[tuple[str, int, bool]]] = defaultdict(list)
        for cliente_id, periodo, m3, estimado in rows:
            historial[cliente_id].append((periodo, m3, estimado))
        return historial

    async def del_periodo(self, periodo: str, *, after_numero: int, limit: int,
                          hasta_numero: int | None = None) -> Sequence[Factura]:
        """A page of a period's invoices in number order, after `after_numero` (keyset) and
        up to `hasta_numero`."""
        statement = self.select().where(Factura.periodo == periodo,
                                        Factura.numero > after_numero)
        if hasta_numero is not None:
            statement = statement.where(Factura.numero <= hasta_numero)
        return (await self.session.scalars(statement.order_by(Factura.numero).limit(limit))
                ).all()

    async def cortes_periodo(self, periodo: str, partes: int) -> list[int]:
        """The last invoice number of each of `partes` equal runs of the period's invoices,
        in number order."""
        runs = (select(Factura.numero,
                       func.ntile(partes).over(order_by=Factura.numero).label("parte"))
                .where(Factura.tenant_id == self.tenant_id, Factura.periodo == periodo)
                .subquery())
        rows = await self.session.scalars(
            select(func.max(runs.c.numero)).group_by(runs.c.parte).order_by(runs.c.parte))
        return list(rows.all())

    async def count_periodo(self, periodo: str) -> int:
        return await self.session.scalar(
            select(func.count()).select_from(Factura).where(
                Factura.tenant_id == self.tenant_id, Factura.periodo == periodo)) or 0

    async def exists_for(self, cliente_id: uuid.UUID, periodo: str) -> bool:
        statement = select(func.count()).select_from(Factura).where(
            Factura.tenant_id == self.tenant_id, Factura.cliente_id == cliente_id,
            Factura.periodo == periodo)
        return bool(await self.session.scalar(statement))

    async def billed_in(self, periodos: Iterable[str]) -> set[tuple[uuid.UUID, str]]:
        rows = await self.session.execute(
            select(Factura.cliente_id, Factura.periodo).where(
                Factura.tenant_id == self.tenant_id, Factura.periodo.in_(list(periodos))))
        return {(cliente_id, periodo) for cliente_id, periodo in rows}

    async def ids_by_referencia(self, referencias: Sequence[str]) -> dict[str, uuid.UUID]:
        """Invoices by their payment reference (the number, zero-padded: looked up by the
        number's unique index, in chunks)."""
        numeros = sorted({int(r) for r in referencias if r.isdigit() and len(r) <= 18})
        found: dict[str, uuid.UUID] = {}
        for start in range(0, len(numeros), 1000):
            rows = await self.session.execute(
                select(Factura.referencia_pago, Factura.id).where(
                    Factura.tenant_id == self.tenant_id,
                    Factura.numero.in_(numeros[start:start + 1000])))
            found.update({referencia: id_ for referencia, id_ in rows})
        return found

    async def open_invoices(self) -> Sequence[Factura]:
        """Invoices with something still to pay, oldest first."""
        return (await self.session.scalars(
            self.select().where(Factura.estado.in_(OPEN_ESTADOS)).order_by(Factura.numero)
        )).all()

    async def carried_into(self, factura_id: uuid.UUID) -> Sequence[Factura]:
        return (await self.session.scalars(
            self.select().where(Factura.trasladada_a_id == factura_id))).all()

    @staticmethod
    def _filtered(*, today: date, periodo: str | None, estado: str | None,
                  cliente_id: uuid.UUID | None) -> tuple[PagedRead, dict[str, Any]]:
        """`estado` is the one shown: vencida is an open invoice past its payment deadline."""
        filters = {"periodo": periodo, "cliente_id": cliente_id,
                   "estado": None if estado is None else str(estado)}
        listing = _listing(periodo is not None, cliente_id is not None, estado)
        return listing, {"today": today, **{key: value for key, value in filters.items()
                                            if value is not None}}

    async def list_page(self, params: PageParams, **filters: Any) -> tuple[list[Row], int]:
        listing, values = self._filtered(**filters)
        return await self.page_rows(listing, params, **values)

    async def count(self, **filters: Any) -> int:
        listing, values = self._filtered(**filters)
        (row,) = await self.rows(listing.count, **values)
        return int(row["total"])

    def export(self, **filters: Any) -> AsyncIterator[Row]:
        listing, values = self._filtered(**filters)
        return self.stream_rows(listing.all, **values)

    async def insert_many(self, invoices: list[dict[str, Any]],
                          lines: list[dict[str, Any]]) -> None:
        """A run's invoices and their lines, each set in one statement."""
        for row in (*invoices, *lines):
            row["tenant_id"] = self.tenant_id
        await self.session.execute(insert(Factura), invoices)
        await self.session.execute(insert(FacturaLinea), lines)


class NotaCreditoRepository(TenantRepository[NotaCredito]):
    model = NotaCredito
