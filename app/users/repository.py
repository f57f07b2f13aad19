import uuid
from collections.abc import Sequence

from sqlalchemy import bindparam, select

from app.core.pagination import PageParams
from app.core.reads import Row, TenantRead
from app.core.repository import TenantRepository
from app.users.models import User

# Read on every authenticated request: the columns a principal needs, as a row, not an entity.
_PRINCIPAL = TenantRead(select(User.id, User.email, User.nombre, User.role, User.cliente_id,
                               User.activo).where(User.tenant_id == bindparam("tenant_id"),
                                                  User.id == bindparam("id")))


class UserRepository(TenantRepository[User]):
    model = User

    async def principal(self, user_id: uuid.UUID) -> Row | None:
        return await self.first(_PRINCIPAL, id=user_id)

    async def get_by_email(self, email: str) -> User | None:
        return await self.session.scalar(self.select().where(User.email == email.lower()))

    async def list_page(self, params: PageParams, *, role: str | None = None,
                   activo: bool | None = None) -> tuple[Sequence[User], int]:
        statement = self.select().order_by(User.email)
        if role is not None:
            statement = statement.where(User.role == role)
        if activo is not None:
            statement = statement.where(User.activo == activo)
        return await self.page(statement, params)
