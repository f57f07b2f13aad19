from fastapi import APIRouter, Request, status

from app.auth.dependencies import SuperadminPrincipal
from app.core.dependencies import SessionDep
from app.core.pagination import Page, PageParamsDep
from app.tenancy import service
from app.tenancy.schemas import TenantCreate, TenantRead, TenantUpdate

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
async def update_tenant(slug: str, body: TenantUpdate, _: SuperadminPrincipal,
                        session: SessionDep, request: Request) -> TenantRead:
    tenant = await service.update(session, slug, body)
    request.app.state.tenant_directory.invalidate(slug)
    return TenantRead.model_validate(tenant)
