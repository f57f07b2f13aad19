"""Meter readings: one at a time, corrections before billing, and bulk CSV uploads."""

import re
import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.clientes import service as clientes_service
from app.clientes.models import Cliente, ClienteEstado
from app.core import clock
from app.core.errors import Conflict, NotFound, invalid_fields
from app.core.pagination import PageParams
from app.core.schemas import has_control_characters, sent_changes
from app.core.tenant import TenantId
from app.core.uploads import RowErrors, read_table
from app.facturacion.calculo import LecturaInvalida, consumo_medido
from app.facturas import service as facturas_service
from app.lecturas.models import PERIODO_PATTERN, Lectura
from app.lecturas.repository import LecturaRepository
from app.lecturas.schemas import (
    CargaResultado,
    LecturaCreate,
    LecturaFiltros,
    LecturaRead,
    LecturaUpdate,
)
from app.trabajos import exportaciones

CSV_COLUMNS = ("numero_cuenta", "periodo", "lectura_actual", "fecha_lectura")
_PERIODO = re.compile(PERIODO_PATTERN)


def in_periodo(day: date, periodo: str) -> bool:
    return f"{day.year:04d}-{day.month:02d}" == periodo


def _not_found() -> NotFound:
    return NotFound("No such lectura in this tenant.")


async def _check_writable(session: AsyncSession, tenant_id: TenantId, cliente_id: uuid.UUID,
                          periodo: str) -> None:
    if await facturas_service.exists_for(session, tenant_id, cliente_id, periodo):
        raise Conflict(f"Periodo {periodo} is already billed for this cliente; its reading "
                       "can no longer change (issue a credit or debit note instead).")
    if await LecturaRepository(session, tenant_id).has_later(cliente_id, periodo):
        raise Conflict(f"This cliente has a reading after {periodo}; readings are recorded "
                       "and corrected in order.")


def _measure(anterior: int | None, actual: int, cliente: Cliente) -> tuple[int | None, bool]:
    try:
        return consumo_medido(anterior, actual, cliente.medidor_digitos)
    except LecturaInvalida as exc:
        raise invalid_fields({"lectura_actual": str(exc)}) from exc


async def record(session: AsyncSession, tenant_id: TenantId, data: LecturaCreate) -> Lectura:
    cliente = await clientes_service.find(session, tenant_id, data.cliente_id)
    if cliente is None:
        raise invalid_fields({"cliente_id": "no such cliente in this tenant"})
    if cliente.estado == ClienteEstado.retirado:
        raise Conflict("The cliente is retired.")
    if not in_periodo(data.fecha_lectura, data.periodo):
        raise invalid_fields({"fecha_lectura": f"is outside periodo {data.periodo}"})
    lecturas = LecturaRepository(session, tenant_id)
    if await lecturas.find(cliente.id, data.periodo) is not None:
        raise Conflict(f"A reading for periodo {data.periodo} is already recorded; correct it "
                       "with PATCH.")
    await _check_writable(session, tenant_id, cliente.id, data.periodo)
    previous = await lecturas.previous(cliente.id, data.periodo)
    if previous is not None and data.lectura_anterior is not None:
        raise invalid_fields({"lectura_anterior": "only for an account's first reading"})
    anterior = previous.lectura_actual if previous is not None else data.lectura_anterior
    consumo, rollover = _measure(anterior, data.lectura_actual, cliente)
    return await lecturas.add(Lectura(
        cliente_id=cliente.id, periodo=data.periodo, fecha_lectura=data.fecha_lectura,
        lectura_anterior=anterior, lectura_actual=data.lectura_actual, consumo_m3=consumo,
        rollover=rollover, novedad=data.novedad,
    ))


async def get(session: AsyncSession, tenant_id: TenantId, lectura_id: uuid.UUID) -> Lectura:
    lectura = await LecturaRepository(session, tenant_id).get(lectura_id)
    if lectura is None:
        raise _not_found()
    return lectura


async def list_page(session: AsyncSession, tenant_id: TenantId, params: PageParams, *,
                    periodo: str | None, cliente_id: uuid.UUID | None,
                    ) -> tuple[Sequence[Lectura], int]:
    return await LecturaRepository(session, tenant_id).list_page(
        params, periodo=periodo, cliente_id=cliente_id)


async def export(session: AsyncSession, tenant_id: TenantId,
                 **filters: Any) -> AsyncIterator[dict[str, Any]]:
    async for lectura in LecturaRepository(session, tenant_id).export(**filters):
        yield dict(LecturaRead.model_validate(lectura))


async def correct(session: AsyncSession, tenant_id: TenantId, lectura_id: uuid.UUID,
                  data: LecturaUpdate) -> Lectura:
    lectura = await get(session, tenant_id, lectura_id)
    changes = sent_changes(data)
    await _check_writable(session, tenant_id, lectura.cliente_id, lectura.periodo)
    fecha = changes.get("fecha_lectura", lectura.fecha_lectura)
    if not in_periodo(fecha, lectura.periodo):
        raise invalid_fields({"fecha_lectura": f"is outside periodo {lectura.periodo}"})
    cliente = await clientes_service.get(session, tenant_id, lectura.cliente_id)
    actual = changes.get("lectura_actual", lectura.lectura_actual)
    lectura.consumo_m3, lectura.rollover = _measure(lectura.lectura_anterior, actual, cliente)
    for column, value in changes.items():
        setattr(lectura, column, value)
    await LecturaRepository(session, tenant_id).flush()
    return lectura


async def upload(session: AsyncSession, tenant_id: TenantId, content: bytes) -> CargaResultado:
    """Validates every row first; any bad row means a 422 listing them and nothing written."""
    raw_rows = await read_table(content, CSV_COLUMNS, optional=("novedad",))
    carga = RowErrors()
    nuevas: list[dict[str, Any]] = []
    clientes = {c.numero_cuenta: c for c in await clientes_service.all_of(session, tenant_id)}
    lecturas = LecturaRepository(session, tenant_id)
    parsed = []
    seen: dict[tuple[str, str], int] = {}
    for fila, row in enumerate(raw_rows, start=2):
        if None in row:
            carga.add(fila, "*", "more fields than the header names")
            continue
        numero = (row.get("numero_cuenta") or "").strip()
        periodo = (row.get("periodo") or "").strip()
        cliente = clientes.get(numero)
        if not numero:
            carga.add(fila, "numero_cuenta", "is empty")
        elif cliente is None:
            carga.add(fila, "numero_cuenta", f"no account {numero} in this tenant")
        elif cliente.estado == ClienteEstado.retirado:
            carga.add(fila, "numero_cuenta", f"account {numero} is retired")
        if not _PERIODO.fullmatch(periodo):
            carga.add(fila, "periodo", "must be YYYY-MM")
            periodo = ""
        valor = (row.get("lectura_actual") or "").strip()
        actual = int(valor) if valor.isdigit() else None
        if actual is None:
            carga.add(fila, "lectura_actual",
                        "must be a whole number of m3" if not valor.startswith("-")
                        else "must not be negative")
        elif actual > 999_999_999:
            carga.add(fila, "lectura_actual", "is too large")
            actual = None
        try:
            fecha = date.fromisoformat((row.get("fecha_lectura") or "").strip())
        except ValueError:
            carga.add(fila, "fecha_lectura", "must be a date YYYY-MM-DD")
            fecha = None
        if fecha is not None and periodo and not in_periodo(fecha, periodo):
            carga.add(fila, "fecha_lectura", f"is outside periodo {periodo}")
        novedad = (row.get("novedad") or "").strip() or None
        if novedad is not None and len(novedad) > 200:
            carga.add(fila, "novedad", "is longer than 200 characters")
        elif novedad is not None and has_control_characters(novedad):
            carga.add(fila, "novedad", "must not contain control characters")
        if numero and periodo:
            if (numero, periodo) in seen:
                carga.add(fila, "numero_cuenta",
                            f"duplicate of line {seen[numero, periodo]} for periodo {periodo}")
            seen.setdefault((numero, periodo), fila)
        if cliente is not None and periodo and actual is not None and fecha is not None:
            parsed.append((fila, cliente, periodo, actual, fecha, novedad))

    periodos = sorted({p for _, _, p, _, _, _ in parsed})
    billed = await facturas_service.billed_in(session, tenant_id, periodos)
    # An account's last reading: a row may only follow it, and it is the row's previous one.
    latest = await lecturas.latest()
    in_file: dict[uuid.UUID, list[tuple[str, int]]] = {}
    for _, cliente, periodo, actual, _, _ in parsed:
        in_file.setdefault(cliente.id, []).append((periodo, actual))

    sin_anterior = rollovers = 0
    now = clock.now()
    for fila, cliente, periodo, actual, fecha, novedad in parsed:
        last_periodo, last_reading = latest.get(cliente.id, ("", None))
        if last_periodo == periodo:
            carga.add(fila, "periodo", f"a reading for {periodo} is already recorded")
            continue
        if (cliente.id, periodo) in billed:
            carga.add(fila, "periodo", f"periodo {periodo} is already billed for this account")
            continue
        if last_periodo > periodo:
            carga.add(fila, "periodo", f"the account has a later reading ({last_periodo})")
            continue
        earlier_in_file = [r for p, r in sorted(in_file[cliente.id]) if p < periodo]
        anterior = earlier_in_file[-1] if earlier_in_file else last_reading
        try:
            consumo, rollover = consumo_medido(anterior, actual, cliente.medidor_digitos)
        except LecturaInvalida as exc:
            carga.add(fila, "lectura_actual", str(exc))
            continue
        sin_anterior += consumo is None
        rollovers += rollover
        nuevas.append({
            "id": uuid.uuid4(), "cliente_id": cliente.id,
            "periodo": periodo, "fecha_lectura": fecha, "lectura_anterior": anterior,
            "lectura_actual": actual, "consumo_m3": consumo, "rollover": rollover,
            "novedad": novedad, "created_at": now, "updated_at": now,
        })

    carga.raise_if_any()
    await lecturas.insert_many(nuevas)
    return CargaResultado(filas=len(raw_rows), registradas=len(nuevas), periodos=periodos,
                          sin_lectura_anterior=sin_anterior, rollovers=rollovers)


async def of_periodo(session: AsyncSession, tenant_id: TenantId,
                     periodo: str) -> dict[uuid.UUID, Lectura]:
    """The period's readings by account."""
    return await LecturaRepository(session, tenant_id).of_periodo(periodo)


async def measured_before(session: AsyncSession, tenant_id: TenantId,
                          periodo: str) -> dict[uuid.UUID, list[int]]:
    """Each account's measured consumptions before the period, most recent first."""
    return await LecturaRepository(session, tenant_id).measured_before(periodo)


async def count(session: AsyncSession, tenant_id: TenantId, **filters: Any) -> int:
    return await LecturaRepository(session, tenant_id).count(**filters)


EXPORTACION = exportaciones.exportable(exportaciones.ListaExportable(
    "lecturas", LecturaRead, LecturaFiltros,
    rows=lambda session, tenant_id, f: export(session, tenant_id, **dict(f)),
    count=lambda session, tenant_id, f: count(session, tenant_id, **dict(f))))
