import uuid
from collections.abc import Sequence
from datetime import date

from app.core.pagination import PageParams
from app.core.repository import TenantRepository
from app.pagos.models import Pago


class PagoRepository(TenantRepository[Pago]):
    model = Pago

    async def by_idempotency_key(self, key: str) -> Pago | None:
        return await self.session.scalar(self.select().where(Pago.idempotency_key == key))

    async def for_facturas(self, factura_ids: Sequence[uuid.UUID]) -> Sequence[Pago]:
        return (await self.session.scalars(
            self.select().where(Pago.factura_id.in_(factura_ids))
            .order_by(Pago.fecha.desc(), Pago.created_at.desc()))).all()

    async def list_page(self, params: PageParams, *, factura_id: uuid.UUID | None,
                        desde: date | None, hasta: date | None, canal: str | None,
                        estado: str | None) -> tuple[Sequence[Pago], int]:
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
        return await self.page(statement, params)
