import uuid
from typing import Annotated

from fastapi import Depends

from app.auth.dependencies import require_roles
from app.auth.principal import Principal
from app.users.models import Role

# Staff see every invoice of the tenant; a portal user only its own account's.
InvoiceReader = Annotated[Principal,
                          Depends(require_roles(Role.admin, Role.operador, Role.cliente))]


def own_account(principal: Principal) -> uuid.UUID | None:
    """The account a portal user is bound to; None for staff, who see the whole tenant."""
    return principal.cliente_id if principal.role == Role.cliente else None
