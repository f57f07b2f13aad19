"""Builders of tenants, users and accounts for tests, and the tokens to call as them."""

import uuid
from dataclasses import dataclass, field

from app.clientes import service as clientes_service
from app.clientes.models import Cliente
from app.clientes.schemas import ClienteCreate
from app.core.config import Settings
from app.core.db import Database
from app.core.security import create_access_token
from app.core.tenant import TenantId
from app.tenancy import service as tenancy_service
from app.tenancy.constants import PUBLIC_TENANT
from app.tenancy.schemas import TenantCreate
from app.users import service as users_service
from app.users.models import Role, User
from app.users.schemas import UserCreate

TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"
PASSWORD = "correct-horse-battery"


def cliente_payload(numero_cuenta: str = "1001", **overrides: object) -> dict[str, object]:
    payload: dict[str, object] = {
        "numero_cuenta": numero_cuenta, "nombre": "Ana Gómez", "direccion": "Calle 1 # 2-3",
        "telefono": "3001234567", "correo": "ana@example.co", "estrato": 2,
        "uso": "residencial", "medidor_serial": "MED-1",
    }
    payload.update(overrides)
    return payload


@dataclass
class TenantWorld:
    """A tenant with one user of each role and one account the portal user is bound to."""

    slug: str
    settings: Settings
    users: dict[Role, User] = field(default_factory=dict)
    cliente: Cliente | None = None
    other_cliente: Cliente | None = None

    def token(self, role: Role) -> str:
        user = self.users[role]
        token, _ = create_access_token(self.settings, user_id=user.id, tenant_id=self.slug,
                                       role=user.role, cliente_id=user.cliente_id)
        return token

    def headers(self, role: Role | None = None, *, tenant: str | None = None) -> dict[str, str]:
        headers = {"X-Tenant-ID": tenant or self.slug}
        if role is not None:
            headers["Authorization"] = f"Bearer {self.token(role)}"
        return headers

    def email(self, role: Role) -> str:
        return self.users[role].email


async def make_tenant(database: Database, settings: Settings, slug: str) -> TenantWorld:
    world = TenantWorld(slug=slug, settings=settings)
    tenant_id = TenantId(slug)
    async with database.session(TenantId(PUBLIC_TENANT)) as session:
        await tenancy_service.create(session, TenantCreate(slug=slug, nombre=f"Utility {slug}"))
    async with database.session(tenant_id) as session:
        world.cliente = await clientes_service.create(
            session, tenant_id, ClienteCreate(**cliente_payload("1001")))
        world.other_cliente = await clientes_service.create(
            session, tenant_id, ClienteCreate(**cliente_payload("1002", nombre="Luis Díaz")))
        for role in (Role.admin, Role.operador, Role.cliente):
            world.users[role] = await users_service.create(session, tenant_id, UserCreate(
                email=f"{role}@{slug}.co", nombre=f"{role} {slug}", password=PASSWORD,
                role=role, numero_cuenta="1001" if role == Role.cliente else None,
            ), actor_role=None)
    return world


async def make_superadmin(database: Database, settings: Settings) -> TenantWorld:
    world = TenantWorld(slug=PUBLIC_TENANT, settings=settings)
    async with database.session(TenantId(PUBLIC_TENANT)) as session:
        world.users[Role.superadmin] = await users_service.create(
            session, TenantId(PUBLIC_TENANT),
            UserCreate(email=f"root-{uuid.uuid4().hex[:6]}@cunservicios.co", nombre="Root",
                       password=PASSWORD, role=Role.superadmin),
            actor_role=None)
    return world
