import uuid

from fastapi import APIRouter, status

from app.auth.dependencies import AdminPrincipal, StaffPrincipal
from app.core.dependencies import SessionDep, TenantIdDep
from app.core.pagination import Page, PageParamsDep
from app.tarifas import service
from app.tarifas.models import Servicio
from app.tarifas.schemas import (
    ParametrosFacturacion,
    ParametrosUpdate,
    TarifaClose,
    TarifaCreate,
    TarifaRead,
)

router = APIRouter(prefix="/api/tarifas", tags=["tarifas"])


@router.get("/parametros", response_model=ParametrosFacturacion,
            summary="The tenant's billing parameters")
async def get_parametros(_: StaffPrincipal, session: SessionDep,
                         tenant_id: TenantIdDep) -> ParametrosFacturacion:
    return ParametrosFacturacion.model_validate(await service.parametros(session, tenant_id))


@router.patch("/parametros", response_model=ParametrosFacturacion)
async def update_parametros(body: ParametrosUpdate, _: AdminPrincipal, session: SessionDep,
                            tenant_id: TenantIdDep) -> ParametrosFacturacion:
    tenant = await service.update_parametros(session, tenant_id, body)
    return ParametrosFacturacion.model_validate(tenant)


@router.post("", response_model=TarifaRead, status_code=status.HTTP_201_CREATED)
async def create_tarifa(body: TarifaCreate, _: AdminPrincipal, session: SessionDep,
                        tenant_id: TenantIdDep) -> TarifaRead:
    return TarifaRead.model_validate(await service.create(session, tenant_id, body))


@router.get("", response_model=Page[TarifaRead])
async def list_tarifas(_: StaffPrincipal, session: SessionDep, tenant_id: TenantIdDep,
                       page: PageParamsDep, servicio: Servicio | None = None,
                       ) -> Page[TarifaRead]:
    items, total = await service.list_page(session, tenant_id, page, servicio)
    return Page.of([TarifaRead.model_validate(t) for t in items], total, page)


@router.get("/{tarifa_id}", response_model=TarifaRead)
async def get_tarifa(tarifa_id: uuid.UUID, _: StaffPrincipal, session: SessionDep,
                     tenant_id: TenantIdDep) -> TarifaRead:
    return TarifaRead.model_validate(await service.get(session, tenant_id, tarifa_id))


@router.patch("/{tarifa_id}", response_model=TarifaRead,
              summary="Set the end of a version's validity (its prices never change)")
async def close_tarifa(tarifa_id: uuid.UUID, body: TarifaClose, _: AdminPrincipal,
                       session: SessionDep, tenant_id: TenantIdDep) -> TarifaRead:
    return TarifaRead.model_validate(await service.close(session, tenant_id, tarifa_id, body))
