import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import undefer

from app.core.pagination import PageParams
from app.core.repository import TenantRepository
from app.trabajos.models import ACTIVE_ESTADOS, Archivo, Programacion, Trabajo, TrabajoEstado


class TrabajoRepository(TenantRepository[Trabajo]):
    model = Trabajo

    async def activo_por_clave(self, clave: str) -> Trabajo | None:
        """The queued or running job that holds `clave`, if any."""
        return await self.session.scalar(
            self.select().where(Trabajo.clave == clave, Trabajo.estado.in_(ACTIVE_ESTADOS)))

    async def list_page(self, params: PageParams, *, tipo: str | None, estado: str | None,
                        ) -> tuple[Sequence[Trabajo], int]:
        statement = self.select().order_by(Trabajo.created_at.desc(), Trabajo.id)
        if tipo is not None:
            statement = statement.where(Trabajo.tipo == tipo)
        if estado is not None:
            statement = statement.where(Trabajo.estado == estado)
        return await self.page(statement, params)


    async def fallidos(self, desde: datetime, hasta: datetime) -> Sequence[Trabajo]:
        return (await self.session.scalars(
            self.select().where(Trabajo.estado == TrabajoEstado.fallido,
                                Trabajo.terminado_at >= desde, Trabajo.terminado_at < hasta)
            .order_by(Trabajo.terminado_at))).all()


class ProgramacionRepository(TenantRepository[Programacion]):
    model = Programacion

    async def vencidas(self, now: datetime) -> Sequence[Programacion]:
        """Active schedules due at `now`, locked; one that another scheduler holds is skipped
        (it is firing it)."""
        return (await self.session.scalars(
            self.select().where(Programacion.activo, Programacion.proxima_ejecucion <= now)
            .order_by(Programacion.proxima_ejecucion)
            .with_for_update(skip_locked=True))).all()


class ArchivoRepository(TenantRepository[Archivo]):
    model = Archivo

    async def of_trabajo(self, trabajo_id: uuid.UUID, *, with_content: bool = False,
                         ) -> Archivo | None:
        statement = select(Archivo).where(Archivo.tenant_id == self.tenant_id,
                                          Archivo.trabajo_id == trabajo_id)
        if with_content:
            statement = statement.options(undefer(Archivo.contenido))
        return await self.session.scalar(statement)

    async def delete_expired(self, now: datetime) -> None:
        await self.session.execute(delete(Archivo).where(Archivo.tenant_id == self.tenant_id,
                                                         Archivo.expira_at <= now))
