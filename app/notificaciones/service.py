"""E-mail as a record: every message is an `envios` row written before it is sent, and its
delivery is tried again with backoff until it is sent or ends `fallido` with the reason."""

import asyncio
import logging
import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock, metrics
from app.core.db import Database
from app.core.errors import NotFound
from app.core.pagination import PageParams
from app.core.tenant import TenantId
from app.notificaciones.mailer import Mailer, MailError, Mensaje
from app.notificaciones.models import Envio, EnvioEstado
from app.notificaciones.repository import EnvioRepository

logger = logging.getLogger("app.mail")


async def registrar(session: AsyncSession, tenant_id: TenantId, *, tipo: str,
                    para: Sequence[str], asunto: str) -> Envio:
    return await EnvioRepository(session, tenant_id).add(Envio(
        tipo=tipo, destinatarios=list(para), asunto=asunto, estado=EnvioEstado.pendiente,
        intentos=0))


async def get(session: AsyncSession, tenant_id: TenantId, envio_id: uuid.UUID) -> Envio:
    envio = await EnvioRepository(session, tenant_id).get(envio_id)
    if envio is None:
        raise NotFound("No such envío in this tenant.")
    return envio


async def list_page(session: AsyncSession, tenant_id: TenantId, params: PageParams, *,
                    tipo: str | None = None, estado: EnvioEstado | None = None,
                    ) -> tuple[Sequence[Envio], int]:
    return await EnvioRepository(session, tenant_id).list_page(params, tipo=tipo, estado=estado)


async def entregar(database: Database, tenant_id: TenantId, envio_id: uuid.UUID,
                   mensaje: Mensaje, mailer: Mailer, *, intentos: int,
                   espera: float) -> Envio:
    """Sends the envío's message, up to `intentos` times, waiting `espera` seconds after the
    first failure, twice that after the second, and so on. Each attempt is recorded as it
    ends; the envío ends `enviado` or `fallido` with the last reason. Returns it."""
    for intento in range(1, intentos + 1):
        error: str | None = None
        try:
            await mailer.enviar(mensaje)
        except MailError as exc:
            error = str(exc)
            logger.warning("e-mail not sent", extra={"tenant": tenant_id, "envio": str(envio_id),
                                                     "intento": intento, "error": error})
        ultimo = error is None or intento == intentos
        async with database.session(tenant_id) as session:
            envio = await get(session, tenant_id, envio_id)
            envio.intentos = intento
            envio.error = error
            if error is None:
                envio.estado, envio.enviado_at = EnvioEstado.enviado, clock.now()
            elif ultimo:
                envio.estado = EnvioEstado.fallido
            await session.flush()
        if ultimo:
            metrics.EMAILS.labels(envio.estado).inc()
            return envio
        await asyncio.sleep(espera * 2 ** (intento - 1))
    raise AssertionError("unreachable")  # the last attempt returns
