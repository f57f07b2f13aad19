from typing import Annotated

from fastapi import APIRouter, File, UploadFile, status

from app.auth.dependencies import AdminPrincipal, StaffPrincipal, SuperadminPrincipal
from app.core.dependencies import SessionDep, TenantIdDep
from app.core.pagination import Page, PageParamsDep
from app.tenancy import service
from app.tenancy.dependencies import ChangedTenants
from app.tenancy.schemas import Marca, MarcaUpdate, TenantCreate, TenantRead, TenantUpdate

router = APIRouter(prefix="/api/tenants", tags=["tenants"])


@router.get("", response_model=Page[TenantRead])
async def list_tenants(_: SuperadminPrincipal, session: SessionDep,
                       page: PageParamsDep) -> Page[TenantRead]:
    items, total = await service.list_page(session, page)
    return Page.of([TenantRead.model_validate(t) for t in items], total, page)


@router.post("", response_model=TenantRead, status_code=status.HTTP_201_CREATED)
async def create_tenant(body: TenantCreate, _: SuperadminPrincipal,
                        session: SessionDep) -> TenantRead:
    return TenantRead.model_validate(await service.create(session, body))


@router.get("/{slug}", response_model=TenantRead)
async def get_tenant(slug: str, _: SuperadminPrincipal, session: SessionDep) -> TenantRead:
    return TenantRead.model_validate(await service.get(session, slug))


@router.patch("/{slug}", response_model=TenantRead,
              summary="Rename, suspend or reactivate a tenant")
async def update_tenant(slug: str, body: TenantUpdate, changed: ChangedTenants,
                        _: SuperadminPrincipal, session: SessionDep) -> TenantRead:
    tenant = await service.update(session, slug, body)
    changed.add(slug)
    return TenantRead.model_validate(tenant)


marca_router = APIRouter(prefix="/api/marca", tags=["marca"])


@marca_router.get("", response_model=Marca, summary="The utility's branding on its invoices")
async def get_marca(_: StaffPrincipal, session: SessionDep, tenant_id: TenantIdDep) -> Marca:
    return Marca.model_validate(await service.get(session, tenant_id))


@marca_router.patch("", response_model=Marca,
                    summary="Address, contact details, GLN and colour printed on invoices")
async def update_marca(body: MarcaUpdate, _: AdminPrincipal, session: SessionDep,
                       tenant_id: TenantIdDep) -> Marca:
    return Marca.model_validate(await service.update_marca(session, tenant_id, body))


@marca_router.put("/logo", response_model=Marca, summary="Upload the logo (PNG or JPEG)")
async def put_logo(
    archivo: Annotated[UploadFile, File(description="PNG or JPEG, at most 256 KB")],
    _: AdminPrincipal, session: SessionDep, tenant_id: TenantIdDep,
) -> Marca:
    content = await archivo.read(service.LOGO_MAX_BYTES + 1)
    return Marca.model_validate(await service.set_logo(session, tenant_id, content))


@marca_router.delete("/logo", status_code=status.HTTP_204_NO_CONTENT)
async def delete_logo(_: AdminPrincipal, session: SessionDep, tenant_id: TenantIdDep) -> None:
    await service.remove_logo(session, tenant_id)
