"""The reports' jobs: the dashboard's arrears snapshot (aging every invoice of a tenant is a
scan, kept off the request path) and the daily report's e-mail."""

import uuid
from datetime import date
from typing import Any

from app.core.incidents import IncidentSink, Ocurrencia, Severidad, TipoIncidente
from app.notificaciones import service as notificaciones
from app.notificaciones.models import EnvioEstado
from app.reportes import diario, service
from app.tenancy import service as tenancy_service
from app.trabajos.runner import INCIDENTS, Contexto, handler


@handler(service.TIPO_CARTERA)
async def refrescar_cartera(contexto: Contexto, parametros: dict[str, Any]) -> dict[str, Any]:
    await contexto.avanzar(paso="cartera por edades")
    async with contexto.database.session(contexto.tenant_id) as session:
        await service.refrescar_cartera(session, contexto.tenant_id, parametros["timezone"])
    return {}


@handler(diario.TIPO_DIARIO)
async def enviar_reporte_diario(contexto: Contexto,
                                parametros: dict[str, Any]) -> dict[str, Any]:
    """Builds the report of the day before (fresh arrears first) and mails it: the envío the
    request recorded, or, from the schedule, a new one (none when the report is off)."""
    database, tenant_id = contexto.database, contexto.tenant_id
    settings, mailer = contexto.recursos["settings"], contexto.recursos["mailer"]
    async with database.session(tenant_id) as session:
        tenant = await tenancy_service.resolved(session, tenant_id)
        fecha = (date.fromisoformat(parametros["fecha"]) if "fecha" in parametros
                 else diario.ayer(tenant))
        envio = (await notificaciones.get(session, tenant_id, uuid.UUID(parametros["envio_id"]))
                 if "envio_id" in parametros
                 else await diario.envio_programado(session, tenant, fecha))
        if envio is None:
            return {"enviado": False, "motivo": "the daily report is off"}
    await contexto.avanzar(paso="cartera por edades")
    async with database.session(tenant_id) as session:
        await service.refrescar_cartera(session, tenant_id, tenant.timezone)
    await contexto.avanzar(paso="cifras")
    async with database.session(tenant_id) as session:
        reporte = await diario.datos(session, tenant, fecha)
    await contexto.avanzar(paso="envío")
    enviado = await notificaciones.entregar(
        database, tenant_id, envio.id, await diario.mensaje(reporte, envio.destinatarios),
        mailer, intentos=settings.mail_attempts, espera=settings.mail_retry_seconds)
    incidents: IncidentSink | None = contexto.recursos.get(INCIDENTS)
    if enviado.estado == EnvioEstado.fallido and incidents is not None:
        await incidents.registrar(Ocurrencia(
            TipoIncidente.correo_fallido, Severidad.aviso, "MailError",
            f"The daily report's e-mail {envio.id} was not sent after {enviado.intentos} "
            f"attempts: {enviado.error}"[:500], tenant_id=tenant_id, ruta=diario.TIPO_DIARIO))
    return {"envio_id": str(envio.id), "estado": enviado.estado, "fecha": fecha.isoformat()}
