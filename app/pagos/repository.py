import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Select, and_, bindparam, select

from app.core.pagination import PageParams
from app.core.reads import Row, TenantRead
from app.core.repository import TenantRepository
from app.facturas.models import Factura
from app.pagos.models import Pago

_DE_CLIENTE = TenantRead(
    select(Pago.id, Pago.factura_id, Pago.valor, Pago.fecha, Pago.canal, Pago.referencia,
           Pago.estado, Pago.reversado_motivo, Pago.reversado_at, Pago.created_at)
    .join(Factura, and_(Factura.tenant_id == Pago.tenant_id, Factura.id == Pago.factura_id))
    .where(Pago.tenant_id == bindparam("tenant_id"),
           Factura.cliente_id == bindparam("cliente_id"))
    .order_by(Pago.fecha.desc(), Pago.created_at.desc()))


class PagoRepository(TenantRepository[Pago]):
    model = Pago

    async def by_idempotency_key(self, key: str) -> Pago | None:
        return await self.session.scalar(self.select().where(Pago.idempotency_key == key))

    async def de_cliente(self, cliente_id: uuid.UUID) -> list[Row]:
        """The payments of every invoice of the account, newest first."""
        return await self.rows(_DE_CLIENTE, cliente_id=cliente_id)

    async def list_page(self, params: PageParams, **filters: Any,
                        ) -> tuple[Sequence[Pago], int]:
        return await self.page(self._filtered(**filters), params)

    async def count(self, **filters: Any) -> int:
        return await self.count_of(self._filtered(**filters))

    def export(self, **filters: Any) -> AsyncIterator[Pago]:
        return self.stream(self._filtered(**filters))

    def _filtered(self, *, factura_id: uuid.UUID | None, desde: date | None,
                  hasta: date | None, canal: str | None, estado: str | None,
                  ) -> Select[Pago]:
        statement = self.select().order_by(Pago.fecha.desc(), Pago.created_at.desc())
        if factura_id is not None:
            statement = statement.where(Pago.factura_id == factura_id)
        if desde is not None:
            statement = statement.where(Pago.fecha >= desde)
        if hasta is not None:
            statement = statement.where(Pago.fecha <= hasta)
        if canal is not None:
            statement = statement.where(Pago.canal == canal)
        if estado is not None:
            statement = statement.where(Pago.estado == estado)
        return statement
