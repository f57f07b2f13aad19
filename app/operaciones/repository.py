import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.pagination import PageParams
from app.core.repository import TenantRepository, page_of
from app.operaciones.models import Auditoria, Incidente


class AuditoriaRepository(TenantRepository[Auditoria]):
    model = Auditoria

    async def list_page(self, params: PageParams, **filters: Any,
                        ) -> tuple[Sequence[Auditoria], int]:
        return await self.page(self._filtered(**filters), params)

    async def count(self, **filters: Any) -> int:
        return await self.count_of(self._filtered(**filters))

    def export(self, **filters: Any) -> AsyncIterator[Auditoria]:
        return self.stream(self._filtered(**filters))

    def _filtered(self, *, actor_id: uuid.UUID | None, entidad: str | None,
                  entidad_id: str | None, accion: str | None, desde: datetime | None,
                  hasta: datetime | None) -> Select[Any]:
        statement = self.select().order_by(Auditoria.at.desc(), Auditoria.id)
        for column, value in ((Auditoria.actor_id, actor_id), (Auditoria.entidad, entidad),
                              (Auditoria.entidad_id, entidad_id), (Auditoria.accion, accion)):
            if value is not None:
                statement = statement.where(column == value)
        if desde is not None:
            statement = statement.where(Auditoria.at >= desde)
        if hasta is not None:
            statement = statement.where(Auditoria.at < hasta)
        return statement


class IncidenteRepository:
    """Platform rows: the session must be the `public` tenant's (its row-level policy)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def abierto(self, huella: str, desde: datetime) -> Incidente | None:
        """The unresolved incident with this fingerprint seen since `desde`, locked."""
        return await self.session.scalar(
            select(Incidente).where(Incidente.huella == huella, Incidente.ultima_vez >= desde,
                                    Incidente.resuelto_at.is_(None))
            .order_by(Incidente.ultima_vez.desc()).limit(1).with_for_update())

    async def add(self, incidente: Incidente) -> Incidente:
        self.session.add(incidente)
        await self.session.flush()
        return incidente

    async def get(self, incidente_id: uuid.UUID) -> Incidente | None:
        return await self.session.get(Incidente, incidente_id)

    async def list_page(self, params: PageParams, *, severidad: str | None,
                        desde: datetime | None, tenant_id: str | None, tipo: str | None,
                        request_id: str | None, abiertos: bool | None,
                        ) -> tuple[Sequence[Incidente], int]:
        statement = select(Incidente).order_by(Incidente.ultima_vez.desc(), Incidente.id)
        if severidad is not None:
            statement = statement.where(Incidente.severidad == severidad)
        if desde is not None:
            statement = statement.where(Incidente.ultima_vez >= desde)
        if tenant_id is not None:
            statement = statement.where(Incidente.tenant_id == tenant_id)
        if tipo is not None:
            statement = statement.where(Incidente.tipo == tipo)
        if request_id is not None:
            statement = statement.where(or_(Incidente.request_id == request_id,
                                            Incidente.ultimo_request_id == request_id))
        if abiertos is not None:
            statement = statement.where(Incidente.resuelto_at.is_(None) if abiertos
                                        else Incidente.resuelto_at.is_not(None))
        return await page_of(self.session, statement, params)
