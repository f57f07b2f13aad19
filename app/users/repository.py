from collections.abc import Sequence

from app.core.pagination import PageParams
from app.core.repository import TenantRepository
from app.users.models import User


class UserRepository(TenantRepository[User]):
    model = User

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
