"""The billing run as a job: one transaction for the whole period, as from the command line,
so a run that fails or whose worker dies leaves no invoice of it, and a retry bills it whole."""

from typing import Any

from app.facturacion import service
from app.trabajos.runner import Contexto, handler


@handler(service.TIPO_FACTURACION)
async def facturar(contexto: Contexto, parametros: dict[str, Any]) -> dict[str, Any]:
    periodo = parametros["periodo"]
    await contexto.avanzar(paso=f"facturando {periodo}")
    async with contexto.database.session(contexto.tenant_id) as session:
        resumen = await service.run(session, contexto.tenant_id, periodo)
    await contexto.avanzar(hechos=resumen.facturas_emitidas, total=resumen.facturas_emitidas,
                           paso="cartera por edades")
    # The new invoices age the arrears: the dashboard's snapshot follows the run.
    async with contexto.database.session(contexto.tenant_id) as session:
        await service.refresh_dashboard(session, contexto.tenant_id)
    return resumen.model_dump(mode="json")
