"""Issued invoices: reading them, voiding them through a credit note, account statements."""

import uuid
from collections.abc import AsyncIterator, Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.core.errors import Conflict, NotFound
from app.core.pagination import PageParams
from app.core.sequences import take_next
from app.core.tenant import TenantId
from app.facturas.models import Factura, FacturaEstado, FacturaLinea, NotaCredito
from app.facturas.repository import FacturaRepository, NotaCreditoRepository
from app.facturas.schemas import FacturaDetalle, FacturaFiltros, FacturaResumen
from app.reportes import service as reportes_service
from app.trabajos import exportaciones

NOTA_CREDITO_COUNTER = "nota_credito"
MAX_CARRY_HOPS = 240  # twenty years of monthly invoices


def not_found() -> NotFound:
    return NotFound("No such factura in this tenant.")


async def list_page(session: AsyncSession, tenant_id: TenantId, params: PageParams, *,
                    today: date, periodo: str | None = None, estado: FacturaEstado | None = None,
                    cliente_id: uuid.UUID | None = None) -> tuple[list[FacturaResumen], int]:
    rows, total = await FacturaRepository(session, tenant_id).list_page(
        params, today=today, periodo=periodo, estado=estado, cliente_id=cliente_id)
    return [FacturaResumen.model_validate(row) for row in rows], total


async def export(session: AsyncSession, tenant_id: TenantId,
                 **filters: Any) -> AsyncIterator[dict[str, Any]]:
    async for row in FacturaRepository(session, tenant_id).export(**filters):
        yield dict(FacturaResumen.model_validate(row))


async def get(session: AsyncSession, tenant_id: TenantId, factura_id: uuid.UUID, *,
              only_cliente: uuid.UUID | None = None) -> Factura:
    """`only_cliente`: a portal user's account; another account's invoice is not found."""
    factura = await FacturaRepository(session, tenant_id).get(factura_id)
    if factura is None or (only_cliente is not None and factura.cliente_id != only_cliente):
        raise not_found()
    return factura


async def detalle(session: AsyncSession, tenant_id: TenantId, factura_id: uuid.UUID, *,
                  only_cliente: uuid.UUID | None, today: date) -> FacturaDetalle:
    """The invoice with its lines, readings, balance and account, as shown on `today`.
    `only_cliente`: a portal user's account; another account's invoice is not found."""
    found = await FacturaRepository(session, tenant_id).detalle(factura_id, today)
    if found is None or (only_cliente is not None and found[0]["cliente_id"] != only_cliente):
        raise not_found()
    factura, lineas = found
    return FacturaDetalle.model_validate(factura | {"lineas": lineas})


async def get_for_update(session: AsyncSession, tenant_id: TenantId,
                         factura_id: uuid.UUID) -> Factura:
    factura = await FacturaRepository(session, tenant_id).get_for_update(factura_id)
    if factura is None:
        raise not_found()
    return factura


async def payable_for_update(session: AsyncSession, tenant_id: TenantId,
                             factura_id: uuid.UUID) -> Factura:
    """The invoice, locked; or, when its balance was carried forward, the one holding it
    now: where a payment of it, or a claim's hold on it, belongs."""
    factura = await get_for_update(session, tenant_id, factura_id)
    for _ in range(MAX_CARRY_HOPS):
        if factura.estado != FacturaEstado.trasladada or factura.trasladada_a_id is None:
            return factura
        factura = await get_for_update(session, tenant_id, factura.trasladada_a_id)
    raise Conflict("The invoice's balance was carried too many times to follow.")


async def anular(session: AsyncSession, tenant_id: TenantId, factura_id: uuid.UUID, *,
                 motivo: str, actor_id: uuid.UUID) -> NotaCredito | None:
    """Voids an invoice with a credit note for its total; the invoice itself is not edited.

    A balance this invoice had carried from older invoices goes back to them.
    """
    facturas = FacturaRepository(session, tenant_id)
    factura = await facturas.get_for_update(factura_id)
    if factura is None:
        raise not_found()
    if factura.estado == FacturaEstado.anulada:
        raise Conflict("The factura is already voided.")
    if factura.estado == FacturaEstado.trasladada:
        raise Conflict("The factura's balance was carried into a later invoice; void that "
                       "one first.")
    if factura.valor_pagado > 0:
        raise Conflict("The factura has payments; reverse them before voiding it.")
    if factura.valor_en_reclamo > 0:
        raise Conflict(f"An open claim holds {factura.valor_en_reclamo} of the factura; "
                       "close the claim before voiding it.")
    for older in await facturas.carried_into(factura.id):
        older.valor_trasladado = older.trasladado_previo
        older.trasladada_a_id = None
        older.settle_estado()
    nota = None
    if (por_acreditar := factura.total - factura.valor_acreditado) > 0:
        nota = await emitir_nota_credito(session, tenant_id, factura, por_acreditar,
                                         motivo=f"Anulación: {motivo}", actor_id=actor_id)
    await reportes_service.factura_anulada(session, tenant_id, factura)
    factura.estado = FacturaEstado.anulada
    factura.anulada_motivo = motivo
    factura.anulada_at = clock.now()
    await facturas.flush()
    return nota


async def emitir_nota_credito(session: AsyncSession, tenant_id: TenantId, factura: Factura,
                             valor: Decimal, *, motivo: str, actor_id: uuid.UUID
                             ) -> NotaCredito:
    """A numbered credit note for `valor` of the invoice. It does not move the invoice's
    amounts: the caller does, under the invoice's row lock."""
    return await NotaCreditoRepository(session, tenant_id).add(NotaCredito(
        numero=await take_next(session, tenant_id, NOTA_CREDITO_COUNTER),
        factura_id=factura.id, valor=valor, motivo=motivo, creada_por=actor_id))


async def exists_for(session: AsyncSession, tenant_id: TenantId, cliente_id: uuid.UUID,
                     periodo: str) -> bool:
    """Whether the account was billed for the period (its readings can no longer change)."""
    return await FacturaRepository(session, tenant_id).exists_for(cliente_id, periodo)


async def billed_in(session: AsyncSession, tenant_id: TenantId,
                    periodos: Iterable[str]) -> set[tuple[uuid.UUID, str]]:
    """(cliente_id, periodo) of every invoice of those periods."""
    return await FacturaRepository(session, tenant_id).billed_in(periodos)


async def ids_by_referencia(session: AsyncSession, tenant_id: TenantId,
                            referencias: Sequence[str]) -> dict[str, uuid.UUID]:
    """The invoices a bank's collection file names by payment reference."""
    return await FacturaRepository(session, tenant_id).ids_by_referencia(referencias)


async def open_invoices(session: AsyncSession, tenant_id: TenantId) -> Sequence[Factura]:
    """Invoices with something still to pay, oldest first: what a billing run carries."""
    return await FacturaRepository(session, tenant_id).open_invoices()


async def insert_run(session: AsyncSession, tenant_id: TenantId,
                     invoices: list[dict[str, Any]], lines: list[dict[str, Any]]) -> None:
    """A billing run's invoices and lines, as rows the run worked out, in two statements."""
    facturas = FacturaRepository(session, tenant_id)
    await facturas.insert_many(invoices, lines)
    await facturas.flush()


async def de_cliente(session: AsyncSession, tenant_id: TenantId, cliente_id: uuid.UUID, *,
                     today: date) -> list[FacturaResumen]:
    """The account's invoices as shown on `today`, newest first."""
    rows = await FacturaRepository(session, tenant_id).resumen_de_cliente(cliente_id, today)
    return [FacturaResumen.model_validate(row) for row in rows]


async def lineas_de(session: AsyncSession, tenant_id: TenantId,
                    factura_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[FacturaLinea]]:
    return await FacturaRepository(session, tenant_id).lineas_de(factura_ids)


async def consumo_historial(session: AsyncSession, tenant_id: TenantId,
                            cliente_ids: Iterable[uuid.UUID], hasta_periodo: str, periodos: int,
                            ) -> dict[uuid.UUID, list[tuple[str, int, bool]]]:
    return await FacturaRepository(session, tenant_id).consumo_historial(
        cliente_ids, hasta_periodo, periodos)


async def del_periodo(session: AsyncSession, tenant_id: TenantId, periodo: str, *,
                      after_numero: int, limit: int, hasta_numero: int | None = None,
                      ) -> Sequence[Factura]:
    return await FacturaRepository(session, tenant_id).del_periodo(
        periodo, after_numero=after_numero, limit=limit, hasta_numero=hasta_numero)


async def cortes_periodo(session: AsyncSession, tenant_id: TenantId, periodo: str,
                         partes: int) -> list[int]:
    """Where to cut the period's invoices, in number order, into `partes` equal runs: the
    last number of each."""
    return await FacturaRepository(session, tenant_id).cortes_periodo(periodo, partes)


async def count_periodo(session: AsyncSession, tenant_id: TenantId, periodo: str) -> int:
    return await FacturaRepository(session, tenant_id).count_periodo(periodo)


async def count(session: AsyncSession, tenant_id: TenantId, **filters: Any) -> int:
    return await FacturaRepository(session, tenant_id).count(**filters)


EXPORTACION = exportaciones.exportable(exportaciones.ListaExportable(
    "facturas", FacturaResumen, FacturaFiltros,
    rows=lambda session, tenant_id, f: export(session, tenant_id, **dict(f)),
    count=lambda session, tenant_id, f: count(session, tenant_id, **dict(f))))
