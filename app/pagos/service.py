"""Payments against invoices: idempotent recording, partial payments, reversals."""

import hashlib
import json
import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock, metrics
from app.core.errors import AppError, Conflict, NotFound, invalid_fields
from app.core.pagination import PageParams
from app.core.tenant import TenantId
from app.core.uploads import RowErrors, read_table
from app.facturas import service as facturas_service
from app.facturas.models import FacturaEstado
from app.pagos.models import Canal, Pago, PagoEstado
from app.pagos.repository import PagoRepository
from app.pagos.schemas import CargaPagos, PagoCreate, PagoFiltros, PagoRead
from app.reportes import service as reportes_service
from app.trabajos import exportaciones


def request_fingerprint(data: PagoCreate) -> str:
    canonical = json.dumps(data.model_dump(mode="json"), sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


async def _replay(pagos: PagoRepository, key: str, fingerprint: str) -> Pago | None:
    existing = await pagos.by_idempotency_key(key)
    if existing is not None and existing.request_hash != fingerprint:
        raise Conflict("This Idempotency-Key was already used for a different payment.")
    return existing


async def record(session: AsyncSession, tenant_id: TenantId, data: PagoCreate, *,
                 idempotency_key: str | None, actor_id: uuid.UUID | None,
                 today: date) -> tuple[Pago, bool]:
    """Returns (payment, created). With an Idempotency-Key, the same request again returns
    the first payment (created False); the key with another body is a 409."""
    pagos = PagoRepository(session, tenant_id)
    fingerprint = request_fingerprint(data)
    # Lock the invoice first: concurrent payments of one invoice queue here, so a retry that
    # raced its original sees it below instead of paying twice.
    factura = await facturas_service.payable_for_update(session, tenant_id, data.factura_id)
    # The slip paid names an invoice; when its balance was carried, `factura` holds it now.
    nombrada = factura if factura.id == data.factura_id else await facturas_service.get(
        session, tenant_id, data.factura_id)
    if idempotency_key and (existing := await _replay(pagos, idempotency_key, fingerprint)):
        return existing, False
    if factura.estado == FacturaEstado.anulada:
        raise Conflict("The factura is voided; it cannot be paid.")
    if data.fecha > today:
        raise invalid_fields({"fecha": f"is after today ({today})"})
    if data.fecha < nombrada.fecha_expedicion:
        raise invalid_fields({"fecha": f"is before factura {nombrada.numero} was issued "
                                       f"({nombrada.fecha_expedicion})"})
    if data.valor > factura.saldo:
        held = (f"; {factura.valor_en_reclamo} is held by an open claim"
                if factura.valor_en_reclamo else "")
        raise invalid_fields({"valor": f"exceeds the amount due on factura {factura.numero} "
                                       f"({factura.saldo}{held})"})
    pago = Pago(
        factura_id=factura.id, valor=data.valor, fecha=data.fecha, canal=data.canal,
        referencia=data.referencia, estado=PagoEstado.aplicado,
        idempotency_key=idempotency_key, request_hash=fingerprint, registrado_por=actor_id,
    )
    try:
        async with session.begin_nested():
            await pagos.add(pago)
    except IntegrityError:
        # The same key committed by a concurrent request between our check and our insert.
        if idempotency_key and (existing := await _replay(pagos, idempotency_key, fingerprint)):
            return existing, False
        raise
    factura.valor_pagado += data.valor
    factura.settle_estado()
    await reportes_service.pago_aplicado(session, tenant_id, factura.periodo, data.valor)
    await pagos.flush()
    metrics.count_on_commit(session, metrics.PAYMENTS_RECORDED)
    return pago, True


async def reverse(session: AsyncSession, tenant_id: TenantId, pago_id: uuid.UUID, *,
                  motivo: str) -> Pago:
    pagos = PagoRepository(session, tenant_id)
    pago = await pagos.get_for_update(pago_id)
    if pago is None:
        raise NotFound("No such pago in this tenant.")
    if pago.estado == PagoEstado.reversado:
        raise Conflict("The pago is already reversed.")
    factura = await facturas_service.get_for_update(session, tenant_id, pago.factura_id)
    factura.valor_pagado -= pago.valor
    factura.settle_estado()
    await reportes_service.pago_aplicado(session, tenant_id, factura.periodo, -pago.valor)
    pago.estado = PagoEstado.reversado
    pago.reversado_motivo = motivo
    pago.reversado_at = clock.now()
    await pagos.flush()
    return pago


async def get(session: AsyncSession, tenant_id: TenantId, pago_id: uuid.UUID) -> Pago:
    pago = await PagoRepository(session, tenant_id).get(pago_id)
    if pago is None:
        raise NotFound("No such pago in this tenant.")
    return pago


async def list_page(session: AsyncSession, tenant_id: TenantId, params: PageParams, *,
                    factura_id: uuid.UUID | None = None, desde: date | None = None,
                    hasta: date | None = None, canal: str | None = None,
                    estado: str | None = None) -> tuple[Sequence[Pago], int]:
    return await PagoRepository(session, tenant_id).list_page(
        params, factura_id=factura_id, desde=desde, hasta=hasta, canal=canal, estado=estado)


async def export(session: AsyncSession, tenant_id: TenantId,
                 **filters: Any) -> AsyncIterator[dict[str, Any]]:
    async for pago in PagoRepository(session, tenant_id).export(**filters):
        yield dict(PagoRead.model_validate(pago))


async def de_cliente(session: AsyncSession, tenant_id: TenantId,
                     cliente_id: uuid.UUID) -> list[PagoRead]:
    """The payments of every invoice of the account, newest first."""
    rows = await PagoRepository(session, tenant_id).de_cliente(cliente_id)
    return [PagoRead.model_validate(row) for row in rows]




CARGA_COLUMNS = ("referencia", "valor", "fecha", "banco")


async def upload(session: AsyncSession, tenant_id: TenantId, content: bytes, *,
                 actor_id: uuid.UUID | None, today: date) -> CargaPagos:
    """A bank's collection file: each row (the invoice's payment reference, amount, date,
    bank) applied as `POST /api/pagos` would, with an idempotency key of the file and the
    row, so the same file loaded again records nothing twice. Every row valid, or a 422
    with each bad row and nothing written."""
    raw_rows = await read_table(content, CARGA_COLUMNS)
    file_key = hashlib.sha256(content).hexdigest()[:32]
    facturas = await facturas_service.ids_by_referencia(
        session, tenant_id, [r.get("referencia") or "" for r in raw_rows])
    errors = RowErrors()
    registrados = repetidos = 0
    total = Decimal("0.00")
    for fila, row in enumerate(raw_rows, start=2):
        if None in row:
            errors.add(fila, "*", "more fields than the header names")
            continue
        referencia, banco = row.get("referencia", ""), row.get("banco", "")
        factura_id = facturas.get(referencia)
        if factura_id is None:
            errors.add(fila, "referencia", f"no invoice with payment reference {referencia!r}")
            continue
        try:
            data = PagoCreate(factura_id=factura_id, valor=row.get("valor", ""),
                              fecha=row.get("fecha", ""), canal=Canal.banco,
                              referencia=f"{banco} {referencia}".strip()[:100])
        except ValidationError as exc:
            errors.add_validation(fila, exc)
            continue
        try:
            async with session.begin_nested():  # a refused row leaves nothing behind
                _, created = await record(session, tenant_id, data,
                                          idempotency_key=f"carga-{file_key}-{fila}",
                                          actor_id=actor_id, today=today)
        except AppError as exc:
            for problem in exc.extensions.get("errors") or [{"field": "*",
                                                               "message": exc.detail}]:
                errors.add(fila, problem["field"], problem["message"])
            continue
        if created:
            registrados, total = registrados + 1, total + data.valor
        else:
            repetidos += 1
    errors.raise_if_any()
    return CargaPagos(filas=len(raw_rows), registrados=registrados, repetidos=repetidos,
                      valor_registrado=total)


async def count(session: AsyncSession, tenant_id: TenantId, **filters: Any) -> int:
    return await PagoRepository(session, tenant_id).count(**filters)


EXPORTACION = exportaciones.exportable(exportaciones.ListaExportable(
    "pagos", PagoRead, PagoFiltros,
    rows=lambda session, tenant_id, f: export(session, tenant_id, **dict(f)),
    count=lambda session, tenant_id, f: count(session, tenant_id, **dict(f))))
