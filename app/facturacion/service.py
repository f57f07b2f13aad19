"""Billing periods and billing runs."""

import calendar
import uuid
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.clientes.models import Uso
from app.core import clock, metrics
from app.core.db import is_postgres
from app.core.errors import Conflict, NotFound, UnprocessableEntity, invalid_fields
from app.core.pagination import PageParams
from app.core.sequences import advance_counter, lock_counter
from app.core.tenant import TenantId
from app.facturacion import calculo, sql
from app.facturacion.models import Periodo
from app.facturacion.repository import PeriodoRepository
from app.facturacion.schemas import CuentaOmitida, PeriodoCreate, ResumenFacturacion
from app.facturacion.sql import CuentaSinFacturar, RunParams, RunTotals
from app.facturas import service as facturas_service
from app.facturas.models import Factura, FacturaEstado
from app.lecturas import service as lecturas_service
from app.reportes import service as reportes_service
from app.tarifas import service as tarifas_service
from app.tenancy import service as tenancy_service
from app.trabajos import service as trabajos_service
from app.trabajos.models import Trabajo
from app.trabajos.service import JobQueue

FACTURA_COUNTER = "factura"
TIPO_FACTURACION = "facturacion"
SIN_HISTORIAL = ("sin lectura del periodo y sin consumos medidos anteriores para estimar "
                 "(art. 146)")
PRIMERA_LECTURA = ("primera lectura del medidor: sin lectura anterior ni consumos medidos "
                   "para estimar")


def last_day(periodo: str) -> date:
    year, month = (int(part) for part in periodo.split("-"))
    return date(year, month, calendar.monthrange(year, month)[1])


async def create_periodo(session: AsyncSession, tenant_id: TenantId, data: PeriodoCreate, *,
                         today: date, max_days_ahead: int) -> Periodo:
    periodos = PeriodoRepository(session, tenant_id)
    if await periodos.by_periodo(data.periodo) is not None:
        raise Conflict(f"Periodo {data.periodo} already exists.")
    if data.fecha_expedicion < last_day(data.periodo).replace(day=1):
        raise invalid_fields({"fecha_expedicion": f"is before periodo {data.periodo} starts"})
    if (data.fecha_expedicion - today).days > max_days_ahead:
        raise invalid_fields({"fecha_expedicion": f"is more than {max_days_ahead} days ahead "
                                                  f"of today ({today})"})
    return await periodos.add(Periodo(**data.model_dump()))


async def get_periodo(session: AsyncSession, tenant_id: TenantId, periodo: str) -> Periodo:
    found = await PeriodoRepository(session, tenant_id).by_periodo(periodo)
    if found is None:
        raise NotFound(f"No periodo {periodo} in this tenant.")
    return found


async def list_periodos(session: AsyncSession, tenant_id: TenantId,
                        params: PageParams) -> tuple[Sequence[Periodo], int]:
    return await PeriodoRepository(session, tenant_id).list_page(params)


async def _facturable(session: AsyncSession, tenant_id: TenantId, periodo: str,
                      ) -> tuple[Periodo, dict[str, Any]]:
    """The period and its tariffs, when it can be billed now: it exists (404), the periods
    before it are billed (409), and every service it bills has a tariff (422)."""
    periodos = PeriodoRepository(session, tenant_id)
    period = await periodos.by_periodo(periodo)
    if period is None:
        raise NotFound(f"No periodo {periodo} in this tenant: create it first "
                       "(POST /api/periodos).")
    if (earlier := await periodos.first_unbilled_before(periodo)) is not None:
        # A later period billed first would be carried into the earlier one's balances.
        raise Conflict(f"Periodo {earlier} is created and not billed yet: periods bill in "
                       f"order, bill {earlier} first.", periodo_pendiente=earlier)
    day = last_day(periodo)
    tarifas = await tarifas_service.vigentes(session, tenant_id, day)
    needed = await periodos.services_to_bill(periodo)
    if missing := [s for s, accounts in needed.items() if accounts and s not in tarifas]:
        raise UnprocessableEntity(
            f"No tariff valid on {day.isoformat()} for: {', '.join(missing)}. Nothing was "
            "billed.", missing_tarifas=missing)
    return period, tarifas


async def solicitar_facturacion(session: AsyncSession, tenant_id: TenantId, periodo: str,
                                queue: JobQueue, *, actor_id: uuid.UUID | None,
                                ) -> tuple[Trabajo, bool]:
    """Queues the billing run of the period as a job (checked now, so a run that cannot
    start is refused at once); while one is queued or running, that one is the answer."""
    await _facturable(session, tenant_id, periodo)
    return await trabajos_service.solicitar(
        session, tenant_id, tipo=TIPO_FACTURACION, parametros={"periodo": periodo},
        queue=queue, clave=f"{TIPO_FACTURACION}:{periodo}", solicitado_por=actor_id)


async def run(session: AsyncSession, tenant_id: TenantId, periodo: str,
              progress: Callable[[str], None] = lambda _step: None, *,
              set_based: bool | None = None) -> ResumenFacturacion:
    """Bills every active account of the period that has no invoice for it yet.

    Running a period again bills nobody twice. Runs of one tenant queue on the invoice
    counter's lock, so two started at once end with one set of invoices, numbered without
    gaps. `set_based` picks the engine: the set-based SQL (PostgreSQL only, the default
    there) or the reference calculation account by account (the default elsewhere; the tests
    run both on PostgreSQL and compare them).
    """
    periodos = PeriodoRepository(session, tenant_id)
    ultimo = await lock_counter(session, tenant_id, FACTURA_COUNTER)
    period, tarifas = await _facturable(session, tenant_id, periodo)  # again, under the lock
    tenant = await tenancy_service.get(session, tenant_id)
    ya_facturadas = await periodos.count_billed(periodo)
    params = RunParams(
        tenant_id=tenant_id, periodo=periodo, fecha_expedicion=period.fecha_expedicion,
        fecha_limite_pago=period.fecha_limite_pago, fecha_suspension=period.fecha_suspension,
        basico_m3=tenant.consumo_basico_m3, tasa_residencial=tenant.tasa_mora_residencial,
        tasa_no_residencial=tenant.tasa_mora_no_residencial,
        ultimo_numero=ultimo, now=clock.now(),
    )
    if set_based is None:
        set_based = is_postgres(session)
    if set_based:
        totals, skipped = await sql.bill_period(session, params, tarifas, progress)
    else:
        progress("accounts, one by one")
        totals, skipped = await _bill_one_by_one(session, params, tarifas)
    await advance_counter(session, tenant_id, FACTURA_COUNTER, ultimo + totals.facturas)
    if period.facturado_at is None:
        period.facturado_at = params.now
        await periodos.flush()
    await reportes_service.periodo_facturado(session, tenant_id, periodo)
    metrics.count_on_commit(session, metrics.INVOICES_ISSUED, totals.facturas)
    return ResumenFacturacion(
        periodo=periodo, facturas_emitidas=totals.facturas, total_facturado=totals.total,
        lecturas_estimadas=totals.estimadas, ya_facturadas=ya_facturadas,
        omitidas=[CuentaOmitida(numero_cuenta=cuenta.numero_cuenta,
                                motivo=PRIMERA_LECTURA if cuenta.tiene_lectura
                                else SIN_HISTORIAL)
                  for cuenta in skipped],
        numero_desde=totals.numero_desde, numero_hasta=totals.numero_hasta,
    )


async def refresh_dashboard(session: AsyncSession, tenant_id: TenantId) -> None:
    """The dashboard's arrears snapshot, after a run (its job calls it)."""
    tenant = await tenancy_service.get(session, tenant_id)
    await reportes_service.refrescar_cartera(session, tenant_id, tenant.timezone)


async def _bill_one_by_one(session: AsyncSession, params: RunParams,
                           tarifas: dict[str, calculo.TarifaVigente],
                           ) -> tuple[RunTotals, list[CuentaSinFacturar]]:
    """The reference calculation: the same invoices as the set-based SQL, account by
    account (SQLite's path)."""
    tenant_id = TenantId(params.tenant_id)
    clientes = await PeriodoRepository(session, tenant_id).clientes_to_bill(params.periodo)
    readings = await lecturas_service.of_periodo(session, tenant_id, params.periodo)
    history = await lecturas_service.measured_before(session, tenant_id, params.periodo)
    open_invoices: dict[uuid.UUID, list[Factura]] = {}
    for factura in await facturas_service.open_invoices(session, tenant_id):
        if factura.periodo < params.periodo:  # a run never carries a later period
            open_invoices.setdefault(factura.cliente_id, []).append(factura)

    now = params.now
    invoices: list[dict[str, Any]] = []
    lines: list[dict[str, Any]] = []
    skipped: list[CuentaSinFacturar] = []
    estimated = 0
    total = Decimal("0.00")
    for cliente in clientes:
        reading = readings.get(cliente.id)
        average = calculo.promedio(history.get(cliente.id, []))
        measured = reading.consumo_m3 if reading is not None else None
        consumo = measured if measured is not None else average
        if consumo is None:
            skipped.append(CuentaSinFacturar(cliente.numero_cuenta, reading is not None))
            continue
        previous = open_invoices.get(cliente.id, [])
        saldo = sum((f.saldo for f in previous), Decimal("0.00"))
        capital = sum((f.capital_pendiente for f in previous), Decimal("0.00"))
        vencido = sum((f.capital_pendiente for f in previous
                       if f.fecha_limite_pago < params.fecha_expedicion), Decimal("0.00"))
        tasa = (params.tasa_residencial if cliente.uso == Uso.residencial
                else params.tasa_no_residencial)
        intereses = calculo.intereses(vencido, tasa)
        servicios = [s for s, has in (("acueducto", cliente.servicio_acueducto),
                                      ("alcantarillado", cliente.servicio_alcantarillado)) if has]
        factura_lines = calculo.lineas_factura(
            tarifas, servicios, consumo, params.basico_m3, cliente.uso, cliente.estrato,
            saldo_anterior=saldo, intereses_mora=intereses)
        numero = params.ultimo_numero + len(invoices) + 1
        factura_id = uuid.uuid4()
        invoice_total = calculo.total(factura_lines)
        invoices.append({
            "id": factura_id, "numero": numero,
            "cliente_id": cliente.id, "periodo": params.periodo,
            "fecha_expedicion": params.fecha_expedicion,
            "fecha_limite_pago": params.fecha_limite_pago,
            "fecha_suspension": params.fecha_suspension,
            "lectura_anterior": reading.lectura_anterior if reading else None,
            "lectura_actual": reading.lectura_actual if reading else None,
            "consumo_m3": consumo, "consumo_estimado": measured is None,
            "promedio_m3": average, "saldo_anterior": saldo, "capital_anterior": capital,
            "intereses_mora": intereses,
            "total": invoice_total, "valor_pagado": Decimal("0"),
            "valor_trasladado": Decimal("0"), "estado": FacturaEstado.emitida,
            "referencia_pago": f"{numero:010d}", "created_at": now, "updated_at": now,
        })
        lines += [{"factura_id": factura_id, "orden": orden,
                   "servicio": ln.servicio, "concepto": ln.concepto,
                   "cantidad_m3": ln.cantidad_m3, "valor_unitario": ln.valor_unitario,
                   "factor": ln.factor, "valor": ln.valor}
                  for orden, ln in enumerate(factura_lines, start=1)]
        if saldo > 0:
            for old in previous:
                if old.saldo > 0:
                    old.trasladado_previo = old.valor_trasladado
                    old.valor_trasladado += old.saldo
                    old.estado = FacturaEstado.trasladada
                    old.trasladada_a_id = factura_id
        estimated += measured is None
        total += invoice_total
    if invoices:
        await facturas_service.insert_run(session, tenant_id, invoices, lines)
    first = invoices[0]["numero"] if invoices else None
    last = invoices[-1]["numero"] if invoices else None
    return RunTotals(len(invoices), total, estimated, first, last), skipped
