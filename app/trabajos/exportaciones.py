"""Exports of the staff lists: the file in the request, or — past `EXPORT_JOB_ROWS` rows — a
job (202) whose file is kept `EXPORT_FILE_HOURS` to download from the job.

A domain makes a list exportable by registering it: its row schema (the columns), its
filters as a schema (how they travel to a job) and how to count and stream its rows.
"""

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import Request, status
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.exports import CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE, Formato, export_list
from app.core.tenant import TenantId
from app.trabajos import service
from app.trabajos.schemas import TrabajoRead

TIPO_EXPORTACION = "exportacion"
MEDIA_TYPES = {"csv": CSV_MEDIA_TYPE, "xlsx": XLSX_MEDIA_TYPE}


@dataclass(frozen=True, slots=True)
class ListaExportable:
    nombre: str
    filas: type[BaseModel]  # a row: the file's columns
    filtros: type[BaseModel]
    rows: Callable[[AsyncSession, TenantId, Any], AsyncIterator[Mapping[str, Any]]]
    count: Callable[[AsyncSession, TenantId, Any], Awaitable[int]]


LISTAS: dict[str, ListaExportable] = {}


def exportable(lista: ListaExportable) -> ListaExportable:
    LISTAS[lista.nombre] = lista
    return lista


async def exportar(request: Request, session: AsyncSession, tenant_id: TenantId,
                   formato: Formato, lista: ListaExportable, filtros: BaseModel, *,
                   solicitado_por: Any) -> Response:
    """The list's `?formato=csv|xlsx`."""
    settings = request.app.state.settings
    if await lista.count(session, tenant_id, filtros) <= settings.export_job_rows:
        return await export_list(request, tenant_id, formato, lista.nombre, lista.filas,
                                 lambda s: lista.rows(s, tenant_id, filtros))
    trabajo, _ = await service.solicitar(
        session, tenant_id, tipo=TIPO_EXPORTACION, solicitado_por=solicitado_por,
        parametros={"lista": lista.nombre, "formato": formato,
                    "filtros": filtros.model_dump(mode="json"),
                    "horas": settings.export_file_hours},
        queue=request.app.state.job_queue)
    return JSONResponse(TrabajoRead.model_validate(trabajo).model_dump(mode="json"),
                        status_code=status.HTTP_202_ACCEPTED,
                        headers={"Location": f"/api/trabajos/{trabajo.id}"})
