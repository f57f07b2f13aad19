"""Where a queued job goes: a worker's queue (procrastinate, in PostgreSQL), or this process.

Either way a job is handed over only when the transaction that queued it commits: on
PostgreSQL the queue's row is written in that same transaction; in-process the job starts
after its commit. A request that rolls back leaves no job behind.
"""

import asyncio
import json
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from app.core.db import Database, libpq_url
from app.core.tenant import TenantId
from app.trabajos.models import Trabajo
from app.trabajos.runner import disparar_programaciones, ejecutar, ejecutar_tramo

logger = logging.getLogger("app.jobs")

TASK_NAME = "ejecutar_trabajo"
TRAMO_TASK_NAME = "ejecutar_tramo"
_PENDING = "trabajos_por_iniciar"


class WorkerQueue:
    """The procrastinate queue that `python -m app worker` takes jobs from. The job's row is
    written with the library's own function, in the caller's transaction."""

    async def encolar(self, session: AsyncSession, tenant_id: TenantId,
                      trabajo: Trabajo) -> None:
        # Work that must not run twice at once is locked across every worker too.
        await self._defer(session, trabajo.tipo, TASK_NAME,
                          f"{tenant_id}:{trabajo.clave}" if trabajo.clave else None,
                          {"tenant_id": tenant_id, "trabajo_id": str(trabajo.id)})

    async def encolar_tramo(self, session: AsyncSession, tenant_id: TenantId,
                            trabajo: Trabajo, tramo: dict[str, Any]) -> None:
        await self._defer(session, trabajo.tipo, TRAMO_TASK_NAME, None,
                          {"tenant_id": tenant_id, "trabajo_id": str(trabajo.id),
                           "tramo": tramo})

    async def _defer(self, session: AsyncSession, queue: str, task: str, lock: str | None,
                     args: dict[str, Any]) -> None:
        await session.execute(text(
            "SELECT procrastinate_defer_jobs_v1(ARRAY[ROW(:queue, :task, 0, :lock, NULL, "
            "CAST(:args AS jsonb), NULL)::procrastinate_job_to_defer_v1])"),
            {"queue": queue, "task": task, "lock": lock, "args": json.dumps(args)})


class InProcessQueue:
    """Runs each job in this process once the transaction that queued it commits (the
    embedded default: nothing else to start), one at a time: the embedded database is
    SQLite, which writes one transaction at a time anyway."""

    def __init__(self, database: Database, recursos: dict[str, Any] | None = None) -> None:
        self._database = database
        self._recursos = recursos or {}
        self._running: set[asyncio.Task[None]] = set()
        self._one_at_a_time = asyncio.Lock()

    async def encolar(self, session: AsyncSession, tenant_id: TenantId,
                      trabajo: Trabajo) -> None:
        self._after_commit(session, lambda: ejecutar(
            self._database, tenant_id, trabajo.id, self, recursos=self._recursos))

    async def encolar_tramo(self, session: AsyncSession, tenant_id: TenantId,
                            trabajo: Trabajo, tramo: dict[str, Any]) -> None:
        self._after_commit(session, lambda: ejecutar_tramo(
            self._database, tenant_id, trabajo.id, tramo, self, recursos=self._recursos))

    def _after_commit(self, session: AsyncSession,
                      run: Callable[[], Awaitable[None]]) -> None:
        session.sync_session.info.setdefault(_PENDING, []).append((self, run))

    def _start(self, run: Callable[[], Awaitable[None]]) -> None:
        task = asyncio.get_running_loop().create_task(self._run(run))
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    async def _run(self, run: Callable[[], Awaitable[None]]) -> None:
        async with self._one_at_a_time:
            try:
                await run()
            except Exception:  # recorded on the job when it could be
                logger.exception("in-process job crashed")

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
    for queue, run in session.info.pop(_PENDING, ()):
        queue._start(run)


@event.listens_for(Session, "after_rollback")
def _drop_rolled_back(session: Session) -> None:
    session.info.pop(_PENDING, None)


RETRY_STALLED_TASK = "reintentar_trabajos_atascados"
SCHEDULES_TASK = "disparar_programaciones"


def worker_app(database: Database, database_url: str, *, attempts: int,
               stalled_seconds: float, recursos: dict[str, Any]) -> Any:
    """The procrastinate app of a worker: the tasks that run a trabajo, or one part of a split
    one, by its key; the periodic one that queues again the jobs of a worker that died (no
    heartbeat for `stalled_seconds`), which then run again; and the schedules'."""
    import procrastinate

    app = procrastinate.App(connector=procrastinate.PsycopgConnector(
        conninfo=libpq_url(database_url)))
    queue = WorkerQueue()
    retry = procrastinate.RetryStrategy(max_attempts=attempts - 1, exponential_wait=2)

    @app.task(name=TASK_NAME, pass_context=True, retry=retry)
    async def ejecutar_trabajo(context: Any, tenant_id: str, trabajo_id: str) -> None:
        await ejecutar(database, TenantId(tenant_id), uuid.UUID(trabajo_id), queue,
                       recursos=recursos,
                       ultimo_intento=context.job.attempts + 1 >= attempts)

    @app.task(name=TRAMO_TASK_NAME, pass_context=True, retry=retry)
    async def ejecutar_parte(context: Any, tenant_id: str, trabajo_id: str,
                             tramo: dict[str, Any]) -> None:
        await ejecutar_tramo(database, TenantId(tenant_id), uuid.UUID(trabajo_id), tramo,
                             queue, recursos=recursos,
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
        await disparar_programaciones(database, queue)

    return app
