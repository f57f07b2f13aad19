"""The job path against the direct call, in one run on a scratch database.

    python scripts/bench_jobs.py [--accounts 100000] [--latency-jobs 100] [--pdfs 2000]

Needs a PostgreSQL where the --admin-url user is a superuser. It loads a tenant of N accounts
(twice: two tenants), starts one worker process (`python -m app worker`), and prints:

- enqueue-to-start latency with an idle worker: jobs queued one after another (a billing run
  of an already billed period, which bills nobody), from the commit that queues each to the
  moment the worker marks it running (p50, p99);
- a billing run of N accounts called directly (one tenant) against the same run queued and
  run by the worker (a second tenant with the same accounts and readings): seconds from the
  request to the end, and the job path's overhead in %;
- a period's PDFs as a job (--pdfs invoices of a third tenant, parts of 500) with one worker
  process and then, their stored PDFs deleted, with two (each with one rendering process):
  PDFs/s and the scaling.
"""

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
import uuid
from typing import Any

import psycopg
from bench_billing import load
from benchlib import DEFAULT_ADMIN_URL, ROOT, scratch_database
from sqlalchemy import text

from app.core.db import Database, create_engine
from app.core.tenant import TenantId
from app.facturacion import service as facturacion_service
from app.pdf import service as pdf_service
from app.trabajos import service as trabajos_service
from app.trabajos.queue import WorkerQueue

DIRECT, TENANT, PDFS = "bench-jobs-direct", "bench-jobs", "bench-jobs-pdfs"
PERIODO = "2026-10"


async def queue_run(database: Database, periodo: str) -> tuple[str, float]:
    async with database.session(TenantId(TENANT)) as session:
        trabajo, _ = await facturacion_service.solicitar_facturacion(
            session, TenantId(TENANT), periodo, WorkerQueue(), actor_id=None)
    return str(trabajo.id), time.perf_counter()  # committed: the worker may take it


async def wait_done(database: Database, trabajo_id: str, tenant: str = TENANT,
                    ) -> tuple[float, Any]:
    while True:
        async with database.session(TenantId(tenant)) as session:
            trabajo = await trabajos_service.get(session, TenantId(tenant), uuid.UUID(trabajo_id))
        if trabajo.estado in ("terminado", "fallido"):
            assert trabajo.estado == "terminado", trabajo.error
            return time.perf_counter(), trabajo
        await asyncio.sleep(0.01)


async def measure(app_url: str, latency_jobs: int) -> None:
    database = Database(create_engine(app_url))
    try:
        # The job first, then the direct call: the run that goes second meets a bigger
        # invoice table, so this order charges that to the direct call, not to the job.
        trabajo_id, began = await queue_run(database, PERIODO)
        ended, trabajo = await wait_done(database, trabajo_id)
        job_s = ended - began
        began = time.perf_counter()
        async with database.session(TenantId(DIRECT)) as session:
            direct = await facturacion_service.run(session, TenantId(DIRECT), PERIODO)
        direct_s = time.perf_counter() - began
        print(f"billing run of {direct.facturas_emitidas:,} accounts, direct:     "
              f"{direct_s:7.2f} s")
        print(f"billing run of {trabajo.resultado['facturas_emitidas']:,} accounts, as a job: "
              f"{job_s:7.2f} s  (overhead {100 * (job_s - direct_s) / direct_s:+.1f} %)")

        latencies = []
        for _ in range(latency_jobs):
            trabajo_id, _ = await queue_run(database, PERIODO)  # bills nobody again
            _, trabajo = await wait_done(database, trabajo_id)
            latencies.append((trabajo.iniciado_at - trabajo.created_at).total_seconds() * 1000)
        latencies.sort()
        p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
        print(f"enqueue-to-start latency, idle worker, {latency_jobs} jobs: "
              f"p50 {statistics.median(latencies):.1f} ms, p99 {p99:.1f} ms")
    finally:
        await database.dispose()


def workers(app_url: str, count: int) -> list[subprocess.Popen]:
    env = os.environ | {"DATABASE_URL": app_url, "ENVIRONMENT": "development",
                        "LOG_LEVEL": "WARNING", "PDF_WORKERS": "1"}
    started = [subprocess.Popen([sys.executable, "-m", "app", "worker", "--concurrency", "1"],
                                env=env, cwd=ROOT) for _ in range(count)]
    time.sleep(3)  # each connects, listens and starts its rendering process
    return started


def stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        process.wait(timeout=120)


async def pdf_job(app_url: str) -> tuple[int, float]:
    database = Database(create_engine(app_url))
    try:
        async with database.session(TenantId(PDFS)) as session:
            await session.execute(text("DELETE FROM factura_pdfs"))
            trabajo, _ = await pdf_service.solicitar_pdfs(session, TenantId(PDFS), PERIODO,
                                                          WorkerQueue(), actor_id=None)
        began = time.perf_counter()
        ended, done = await wait_done(database, str(trabajo.id), PDFS)
        return done.resultado["renderizadas"], ended - began
    finally:
        await database.dispose()


def measure_pdfs(app_url: str) -> None:
    rates = []
    for count in (1, 2):
        processes = workers(app_url, count)
        try:
            rendered, seconds = asyncio.run(pdf_job(app_url))
        finally:
            stop(processes)
        rates.append(rendered / seconds)
        print(f"PDFs of {rendered:,} invoices as a job, {count} worker(s): {seconds:6.1f} s, "
              f"{rates[-1]:6.1f} PDFs/s")
    print(f"scaling from one worker to two: x{rates[1] / rates[0]:.2f}")


async def bill_directly(app_url: str, tenant: str) -> None:
    database = Database(create_engine(app_url))
    try:
        async with database.session(TenantId(tenant)) as session:
            await facturacion_service.run(session, TenantId(tenant), PERIODO)
    finally:
        await database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--admin-url", default=DEFAULT_ADMIN_URL)
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--latency-jobs", type=int, default=100)
    parser.add_argument("--pdfs", type=int, default=2000)
    args = parser.parse_args()
    with scratch_database(args.admin_url) as scratch:
        for tenant, accounts in ((DIRECT, args.accounts), (TENANT, args.accounts),
                                 (PDFS, args.pdfs)):
            load(scratch.owner_dsn, tenant, accounts, periodos=(PERIODO,), unread=PERIODO)
        with psycopg.connect(scratch.owner_dsn) as conn:
            conn.execute("ANALYZE")
            conn.commit()
        processes = workers(scratch.app_url, 1)
        try:
            asyncio.run(measure(scratch.app_url, args.latency_jobs))
        finally:
            stop(processes)
        asyncio.run(bill_directly(scratch.app_url, PDFS))
        measure_pdfs(scratch.app_url)


if __name__ == "__main__":
    main()
