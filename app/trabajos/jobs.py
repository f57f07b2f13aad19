"""The export of a list too big for a request, as a job that leaves a file to download."""

from typing import Any

from app.core.exports import export_to_bytes
from app.trabajos import service
from app.trabajos.exportaciones import LISTAS, MEDIA_TYPES, TIPO_EXPORTACION
from app.trabajos.runner import Contexto, handler


@handler(TIPO_EXPORTACION)
async def exportacion(contexto: Contexto, parametros: dict[str, Any]) -> dict[str, Any]:
    lista = LISTAS[parametros["lista"]]
    filtros = lista.filtros.model_validate(parametros["filtros"])
    formato = parametros["formato"]
    await contexto.avanzar(paso=f"exportando {lista.nombre}")
    filas, contenido = await export_to_bytes(
        contexto.database, contexto.tenant_id, formato, lista.nombre, lista.filas,
        lambda s: lista.rows(s, contexto.tenant_id, filtros))
    nombre = f"{contexto.tenant_id}-{lista.nombre}.{formato}"
    async with contexto.database.session(contexto.tenant_id) as session:
        archivo = await service.guardar_archivo(
            session, contexto.tenant_id, contexto.trabajo_id, nombre=nombre,
            media_type=MEDIA_TYPES[formato], filas=filas, contenido=contenido,
            horas=parametros["horas"])
    await contexto.avanzar(hechos=filas, total=filas)
    return {"archivo": {"nombre": nombre, "filas": filas, "bytes": len(contenido),
                        "expira_at": archivo.expira_at.isoformat(),
                        "url": f"/api/trabajos/{contexto.trabajo_id}/archivo"}}
