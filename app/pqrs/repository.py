import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Row, Select, case, func, select

from app.core.pagination import PageParams
from app.core.repository import ScopedRepository, TenantRepository
from app.pqrs.models import Estado, Pqr, PqrCausal, PqrEvento

ABIERTAS = (Estado.radicada, Estado.en_tramite)  # still waiting for an answer


class PqrRepository(TenantRepository[Pqr]):
    model = Pqr

    async def list_page(self, params: PageParams, **filters: Any,
                        ) -> tuple[Sequence[Pqr], int]:
        return await self.page(self._filtered(**filters), params)

    async def count(self, **filters: Any) -> int:
        return await self.count_of(self._filtered(**filters))

    def export(self, **filters: Any) -> AsyncIterator[Pqr]:
        return self.stream(self._filtered(**filters))

    def _filtered(self, *, today: date, estado: str | None, tipo: str | None,
                  asignada_a: uuid.UUID | None, cliente_id: uuid.UUID | None,
                  vencidas: bool, vencen_hasta: date | None) -> Select[Pqr]:
        statement = self.select().order_by(Pqr.fecha_vencimiento, Pqr.radicado)
        if estado is not None:
            statement = statement.where(Pqr.estado == estado)
        if tipo is not None:
            statement = statement.where(Pqr.tipo == tipo)
        if asignada_a is not None:
            statement = statement.where(Pqr.asignada_a == asignada_a)
        if cliente_id is not None:
            statement = statement.where(Pqr.cliente_id == cliente_id)
        if vencidas:
            statement = statement.where(Pqr.estado.in_(ABIERTAS),
                                        Pqr.fecha_vencimiento < today)
        if vencen_hasta is not None:
            statement = statement.where(Pqr.estado.in_(ABIERTAS),
                                        Pqr.fecha_vencimiento >= today,
                                        Pqr.fecha_vencimiento <= vencen_hasta)
        return statement

    async def recurso_abierto(self, pqr_id: uuid.UUID) -> str | None:
        """The radicado of a recurso against this PQR that is not closed, if any."""
        return await self.session.scalar(
            select(Pqr.radicado).where(Pqr.tenant_id == self.tenant_id,
                                       Pqr.pqr_origen_id == pqr_id,
                                       Pqr.estado != Estado.cerrada).limit(1))

    async def resumen(self, desde: date, hasta: date,
                      ) -> Sequence[Row[str, str, int, int, int]]:
        """Per estado and tipo: filed, answered, answered by the deadline."""
        a_tiempo = case((Pqr.fecha_respuesta <= Pqr.fecha_vencimiento, 1), else_=0)
        return (await self.session.execute(
            select(Pqr.estado, Pqr.tipo, func.count(), func.count(Pqr.fecha_respuesta),
                   func.coalesce(func.sum(a_tiempo), 0))
            .where(Pqr.tenant_id == self.tenant_id, Pqr.fecha_radicacion >= desde,
                   Pqr.fecha_radicacion <= hasta)
            .group_by(Pqr.estado, Pqr.tipo))).all()

    async def eventos(self, pqr_id: uuid.UUID, *, solo_publicos: bool) -> Sequence[PqrEvento]:
        statement = select(PqrEvento).where(
            PqrEvento.tenant_id == self.tenant_id, PqrEvento.pqr_id == pqr_id)
        if solo_publicos:
            statement = statement.where(PqrEvento.publico)
        return (await self.session.scalars(statement.order_by(PqrEvento.orden))).all()

    async def add_evento(self, evento: PqrEvento) -> None:
        """Appends to the timeline; the PQR's row lock (or its creation) orders the writers."""
        ultimo = await self.session.scalar(
            select(func.coalesce(func.max(PqrEvento.orden), 0)).where(
                PqrEvento.tenant_id == self.tenant_id, PqrEvento.pqr_id == evento.pqr_id))
        evento.tenant_id, evento.orden = self.tenant_id, (ultimo or 0) + 1
        self.session.add(evento)
        await self.session.flush()


class CausalRepository(ScopedRepository):
    """The tenant's catalogue of causes."""

    async def list(self, *, activas: bool | None = None) -> Sequence[PqrCausal]:
        statement = select(PqrCausal).where(PqrCausal.tenant_id == self.tenant_id)
        if activas is not None:
            statement = statement.where(PqrCausal.activa == activas)
        return (await self.session.scalars(statement.order_by(PqrCausal.codigo))).all()

    async def get(self, codigo: str) -> PqrCausal | None:
        return await self.session.scalar(select(PqrCausal).where(
            PqrCausal.tenant_id == self.tenant_id, PqrCausal.codigo == codigo))

    async def add_all(self, causales: Sequence[PqrCausal]) -> None:
        for causal in causales:
            causal.tenant_id = self.tenant_id
        self.session.add_all(causales)
        await self.session.flush()
