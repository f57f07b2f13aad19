from collections.abc import Sequence
from datetime import date

from sqlalchemy import or_

from app.core.pagination import PageParams
from app.core.repository import TenantRepository
from app.tarifas.models import Tarifa


class TarifaRepository(TenantRepository[Tarifa]):
    model = Tarifa

    async def overlapping(self, servicio: str, desde: date, hasta: date | None,
                          exclude: Tarifa | None = None) -> Sequence[Tarifa]:
        statement = self.select().where(
            Tarifa.servicio == servicio,
            or_(Tarifa.vigente_hasta.is_(None), Tarifa.vigente_hasta >= desde),
        )
        if hasta is not None:
            statement = statement.where(Tarifa.vigente_desde <= hasta)
        if exclude is not None:
            statement = statement.where(Tarifa.id != exclude.id)
        return (await self.session.scalars(statement)).all()

    async def valid_on(self, day: date) -> Sequence[Tarifa]:
        statement = self.select().where(
            Tarifa.vigente_desde <= day,
            or_(Tarifa.vigente_hasta.is_(None), Tarifa.vigente_hasta >= day),
        )
        return (await self.session.scalars(statement)).all()

    async def list_page(self, params: PageParams,
                        servicio: str | None) -> tuple[Sequence[Tarifa], int]:
        statement = self.select().order_by(Tarifa.servicio, Tarifa.vigente_desde.desc())
        if servicio is not None:
            statement = statement.where(Tarifa.servicio == servicio)
        return await self.page(statement, params)
