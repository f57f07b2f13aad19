import hmac
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request
from fastapi.responses import Response

from app.auth.dependencies import AdminOrSuperadminPrincipal, SuperadminPrincipal
from app.core import metrics
from app.core.dependencies import SessionDep, SettingsDep, TenantDep
from app.core.errors import NotFound, Unauthorized
from app.core.exports import EXPORT_RESPONSES, FormatoQuery
from app.core.incidents import Severidad, TipoIncidente
from app.core.pagination import Page, PageParamsDep
from app.core.schemas import IsoDate
from app.operaciones import service
from app.operaciones.schemas import AuditoriaFiltros, AuditoriaRead, IncidenteRead
from app.trabajos import exportaciones

router = APIRouter(prefix="/api", tags=["operaciones"])
metrics_router = APIRouter()


@router.get("/auditoria", response_model=Page[AuditoriaRead], responses=EXPORT_RESPONSES)
async def list_auditoria(request: Request, principal: AdminOrSuperadminPrincipal,
                         session: SessionDep, tenant: TenantDep, page: PageParamsDep,
                         actor_id: uuid.UUID | None = None, entidad: str | None = None,
                         entidad_id: str | None = None, accion: str | None = None,
                         desde: IsoDate | None = None, hasta: IsoDate | None = None,
                         formato: FormatoQuery = "json") -> Any:
    """The tenant's audit log, newest first (the platform's, for a superadmin): every change
    a user made, with the fields before and after. `desde`/`hasta` are the tenant's days."""
    filtros = AuditoriaFiltros(actor_id=actor_id, entidad=entidad, entidad_id=entidad_id,
                               accion=accion, desde=desde, hasta=hasta,
                               zona_horaria=tenant.timezone)
    if formato != "json":
        return await exportaciones.exportar(request, session, tenant.id, formato,
                                            service.EXPORTACION, filtros,
                                            solicitado_por=principal.user_id)
    items, total = await service.auditoria(session, tenant.id, page, filtros)
    return Page.of([AuditoriaRead.model_validate(a) for a in items], total, page)


@router.get("/incidentes", response_model=Page[IncidenteRead])
async def list_incidentes(_: SuperadminPrincipal, session: SessionDep, tenant: TenantDep,
                          page: PageParamsDep, severidad: Severidad | None = None,
                          desde: IsoDate | None = None, tenant_id: str | None = None,
                          tipo: TipoIncidente | None = None, request_id: str | None = None,
                          abiertos: bool | None = None) -> Page[IncidenteRead]:
    """The platform's incidents, last seen first. `request_id` finds the incident of a
    failed request (the id its 500 problem carried)."""
    items, total = await service.incidentes(
        session, page, severidad=severidad, desde=desde, tenant_id=tenant_id, tipo=tipo,
        request_id=request_id, abiertos=abiertos, timezone=tenant.timezone)
    return Page.of([IncidenteRead.model_validate(i) for i in items], total, page)


@router.post("/incidentes/{incidente_id}/resolver", response_model=IncidenteRead)
async def resolve_incidente(incidente_id: uuid.UUID, principal: SuperadminPrincipal,
                            session: SessionDep) -> IncidenteRead:
    return IncidenteRead.model_validate(
        await service.resolver(session, incidente_id, principal.user_id))


# Not in the API document: it is for the monitoring system, not for integrators.
@metrics_router.get("/metrics", response_class=Response, include_in_schema=False)
async def prometheus_metrics(
        settings: SettingsDep,
        authorization: Annotated[str | None, Header()] = None,
) -> Response:
    """Prometheus metrics, with `Authorization: Bearer <METRICS_TOKEN>`."""
    if not settings.metrics_token:
        raise NotFound("Metrics are off: set METRICS_TOKEN to scrape them.")
    expected = f"Bearer {settings.metrics_token}".encode()
    if not hmac.compare_digest((authorization or "").encode(), expected):
        raise Unauthorized("Send 'Authorization: Bearer <METRICS_TOKEN>'.")
    body, media_type = metrics.exposition()
    return Response(body, media_type=media_type)
