import uuid

from fastapi import APIRouter, Response

from app.auth.dependencies import AdminPrincipal, StaffPrincipal
from app.core.dependencies import SessionDep, TenantIdDep
from app.core.pagination import Page, PageParamsDep
from app.trabajos import service
from app.trabajos.exportaciones import MEDIA_TYPES
from app.trabajos.models import TrabajoEstado
from app.trabajos.schemas import TrabajoRead

router = APIRouter(prefix="/api/trabajos", tags=["trabajos"])


@router.get("", response_model=Page[TrabajoRead], summary="The tenant's jobs, newest first")
async def list_trabajos(_: StaffPrincipal, session: SessionDep, tenant_id: TenantIdDep,
                        page: PageParamsDep, tipo: str | None = None,
                        estado: TrabajoEstado | None = None) -> Page[TrabajoRead]:
    items, total = await service.list_page(session, tenant_id, page, tipo=tipo, estado=estado)
    return Page.of([TrabajoRead.model_validate(t) for t in items], total, page)


@router.get("/{trabajo_id}", response_model=TrabajoRead)
async def get_trabajo(trabajo_id: uuid.UUID, _: StaffPrincipal, session: SessionDep,
                      tenant_id: TenantIdDep) -> TrabajoRead:
    return TrabajoRead.model_validate(await service.get(session, tenant_id, trabajo_id))


@router.get("/{trabajo_id}/archivo", response_class=Response,
            responses={200: {"content": {media: {} for media in MEDIA_TYPES.values()},
                             "description": "The file the job left"}},
            summary="Download the file an export job left (while it is kept)")
async def download_archivo(trabajo_id: uuid.UUID, _: StaffPrincipal, session: SessionDep,
                           tenant_id: TenantIdDep) -> Response:
    archivo = await service.archivo(session, tenant_id, trabajo_id)
    return Response(archivo.contenido, media_type=archivo.media_type, headers={
        "Content-Disposition": f'attachment; filename="{archivo.nombre}"'})


@router.post("/{trabajo_id}/cancelar", response_model=TrabajoRead,
             summary="Cancel a job that has not started")
async def cancel_trabajo(trabajo_id: uuid.UUID, _: AdminPrincipal, session: SessionDep,
                         tenant_id: TenantIdDep) -> TrabajoRead:
    return TrabajoRead.model_validate(await service.cancelar(session, tenant_id, trabajo_id))
