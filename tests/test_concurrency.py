"""Races that only a real server shows: committed data, several connections at once."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import date, timedelta
from decimal import Decimal as D

import httpx
import psycopg
import pytest
from sqlalchemy import select, text

from app.core import clock
from app.core.db import Database, create_engine, libpq_url
from app.core.models import Base
from app.core.rls import APPEND_ONLY_TABLES
from app.core.tenant import ResolvedTenant, TenantId
from app.facturacion import service as facturacion_service
from app.facturacion.schemas import PeriodoCreate
from app.facturas.models import Factura
from app.lecturas import service as lecturas_service
from app.lecturas.schemas import LecturaCreate
from app.main import create_app
from app.pagos.models import Pago
from app.pqrs import service as pqrs_service
from app.pqrs.schemas import PqrCreate
from app.registry import is_model_object  # noqa: F401  (every model in the metadata)
from app.tarifas import service as tarifas_service
from app.tarifas.schemas import TarifaCreate
from app.trabajos import service as trabajos_service
from app.trabajos.queue import WorkerQueue
from app.trabajos.runner import disparar_programaciones
from app.users.models import Role
from tests.billing_helpers import ACUEDUCTO, ALCANTARILLADO
from tests.factories import TenantWorld, make_tenant

pytestmark = pytest.mark.postgres

# Every tenant table, children before their parents (new tables join by themselves).
TENANT_TABLES_IN_DELETE_ORDER = tuple(
    table.name for table in reversed(Base.metadata.sorted_tables)
    if "tenant_id" in table.c and table.name != "tenants"
    and table.name not in APPEND_ONLY_TABLES)


def purge_append_only(owner_url: str, tenant: str) -> None:
    """The audit log is append-only for the service role: its owner purges a test tenant's."""
    with psycopg.connect(libpq_url(owner_url), autocommit=True) as owner, owner.transaction():
        owner.execute("SELECT set_config('app.tenant_id', %s, true)", (tenant,))
        for table in APPEND_ONLY_TABLES:
            owner.execute(f"DELETE FROM {table}")  # noqa: S608 - a constant table name


@pytest.fixture
async def committed(settings, owner_url) -> AsyncIterator[tuple[Database, TenantWorld]]:
    """A tenant whose rows are committed (so other connections see them), purged after."""
    engine = create_engine(settings.database_url, pool_size=4, max_overflow=0)
    database = Database(engine)
    world = await make_tenant(database, settings, f"conc-{uuid.uuid4().hex[:8]}")
    tenant_id = TenantId(world.slug)
    async with database.session(tenant_id) as session:
        for tarifa in (ACUEDUCTO, ALCANTARILLADO):
            await tarifas_service.create(session, tenant_id, TarifaCreate(**tarifa))
        await facturacion_service.create_periodo(session, tenant_id, PeriodoCreate(
            periodo="2026-10", fecha_expedicion=date(2026, 11, 1),
            fecha_limite_pago=date(2026, 11, 15), fecha_suspension=date(2026, 11, 25)),
            today=date(2026, 11, 20), max_days_ahead=62)
        for n, cliente in enumerate((world.cliente, world.other_cliente)):
            await lecturas_service.record(session, tenant_id, LecturaCreate(
                cliente_id=cliente.id, periodo="2026-10", lectura_actual=1020 + n,
                fecha_lectura=date(2026, 10, 28), lectura_anterior=1000))
    try:
        yield database, world
    finally:
        purge_append_only(owner_url, world.slug)
        async with database.session(tenant_id) as session:
            await session.execute(text("UPDATE facturas SET trasladada_a_id = NULL"))
            for table in TENANT_TABLES_IN_DELETE_ORDER:
                await session.execute(text(f"DELETE FROM {table}"))  # noqa: S608
            await session.execute(text("DELETE FROM tenants WHERE id = :t"), {"t": world.slug})
        await engine.dispose()


async def test_two_simultaneous_runs_issue_one_set_of_invoices(committed):
    database, world = committed
    tenant_id = TenantId(world.slug)

    async def run() -> int:
        async with database.session(tenant_id) as session:
            return (await facturacion_service.run(session, tenant_id, "2026-10")
                    ).facturas_emitidas

    issued = await asyncio.gather(run(), run())
    assert sorted(issued) == [0, 2]
    async with database.session(tenant_id) as session:
        numbers = sorted((await session.scalars(select(Factura.numero))).all())
    assert numbers == [1, 2]


async def test_parallel_identical_payments_with_one_key_pay_once(committed, settings):
    database, world = committed
    tenant_id = TenantId(world.slug)
    async with database.session(tenant_id) as session:
        await facturacion_service.run(session, tenant_id, "2026-10")
        factura = await session.scalar(select(Factura).where(Factura.numero == 1))
    app = create_app(settings, database)
    headers = world.headers(Role.operador) | {"Idempotency-Key": "retry-storm-1"}
    body = {"factura_id": str(factura.id), "valor": "1000.00", "fecha": "2026-11-10",
            "canal": "pse", "referencia": "PSE-99"}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        responses = await asyncio.gather(*(client.post("/api/pagos", headers=headers, json=body)
                                           for _ in range(8)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] * 7 + [201], [r.text for r in responses]
    assert len({r.json()["id"] for r in responses}) == 1
    async with database.session(tenant_id) as session:
        pagos = (await session.scalars(select(Pago))).all()
        paid = await session.scalar(select(Factura.valor_pagado).where(Factura.id == factura.id))
    assert len(pagos) == 1
    assert paid == D("1000.00")


async def test_concurrent_filings_get_consecutive_radicados(committed):
    database, world = committed
    tenant_id = TenantId(world.slug)
    tenant = ResolvedTenant(id=tenant_id, nombre=world.slug, estado="activo",
                            timezone="America/Bogota")
    actor = pqrs_service.Actor(user_id=world.users[Role.cliente].id,
                               cliente_id=world.cliente.id)

    async def file(n: int) -> str:
        async with database.session(tenant_id) as session:
            pqr = await pqrs_service.file(session, tenant, PqrCreate(
                tipo="queja", asunto=f"Queja {n}", descripcion="Sin agua desde ayer"), actor)
            return pqr.radicado

    radicados = await asyncio.gather(*(file(n) for n in range(8)))
    year = radicados[0][4:8]
    assert sorted(radicados) == [f"PQR-{year}-{n:06d}" for n in range(1, 9)]


async def test_two_requests_for_the_same_work_at_once_get_one_job(committed):
    database, world = committed
    tenant_id = TenantId(world.slug)

    async def ask() -> uuid.UUID:
        async with database.session(tenant_id) as session:
            trabajo, _ = await trabajos_service.solicitar(
                session, tenant_id, tipo="facturacion", parametros={"periodo": "2026-10"},
                queue=None, clave="facturacion:2026-10")
            await asyncio.sleep(0.1)  # both transactions open at once
            return trabajo.id

    first, second = await asyncio.gather(ask(), ask())
    assert first == second


async def test_two_schedulers_at_once_queue_a_due_schedule_once(committed):
    database, world = committed
    tenant_id = TenantId(world.slug)
    async with database.session(tenant_id) as session:
        programacion = await trabajos_service.programar(
            session, tenant_id, tipo="facturacion", parametros={"periodo": "2026-10"},
            cron="0 6 * * *", zona_horaria="America/Bogota", now=clock.now())
        programacion.proxima_ejecucion = clock.now() - timedelta(minutes=1)
    try:
        queued = await asyncio.gather(disparar_programaciones(database, WorkerQueue()),
                                      disparar_programaciones(database, WorkerQueue()))
        assert sorted(queued) == [0, 1]
        async with database.session(tenant_id) as session:
            jobs = await session.scalar(text(
                "SELECT count(*) FROM procrastinate_jobs WHERE args->>'tenant_id' = :t"),
                {"t": world.slug})
        assert jobs == 1
    finally:
        async with database.session(tenant_id) as session:
            await session.execute(text("DELETE FROM procrastinate_jobs "
                                       "WHERE args->>'tenant_id' = :t"), {"t": world.slug})
