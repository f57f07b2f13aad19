"""The incident sink of a process: occurrences are recorded and notified off the path of the
request or job that reported them.

Recording: the occurrence is counted on its incident in a unit of work of the `public` tenant
(platform rows). The first occurrence of an incident in its window is mailed to ALERT_EMAILS,
recorded as an envío of `public` and retried like any e-mail.

When the database itself is what failed, nothing can be written: the occurrence waits in
memory (a bounded list) and is written when the database answers again, and the operators
are mailed at once (at most once per incident and window, counted in this process).
"""

import asyncio
import logging
import time
from collections import deque
from datetime import timedelta
from html import escape

from app.core import metrics
from app.core.config import Settings
from app.core.db import Database
from app.core.errors import is_database_unavailable
from app.core.incidents import Ocurrencia, TipoIncidente
from app.core.tenant import TenantId
from app.notificaciones import service as notificaciones
from app.notificaciones.mailer import Mailer, MailError, Mensaje
from app.operaciones import service
from app.tenancy.constants import PUBLIC_TENANT

logger = logging.getLogger("app.incidents")
PLATFORM = TenantId(PUBLIC_TENANT)
MAX_PENDING = 1000
RETRY_SECONDS = 5.0  # after a failed write, occurrences wait this long before trying again


def _mensaje(ocurrencia: Ocurrencia, para: list[str], ocurrencias: int = 1) -> Mensaje:
    asunto = (f"[Cunservicios] {ocurrencia.severidad.upper()} {ocurrencia.tipo}: "
              f"{ocurrencia.error}")[:300]
    lineas = [("Tipo", ocurrencia.tipo), ("Severidad", ocurrencia.severidad),
              ("Cuándo (UTC)", ocurrencia.at.strftime("%Y-%m-%d %H:%M:%S")),
              ("Tenant", ocurrencia.tenant_id or "—"), ("Dónde", ocurrencia.ruta or "—"),
              ("Request id", ocurrencia.request_id or "—"), ("Error", ocurrencia.error),
              ("Mensaje", ocurrencia.mensaje), ("Ocurrencias", str(ocurrencias))]
    texto = "\n".join(f"{k}: {v}" for k, v in lineas)
    filas = "".join(f"<tr><th align='left'>{k}</th><td>{escape(v)}</td></tr>"
                    for k, v in lineas)
    cuerpo = f"<html><body><h2>{escape(asunto)}</h2><table>{filas}</table></body></html>"
    return Mensaje(para=tuple(para), asunto=asunto, html=cuerpo, texto=texto)


class IncidentReporter:
    def __init__(self, database: Database, settings: Settings, mailer: Mailer) -> None:
        self._database = database
        self._settings = settings
        self._mailer = mailer
        self._ventana = timedelta(minutes=settings.incident_window_minutes)
        self._pendientes: deque[Ocurrencia] = deque(maxlen=MAX_PENDING)
        self._alertados: dict[str, float] = {}  # fingerprint → when mailed without a database
        self._tasks: set[asyncio.Task[None]] = set()
        self._fallo_at = 0.0

    def reportar(self, ocurrencia: Ocurrencia) -> None:
        metrics.INCIDENTS.labels(ocurrencia.tipo).inc()
        task = asyncio.get_running_loop().create_task(self.registrar(ocurrencia))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def registrar(self, ocurrencia: Ocurrencia) -> None:
        """Writes the occurrence (and any that waited), then notifies a new incident."""
        if self._pendientes and time.monotonic() - self._fallo_at < RETRY_SECONDS:
            self._pendientes.append(ocurrencia)  # the database just failed: wait with them
            await self._alertar_sin_base(ocurrencia)
            return
        try:
            await self._escribir_pendientes()
            await self._escribir(ocurrencia)
        except Exception as exc:
            if not (is_database_unavailable(exc)
                    or ocurrencia.tipo == TipoIncidente.base_de_datos):
                logger.exception("an incident could not be recorded")
                return
            self._fallo_at = time.monotonic()
            self._pendientes.append(ocurrencia)
            await self._alertar_sin_base(ocurrencia)

    async def flush(self) -> None:
        """Writes the occurrences that waited for the database (called periodically)."""
        try:
            await self._escribir_pendientes()
        except Exception:
            logger.warning("the database still does not answer: %d incidents wait",
                           len(self._pendientes))

    async def idle(self) -> None:
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def periodicamente(self, every_seconds: float = 15) -> None:
        while True:
            await asyncio.sleep(every_seconds)
            if self._pendientes:
                await self.flush()

    async def _escribir_pendientes(self) -> None:
        while self._pendientes:
            ocurrencia = self._pendientes[0]
            await self._escribir(ocurrencia)
            self._pendientes.popleft()

    async def _escribir(self, ocurrencia: Ocurrencia) -> None:
        para = self._settings.alert_emails
        async with self._database.session(PLATFORM) as session:
            incidente, nuevo = await service.anotar(session, ocurrencia, self._ventana)
            envio = None
            if nuevo and para:
                huella = service.huella(ocurrencia)
                if huella in self._alertados:  # mailed while the database was away
                    incidente.notificado_at = ocurrencia.at
                    self._alertados.pop(huella, None)
                else:
                    envio = await notificaciones.registrar(
                        session, PLATFORM, tipo="alerta", para=para,
                        asunto=_mensaje(ocurrencia, para).asunto)
            incidente_id = incidente.id
        if envio is None:
            return
        enviado = await notificaciones.entregar(
            self._database, PLATFORM, envio.id, _mensaje(ocurrencia, para), self._mailer,
            intentos=self._settings.mail_attempts, espera=self._settings.mail_retry_seconds)
        if enviado.enviado_at is not None:
            async with self._database.session(PLATFORM) as session:
                await service.notificado(session, incidente_id, enviado.enviado_at)
        else:  # not an incident of its own: that would mail about failing to mail
            logger.error("an incident's alert was not sent",
                         extra={"envio": str(envio.id), "error": enviado.error})

    async def _alertar_sin_base(self, ocurrencia: Ocurrencia) -> None:
        para = self._settings.alert_emails
        huella = service.huella(ocurrencia)
        mailed = self._alertados.get(huella)
        if not para or (mailed is not None
                        and time.monotonic() - mailed < self._ventana.total_seconds()):
            return
        self._alertados[huella] = time.monotonic()
        try:
            await self._mailer.enviar(_mensaje(ocurrencia, para))
            metrics.EMAILS.labels("enviado").inc()
        except MailError as exc:
            metrics.EMAILS.labels("fallido").inc()
            logger.error("an alert could not be mailed: %s", exc)
