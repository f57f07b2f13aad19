"""The audit log as users read it, and incidents: noted (repeats within the window counted on
one row), listed and resolved by the platform's operators."""

import hashlib
import json
import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock
from app.core.errors import NotFound
from app.core.incidents import Ocurrencia
from app.core.pagination import PageParams
from app.core.tenant import TenantId
from app.operaciones.models import Auditoria, Incidente
from app.operaciones.repository import AuditoriaRepository, IncidenteRepository
from app.operaciones.schemas import AuditoriaFiltros, AuditoriaRead
from app.trabajos import exportaciones

# Audit.


def _bounds(filtros: AuditoriaFiltros) -> dict[str, Any]:
    """The filters with their dates as the instants that bound those days in the tenant."""
    values = filtros.model_dump()
    desde, hasta, timezone = values.pop("desde"), values.pop("hasta"), values.pop("zona_horaria")
    values["desde"] = clock.start_of_day(timezone, desde) if desde else None
    values["hasta"] = (clock.start_of_day(timezone, hasta + timedelta(days=1))
                       if hasta else None)
    return values


async def auditoria(session: AsyncSession, tenant_id: TenantId, params: PageParams,
                    filtros: AuditoriaFiltros) -> tuple[Sequence[Auditoria], int]:
    return await AuditoriaRepository(session, tenant_id).list_page(params, **_bounds(filtros))


async def _count(session: AsyncSession, tenant_id: TenantId,
                 filtros: AuditoriaFiltros) -> int:
    return await AuditoriaRepository(session, tenant_id).count(**_bounds(filtros))


async def _export(session: AsyncSession, tenant_id: TenantId,
                  filtros: AuditoriaFiltros) -> AsyncIterator[dict[str, Any]]:
    async for row in AuditoriaRepository(session, tenant_id).export(**_bounds(filtros)):
        values = dict(AuditoriaRead.model_validate(row))
        for field in ("antes", "despues"):  # one cell each, as JSON
            if values[field] is not None:
                values[field] = json.dumps(values[field], ensure_ascii=False, sort_keys=True)
        yield values


EXPORTACION = exportaciones.exportable(exportaciones.ListaExportable(
    "auditoria", AuditoriaRead, AuditoriaFiltros, rows=_export, count=_count))


# Incidents.

def huella(ocurrencia: Ocurrencia) -> str:
    """The same incident: same kind, tenant, place and error."""
    key = "|".join((ocurrencia.tipo, ocurrencia.tenant_id or "", ocurrencia.ruta or "",
                    ocurrencia.error))
    return hashlib.sha256(key.encode()).hexdigest()


async def anotar(session: AsyncSession, ocurrencia: Ocurrencia,
                 ventana: timedelta) -> tuple[Incidente, bool]:
    """The occurrence counted on its open incident of the window, or a new incident (True):
    the one to notify."""
    incidentes = IncidenteRepository(session)
    huella_ = huella(ocurrencia)
    abierto = await incidentes.abierto(huella_, ocurrencia.at - ventana)
    if abierto is not None:
        abierto.ocurrencias += 1
        abierto.ultima_vez = max(abierto.ultima_vez, ocurrencia.at)
        abierto.ultimo_request_id = ocurrencia.request_id or abierto.ultimo_request_id
        await session.flush()
        return abierto, False
    return await incidentes.add(Incidente(
        huella=huella_, tipo=ocurrencia.tipo, severidad=ocurrencia.severidad,
        tenant_id=ocurrencia.tenant_id, request_id=ocurrencia.request_id,
        ultimo_request_id=ocurrencia.request_id, ruta=ocurrencia.ruta, error=ocurrencia.error,
        mensaje=ocurrencia.mensaje, ocurrencias=1, primera_vez=ocurrencia.at,
        ultima_vez=ocurrencia.at)), True


async def notificado(session: AsyncSession, incidente_id: uuid.UUID, at: datetime) -> None:
    incidente = await IncidenteRepository(session).get(incidente_id)
    if incidente is not None:
        incidente.notificado_at = at
        await session.flush()


async def incidentes(session: AsyncSession, params: PageParams, *, severidad: str | None,
                     desde: date | None, tenant_id: str | None, tipo: str | None,
                     request_id: str | None, abiertos: bool | None, timezone: str,
                     ) -> tuple[Sequence[Incidente], int]:
    return await IncidenteRepository(session).list_page(
        params, severidad=severidad, tenant_id=tenant_id, tipo=tipo, request_id=request_id,
        abiertos=abiertos, desde=clock.start_of_day(timezone, desde) if desde else None)


async def resolver(session: AsyncSession, incidente_id: uuid.UUID,
                   por: uuid.UUID) -> Incidente:
    """Marks it resolved (again: a no-op); the next occurrence opens a new incident."""
    incidente = await IncidenteRepository(session).get(incidente_id)
    if incidente is None:
        raise NotFound("No such incidente.")
    if incidente.resuelto_at is None:
        incidente.resuelto_at, incidente.resuelto_por = clock.now(), por
        await session.flush()
    return incidente
