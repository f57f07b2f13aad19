"""The daily report: yesterday's billing and payments, the period's collection so far,
arrears by age, PQRs and failed jobs, mailed at the tenant's hour as an HTML message with the
same figures in an XLSX attachment.

Its settings are the tenant's `reporte_diario_config`, whose schedule (a `programaciones`
row, cron "0 <hora> * * *" in the tenant's time zone) queues the job that sends it.
"""

import asyncio
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.core.errors import invalid_fields
from app.core.exports import XLSX_MEDIA_TYPE, Column, Sheet, xlsx_bytes
from app.core.formato import fecha, miles, pesos
from app.core.pagination import PageParams
from app.core.tenant import ResolvedTenant, TenantId
from app.notificaciones import service as notificaciones
from app.notificaciones.mailer import Adjunto, Mensaje
from app.notificaciones.models import Envio, EnvioEstado
from app.reportes import service
from app.reportes.models import ReporteDiarioConfig
from app.reportes.repository import ReportesRepository
from app.reportes.schemas import (
    DiarioConfigRead,
    DiarioConfigUpdate,
    DiarioDia,
    ReporteDiario,
    TableroCartera,
    TrabajoFallido,
)
from app.trabajos import service as trabajos_service
from app.trabajos.service import JobQueue

TIPO_DIARIO = "reporte_diario"
HORA_POR_DEFECTO = 7
_environment = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]), undefined=StrictUndefined, trim_blocks=True,
    lstrip_blocks=True)
_environment.filters.update(fecha=fecha)


def _cron(hora: int) -> str:
    return f"0 {hora} * * *"


async def config(session: AsyncSession, tenant: ResolvedTenant) -> DiarioConfigRead:
    guardada = await ReportesRepository(session, tenant.id).diario_config()
    if guardada is None:
        return DiarioConfigRead(destinatarios=[], hora=HORA_POR_DEFECTO, activo=False,
                                zona_horaria=tenant.timezone, proximo_envio=None)
    proximo = None
    if guardada.activo and guardada.programacion_id is not None:
        programacion = await trabajos_service.programacion(session, tenant.id,
                                                           guardada.programacion_id)
        proximo = programacion.proxima_ejecucion if programacion is not None else None
    return DiarioConfigRead(destinatarios=guardada.destinatarios, hora=guardada.hora,
                            activo=guardada.activo, zona_horaria=tenant.timezone,
                            proximo_envio=proximo)


async def configurar(session: AsyncSession, tenant: ResolvedTenant,
                     cambios: DiarioConfigUpdate) -> DiarioConfigRead:
    """Changes what is given; the schedule follows (on only while active with recipients)."""
    repository = ReportesRepository(session, tenant.id)
    guardada = await repository.diario_config() or ReporteDiarioConfig(
        destinatarios=[], hora=HORA_POR_DEFECTO, activo=False)
    if cambios.destinatarios is not None:
        guardada.destinatarios = list(dict.fromkeys(str(e).lower()
                                                    for e in cambios.destinatarios))
    if cambios.hora is not None:
        guardada.hora = cambios.hora
    if cambios.activo is not None:
        guardada.activo = cambios.activo
    if guardada.activo and not guardada.destinatarios:
        raise invalid_fields({"destinatarios": "an active daily report needs at least one "
                                               "recipient"})
    now = clock.now()
    programacion = await trabajos_service.reprogramar(
        session, tenant.id, guardada.programacion_id, tipo=TIPO_DIARIO,
        cron=_cron(guardada.hora), zona_horaria=tenant.timezone, activo=guardada.activo,
        now=now)
    guardada.programacion_id = programacion.id
    guardada.updated_at = now
    await repository.guardar_diario_config(guardada)
    return await config(session, tenant)


async def solicitar_envio(session: AsyncSession, tenant: ResolvedTenant, queue: JobQueue, *,
                          solicitado_por: uuid.UUID) -> Envio:
    """`POST /enviar`: the envío (pendiente) of today's report, sent by a job."""
    guardada = await ReportesRepository(session, tenant.id).diario_config()
    if guardada is None or not guardada.destinatarios:
        raise invalid_fields({"destinatarios": "set the recipients first (PATCH "
                                               "/api/reportes/diario/config)"})
    fecha_reporte = ayer(tenant)
    envio = await notificaciones.registrar(
        session, tenant.id, tipo=TIPO_DIARIO, para=guardada.destinatarios,
        asunto=asunto(tenant.nombre, fecha_reporte))
    await trabajos_service.solicitar(
        session, tenant.id, tipo=TIPO_DIARIO, queue=queue, solicitado_por=solicitado_por,
        parametros={"envio_id": str(envio.id), "fecha": fecha_reporte.isoformat()})
    return envio


async def envio_programado(session: AsyncSession, tenant: ResolvedTenant,
                           fecha_reporte: date) -> Envio | None:
    """The envío a scheduled job sends; None when the report is off or has no recipients."""
    guardada = await ReportesRepository(session, tenant.id).diario_config()
    if guardada is None or not guardada.activo or not guardada.destinatarios:
        return None
    return await notificaciones.registrar(
        session, tenant.id, tipo=TIPO_DIARIO, para=guardada.destinatarios,
        asunto=asunto(tenant.nombre, fecha_reporte))


def ayer(tenant: ResolvedTenant) -> date:
    return tenant.local_date() - timedelta(days=1)


async def envios(session: AsyncSession, tenant_id: TenantId, params: PageParams, *,
                 estado: EnvioEstado | None) -> tuple[Sequence[Envio], int]:
    return await notificaciones.list_page(session, tenant_id, params, estado=estado)


def asunto(tenant_nombre: str, fecha_reporte: date) -> str:
    return f"Reporte diario {tenant_nombre} — {fecha(fecha_reporte)}"


async def datos(session: AsyncSession, tenant: ResolvedTenant,
                fecha_reporte: date) -> ReporteDiario:
    repository = ReportesRepository(session, tenant.id)
    inicio = clock.start_of_day(tenant.timezone, fecha_reporte)
    fin = clock.start_of_day(tenant.timezone, fecha_reporte + timedelta(days=1))
    dia = DiarioDia.model_validate(await repository.dia(fecha_reporte, inicio, fin))
    tablero = await service.tablero_guardado(session, tenant)
    fallidos = await trabajos_service.fallidos(session, tenant.id, inicio, fin)
    return ReporteDiario(
        tenant=tenant.nombre, fecha=fecha_reporte, dia=dia, periodo=tablero.ultimo_periodo,
        cartera=tablero.cartera, pqrs=tablero.pqrs,
        trabajos_fallidos=[TrabajoFallido(id=t.id, tipo=t.tipo, terminado_at=t.terminado_at,
                                          error=(t.error or {}).get("detail"))
                           for t in fallidos])


@dataclass(frozen=True)
class _Seccion:
    titulo: str
    filas: list[tuple[str, Any]]  # (concepto, valor): int, Decimal, float (a share) or text


def _secciones(r: ReporteDiario) -> list[_Seccion]:
    secciones = [
        _Seccion(f"Movimiento del {fecha(r.fecha)}", [
            ("Facturas expedidas", r.dia.facturas), ("Valor facturado", r.dia.facturado),
            ("Pagos", r.dia.pagos), ("Valor recaudado", r.dia.recaudado)]),
    ]
    if r.periodo is not None:
        secciones.append(_Seccion(f"Recaudo del periodo {r.periodo.periodo}", [
            ("Facturas", r.periodo.facturas), ("Facturado", r.periodo.facturado),
            ("Recaudado", r.periodo.recaudado), ("Tasa de recaudo", r.periodo.tasa_recaudo)]))
    if r.cartera is not None:
        c: TableroCartera = r.cartera
        secciones.append(_Seccion(f"Cartera por edades al {fecha(c.fecha)}", [
            ("Cuentas en mora", c.cuentas_en_mora), ("Por vencer", c.por_vencer),
            ("1 a 30 días", c.dias_1_30), ("31 a 60 días", c.dias_31_60),
            ("61 a 90 días", c.dias_61_90), ("91 a 180 días", c.dias_91_180),
            ("Más de 180 días", c.mas_de_180), ("Total", c.total)]))
    secciones.append(_Seccion("PQR", [
        (f"Radicadas el {fecha(r.fecha)}", r.dia.pqrs_radicadas),
        (f"Respondidas el {fecha(r.fecha)}", r.dia.pqrs_respondidas),
        ("Abiertas", r.pqrs.abiertas), ("Vencen hoy", r.pqrs.vencen_hoy),
        ("Vencidas", r.pqrs.vencidas)]))
    secciones.append(_Seccion("Trabajos", [("Fallidos", len(r.trabajos_fallidos))]))
    return secciones


def _texto(valor: Any) -> str:
    if isinstance(valor, Decimal):
        return pesos(valor)
    if isinstance(valor, float):
        return f"{valor:.1%}".replace(".", ",")
    if isinstance(valor, int):
        return miles(valor)
    return "—" if valor is None else str(valor)


def _xlsx(r: ReporteDiario) -> bytes:
    resumen = Sheet("Resumen", [Column("seccion", "Sección"), Column("concepto", "Concepto"),
                                Column("valor", "Valor", "number")],
                    [{"seccion": s.titulo, "concepto": concepto, "valor": valor}
                     for s in _secciones(r) for concepto, valor in s.filas])
    fallidos = Sheet("Trabajos fallidos", [Column("tipo", "Tipo"), Column("id", "Trabajo"),
                                           Column("error", "Error")],
                     [{"tipo": t.tipo, "id": str(t.id), "error": t.error}
                      for t in r.trabajos_fallidos])
    return xlsx_bytes([resumen, fallidos])


async def mensaje(r: ReporteDiario, para: list[str]) -> Mensaje:
    secciones = _secciones(r)
    asunto_ = asunto(r.tenant, r.fecha)
    html = _environment.get_template("diario.html").render(
        asunto=asunto_, r=r, secciones=[_Seccion(s.titulo, [(c, _texto(v)) for c, v in s.filas])
                                        for s in secciones])
    texto = "\n\n".join(s.titulo + "\n" + "\n".join(f"  {c}: {_texto(v)}" for c, v in s.filas)
                        for s in secciones)
    adjunto = Adjunto(f"reporte-diario-{r.fecha.isoformat()}.xlsx", XLSX_MEDIA_TYPE,
                      await asyncio.to_thread(_xlsx, r))
    return Mensaje(para=tuple(para), asunto=asunto_, html=html, texto=texto,
                   adjuntos=(adjunto,))
