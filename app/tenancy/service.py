"""Creating, renaming, suspending and reactivating tenants (the platform operator's work), and
a tenant's own branding (its admin's)."""

import io
from collections.abc import Sequence

from PIL import Image
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import Conflict, NotFound, PayloadTooLarge, invalid_fields
from app.core.pagination import PageParams
from app.core.schemas import sent_changes
from app.core.tenant import ResolvedTenant, TenantId, session_tenant, switch_tenant
from app.pqrs import service as pqrs_service
from app.tenancy.constants import PUBLIC_TENANT
from app.tenancy.models import Tenant, TenantEstado
from app.tenancy.repository import TenantsRepository
from app.tenancy.schemas import MarcaUpdate, TenantCreate, TenantUpdate
from app.users import service as users_service
from app.users.models import Role
from app.users.schemas import UserCreate


async def create(session: AsyncSession, data: TenantCreate) -> Tenant:
    tenants = TenantsRepository(session)
    if await tenants.get(data.slug) is not None:
        raise Conflict(f"Tenant '{data.slug}' already exists.")
    tenant = await tenants.add(Tenant(id=data.slug, nombre=data.nombre, nit=data.nit,
                                      timezone=data.timezone, estado=TenantEstado.activo))
    # Writing into the new tenant: move the unit of work there and back.
    caller_tenant = session_tenant(session)
    await switch_tenant(session, TenantId(tenant.id))
    await pqrs_service.seed_causales(session, TenantId(tenant.id))
    if data.admin is not None:
        await users_service.create(
            session, TenantId(tenant.id),
            UserCreate(email=data.admin.email, nombre=data.admin.nombre,
                       password=data.admin.password, role=Role.admin),
            actor_role=Role.superadmin,
        )
    if caller_tenant is not None:
        await switch_tenant(session, caller_tenant)
    return tenant


async def find(session: AsyncSession, slug: str) -> Tenant | None:
    return await TenantsRepository(session).get(slug)


async def get(session: AsyncSession, slug: str, *, with_logo: bool = False) -> Tenant:
    """`with_logo`: load the logo's bytes too (a deferred column only the PDF needs)."""
    tenant = await TenantsRepository(session).get(slug, with_logo=with_logo)
    if tenant is None:
        raise NotFound(f"No tenant '{slug}'.")
    return tenant


async def resolved(session: AsyncSession, slug: str) -> ResolvedTenant:
    """The tenant as a request would have resolved it (for work outside a request: jobs)."""
    tenant = await get(session, slug)
    return ResolvedTenant(id=TenantId(tenant.id), nombre=tenant.nombre, estado=tenant.estado,
                          timezone=tenant.timezone)


async def ids_activos(session: AsyncSession) -> list[TenantId]:
    """The tenants that are not suspended (the platform's view: a session with no tenant)."""
    return [TenantId(slug) for slug in await TenantsRepository(session).ids_activos()]


async def list_page(session: AsyncSession, params: PageParams) -> tuple[Sequence[Tenant], int]:
    return await TenantsRepository(session).list_page(params)


async def update(session: AsyncSession, slug: str, data: TenantUpdate) -> Tenant:
    tenant = await get(session, slug)
    changes = sent_changes(data)
    if changes.get("estado") == TenantEstado.suspendido and slug == PUBLIC_TENANT:
        raise Conflict("The public tenant cannot be suspended.")
    for column, value in changes.items():
        setattr(tenant, column, value)
    await TenantsRepository(session).flush()
    return tenant


# The tenant's own branding, set by its admin.

LOGO_MAX_BYTES = 256 * 1024
LOGO_MAX_PIXELS = 2000
LOGO_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg"}


async def update_marca(session: AsyncSession, tenant_id: TenantId, data: MarcaUpdate) -> Tenant:
    tenant = await get(session, tenant_id)
    for column, value in sent_changes(data).items():
        setattr(tenant, column, value)
    await TenantsRepository(session).flush()
    return tenant


def _logo_media_type(content: bytes) -> str:
    if len(content) > LOGO_MAX_BYTES:
        raise PayloadTooLarge(f"The logo is larger than {LOGO_MAX_BYTES} bytes.")
    try:
        with Image.open(io.BytesIO(content)) as image:
            image.verify()
            image_format, size = image.format, image.size
    except (OSError, SyntaxError, ValueError) as error:  # what Pillow raises for a bad image
        raise invalid_fields({"archivo": "not a PNG or JPEG image"}) from error
    if image_format not in LOGO_FORMATS:
        raise invalid_fields({"archivo": f"a {image_format} image; send PNG or JPEG"})
    if max(size) > LOGO_MAX_PIXELS:
        raise invalid_fields({"archivo": f"{size[0]}×{size[1]} px; at most {LOGO_MAX_PIXELS} "
                                         "px a side"})
    return LOGO_FORMATS[image_format]


async def set_logo(session: AsyncSession, tenant_id: TenantId, content: bytes) -> Tenant:
    media_type = _logo_media_type(content)
    tenant = await get(session, tenant_id)
    tenant.logo, tenant.logo_media_type = content, media_type
    await TenantsRepository(session).flush()
    return tenant


async def remove_logo(session: AsyncSession, tenant_id: TenantId) -> None:
    tenant = await get(session, tenant_id)
    tenant.logo, tenant.logo_media_type = None, None
    await TenantsRepository(session).flush()

