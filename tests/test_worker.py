"""Jobs through the real queue: the API queues a billing run in PostgreSQL, and a worker
process (`python -m app worker`) takes it and runs it."""

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text

from app.core.db import libpq_url
from app.core.tenant import TenantId
from app.facturacion import service as facturacion_service
from app.facturas.models import Factura
from app.main import create_app
from app.users.models import Role
from tests.helpers import api_client
from tests.test_concurrency import committed  # noqa: F401  (a fixture: a committed tenant)

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def worker_process(settings, stalled_seconds: float = 30,
                   attempts: int = 3) -> Iterator[subprocess.Popen]:
    env = os.environ | {"DATABASE_URL": settings.database_url, "ENVIRONMENT": "development",
                        "LOG_LEVEL": "WARNING", "JOB_STALLED_SECONDS": str(stalled_seconds),
                        "JOB_ATTEMPTS": str(attempts)}
    process = subprocess.Popen([sys.executable, "-m", "app", "worker", "--concurrency", "1"],
                               env=env, cwd=ROOT)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=30)


async def wait_until(client, headers, location: str, estados: tuple[str, ...],
                     seconds: float = 60) -> dict:
    for _ in range(int(seconds / 0.2)):
        trabajo = (await client.get(location, headers=headers)).json()
        if trabajo["estado"] in estados:
            return trabajo
        await asyncio.sleep(0.2)
    raise AssertionError(f"the job was not {estados} within {seconds} s: {trabajo}")


async def wait_until_done(client, headers, location: str) -> dict:
    return await wait_until(client, headers, location, ("terminado", "fallido", "cancelado"))


@pytest.fixture
async def queued_app(committed, settings):  # noqa: F811
    database, world = committed
    app = create_app(settings.model_copy(update={"jobs_in_process": False}), database)
    try:
        yield app, database, world
    finally:
        async with database.session(TenantId(world.slug)) as session:
            await session.execute(text("DELETE FROM procrastinate_jobs "
                                       "WHERE args->>'tenant_id' = :t"), {"t": world.slug})


async def test_a_billing_run_queued_by_the_api_is_run_by_a_worker(queued_app, settings):
    app, _database, world = queued_app
    admin = world.headers(Role.admin)
    async with api_client(app) as client:
        queued = await client.post("/api/periodos/2026-10/facturar", headers=admin)
        again = await client.post("/api/periodos/2026-10/facturar", headers=admin)
        assert (queued.status_code, again.status_code) == (202, 202)
        assert queued.json()["estado"] == "en_cola"
        assert again.json()["id"] == queued.json()["id"]  # one job for one period
        with worker_process(settings):
            trabajo = await wait_until_done(client, admin, queued.headers["location"])
        facturas = (await client.get("/api/facturas", headers=admin)).json()
    assert trabajo["estado"] == "terminado", trabajo
    assert trabajo["resultado"]["facturas_emitidas"] == 2
    assert (trabajo["hechos"], trabajo["total"], trabajo["intentos"]) == (2, 2, 1)
    assert trabajo["iniciado_at"] and trabajo["terminado_at"] and trabajo["error"] is None
    assert facturas["total"] == 2


async def test_a_run_that_breaks_a_rule_fails_with_its_problem_and_bills_nobody(
        queued_app, settings):
    app, database, world = queued_app
    admin = world.headers(Role.admin)
    async with api_client(app) as client:
        queued = await client.post("/api/periodos/2026-10/facturar", headers=admin)
        assert queued.status_code == 202
        async with database.session(TenantId(world.slug)) as session:  # after it was queued
            await session.execute(text("DELETE FROM tarifa_factores"))
            await session.execute(text("DELETE FROM tarifas"))
        with worker_process(settings):
            trabajo = await wait_until_done(client, admin, queued.headers["location"])
        facturas = (await client.get("/api/facturas", headers=admin)).json()
    assert trabajo["estado"] == "fallido", trabajo
    assert trabajo["error"]["status"] == 422
    assert "No tariff" in trabajo["error"]["detail"]
    assert trabajo["intentos"] == 1  # a broken rule is not retried
    assert facturas["total"] == 0


async def test_a_run_whose_worker_is_killed_runs_again_whole(queued_app, settings):
    app, _database, world = queued_app
    admin = world.headers(Role.admin)
    dsn = libpq_url(settings.database_url)
    async with api_client(app) as client:
        queued = await client.post("/api/periodos/2026-10/facturar", headers=admin)
        location = queued.headers["location"]
        # Another transaction holds the invoice counter: the run starts, then waits for it.
        async with await psycopg.AsyncConnection.connect(dsn) as blocker:
            await blocker.execute("SELECT set_config('app.tenant_id', %s, true)", (world.slug,))
            await blocker.execute("INSERT INTO consecutivos (tenant_id, nombre, ultimo) "
                                  "VALUES (%s, 'factura', 0)", (world.slug,))
            with worker_process(settings, stalled_seconds=2) as first:
                await wait_until(client, admin, location, ("ejecutando",))
                first.kill()  # SIGKILL, mid-run
                first.wait(timeout=30)
            await blocker.rollback()
        with worker_process(settings, stalled_seconds=2):
            trabajo = await wait_until_done(client, admin, location)
        facturas = (await client.get("/api/facturas", headers=admin)).json()["items"]
    assert trabajo["estado"] == "terminado", trabajo
    assert trabajo["intentos"] == 2  # the dead worker's attempt, then the whole run again
    assert sorted(f["numero"] for f in facturas) == [1, 2]  # nobody billed twice, no gap


async def test_a_periods_pdfs_are_rendered_by_a_worker(queued_app, settings):
    app, database, world = queued_app
    admin = world.headers(Role.admin)
    async with database.session(TenantId(world.slug)) as session:  # billed directly
        await facturacion_service.run(session, TenantId(world.slug), "2026-10")
    async with api_client(app) as client:
        queued = await client.post("/api/periodos/2026-10/pdfs", headers=admin)
        assert queued.status_code == 202, queued.text
        with worker_process(settings):
            trabajo = await wait_until_done(client, admin, queued.headers["location"])
    assert trabajo["estado"] == "terminado", trabajo
    assert (trabajo["hechos"], trabajo["total"]) == (2, 2)
    assert trabajo["resultado"]["renderizadas"] == 2


async def test_an_unexpected_error_is_retried_then_fails_the_job(queued_app, settings):
    app, database, world = queued_app
    admin = world.headers(Role.admin)
    tenant_id = TenantId(world.slug)
    async with api_client(app) as client:
        queued = await client.post("/api/periodos/2026-10/facturar", headers=admin)
        assert queued.status_code == 202
        # An invoice numbered 1 that the counter does not know of: the run's first invoice
        # collides with it, a database error no rule foresees, on every attempt.
        async with database.session(tenant_id) as session:
            session.add(Factura(
                tenant_id=tenant_id, numero=1, cliente_id=world.cliente.id, periodo="2026-08",
                fecha_expedicion=date(2026, 9, 1), fecha_limite_pago=date(2026, 9, 15),
                fecha_suspension=date(2026, 9, 25), consumo_m3=0, consumo_estimado=False,
                saldo_anterior=0, intereses_mora=0, total=0, estado="pagada",
                referencia_pago="X-1"))
        with worker_process(settings, attempts=2):
            trabajo = await wait_until_done(client, admin, queued.headers["location"])
        numeros = [f["numero"] for f in
                   (await client.get("/api/facturas", headers=admin)).json()["items"]]
    assert trabajo["estado"] == "fallido", trabajo
    assert trabajo["intentos"] == 2  # retried once (JOB_ATTEMPTS=2), then failed
    assert trabajo["error"]["status"] == 500
    assert "IntegrityError" in trabajo["error"]["detail"]
    assert "facturas" not in trabajo["error"]["detail"]  # no SQL or data in the message
    assert numeros == [1]  # the run left nothing behind


async def test_a_job_cancelled_while_queued_is_not_run(queued_app, settings):
    app, _database, world = queued_app
    admin = world.headers(Role.admin)
    async with api_client(app) as client:
        queued = await client.post("/api/periodos/2026-10/facturar", headers=admin)
        cancelled = await client.post(f"{queued.headers['location']}/cancelar", headers=admin)
        assert cancelled.json()["estado"] == "cancelado"
        with worker_process(settings):
            again = await client.post("/api/periodos/2026-10/facturar", headers=admin)
            assert again.json()["id"] != queued.json()["id"]  # the period is free again
            second = await wait_until_done(client, admin, again.headers["location"])
        first = (await client.get(queued.headers["location"], headers=admin)).json()
        facturas = (await client.get("/api/facturas", headers=admin)).json()
    assert (first["estado"], first["intentos"], first["iniciado_at"]) == ("cancelado", 0, None)
    assert second["estado"] == "terminado" and facturas["total"] == 2  # billed once
