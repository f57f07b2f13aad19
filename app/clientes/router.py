import uuid
from typing import Annotated, Any

from fastapi import APIRouter, File, Query, Request, UploadFile, status

from app.auth.dependencies import AdminPrincipal, ClientePrincipal, StaffPrincipal
from app.clientes import service
from app.clientes.models import ClienteEstado, Uso
from app.clientes.schemas import (
    CargaClientes,
    ClienteCreate,
    ClienteFiltros,
    ClienteRead,
    ClienteUpdate,
)
from app.core.dependencies import SessionDep, TenantIdDep
from app.core.errors import refuse_other_methods
from app.core.exports import EXPORT_RESPONSES, FormatoQuery
from app.core.pagination import Page, PageParamsDep
from app.core.schemas import Line
from app.core.uploads import read_upload
from app.trabajos import exportaciones

router = APIRouter(prefix="/api/clientes", tags=["clientes"])


@router.post("", response_model=ClienteRead, status_code=status.HTTP_201_CREATED)
async def create_cliente(body: ClienteCreate, _: StaffPrincipal, session: SessionDep,
                         tenant_id: TenantIdDep) -> ClienteRead:
    cliente = await service.create(session, tenant_id, body)
    return ClienteRead.model_validate(cliente)


@router.post("/carga", response_model=CargaClientes, status_code=status.HTTP_201_CREATED,
             summary="Load accounts from a CSV or XLSX file: creates new numero_cuenta, "
                     "updates known ones; all rows or none")
async def upload_clientes(
    request: Request,
    archivo: Annotated[UploadFile, File(description=(
        "CSV (UTF-8) or XLSX; header numero_cuenta,nombre,direccion,uso and optionally "
        "telefono,correo,estrato,servicio_acueducto,servicio_alcantarillado,medidor_serial"))],
    _: StaffPrincipal, session: SessionDep, tenant_id: TenantIdDep,
) -> CargaClientes:
    return await service.upload(session, tenant_id, await read_upload(request, archivo))


@router.get("", response_model=Page[ClienteRead], responses=EXPORT_RESPONSES)
async def list_clientes(
    request: Request,
    principal: StaffPrincipal,
    session: SessionDep,
    tenant_id: TenantIdDep,
    page: PageParamsDep,
    estrato: Annotated[int | None, Query(ge=1, le=6)] = None,
    uso: Uso | None = None,
    estado: ClienteEstado | None = None,
    q: Annotated[Line | None, Query(max_length=200,
                                   description="Part of the nombre, or a numero_cuenta prefix")
                 ] = None,
    formato: FormatoQuery = "json",
) -> Any:
    filters = ClienteFiltros(estrato=estrato, uso=uso, estado=estado, q=q)
    if formato != "json":
        return await exportaciones.exportar(request, session, tenant_id, formato,
                                            service.EXPORTACION, filters,
                                            solicitado_por=principal.user_id)
    items, total = await service.list_page(session, tenant_id, page, **dict(filters))
    return Page.of(items, total, page)


@router.get("/me", response_model=ClienteRead, summary="The portal user's own account")
async def my_cliente(principal: ClientePrincipal, session: SessionDep) -> ClienteRead:
    cliente = await service.get_own(session, principal.tenant_id, principal.cliente_id)
    return ClienteRead.model_validate(cliente)


refuse_other_methods(router, "/me", {"GET"})
refuse_other_methods(router, "/carga", {"POST"})


@router.get("/{cliente_id}", response_model=ClienteRead)
async def get_cliente(cliente_id: uuid.UUID, _: StaffPrincipal, session: SessionDep,
                      tenant_id: TenantIdDep) -> ClienteRead:
    return ClienteRead.model_validate(await service.get(session, tenant_id, cliente_id))


@router.patch("/{cliente_id}", response_model=ClienteRead)
async def update_cliente(cliente_id: uuid.UUID, body: ClienteUpdate, _: StaffPrincipal,
                         session: SessionDep, tenant_id: TenantIdDep) -> ClienteRead:
    cliente = await service.update(session, tenant_id, cliente_id, body)
    return ClienteRead.model_validate(cliente)


@router.delete("/{cliente_id}", status_code=status.HTTP_204_NO_CONTENT,
               summary="Delete an account with no history (otherwise retire it)")
async def delete_cliente(cliente_id: uuid.UUID, _: AdminPrincipal, session: SessionDep,
                         tenant_id: TenantIdDep) -> None:
    await service.delete(session, tenant_id, cliente_id)
