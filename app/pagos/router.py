import uuid
from typing import Annotated, Any

from fastapi import APIRouter, File, Header, Request, Response, UploadFile, status

from app.auth.dependencies import AdminPrincipal, StaffPrincipal
from app.core.dependencies import SessionDep, TenantDep, TenantIdDep
from app.core.errors import refuse_other_methods
from app.core.exports import EXPORT_RESPONSES, FormatoQuery
from app.core.pagination import Page, PageParamsDep
from app.core.schemas import IsoDate
from app.core.uploads import read_upload
from app.pagos import service
from app.pagos.models import Canal, PagoEstado
from app.pagos.schemas import CargaPagos, PagoCreate, PagoFiltros, PagoRead, Reversion
from app.trabajos import exportaciones

router = APIRouter(prefix="/api/pagos", tags=["pagos"])

IdempotencyKey = Annotated[str | None, Header(
    alias="Idempotency-Key", max_length=200, pattern=r"^[\x21-\x7e]+$",  # visible ASCII
    description="Retrying with the same key and body returns the first result")]


@router.post("", response_model=PagoRead, status_code=status.HTTP_201_CREATED,
             responses={200: {"description": "A replay of an earlier request with this key"}})
async def record_pago(body: PagoCreate, principal: StaffPrincipal, session: SessionDep,
                      tenant: TenantDep, response: Response,
                      idempotency_key: IdempotencyKey = None) -> PagoRead:
    pago, created = await service.record(
        session, tenant.id, body, idempotency_key=idempotency_key,
        actor_id=principal.user_id, today=tenant.local_date())
    if not created:
        response.status_code = status.HTTP_200_OK
        response.headers["Idempotent-Replayed"] = "true"
    return PagoRead.model_validate(pago)


@router.post("/carga", response_model=CargaPagos, status_code=status.HTTP_201_CREATED,
             summary="Load a bank's collection file: each row paid as POST /api/pagos; the "
                     "same file again records nothing twice; all rows or none")
async def upload_pagos(
    request: Request,
    archivo: Annotated[UploadFile, File(description=(
        "CSV (UTF-8) or XLSX; header referencia,valor,fecha,banco (referencia: the invoice's "
        "payment reference; fecha YYYY-MM-DD)"))],
    principal: StaffPrincipal, session: SessionDep, tenant: TenantDep,
) -> CargaPagos:
    return await service.upload(session, tenant.id, await read_upload(request, archivo),
                                actor_id=principal.user_id, today=tenant.local_date())


refuse_other_methods(router, "/carga", {"POST"})


@router.get("", response_model=Page[PagoRead], responses=EXPORT_RESPONSES)
async def list_pagos(request: Request, principal: StaffPrincipal, session: SessionDep,
                     tenant_id: TenantIdDep, page: PageParamsDep,
                     factura_id: uuid.UUID | None = None,
                     desde: IsoDate | None = None, hasta: IsoDate | None = None,
                     canal: Canal | None = None, estado: PagoEstado | None = None,
                     formato: FormatoQuery = "json") -> Any:
    filters = PagoFiltros(factura_id=factura_id, desde=desde, hasta=hasta, canal=canal,
                          estado=estado)
    if formato != "json":
        return await exportaciones.exportar(request, session, tenant_id, formato,
                                            service.EXPORTACION, filters,
                                            solicitado_por=principal.user_id)
    items, total = await service.list_page(session, tenant_id, page, **dict(filters))
    return Page.of([PagoRead.model_validate(p) for p in items], total, page)


@router.get("/{pago_id}", response_model=PagoRead)
async def get_pago(pago_id: uuid.UUID, _: StaffPrincipal, session: SessionDep,
                   tenant_id: TenantIdDep) -> PagoRead:
    return PagoRead.model_validate(await service.get(session, tenant_id, pago_id))


@router.post("/{pago_id}/reversar", response_model=PagoRead)
async def reverse_pago(pago_id: uuid.UUID, body: Reversion, _: AdminPrincipal,
                       session: SessionDep, tenant_id: TenantIdDep) -> PagoRead:
    return PagoRead.model_validate(
        await service.reverse(session, tenant_id, pago_id, motivo=body.motivo))
