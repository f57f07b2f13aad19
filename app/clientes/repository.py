import uuid
from collections.abc import Iterable, Sequence

from app.clientes.models import Cliente
from app.core.pagination import PageParams
from app.core.repository import TenantRepository


class ClienteRepository(TenantRepository[Cliente]):
    model = Cliente

    async def get_by_numero_cuenta(self, numero_cuenta: str) -> Cliente | None:
        return await self.session.scalar(
            self.select().where(Cliente.numero_cuenta == numero_cuenta)
        )

    async def get_many(self, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Cliente]:
        rows = await self.session.scalars(self.select().where(Cliente.id.in_(list(ids))))
        return {cliente.id: cliente for cliente in rows}

    async def all(self) -> Sequence[Cliente]:
        return (await self.session.scalars(self.select().order_by(Cliente.numero_cuenta))).all()

    async def list_page(self, params: PageParams, *, estrato: int | None = None,
                        uso: str | None = None, estado: str | None = None,
                        q: str | None = None) -> tuple[Sequence[Cliente], int]:
        statement = self.select().order_by(Cliente.numero_cuenta)
        if estrato is not None:
            statement = statement.where(Cliente.estrato == estrato)
        if uso is not None:
            statement = statement.where(Cliente.uso == uso)
        if estado is not None:
            statement = statement.where(Cliente.estado == estado)
        if q:
            statement = statement.where(
                Cliente.numero_cuenta.startswith(q, autoescape=True)
                | Cliente.nombre.icontains(q, autoescape=True)
            )
        return await self.page(statement, params)
