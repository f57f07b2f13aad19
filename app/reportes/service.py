"""Management reports: the figures come from SQL aggregates (app.reportes.repository); this
module checks the filters, completes the rows (ratios, balances, totals of a few grouped
rows) and shapes them."""

import hashlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.core.cache import cache_of, increment_around_commit
from app.core.errors import invalid_fields
from app.core.tenant import ResolvedTenant, TenantId
from app.reportes.repository import ReportesRepository
from app.reportes.schemas import (
    CarteraCuenta,
    CarteraGrupo,
    ConsumoFila,
    Desviacion,
    FacturacionFila,
    PqrsFila,
    RecaudoDia,
    RecaudoPeriodo,
    ReporteCartera,
    ReporteConsumos,
    ReporteFacturacion,
    ReportePqrs,
    ReporteRecaudo,
    ReporteSubsidios,
    SubsidiosFila,
    SuiFacturacionFila,
    SuiPqrFila,
    Tablero,
    TableroCartera,
    TableroPeriodo,
    TableroPqrs,
)
from app.trabajos import service as trabajos_service
from app.trabajos.service import JobQueue

ZERO = Decimal("0.00")
MAX_RANGE_DAYS = 366
# Age buckets of the arrears: (column, the oldest due date it takes, in days before the cut).
AGE_BUCKETS = (("dias_1_30", 30), ("dias_31_60", 60), ("dias_61_90", 90),
               ("dias_91_180", 180))
MONEY_FIELDS_CARTERA = ("por_vencer", *(name for name, _ in AGE_BUCKETS), "mas_de_180", "total")


def _money(value: Any) -> Decimal:
    return Decimal(value or 0).quantize(Decimal("0.01"))


def _ratio(part: float | int | Decimal, whole: float | int | Decimal) -> float | None:
    return round(float(part) / float(whole), 4) if whole else None


def _total(rows: Sequence[Any], field: str) -> Decimal:
    return sum((getattr(row, field) for row in rows), start=ZERO)


def check_range(desde: Any, hasta: Any, *, days: int | None = MAX_RANGE_DAYS) -> None:
    if hasta < desde:
        raise invalid_fields({"hasta": f"before desde ({desde})"})
    if days is not None and isinstance(desde, date) and (hasta - desde).days > days:
        raise invalid_fields({"hasta": f"the range is longer than {days} days"})


# Results of the reports that billing and payments change, kept in Redis (when configured)
# under the tenant's generation, which those writes move: a report asked again is answered
# from the cache until then (or until REPORT_CACHE_SECONDS).
R = TypeVar("R", bound=BaseModel)


def _generation(tenant_id: TenantId) -> str:
    return f"{tenant_id}:reportes:generacion"


async def _cached(session: AsyncSession, tenant_id: TenantId, nombre: str, params: list[Any],
                  model: type[R], compute: Callable[[], Awaitable[R]]) -> R:
    cache = cache_of(session)
    generation = await cache.counter(_generation(tenant_id)) if cache is not None else None
    if cache is None or generation is None:
        return await compute()
    digest = hashlib.sha256(json.dumps(params, default=str).encode()).hexdigest()[:32]
    key = f"{tenant_id}:reporte:{nombre}:{generation}:{digest}"
    if (found := await cache.get_json(key)) is not None and found.get("tenant") == tenant_id:
        return model.model_validate(found["reporte"])
    result = await compute()
    await cache.set_json(key, {"tenant": tenant_id, "reporte": result.model_dump(mode="json")},
                         cache.report_ttl_seconds)
    return result


async def _changed(session: AsyncSession, tenant_id: TenantId) -> None:
    """What the cached reports show has changed (a billing run, a payment, a void, a
    credit): they are computed again."""
    await increment_around_commit(session, _generation(tenant_id))


def period_range(periodo: str | None, desde: str | None,
                 hasta: str | None) -> tuple[str, str]:
    """`periodo`, or the range `desde`–`hasta` (both): the periods a report covers."""
    if periodo is not None:
        if desde is not None or hasta is not None:
            raise invalid_fields({"periodo": "either periodo or desde and hasta, not both"})
        return periodo, periodo
    if desde is None or hasta is None:
        raise invalid_fields({name: "give periodo, or desde and hasta" for name, value
                              in (("desde", desde), ("hasta", hasta)) if value is None})
    return desde, hasta


async def facturacion(session: AsyncSession, tenant_id: TenantId, desde: str,
                      hasta: str) -> ReporteFacturacion:
    check_range(desde, hasta)
    return await _cached(session, tenant_id, "facturacion", [desde, hasta], ReporteFacturacion,
                         lambda: _facturacion(session, tenant_id, desde, hasta))


async def _facturacion(session: AsyncSession, tenant_id: TenantId, desde: str,
                       hasta: str) -> ReporteFacturacion:
    repository = ReportesRepository(session, tenant_id)
    money = ("cargo_fijo", "consumo_basico", "consumo_complementario", "consumo_suntuario",
             "subsidios", "contribuciones", "intereses_mora", "total")
    filas = [FacturacionFila(**{**row._mapping, **{m: _money(row._mapping[m]) for m in money}})
             for row in await repository.facturacion(desde, hasta)]
    cuentas = await repository.cuentas_facturadas(desde, hasta)
    totales = FacturacionFila(
        servicio=None, uso="total", estrato=None, cuentas=cuentas,
        m3_medidos=sum(f.m3_medidos for f in filas if f.servicio == "acueducto"),
        m3_estimados=sum(f.m3_estimados for f in filas if f.servicio == "acueducto"),
        **{m: _total(filas, m) for m in money})
    return ReporteFacturacion(desde=desde, hasta=hasta, cuentas=cuentas, filas=filas,
                              totales=totales)


async def subsidios(session: AsyncSession, tenant_id: TenantId,
                    periodo: str) -> ReporteSubsidios:
    return await _cached(session, tenant_id, "subsidios", [periodo], ReporteSubsidios,
                         lambda: _subsidios(session, tenant_id, periodo))


async def _subsidios(session: AsyncSession, tenant_id: TenantId,
                     periodo: str) -> ReporteSubsidios:
    repository = ReportesRepository(session, tenant_id)
    filas = []
    for row in await repository.subsidios(periodo):
        values = dict(row._mapping)
        for name in ("subsidios", "contribuciones_facturadas", "contribuciones_recaudadas"):
            values[name] = _money(values[name])
        values["balance"] = values["contribuciones_recaudadas"] - values["subsidios"]
        filas.append(SubsidiosFila(**values))
    money = ("subsidios", "contribuciones_facturadas", "contribuciones_recaudadas", "balance")
    cuentas = await repository.subsidios_cuentas(periodo)
    totales = SubsidiosFila(servicio="total", uso="total", estrato=None,
                            **{k: int(v) for k, v in cuentas._mapping.items()},
                            **{m: _total(filas, m) for m in money})
    return ReporteSubsidios(periodo=periodo, filas=filas, totales=totales,
                            resultado="superavit" if totales.balance >= 0 else "deficit")


async def recaudo(session: AsyncSession, tenant_id: TenantId, desde: date,
                  hasta: date) -> ReporteRecaudo:
    check_range(desde, hasta)
    return await _cached(session, tenant_id, "recaudo", [desde, hasta], ReporteRecaudo,
                         lambda: _recaudo(session, tenant_id, desde, hasta))


async def _recaudo(session: AsyncSession, tenant_id: TenantId, desde: date,
                   hasta: date) -> ReporteRecaudo:
    repository = ReportesRepository(session, tenant_id)
    por_dia = [RecaudoDia(fecha=r.fecha, canal=r.canal, pagos=r.pagos, valor=_money(r.valor))
               for r in await repository.recaudo_por_dia(desde, hasta)]
    por_periodo = []
    for r in await repository.recaudo_por_periodo(desde, hasta):
        facturado, corriente = _money(r.facturado), _money(r.recaudo_corriente)
        por_periodo.append(RecaudoPeriodo(
            periodo=r.periodo, facturas=r.facturas, facturado=facturado,
            cartera_anterior=_money(r.cartera_anterior), recaudo_corriente=corriente,
            recaudo_mora=_money(r.recaudo_mora), tasa_recaudo=_ratio(corriente, facturado)))
    return ReporteRecaudo(desde=desde, hasta=hasta,
                          total_recaudado=sum((d.valor for d in por_dia), start=ZERO),
                          por_dia=por_dia, por_periodo=por_periodo)


def _cut(timezone: str, fecha: date) -> tuple[datetime, list[tuple[str, date]]]:
    """The end of `fecha` in the tenant's time zone (what had happened by then counts), and
    the oldest due date each age bucket takes."""
    end = datetime.combine(fecha + timedelta(days=1), time.min, tzinfo=ZoneInfo(timezone))
    return end, [(name, fecha - timedelta(days=days)) for name, days in AGE_BUCKETS]


def _grupo(periodos: int) -> str:
    return "3+" if periodos >= 3 else str(periodos)


def _cuenta(row: Any, fecha: date) -> CarteraCuenta:
    values = dict(row._mapping)
    desde = values.pop("vencida_desde")
    return CarteraCuenta(**{**values, **{m: _money(values[m]) for m in MONEY_FIELDS_CARTERA}},
                         dias_mora=(fecha - desde).days if desde is not None else 0)


async def cartera(session: AsyncSession, tenant: ResolvedTenant, fecha: date, *,
                  min_periodos: int, limite: int | None) -> ReporteCartera:
    if fecha > tenant.local_date():
        raise invalid_fields({"fecha": "in the future: arrears are known up to today"})
    return await _cached(session, tenant.id, "cartera", [fecha, min_periodos, limite],
                         ReporteCartera, lambda: _cartera(session, tenant, fecha,
                                                          min_periodos=min_periodos,
                                                          limite=limite))


async def _cartera(session: AsyncSession, tenant: ResolvedTenant, fecha: date, *,
                   min_periodos: int, limite: int | None) -> ReporteCartera:
    end, bounds = _cut(tenant.timezone, fecha)
    repository = ReportesRepository(session, tenant.id)
    grupos: dict[str, dict[str, Any]] = {}
    candidatos = 0
    for row in await repository.cartera_resumen(fecha, end, bounds):
        if row.periodos_en_mora >= min_periodos:
            candidatos += row.cuentas
        grupo = grupos.setdefault(_grupo(row.periodos_en_mora), dict.fromkeys(
            ("cuentas", *MONEY_FIELDS_CARTERA), 0))
        for field in grupo:
            grupo[field] += getattr(row, field)
    por_periodos = [CarteraGrupo(periodos_en_mora=name, **{
        k: v if k == "cuentas" else _money(v) for k, v in values.items()})
        for name, values in grupos.items()]
    totales = CarteraGrupo(periodos_en_mora="total",
                           cuentas=sum(g.cuentas for g in por_periodos),
                           **{m: _total(por_periodos, m)
                              for m in MONEY_FIELDS_CARTERA})
    cuentas = [_cuenta(row, fecha) for row in await repository.cartera_por_cuenta(
        fecha, end, bounds, min_periodos=min_periodos, limit=limite)]
    return ReporteCartera(fecha=fecha, por_periodos=por_periodos, totales=totales,
                          min_periodos=min_periodos, candidatos_suspension=candidatos,
                          cuentas=cuentas)


async def cartera_cuentas(session: AsyncSession, tenant: ResolvedTenant,
                          fecha: date) -> list[CarteraCuenta]:
    """Every account that owed something on `fecha` (the detail the files carry)."""
    end, bounds = _cut(tenant.timezone, fecha)
    return [_cuenta(row, fecha) for row in await ReportesRepository(
        session, tenant.id).cartera_por_cuenta(fecha, end, bounds)]


async def pqrs(session: AsyncSession, tenant: ResolvedTenant, desde: date,
               hasta: date) -> ReportePqrs:
    check_range(desde, hasta)
    filas = []
    for row in await ReportesRepository(session, tenant.id).pqrs(desde, hasta,
                                                                 tenant.local_date()):
        values = dict(row._mapping)
        promedio = values["promedio_dias_habiles"]
        values["promedio_dias_habiles"] = round(float(promedio), 2) if promedio is not None \
            else None
        filas.append(PqrsFila(**values, proporcion_a_tiempo=_ratio(values["a_tiempo"],
                                                                   values["respondidas"])))
    respondidas = sum(f.respondidas for f in filas)
    dias = sum((f.promedio_dias_habiles or 0) * f.respondidas for f in filas)
    a_tiempo = sum(f.a_tiempo for f in filas)
    totales = PqrsFila(
        tipo="total", causal=None, grupo=None, causal_nombre=None,
        radicadas=sum(f.radicadas for f in filas), respondidas=respondidas, a_tiempo=a_tiempo,
        proporcion_a_tiempo=_ratio(a_tiempo, respondidas),
        promedio_dias_habiles=round(dias / respondidas, 2) if respondidas else None,
        abiertas_vencidas=sum(f.abiertas_vencidas for f in filas),
        silencio_positivo=sum(f.silencio_positivo for f in filas))
    return ReportePqrs(desde=desde, hasta=hasta, filas=filas, totales=totales)


async def consumos(session: AsyncSession, tenant_id: TenantId, periodo: str, *,
                   umbral: float, limite: int | None) -> ReporteConsumos:
    repository = ReportesRepository(session, tenant_id)
    filas = [ConsumoFila(uso=r.uso, estrato=r.estrato, cuentas=r.cuentas, m3=r.m3,
                         promedio_m3=round(float(r.promedio_m3), 2)
                         if r.promedio_m3 is not None else None,
                         estimadas=r.estimadas,
                         proporcion_estimadas=_ratio(r.estimadas, r.cuentas))
             for r in await repository.consumos(periodo)]
    cuentas, m3 = sum(f.cuentas for f in filas), sum(f.m3 for f in filas)
    estimadas = sum(f.estimadas for f in filas)
    totales = ConsumoFila(uso="total", estrato=None, cuentas=cuentas, m3=m3,
                          promedio_m3=round(m3 / cuentas, 2) if cuentas else None,
                          estimadas=estimadas, proporcion_estimadas=_ratio(estimadas, cuentas))
    desviaciones = await desviaciones_de(session, tenant_id, periodo, umbral=umbral,
                                         limite=limite)
    return ReporteConsumos(periodo=periodo, umbral=umbral, filas=filas, totales=totales,
                           desviaciones=desviaciones)


async def desviaciones_de(session: AsyncSession, tenant_id: TenantId, periodo: str, *,
                          umbral: float, limite: int | None = None) -> list[Desviacion]:
    return [Desviacion(**{**r._mapping, "desviacion": round(float(r.desviacion), 4)})
            for r in await ReportesRepository(session, tenant_id).desviaciones(
                periodo, umbral, limit=limite)]


def _month(periodo: str) -> tuple[date, date]:
    year, month = (int(part) for part in periodo.split("-"))
    first = date(year, month, 1)
    return first, date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)


async def sui_facturacion(session: AsyncSession, tenant_id: TenantId, periodo: str,
                          servicio: str) -> AsyncIterator[dict[str, Any]]:
    """The commercial billing file of a period and service, row by row."""
    first, last = _month(periodo)
    async for row in ReportesRepository(session, tenant_id).sui_facturacion(
            periodo, servicio, first, last):
        vencida_desde = row.vencida_desde
        yield dict(SuiFacturacionFila(
            numero_cuenta=row.numero_cuenta, factura_numero=row.factura_numero,
            fecha_expedicion=row.fecha_expedicion, dias_facturados=(last - first).days + 1,
            uso=row.uso, estrato=row.estrato,
            determinacion_consumo="estimado" if row.consumo_estimado else "medido",
            lectura_anterior=row.lectura_anterior, lectura_actual=row.lectura_actual,
            consumo_m3=row.consumo_m3, cargo_fijo=_money(row.cargo_fijo),
            valor_basico=_money(row.valor_basico),
            valor_complementario=_money(row.valor_complementario),
            valor_suntuario=_money(row.valor_suntuario), subsidio=_money(row.subsidio),
            contribucion=_money(row.contribucion),
            factor=float(row.factor) if row.factor is not None else None,
            dias_mora=max((row.fecha_expedicion - vencida_desde).days, 0)
            if vencida_desde is not None and row.saldo_anterior > 0 else 0,
            valor_mora=_money(row.saldo_anterior), intereses_mora=_money(row.intereses_mora),
            total_facturado=_money(row.total), pagos_mes=_money(row.pagos_mes)))


async def sui_pqrs(session: AsyncSession, tenant_id: TenantId, desde: date,
                   hasta: date) -> AsyncIterator[dict[str, Any]]:
    async for row in ReportesRepository(session, tenant_id).sui_pqrs(desde, hasta):
        yield dict(SuiPqrFila(grupo_causal=row.grupo, **{
            key: value for key, value in row._mapping.items() if key != "grupo"}))


# --- the dashboard and the summaries it reads ------------------------------------------

TIPO_CARTERA = "cartera"
CARTERA_MAX_AGE = timedelta(hours=1)
SERIE_PERIODOS = 12


async def resumen_fresco(session: AsyncSession, tenant_id: TenantId,
                         periodo: str) -> dict[str, Any]:
    return await ReportesRepository(session, tenant_id).resumen_fresco(periodo)


async def resumen_guardado(session: AsyncSession, tenant_id: TenantId,
                           periodo: str) -> dict[str, Any] | None:
    return await ReportesRepository(session, tenant_id).resumen(periodo)


async def periodo_facturado(session: AsyncSession, tenant_id: TenantId, periodo: str) -> None:
    """After a billing run: the period's summary from its invoices (one aggregate over the
    period, in the run's transaction)."""
    repository = ReportesRepository(session, tenant_id)
    await repository.guardar_resumen(periodo, await repository.resumen_fresco(periodo),
                                     clock.now())
    await _changed(session, tenant_id)


async def pago_aplicado(session: AsyncSession, tenant_id: TenantId, periodo: str,
                        valor: Decimal) -> None:
    """A payment (negative: its reversal) on an invoice of `periodo`."""
    await ReportesRepository(session, tenant_id).mover_resumen(periodo, clock.now(),
                                                               recaudado=valor)
    await _changed(session, tenant_id)


async def credito_aplicado(session: AsyncSession, tenant_id: TenantId, periodo: str,
                           valor: Decimal) -> None:
    """A claim won credited an invoice of `periodo`."""
    await ReportesRepository(session, tenant_id).mover_resumen(periodo, clock.now(),
                                                               acreditado=valor)
    await _changed(session, tenant_id)


async def factura_anulada(session: AsyncSession, tenant_id: TenantId, factura: Any) -> None:
    """An invoice voided leaves its period's figures (before its estado changes)."""
    await ReportesRepository(session, tenant_id).mover_resumen(
        factura.periodo, clock.now(), facturas=-1, estimadas=-int(factura.consumo_estimado),
        m3=-factura.consumo_m3, facturado=-(factura.total - factura.saldo_anterior),
        total=-factura.total, recaudado=-factura.valor_pagado,
        acreditado=-factura.valor_acreditado, anuladas=1)
    await _changed(session, tenant_id)


async def refrescar_cartera(session: AsyncSession, tenant_id: TenantId, timezone: str) -> None:
    """The arrears by age as of today, kept for the dashboard."""
    fecha = clock.local_date(timezone)
    end, bounds = _cut(timezone, fecha)
    repository = ReportesRepository(session, tenant_id)
    values: dict[str, Any] = dict.fromkeys(("cuentas", "cuentas_en_mora"), 0) | dict.fromkeys(
        MONEY_FIELDS_CARTERA, ZERO)
    for row in await repository.cartera_resumen(fecha, end, bounds):
        values["cuentas"] += row.cuentas
        values["cuentas_en_mora"] += row.cuentas if row.periodos_en_mora > 0 else 0
        for name in MONEY_FIELDS_CARTERA:
            values[name] += _money(getattr(row, name))
    await repository.guardar_cartera({**values, "fecha": fecha, "calculado_at": clock.now()})


def _periodo(row: Any) -> TableroPeriodo:
    return TableroPeriodo(periodo=row.periodo, facturas=row.facturas,
                          facturado=_money(row.facturado), recaudado=_money(row.recaudado),
                          tasa_recaudo=_ratio(row.recaudado, row.total),
                          estimadas=row.estimadas,
                          proporcion_estimadas=_ratio(row.estimadas, row.facturas))


async def tablero(session: AsyncSession, tenant: ResolvedTenant, queue: JobQueue) -> Tablero:
    """The dashboard, from the kept summaries only. An arrears snapshot missing or older than
    an hour is refreshed by a job (one at a time: the job's key); meanwhile it shows the one
    it has."""
    guardado = await tablero_guardado(session, tenant)
    cartera = guardado.cartera
    if cartera is None or clock.now() - cartera.calculado_at > CARTERA_MAX_AGE:
        await trabajos_service.solicitar(
            session, tenant.id, tipo=TIPO_CARTERA, clave=TIPO_CARTERA,
            parametros={"timezone": tenant.timezone}, queue=queue)
    return guardado


async def tablero_guardado(session: AsyncSession, tenant: ResolvedTenant) -> Tablero:
    """The dashboard's figures as the summaries hold them."""
    repository = ReportesRepository(session, tenant.id)
    serie = [_periodo(row) for row in reversed(await repository.serie(SERIE_PERIODOS))]
    cartera = await repository.cartera_guardada()
    pqrs = await repository.pqrs_abiertas(tenant.local_date())
    return Tablero(
        ultimo_periodo=serie[-1] if serie else None, serie=serie,
        cartera=TableroCartera.model_validate(cartera) if cartera is not None else None,
        pqrs=TableroPqrs(abiertas=pqrs.abiertas, vencidas=pqrs.vencidas,
                         vencen_hoy=pqrs.vencen_hoy))
