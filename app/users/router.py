import uuid

from fastapi import APIRouter, status

from app.auth.dependencies import AdminOrSuperadminPrincipal
from app.core.dependencies import SessionDep, TenantIdDep
from app.core.pagination import Page, PageParamsDep
from app.users import service
from app.users.models import Role
from app.users.schemas import UserCreate, UserRead, UserUpdate

router = APIRouter(prefix="/api/users", tags=["users"])

# A tenant's admin manages its users; the platform's superadmins manage the public tenant's.
UserManager = AdminOrSuperadminPrincipal


@router.post("", response_model=UserRead, status_code=status.HTTP_201_CREATED)
async def create_user(body: UserCreate, actor: UserManager, session: SessionDep) -> UserRead:
    user = await service.create(session, actor.tenant_id, body, actor_role=actor.role)
    return UserRead.model_validate(user)


@router.get("", response_model=Page[UserRead])
async def list_users(_: UserManager, session: SessionDep, tenant_id: TenantIdDep,
                     page: PageParamsDep, role: Role | None = None,
                     activo: bool | None = None) -> Page[UserRead]:
    items, total = await service.list_page(session, tenant_id, page, role=role, activo=activo)
    return Page.of([UserRead.model_validate(u) for u in items], total, page)


@router.get("/{user_id}", response_model=UserRead)
async def get_user(user_id: uuid.UUID, _: UserManager, session: SessionDep,
                   tenant_id: TenantIdDep) -> UserRead:
    return UserRead.model_validate(await service.get(session, tenant_id, user_id))


@router.patch("/{user_id}", response_model=UserRead)
async def update_user(user_id: uuid.UUID, body: UserUpdate, actor: UserManager,
                      session: SessionDep) -> UserRead:
    return UserRead.model_validate(await service.update(session, actor, user_id, body))


@router.delete("/{user_id}", status_code=status.HTTP_204_NO_CONTENT,
               summary="Deactivate a user (users are never deleted)")
async def deactivate_user(user_id: uuid.UUID, actor: UserManager, session: SessionDep) -> None:
    await service.deactivate(session, actor, user_id)
