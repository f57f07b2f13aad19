"""Running a job: the handler its tipo names, between the steps that the trabajos row records.

Domains register a handler per tipo (`@handler("facturacion")`); `app.jobs` imports them, so a
worker knows every kind. A handler gets the job's context and parameters and returns its
result (JSON); what it writes it writes in its own units of work.
"""

import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from app.core import clock, metrics
from app.core.db import Database
from app.core.errors import AppError, problem_body
from app.core.incidents import IncidentSink, Ocurrencia, Severidad, TipoIncidente
from app.core.tenant import TenantId
from app.tenancy import service as tenancy_service
from app.trabajos import service
from app.trabajos.service import JobQueue

logger = logging.getLogger("app.jobs")


@dataclass(frozen=True)
class Contexto:
    database: Database
    tenant_id: TenantId
    trabajo_id: uuid.UUID
    queue: JobQueue
    # What the process that runs jobs holds for them: "pdf_renderer", its rendering pool;
    # "mailer"; "incidentes", its incident sink; "settings".
    recursos: Mapping[str, Any] = field(default_factory=dict)

    async def avanzar(self, *, hechos: int | None = None, total: int | None = None,
                      paso: str | None = None) -> None:
        """Progress, committed at once so the API shows it while the job runs."""
        async with self.database.session(self.tenant_id) as session:
            await service.avanzar(session, self.tenant_id, self.trabajo_id, hechos=hechos,
                                  total=total, paso=paso)

    async def repartir(self, tramos: list[dict[str, Any]], *, total: int) -> None:
        """Splits the job in parts that any worker takes (the handler then returns None)."""
        async with self.database.session(self.tenant_id) as session:
            await service.repartir(session, self.tenant_id, self.trabajo_id, self.queue,
                                   tramos, total=total)


INCIDENTS = "incidentes"

# A handler returns the job's result, or None when it split the job in parts (repartir).
Handler = Callable[[Contexto, dict[str, Any]], Awaitable[dict[str, Any] | None]]
# A part's handler returns its counters: `hechos` for the progress, the rest for the result.
TramoHandler = Callable[[Contexto, dict[str, Any], dict[str, Any]], Awaitable[dict[str, int]]]
_HANDLERS: dict[str, Handler] = {}
_TRAMOS: dict[str, TramoHandler] = {}


def handler(tipo: str) -> Callable[[Handler], Handler]:
    def register(function: Handler) -> Handler:
        _HANDLERS[tipo] = function
        return function
    return register


def tramo_handler(tipo: str) -> Callable[[TramoHandler], TramoHandler]:
    def register(function: TramoHandler) -> TramoHandler:
        _TRAMOS[tipo] = function
        return function
    return register


def _problem(exc: BaseException) -> dict[str, Any]:
    if isinstance(exc, AppError):
        return problem_body(exc.status, exc.detail, type_slug=exc.type_slug, **exc.extensions)
    # No message: it may hold SQL or data; the log has it.
    return problem_body(500, f"The job failed with an unexpected error ({type(exc).__name__}); "
                        "it has been logged.", type_slug="internal-error")


async def ejecutar(database: Database, tenant_id: TenantId, trabajo_id: uuid.UUID,
                   queue: JobQueue, *, recursos: Mapping[str, Any] | None = None,
                   ultimo_intento: bool = True) -> None:
    """Runs the job once. A rule the job breaks (an AppError) fails it for good; any other
    error is raised again after it is recorded, unless this was the last attempt, so the
    queue retries it."""
    async with database.session(tenant_id) as session:
        trabajo = await service.iniciar(session, tenant_id, trabajo_id)
        if trabajo is None:
            return
        tipo, parametros = trabajo.tipo, dict(trabajo.parametros)
    contexto = Contexto(database, tenant_id, trabajo_id, queue, recursos or {})
    started = time.perf_counter()
    metrics.JOBS_RUNNING.labels(tipo).inc()
    try:
        resultado = await _HANDLERS[tipo](contexto, parametros)
    except Exception as exc:
        _ended(tipo, started, "fallido" if ultimo_intento or isinstance(exc, AppError)
               else "reintento")
        await _failed(contexto, tipo, exc, ultimo_intento)
        return
    _ended(tipo, started, "terminado" if resultado is not None else "repartido")
    if resultado is not None:
        async with database.session(tenant_id) as session:
            await service.terminar(session, tenant_id, trabajo_id, resultado)


def _ended(tipo: str, started: float, estado: str) -> None:
    metrics.JOBS_RUNNING.labels(tipo).dec()
    metrics.JOBS_FINISHED.labels(tipo, estado).inc()
    metrics.JOB_DURATION.labels(tipo).observe(time.perf_counter() - started)


async def ejecutar_tramo(database: Database, tenant_id: TenantId, trabajo_id: uuid.UUID,
                         tramo: dict[str, Any], queue: JobQueue, *,
                         recursos: Mapping[str, Any] | None = None,
                         ultimo_intento: bool = True) -> None:
    """Runs one part of a split job and counts it; the last part ends the job. Parts are
    written to be run again (a retry, or a worker that died) without doing anything twice."""
    async with database.session(tenant_id) as session:
        trabajo = await service.en_curso(session, tenant_id, trabajo_id)
        if trabajo is None:
            return
        tipo, parametros = trabajo.tipo, dict(trabajo.parametros)
    contexto = Contexto(database, tenant_id, trabajo_id, queue, recursos or {})
    try:
        contadores = await _TRAMOS[tipo](contexto, parametros, tramo)
    except Exception as exc:
        # The job stays running while one of its parts waits for its retry.
        await _failed(contexto, tipo, exc, ultimo_intento, registrar_reintento=False)
        return
    async with database.session(tenant_id) as session:
        await service.sumar_tramo(session, tenant_id, trabajo_id, contadores)


async def _failed(contexto: Contexto, tipo: str, exc: Exception, ultimo_intento: bool, *,
                  registrar_reintento: bool = True) -> None:
    """An AppError fails the job; another error, on the last attempt too (an incident);
    before that it is raised again for the queue to retry (recorded on the job, queued
    again, when `registrar_reintento`)."""
    database, tenant_id, trabajo_id = contexto.database, contexto.tenant_id, contexto.trabajo_id
    if isinstance(exc, AppError):
        await _fallar(database, tenant_id, trabajo_id, exc, definitivo=True)
        return
    logger.exception("job failed", extra={"tenant": tenant_id, "trabajo": str(trabajo_id),
                                          "tipo": tipo})
    if ultimo_intento or registrar_reintento:
        await _fallar(database, tenant_id, trabajo_id, exc, definitivo=ultimo_intento)
    if not ultimo_intento:
        raise exc
    incidents: IncidentSink | None = contexto.recursos.get(INCIDENTS)
    if incidents is not None:
        await incidents.registrar(Ocurrencia(
            TipoIncidente.trabajo_fallido, Severidad.error, type(exc).__name__,
            f"The job {trabajo_id} ({tipo}) failed for good after its last attempt.",
            tenant_id=tenant_id, ruta=f"trabajo {tipo}"))


async def _fallar(database: Database, tenant_id: TenantId, trabajo_id: uuid.UUID,
                  exc: BaseException, *, definitivo: bool) -> None:
    async with database.session(tenant_id) as session:
        await service.fallar(session, tenant_id, trabajo_id, _problem(exc),
                             definitivo=definitivo)


async def disparar_programaciones(database: Database, queue: JobQueue) -> int:
    """Queues the jobs of every tenant's schedules that are due now; the jobs queued. Each
    tenant in a unit of work of its own (its row-level security), so one tenant's failure
    does not hold back the others'."""
    async with database.session() as session:
        tenants = await tenancy_service.ids_activos(session)
    disparadas = 0
    for tenant_id in tenants:
        try:
            async with database.session(tenant_id) as session:
                disparadas += await service.disparar_vencidas(session, tenant_id, queue,
                                                              clock.now())
        except Exception:
            logger.exception("firing the schedules of a tenant failed",
                             extra={"tenant": tenant_id})
    return disparadas
