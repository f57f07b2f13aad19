import uuid
from typing import Annotated, Any

from fastapi import APIRouter, File, Query, Request, UploadFile, status

from app.auth.dependencies import StaffPrincipal
from app.core.dependencies import SessionDep, TenantIdDep
from app.core.errors import refuse_other_methods
from app.core.exports import EXPORT_RESPONSES, FormatoQuery
from app.core.pagination import Page, PageParamsDep
from app.core.uploads import read_upload
from app.lecturas import service
from app.lecturas.models import PERIODO_PATTERN
from app.lecturas.schemas import (
    CargaResultado,
    LecturaCreate,
    LecturaFiltros,
    LecturaRead,
    LecturaUpdate,
)
from app.trabajos import exportaciones

router = APIRouter(prefix="/api/lecturas", tags=["lecturas"])


@router.post("", response_model=LecturaRead, status_code=status.HTTP_201_CREATED)
async def record_lectura(body: LecturaCreate, _: StaffPrincipal, session: SessionDep,
                         tenant_id: TenantIdDep) -> LecturaRead:
    return LecturaRead.model_validate(await service.record(session, tenant_id, body))


@router.post("/carga", response_model=CargaResultado, status_code=status.HTTP_201_CREATED,
             summary="Upload a month of readings as CSV: all rows or none")
async def upload_lecturas(
    request: Request,
    archivo: Annotated[UploadFile, File(description=(
        "CSV, UTF-8, header numero_cuenta,periodo,lectura_actual,fecha_lectura[,novedad]"))],
    _: StaffPrincipal, session: SessionDep, tenant_id: TenantIdDep,
) -> CargaResultado:
    return await service.upload(session, tenant_id, await read_upload(request, archivo))


refuse_other_methods(router, "/carga", {"POST"})


@router.get("", response_model=Page[LecturaRead], responses=EXPORT_RESPONSES)
async def list_lecturas(
    request: Request, principal: StaffPrincipal, session: SessionDep, tenant_id: TenantIdDep,
    page: PageParamsDep,
    periodo: Annotated[str | None, Query(pattern=PERIODO_PATTERN)] = None,
    cliente_id: uuid.UUID | None = None, formato: FormatoQuery = "json",
) -> Any:
    if formato != "json":
        return await exportaciones.exportar(
            request, session, tenant_id, formato, service.EXPORTACION,
            LecturaFiltros(periodo=periodo, cliente_id=cliente_id),
            solicitado_por=principal.user_id)
    items, total = await service.list_page(session, tenant_id, page, periodo=periodo,
                                           cliente_id=cliente_id)
    return Page.of([LecturaRead.model_validate(x) for x in items], total, page)


@router.get("/{lectura_id}", response_model=LecturaRead)
async def get_lectura(lectura_id: uuid.UUID, _: StaffPrincipal, session: SessionDep,
                      tenant_id: TenantIdDep) -> LecturaRead:
    return LecturaRead.model_validate(await service.get(session, tenant_id, lectura_id))


@router.patch("/{lectura_id}", response_model=LecturaRead,
              summary="Correct a reading before its period is billed")
async def correct_lectura(lectura_id: uuid.UUID, body: LecturaUpdate, _: StaffPrincipal,
                          session: SessionDep, tenant_id: TenantIdDep) -> LecturaRead:
    return LecturaRead.model_validate(
        await service.correct(session, tenant_id, lectura_id, body))
