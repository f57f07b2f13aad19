"""Jobs of a tenant: queued, run, their progress, result or failure, cancelled while queued.

The row is the job as users see it; the queue (app.trabajos.queue) carries only its key. A
service function never commits: the caller's unit of work does, so a job asked for by a
request that rolls back never exists.
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from croniter import croniter
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.core import clock, metrics
from app.core.errors import Conflict, NotFound, invalid_fields
from app.core.pagination import PageParams
from app.core.tenant import TenantId
from app.trabajos.models import Archivo, Programacion, Trabajo, TrabajoEstado
from app.trabajos.repository import ArchivoRepository, ProgramacionRepository, TrabajoRepository


class JobQueue(Protocol):
    """Where a queued job goes (app.trabajos.queue): a worker's queue, or this process."""

    async def encolar(self, session: AsyncSession, tenant_id: TenantId,
                      trabajo: Trabajo) -> None: ...

    async def encolar_tramo(self, session: AsyncSession, tenant_id: TenantId,
                            trabajo: Trabajo, tramo: dict[str, Any]) -> None:
        """One part of a job that is split in parts, which workers take in parallel."""


def not_found() -> NotFound:
    return NotFound("No such trabajo in this tenant.")


async def solicitar(session: AsyncSession, tenant_id: TenantId, *, tipo: str,
                    parametros: dict[str, Any], queue: JobQueue | None,
                    clave: str | None = None, solicitado_por: uuid.UUID | None = None,
                    ) -> tuple[Trabajo, bool]:
    """A new job, handed to `queue` (None: a row only, which nothing runs), or, when a job
    with the same `clave` is queued or running, that one (False): asking twice for the same
    work gets one job."""
    trabajos = TrabajoRepository(session, tenant_id)
    if clave is not None and (activo := await trabajos.activo_por_clave(clave)) is not None:
        return activo, False
    trabajo = Trabajo(tipo=tipo, clave=clave, parametros=parametros, estado=TrabajoEstado.en_cola,
                      hechos=0, intentos=0, solicitado_por=solicitado_por)
    try:
        async with session.begin_nested():  # another request may take the clave first
            await trabajos.add(trabajo)
    except IntegrityError:
        if clave is None or (activo := await trabajos.activo_por_clave(clave)) is None:
            raise
        return activo, False
    if queue is not None:
        await queue.encolar(session, tenant_id, trabajo)
        metrics.JOBS_QUEUED.labels(tipo).inc()
    return trabajo, True


async def get(session: AsyncSession, tenant_id: TenantId, trabajo_id: uuid.UUID) -> Trabajo:
    trabajo = await TrabajoRepository(session, tenant_id).get(trabajo_id)
    if trabajo is None:
        raise not_found()
    return trabajo


async def list_page(session: AsyncSession, tenant_id: TenantId, params: PageParams, *,
                    tipo: str | None = None, estado: TrabajoEstado | None = None,
                    ) -> tuple[Sequence[Trabajo], int]:
    return await TrabajoRepository(session, tenant_id).list_page(params, tipo=tipo,
                                                                 estado=estado)


async def cancelar(session: AsyncSession, tenant_id: TenantId,
                   trabajo_id: uuid.UUID) -> Trabajo:
    """Only a queued job is cancelled: a running billing run is one transaction that either
    bills the whole period or nothing, so it is left to finish."""
    trabajo = await TrabajoRepository(session, tenant_id).get_for_update(trabajo_id)
    if trabajo is None:
        raise not_found()
    if trabajo.estado != TrabajoEstado.en_cola:
        raise Conflict(f"The trabajo is {trabajo.estado}: only a queued one can be cancelled.")
    trabajo.estado = TrabajoEstado.cancelado
    trabajo.terminado_at = clock.now()
    await session.flush()
    return trabajo


# The runner's steps. Each runs in a unit of work of its own, so what a job has done is
# visible while it runs and stays when it fails.

async def iniciar(session: AsyncSession, tenant_id: TenantId,
                  trabajo_id: uuid.UUID) -> Trabajo | None:
    """Marks the job running; None when there is nothing to run (cancelled, or finished by an
    earlier delivery of the same job)."""
    trabajo = await TrabajoRepository(session, tenant_id).get_for_update(trabajo_id)
    if trabajo is None or trabajo.estado not in (TrabajoEstado.en_cola,
                                                 TrabajoEstado.ejecutando):
        return None
    # ejecutando already: a worker died running it and the queue gave it to another.
    trabajo.estado = TrabajoEstado.ejecutando
    trabajo.intentos += 1
    trabajo.iniciado_at = clock.now()
    trabajo.error = None
    await session.flush()
    return trabajo


async def avanzar(session: AsyncSession, tenant_id: TenantId, trabajo_id: uuid.UUID, *,
                  hechos: int | None = None, total: int | None = None,
                  paso: str | None = None) -> None:
    trabajo = await get(session, tenant_id, trabajo_id)
    if hechos is not None:
        trabajo.hechos = hechos
    if total is not None:
        trabajo.total = total
    if paso is not None:
        trabajo.paso = paso
    await session.flush()


async def repartir(session: AsyncSession, tenant_id: TenantId, trabajo_id: uuid.UUID,
                   queue: JobQueue, tramos: list[dict[str, Any]], *, total: int) -> None:
    """Splits the running job in parts, queued together: it ends when the last one does."""
    trabajo = await get(session, tenant_id, trabajo_id)
    trabajo.total, trabajo.hechos = total, 0
    trabajo.resultado = {"tramos": len(tramos), "tramos_hechos": 0}
    await session.flush()
    for tramo in tramos:
        await queue.encolar_tramo(session, tenant_id, trabajo, tramo)


async def sumar_tramo(session: AsyncSession, tenant_id: TenantId, trabajo_id: uuid.UUID,
                      contadores: dict[str, int]) -> bool:
    """Adds what a part did (`hechos` to the progress, the rest to the result) under the job's
    row lock, so parts that end at once count right; True when it was the last part."""
    trabajo = await TrabajoRepository(session, tenant_id).get_for_update(trabajo_id)
    if trabajo is None or trabajo.estado != TrabajoEstado.ejecutando:
        return False
    resultado = dict(trabajo.resultado or {})
    for nombre, valor in contadores.items():
        if nombre == "hechos":
            trabajo.hechos += valor
        else:
            resultado[nombre] = resultado.get(nombre, 0) + valor
    resultado["tramos_hechos"] = resultado.get("tramos_hechos", 0) + 1
    trabajo.resultado = resultado
    ultimo: bool = resultado["tramos_hechos"] >= resultado.get("tramos", 0)
    if ultimo:
        trabajo.estado = TrabajoEstado.terminado
        trabajo.paso = None
        trabajo.terminado_at = clock.now()
    await session.flush()
    return ultimo


async def en_curso(session: AsyncSession, tenant_id: TenantId, trabajo_id: uuid.UUID,
                   ) -> Trabajo | None:
    """The job, when it is running (a part of one that failed or was cancelled is not run)."""
    trabajo = await TrabajoRepository(session, tenant_id).get(trabajo_id)
    return trabajo if trabajo is not None and trabajo.estado == TrabajoEstado.ejecutando \
        else None


async def terminar(session: AsyncSession, tenant_id: TenantId, trabajo_id: uuid.UUID,
                   resultado: dict[str, Any]) -> None:
    trabajo = await get(session, tenant_id, trabajo_id)
    trabajo.estado = TrabajoEstado.terminado
    trabajo.resultado = resultado
    trabajo.paso = None
    trabajo.terminado_at = clock.now()
    await session.flush()


async def fallar(session: AsyncSession, tenant_id: TenantId, trabajo_id: uuid.UUID,
                 error: dict[str, Any], *, definitivo: bool) -> None:
    """Records the error; the job is fallido, or queued again when it will be retried."""
    trabajo = await get(session, tenant_id, trabajo_id)
    trabajo.error = error
    trabajo.paso = None
    if definitivo:
        trabajo.estado = TrabajoEstado.fallido
        trabajo.terminado_at = clock.now()
    else:
        trabajo.estado = TrabajoEstado.en_cola
    await session.flush()


# Schedules.

def siguiente(cron: str, zona_horaria: str, after: datetime) -> datetime:
    """The first time after `after` that the cron expression names, read in the time zone
    (so "0 6 * * *" is six in the morning there, summer time or not)."""
    local = after.astimezone(ZoneInfo(zona_horaria))
    following: datetime = croniter(cron, local).get_next(datetime)
    return following.astimezone(UTC)


def check_cron(cron: str) -> None:
    if not croniter.is_valid(cron) or len(cron.split()) != 5:
        raise invalid_fields({"cron": "is not a cron expression of five fields "
                                      "(minute hour day month weekday)"})


async def programar(session: AsyncSession, tenant_id: TenantId, *, tipo: str,
                    parametros: dict[str, Any], cron: str, zona_horaria: str,
                    now: datetime) -> Programacion:
    check_cron(cron)
    return await ProgramacionRepository(session, tenant_id).add(Programacion(
        tipo=tipo, parametros=parametros, cron=cron, zona_horaria=zona_horaria, activo=True,
        proxima_ejecucion=siguiente(cron, zona_horaria, now)))


async def reprogramar(session: AsyncSession, tenant_id: TenantId,
                      programacion_id: uuid.UUID | None, *, tipo: str, cron: str,
                      zona_horaria: str, activo: bool, now: datetime) -> Programacion:
    """The schedule `programacion_id` (or a new one) set to `cron`, on or off."""
    programacion = (await ProgramacionRepository(session, tenant_id).get(programacion_id)
                    if programacion_id is not None else None)
    if programacion is None:
        programacion = await programar(session, tenant_id, tipo=tipo, parametros={},
                                       cron=cron, zona_horaria=zona_horaria, now=now)
    check_cron(cron)
    programacion.cron, programacion.zona_horaria, programacion.activo = cron, zona_horaria, activo
    programacion.proxima_ejecucion = siguiente(cron, zona_horaria, now)
    await session.flush()
    return programacion


async def programacion(session: AsyncSession, tenant_id: TenantId,
                       programacion_id: uuid.UUID) -> Programacion | None:
    return await ProgramacionRepository(session, tenant_id).get(programacion_id)


async def fallidos(session: AsyncSession, tenant_id: TenantId, desde: datetime,
                   hasta: datetime) -> Sequence[Trabajo]:
    """The jobs that failed for good in [desde, hasta)."""
    return await TrabajoRepository(session, tenant_id).fallidos(desde, hasta)


async def disparar_vencidas(session: AsyncSession, tenant_id: TenantId, queue: JobQueue,
                            now: datetime) -> int:
    """Queues the jobs of the tenant's schedules due at `now` and moves each to its next
    time; the jobs queued. A schedule whose last job is still queued or running gets no
    second one."""
    disparadas = 0
    for programacion in await ProgramacionRepository(session, tenant_id).vencidas(now):
        _, nuevo = await solicitar(
            session, tenant_id, tipo=programacion.tipo, parametros=dict(programacion.parametros),
            queue=queue, clave=f"programacion:{programacion.id}")
        disparadas += nuevo
        programacion.ultima_ejecucion = now
        programacion.proxima_ejecucion = siguiente(programacion.cron,
                                                   programacion.zona_horaria, now)
    await session.flush()
    return disparadas


async def guardar_archivo(session: AsyncSession, tenant_id: TenantId, trabajo_id: uuid.UUID, *,
                          nombre: str, media_type: str, filas: int, contenido: bytes,
                          horas: int) -> Archivo:
    """Keeps a job's file for `horas`; the tenant's expired files go as it is stored."""
    archivos = ArchivoRepository(session, tenant_id)
    now = clock.now()
    await archivos.delete_expired(now)
    return await archivos.add(Archivo(
        trabajo_id=trabajo_id, nombre=nombre, media_type=media_type, filas=filas,
        contenido=contenido, expira_at=now + timedelta(hours=horas), created_at=now))


async def archivo(session: AsyncSession, tenant_id: TenantId, trabajo_id: uuid.UUID) -> Archivo:
    """The file a job left, while it is kept."""
    await get(session, tenant_id, trabajo_id)  # another tenant's job: 404
    found = await ArchivoRepository(session, tenant_id).of_trabajo(trabajo_id,
                                                                   with_content=True)
    if found is None or found.expira_at <= clock.now():
        raise NotFound("This job has no file to download (none, or it expired: export again).")
    return found
