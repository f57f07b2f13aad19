import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, status

from app.auth.dependencies import AdminPrincipal, StaffPrincipal, portal_budget, require_roles
from app.auth.principal import Principal
from app.core.dependencies import SessionDep, TenantDep
from app.core.exports import EXPORT_RESPONSES, FormatoQuery
from app.core.pagination import Page, PageParamsDep
from app.core.schemas import IsoDate
from app.core.tenant import ResolvedTenant
from app.pqrs import service
from app.pqrs.models import Estado, Pqr, Tipo
from app.pqrs.schemas import (
    Asignacion,
    CausalCreate,
    CausalRead,
    CausalUpdate,
    Cierre,
    Clasificacion,
    EventoRead,
    Nota,
    Notificacion,
    PqrCreate,
    PqrDetalle,
    PqrFiltros,
    PqrRead,
    RecursoCreate,
    Respuesta,
    ResumenPqrs,
)
from app.trabajos import exportaciones
from app.users.models import Role

router = APIRouter(prefix="/api/pqrs", tags=["pqrs"])

# Staff handle every PQR of the tenant; a portal user files and reads its own account's.
PqrUser = Annotated[Principal, Depends(require_roles(Role.admin, Role.operador, Role.cliente))]


def _actor(principal: Principal) -> service.Actor:
    return service.Actor(user_id=principal.user_id,
                         cliente_id=principal.cliente_id if principal.role == Role.cliente
                         else None)


async def _detalle(session: SessionDep, tenant: ResolvedTenant, pqr: Pqr,
                   actor: service.Actor) -> PqrDetalle:
    eventos = await service.eventos(session, tenant.id, pqr, solo_publicos=actor.es_portal)
    lines = [EventoRead.model_validate(e) for e in eventos]
    if actor.es_portal:  # the customer sees what happened, not which employee did it
        lines = [line.model_copy(update={"actor_id": None}) for line in lines]
    return PqrDetalle(**service.to_read(pqr, tenant.local_date()).model_dump(), eventos=lines)


@router.post("", response_model=PqrDetalle, status_code=status.HTTP_201_CREATED,
             summary="File a petición, queja or reclamo: radicado and legal deadline",
             dependencies=[Depends(portal_budget("pqr"))])
async def file_pqr(body: PqrCreate, principal: PqrUser, session: SessionDep,
                   tenant: TenantDep) -> PqrDetalle:
    actor = _actor(principal)
    return await _detalle(session, tenant, await service.file(session, tenant, body, actor),
                          actor)


@router.get("", response_model=Page[PqrRead], summary="PQRs, by deadline first",
            responses=EXPORT_RESPONSES)
async def list_pqrs(
    request: Request, principal: PqrUser, session: SessionDep, tenant: TenantDep,
    page: PageParamsDep,
    estado: Estado | None = None, tipo: Tipo | None = None,
    asignada_a: uuid.UUID | None = None, cliente_id: uuid.UUID | None = None,
    vencidas: Annotated[bool, Query(description="Unanswered past their deadline")] = False,
    vencen_en: Annotated[int | None, Query(ge=0, le=60, description=(
        "Unanswered and due within this many business days"))] = None,
    formato: FormatoQuery = "json",
) -> Any:
    actor = _actor(principal)
    if actor.es_portal:
        cliente_id = actor.cliente_id
    today = tenant.local_date()
    filters = PqrFiltros(today=today, estado=estado, tipo=tipo, asignada_a=asignada_a,
                         cliente_id=cliente_id, vencidas=vencidas, vencen_en=vencen_en)
    if formato != "json":
        return await exportaciones.exportar(request, session, tenant.id, formato,
                                            service.EXPORTACION, filters,
                                            solicitado_por=principal.user_id)
    items, total = await service.list_page(session, tenant.id, page, **dict(filters))
    return Page.of([service.to_read(p, today) for p in items], total, page)


@router.get("/resumen", response_model=ResumenPqrs,
            summary="Counts by estado and tipo, and the share answered on time")
async def summary(_: StaffPrincipal, session: SessionDep, tenant: TenantDep,
                  desde: IsoDate, hasta: IsoDate) -> ResumenPqrs:
    resumen = await service.summary(session, tenant.id, desde, hasta)
    return ResumenPqrs(
        desde=desde, hasta=hasta, total=resumen.total, por_estado=resumen.por_estado,
        por_tipo=resumen.por_tipo, respondidas=resumen.respondidas,
        respondidas_a_tiempo=resumen.respondidas_a_tiempo,
        proporcion_a_tiempo=(round(resumen.respondidas_a_tiempo / resumen.respondidas, 4)
                             if resumen.respondidas else None))


@router.get("/causales", response_model=list[CausalRead],
            summary="The tenant's catalogue of causes")
async def list_causales(_: PqrUser, session: SessionDep, tenant: TenantDep,
                        activa: bool | None = None) -> list[CausalRead]:
    return [CausalRead.model_validate(c)
            for c in await service.causales(session, tenant.id, activas=activa)]


@router.post("/causales", response_model=CausalRead, status_code=status.HTTP_201_CREATED,
             summary="Add a cause to the catalogue")
async def create_causal(body: CausalCreate, _: AdminPrincipal, session: SessionDep,
                        tenant: TenantDep) -> CausalRead:
    return CausalRead.model_validate(await service.create_causal(session, tenant.id, body))


@router.patch("/causales/{codigo}", response_model=CausalRead,
              summary="Rename a cause or turn it off (causes are never deleted)")
async def update_causal(codigo: str, body: CausalUpdate, _: AdminPrincipal,
                        session: SessionDep, tenant: TenantDep) -> CausalRead:
    return CausalRead.model_validate(
        await service.update_causal(session, tenant.id, codigo, body))


@router.get("/{pqr_id}", response_model=PqrDetalle)
async def get_pqr(pqr_id: uuid.UUID, principal: PqrUser, session: SessionDep,
                  tenant: TenantDep) -> PqrDetalle:
    actor = _actor(principal)
    pqr = await service.get(session, tenant.id, pqr_id, only_cliente=actor.cliente_id)
    return await _detalle(session, tenant, pqr, actor)


@router.post("/{pqr_id}/asignar", response_model=PqrDetalle,
             summary="Assign to an operador: radicada → en_tramite")
async def assign(pqr_id: uuid.UUID, body: Asignacion, principal: StaffPrincipal,
                 session: SessionDep, tenant: TenantDep) -> PqrDetalle:
    actor = _actor(principal)
    pqr = await service.assign(session, tenant.id, pqr_id, body.operador_id, actor)
    return await _detalle(session, tenant, pqr, actor)


@router.post("/{pqr_id}/notas", response_model=PqrDetalle,
             summary="An internal note (the customer does not see it)")
async def add_note(pqr_id: uuid.UUID, body: Nota, principal: StaffPrincipal,
                   session: SessionDep, tenant: TenantDep) -> PqrDetalle:
    actor = _actor(principal)
    pqr = await service.add_note(session, tenant.id, pqr_id, body.texto, actor)
    return await _detalle(session, tenant, pqr, actor)


@router.post("/{pqr_id}/responder", response_model=PqrDetalle,
             summary="Answer the customer: en_tramite → respondida")
async def respond(pqr_id: uuid.UUID, body: Respuesta, principal: StaffPrincipal,
                  session: SessionDep, tenant: TenantDep) -> PqrDetalle:
    actor = _actor(principal)
    pqr = await service.respond(session, tenant, pqr_id, body, actor)
    return await _detalle(session, tenant, pqr, actor)


@router.post("/{pqr_id}/clasificar", response_model=PqrDetalle,
             summary="Classify under a cause of the catalogue")
async def classify(pqr_id: uuid.UUID, body: Clasificacion, principal: StaffPrincipal,
                   session: SessionDep, tenant: TenantDep) -> PqrDetalle:
    actor = _actor(principal)
    pqr = await service.classify(session, tenant.id, pqr_id, body.causal, actor)
    return await _detalle(session, tenant, pqr, actor)


@router.post("/{pqr_id}/notificacion", response_model=PqrDetalle,
             summary="Record how and when the answer was notified to the customer")
async def notify(pqr_id: uuid.UUID, body: Notificacion, principal: StaffPrincipal,
                 session: SessionDep, tenant: TenantDep) -> PqrDetalle:
    actor = _actor(principal)
    pqr = await service.record_notification(session, tenant, pqr_id, body, actor)
    return await _detalle(session, tenant, pqr, actor)


@router.post("/{pqr_id}/cerrar", response_model=PqrDetalle,
             summary="Close: respondida → cerrada (a claim on an invoice with its result)")
async def close(pqr_id: uuid.UUID, body: Cierre, principal: StaffPrincipal,
                session: SessionDep, tenant: TenantDep) -> PqrDetalle:
    actor = _actor(principal)
    pqr = await service.close(session, tenant.id, pqr_id, body, actor)
    return await _detalle(session, tenant, pqr, actor)


@router.post("/{pqr_id}/recurso", response_model=PqrDetalle,
             status_code=status.HTTP_201_CREATED, dependencies=[Depends(portal_budget("pqr"))],
             summary="Appeal a response (recurso de reposición) within 5 business days")
async def file_recurso(pqr_id: uuid.UUID, body: RecursoCreate, principal: PqrUser,
                       session: SessionDep, tenant: TenantDep) -> PqrDetalle:
    actor = _actor(principal)
    recurso = await service.file_recurso(session, tenant, pqr_id, body, actor)
    return await _detalle(session, tenant, recurso, actor)
