"""The dashboard's arrears snapshot as a job: aging every invoice of a tenant is a scan, kept
off the request path."""

from typing import Any

from app.reportes import service
from app.trabajos.runner import Contexto, handler


@handler(service.TIPO_CARTERA)
async def refrescar_cartera(contexto: Contexto, parametros: dict[str, Any]) -> dict[str, Any]:
    await contexto.avanzar(paso="cartera por edades")
    async with contexto.database.session(contexto.tenant_id) as session:
        await service.refrescar_cartera(session, contexto.tenant_id, parametros["timezone"])
    return {}
