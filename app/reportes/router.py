"""Reports under /api/reportes: each as JSON, or as a file with ?formato=csv|xlsx (the CSV
holds the report's main table and its totals; the XLSX a sheet per table)."""

from collections.abc import Iterable, Sequence
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel

from app.auth.dependencies import AdminPrincipal, StaffPrincipal
from app.core.dependencies import SessionDep, TenantDep
from app.core.exports import (
    EXPORT_RESPONSES,
    XLSX_MEDIA_TYPE,
    Formato,
    FormatoQuery,
    Sheet,
    columns_of,
    csv_response,
    export_list,
    rows_of,
    xlsx_response,
)
from app.core.pagination import Page, PageParamsDep
from app.core.schemas import IsoDate
from app.lecturas.models import PERIODO_PATTERN
from app.notificaciones.models import EnvioEstado
from app.notificaciones.schemas import EnvioRead
from app.reportes import diario, service
from app.reportes.schemas import (
    CarteraCuenta,
    CarteraGrupo,
    ConsumoFila,
    Desviacion,
    DiarioConfigRead,
    DiarioConfigUpdate,
    FacturacionFila,
    PqrsFila,
    RecaudoDia,
    RecaudoPeriodo,
    ReporteCartera,
    ReporteConsumos,
    ReporteDiario,
    ReporteFacturacion,
    ReportePqrs,
    ReporteRecaudo,
    ReporteSubsidios,
    SubsidiosFila,
    SuiFacturacionFila,
    SuiPqrFila,
    Tablero,
)
from app.trabajos.dependencies import JobQueueDep

router = APIRouter(prefix="/api/reportes", tags=["reportes"])
SUI_RESPONSES: dict[int | str, dict[str, Any]] = {200: {
    "content": {"text/csv": {}, XLSX_MEDIA_TYPE: {}}, "description": "The file"}}

Periodo = Annotated[str, Query(pattern=PERIODO_PATTERN, examples=["2026-11"])]


def _sheet(name: str, model: type[BaseModel], rows: Iterable[BaseModel]) -> Sheet:
    return Sheet(name, columns_of(model), rows_of(rows))


async def _file(formato: Formato, filename: str, sheets: Sequence[Sheet]) -> Response:
    if formato == "csv":
        return csv_response(filename, sheets[0])
    return await xlsx_response(filename, sheets)


@router.get("/tablero", response_model=Tablero,
            summary="The manager's first figures: last period billed and collected, "
                    "arrears by age, PQRs, and a 12-period series")
async def tablero(_: AdminPrincipal, session: SessionDep, tenant: TenantDep,
                  queue: JobQueueDep) -> Tablero:
    return await service.tablero(session, tenant, queue)


@router.get("/diario", response_model=ReporteDiario,
            summary="The daily report's figures (what the e-mail carries), as of now")
async def reporte_diario(_: AdminPrincipal, session: SessionDep, tenant: TenantDep,
                         fecha: IsoDate | None = None) -> ReporteDiario:
    """`fecha` is the day reported (default: yesterday, as the e-mail); the arrears and the
    PQRs are as of now."""
    return await diario.datos(session, tenant, fecha or diario.ayer(tenant))


@router.get("/diario/config", response_model=DiarioConfigRead)
async def diario_config(_: AdminPrincipal, session: SessionDep,
                        tenant: TenantDep) -> DiarioConfigRead:
    return await diario.config(session, tenant)


@router.patch("/diario/config", response_model=DiarioConfigRead)
async def configure_diario(body: DiarioConfigUpdate, _: AdminPrincipal, session: SessionDep,
                           tenant: TenantDep) -> DiarioConfigRead:
    """Recipients, the local hour (0–23) and on/off of the daily report e-mail."""
    return await diario.configurar(session, tenant, body)


@router.post("/diario/enviar", response_model=EnvioRead, status_code=status.HTTP_202_ACCEPTED)
async def send_diario(principal: AdminPrincipal, session: SessionDep, tenant: TenantDep,
                      queue: JobQueueDep) -> EnvioRead:
    """Sends the daily report now to its recipients: the envío, which a job sends (and
    retries); follow it at /api/reportes/diario/envios."""
    return EnvioRead.model_validate(await diario.solicitar_envio(
        session, tenant, queue, solicitado_por=principal.user_id))


@router.get("/diario/envios", response_model=Page[EnvioRead])
async def list_envios(_: AdminPrincipal, session: SessionDep, tenant: TenantDep,
                      page: PageParamsDep, estado: EnvioEstado | None = None,
                      ) -> Page[EnvioRead]:
    """The tenant's e-mails, newest first: to whom, how they went, after how many tries."""
    items, total = await diario.envios(session, tenant.id, page, estado=estado)
    return Page.of([EnvioRead.model_validate(e) for e in items], total, page)


@router.get("/facturacion", response_model=ReporteFacturacion, responses=EXPORT_RESPONSES,
            summary="What was billed: by service and uso/estrato, for a period or a range")
async def facturacion(
    _: AdminPrincipal, session: SessionDep, tenant: TenantDep,
    periodo: Periodo | None = None, desde: Periodo | None = None, hasta: Periodo | None = None,
    formato: FormatoQuery = "json",
) -> Any:
    desde, hasta = service.period_range(periodo, desde, hasta)
    reporte = await service.facturacion(session, tenant.id, desde, hasta)
    if formato == "json":
        return reporte
    suffix = desde if desde == hasta else f"{desde}_{hasta}"
    return await _file(formato, f"{tenant.id}-facturacion-{suffix}", [
        _sheet("Facturación", FacturacionFila, [*reporte.filas, reporte.totales])])


@router.get("/subsidios", response_model=ReporteSubsidios, responses=EXPORT_RESPONSES,
            summary="Subsidies granted and contributions billed and collected, with the "
                    "balance for the solidarity fund")
async def subsidios(_: AdminPrincipal, session: SessionDep, tenant: TenantDep,
                    periodo: Periodo, formato: FormatoQuery = "json") -> Any:
    reporte = await service.subsidios(session, tenant.id, periodo)
    if formato == "json":
        return reporte
    return await _file(formato, f"{tenant.id}-subsidios-{periodo}", [
        _sheet("Subsidios y contribuciones", SubsidiosFila, [*reporte.filas, reporte.totales])])


@router.get("/recaudo", response_model=ReporteRecaudo, responses=EXPORT_RESPONSES,
            summary="Payments per day and channel; per period, collected over billed")
async def recaudo(_: AdminPrincipal, session: SessionDep, tenant: TenantDep,
                  desde: IsoDate, hasta: IsoDate, formato: FormatoQuery = "json") -> Any:
    reporte = await service.recaudo(session, tenant.id, desde, hasta)
    if formato == "json":
        return reporte
    return await _file(formato, f"{tenant.id}-recaudo-{desde}_{hasta}", [
        _sheet("Recaudo por día", RecaudoDia, reporte.por_dia),
        _sheet("Recaudo por periodo", RecaudoPeriodo, reporte.por_periodo)])


@router.get("/cartera", response_model=ReporteCartera, responses=EXPORT_RESPONSES,
            summary="Arrears by age and by unpaid periods as of a date; suspension candidates")
async def cartera(
    _: StaffPrincipal, session: SessionDep, tenant: TenantDep,
    fecha: Annotated[IsoDate | None, Query(description="The cut (default today; past dates "
                                                    "too)")] = None,
    min_periodos: Annotated[int, Query(ge=1, le=36, description=(
        "Periods past due that make an account a suspension candidate (art. 140)"))] = 2,
    limite: Annotated[int, Query(ge=1, le=1000, description=(
        "How many of the candidates the JSON lists"))] = 100,
    formato: FormatoQuery = "json",
) -> Any:
    fecha = fecha or tenant.local_date()
    if formato == "json":
        return await service.cartera(session, tenant, fecha, min_periodos=min_periodos,
                                     limite=limite)
    reporte = await service.cartera(session, tenant, fecha, min_periodos=min_periodos,
                                    limite=None)
    cuentas = await service.cartera_cuentas(session, tenant, fecha)
    return await _file(formato, f"{tenant.id}-cartera-{fecha}", [
        _sheet("Cartera por cuenta", CarteraCuenta, cuentas),
        _sheet("Por periodos en mora", CarteraGrupo, [*reporte.por_periodos, reporte.totales]),
        _sheet("Candidatos a suspensión", CarteraCuenta, reporte.cuentas)])


@router.get("/pqrs", response_model=ReportePqrs, responses=EXPORT_RESPONSES,
            summary="PQRs filed and answered by tipo and causal, on time, days to answer")
async def pqrs(_: StaffPrincipal, session: SessionDep, tenant: TenantDep,
               desde: IsoDate, hasta: IsoDate, formato: FormatoQuery = "json") -> Any:
    reporte = await service.pqrs(session, tenant, desde, hasta)
    if formato == "json":
        return reporte
    return await _file(formato, f"{tenant.id}-pqrs-{desde}_{hasta}", [
        _sheet("PQRs", PqrsFila, [*reporte.filas, reporte.totales])])


@router.get("/consumos", response_model=ReporteConsumos, responses=EXPORT_RESPONSES,
            summary="Consumption by uso/estrato, estimated share, and significant deviations")
async def consumos(
    _: StaffPrincipal, session: SessionDep, tenant: TenantDep, periodo: Periodo,
    umbral: Annotated[float, Query(gt=0, le=10, description=(
        "A deviation is significant above this share of the account's own average "
        "(0.35: 35 %)"))] = 0.35,
    limite: Annotated[int, Query(ge=1, le=1000, description=(
        "How many deviations the JSON lists, largest first"))] = 100,
    formato: FormatoQuery = "json",
) -> Any:
    if formato == "json":
        return await service.consumos(session, tenant.id, periodo, umbral=umbral,
                                      limite=limite)
    reporte = await service.consumos(session, tenant.id, periodo, umbral=umbral, limite=None)
    return await _file(formato, f"{tenant.id}-consumos-{periodo}", [
        _sheet("Desviaciones", Desviacion, reporte.desviaciones),
        _sheet("Consumo por uso y estrato", ConsumoFila, [*reporte.filas, reporte.totales])])


Servicio = Literal["acueducto", "alcantarillado"]
SuiFormato = Annotated[Literal["csv", "xlsx"], Query(description="csv (default) or xlsx")]


@router.get("/sui/facturacion", response_class=StreamingResponse, responses=SUI_RESPONSES,
            summary="The commercial billing file of a period and service (SUI's shape)")
async def sui_facturacion(request: Request, _: AdminPrincipal, tenant: TenantDep,
                          periodo: Periodo, servicio: Servicio = "acueducto",
                          formato: SuiFormato = "csv") -> StreamingResponse:
    return await export_list(
        request, tenant.id, formato, f"sui-facturacion-{servicio}-{periodo}",
        SuiFacturacionFila, lambda s: service.sui_facturacion(s, tenant.id, periodo, servicio))


@router.get("/sui/pqrs", response_class=StreamingResponse, responses=SUI_RESPONSES,
            summary="The PQR file of the PQRs filed in a range (SUI's shape)")
async def sui_pqrs(request: Request, _: AdminPrincipal, tenant: TenantDep, desde: IsoDate,
                   hasta: IsoDate, formato: SuiFormato = "csv") -> StreamingResponse:
    service.check_range(desde, hasta)
    return await export_list(request, tenant.id, formato, f"sui-pqrs-{desde}_{hasta}",
                             SuiPqrFila, lambda s: service.sui_pqrs(s, tenant.id, desde, hasta))
