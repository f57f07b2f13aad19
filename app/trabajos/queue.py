"""Where a queued job goes: a worker's queue (procrastinate, in PostgreSQL), or this process.

Either way a job is handed over only when the transaction that queued it commits: on
PostgreSQL the queue's row is written in that same transaction; in-process the job starts
after its commit. A request that rolls back leaves no job behind.
"""

import asyncio
import json
import logging
import uuid
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from app.core.db import Database
from app.core.tenant import TenantId
from app.trabajos.models import Trabajo
from app.trabajos.runner import disparar_programaciones, ejecutar

logger = logging.getLogger("app.jobs")

TASK_NAME = "ejecutar_trabajo"
_PENDING = "trabajos_por_iniciar"


def task_args(tenant_id: TenantId, trabajo_id: uuid.UUID) -> dict[str, str]:
    return {"tenant_id": tenant_id, "trabajo_id": str(trabajo_id)}


class WorkerQueue:
    """The procrastinate queue that `python -m app worker` takes jobs from. The job's row is
    written with the library's own function, in the caller's transaction."""

    async def encolar(self, session: AsyncSession, tenant_id: TenantId,
                      trabajo: Trabajo) -> None:
        await session.execute(text(
            "SELECT procrastinate_defer_jobs_v1(ARRAY[ROW(:queue, :task, 0, :lock, NULL, "
            "CAST(:args AS jsonb), NULL)::procrastinate_job_to_defer_v1])"), {
            "queue": trabajo.tipo, "task": TASK_NAME,
            # Work that must not run twice at once is locked across every worker too.
            "lock": f"{tenant_id}:{trabajo.clave}" if trabajo.clave else None,
            "args": json.dumps(task_args(tenant_id, trabajo.id)),
        })


class InProcessQueue:
    """Runs each job in this process once the transaction that queued it commits (the
    embedded default: nothing else to start)."""

    def __init__(self, database: Database) -> None:
        self._database = database
        self._running: set[asyncio.Task[None]] = set()

    async def encolar(self, session: AsyncSession, tenant_id: TenantId,
                      trabajo: Trabajo) -> None:
        session.sync_session.info.setdefault(_PENDING, []).append((self, tenant_id, trabajo.id))

    def _start(self, tenant_id: TenantId, trabajo_id: uuid.UUID) -> None:
        task = asyncio.get_running_loop().create_task(
            self._run(tenant_id, trabajo_id), name=f"trabajo {trabajo_id}")
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    async def _run(self, tenant_id: TenantId, trabajo_id: uuid.UUID) -> None:
        try:
            await ejecutar(self._database, tenant_id, trabajo_id)
        except Exception:  # recorded on the job by ejecutar when it could be
            logger.exception("in-process job crashed", extra={"trabajo": str(trabajo_id)})

    async def programador(self, every_seconds: float = 60) -> None:
        """The schedules, from this process (the embedded default has no worker): checked
        every minute until cancelled."""
        while True:
            try:
                await disparar_programaciones(self._database, self)
            except Exception:
                logger.exception("firing the schedules failed")
            await asyncio.sleep(every_seconds)

    async def idle(self) -> None:
        """Waits until every job started here has ended."""
        while self._running:
            await asyncio.gather(*self._running, return_exceptions=True)


@event.listens_for(Session, "after_commit")
def _start_committed(session: Session) -> None:
    for queue, tenant_id, trabajo_id in session.info.pop(_PENDING, ()):
        queue._start(tenant_id, trabajo_id)


@event.listens_for(Session, "after_rollback")
def _drop_rolled_back(session: Session) -> None:
    session.info.pop(_PENDING, None)


def conninfo(database_url: str) -> str:
    """The libpq connection string of a SQLAlchemy PostgreSQL URL."""
    return database_url.replace("postgresql+psycopg://", "postgresql://", 1)


RETRY_STALLED_TASK = "reintentar_trabajos_atascados"
SCHEDULES_TASK = "disparar_programaciones"


def worker_app(database: Database, database_url: str, *, attempts: int,
               stalled_seconds: float) -> Any:
    """The procrastinate app of a worker: the task that runs a trabajo by its key, and the
    periodic one that queues again the jobs of a worker that died (no heartbeat for
    `stalled_seconds`), which then run again from the start."""
    import procrastinate

    app = procrastinate.App(connector=procrastinate.PsycopgConnector(
        conninfo=conninfo(database_url)))

    @app.task(name=TASK_NAME, pass_context=True,
              retry=procrastinate.RetryStrategy(max_attempts=attempts - 1, exponential_wait=2))
    async def ejecutar_trabajo(context: Any, tenant_id: str, trabajo_id: str) -> None:
        await ejecutar(database, TenantId(tenant_id), uuid.UUID(trabajo_id),
                       ultimo_intento=context.job.attempts + 1 >= attempts)

    # A sixth cron column is seconds. The queue's periodic table makes it fire once however
    # many workers run it.
    every = max(1, int(stalled_seconds // 2))

    @app.periodic(cron=f"* * * * * */{every}")
    @app.task(name=RETRY_STALLED_TASK, queue="mantenimiento",
              queueing_lock=RETRY_STALLED_TASK)
    async def reintentar_atascados(timestamp: int) -> None:
        for job in await app.job_manager.get_stalled_jobs(
                seconds_since_heartbeat=stalled_seconds):
            logger.warning("retrying a job whose worker died", extra={"job": job.id})
            await app.job_manager.retry_job(job)

    @app.periodic(cron="* * * * *")
    @app.task(name=SCHEDULES_TASK, queue="mantenimiento", queueing_lock=SCHEDULES_TASK)
    async def disparar(timestamp: int) -> None:
        await disparar_programaciones(database, WorkerQueue())

    return app
