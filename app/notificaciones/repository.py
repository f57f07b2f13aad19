from collections.abc import Sequence

from app.core.pagination import PageParams
from app.core.repository import TenantRepository
from app.notificaciones.models import Envio


class EnvioRepository(TenantRepository[Envio]):
    model = Envio

    async def list_page(self, params: PageParams, *, tipo: str | None,
                        estado: str | None) -> tuple[Sequence[Envio], int]:
        statement = self.select().order_by(Envio.created_at.desc(), Envio.id)
        if tipo is not None:
            statement = statement.where(Envio.tipo == tipo)
        if estado is not None:
            statement = statement.where(Envio.estado == estado)
        return await self.page(statement, params)
