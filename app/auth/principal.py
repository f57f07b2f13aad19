"""Who is calling: the type the role guards produce and services receive."""

import uuid
from dataclasses import dataclass

from app.core.tenant import TenantId
from app.users.models import Role


@dataclass(frozen=True)
class Principal:
    """Who is calling. Role and binding come from the database, not the token, so a
    demotion or deactivation takes effect on the next request."""

    user_id: uuid.UUID
    tenant_id: TenantId
    email: str
    nombre: str
    role: Role
    cliente_id: uuid.UUID | None

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.admin, Role.operador)
