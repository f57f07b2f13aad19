"""How fast a billing run is: the set-based run on N accounts against a per-account ORM loop.

    python scripts/bench_billing.py [--accounts 100000] [--loop-sample 2000]

Needs a PostgreSQL where the --admin-url user is a superuser. In a scratch database (owner and
service roles, row-level security on, as in production) it loads a tenant with N accounts
across usos and estratos, the DESIGN §5 tariff, six months of measured readings and a period
where 5 % of the meters were not read (billed on their average), then:

1. bills the period with the service's set-based run, as the service role;
2. bills a second tenant of `--loop-sample` accounts with a straightforward loop: for each
   account, query its reading and history, compute the lines, add the invoice and its lines
   through the ORM and flush;

and prints invoices/s, lines/s, the process's peak memory and the ratio of the two rates.
The scratch database is dropped at the end.
"""

import argparse
import asyncio
import itertools
import resource
import time
import uuid
from datetime import date
from decimal import Decimal

import psycopg
from benchlib import DEFAULT_ADMIN_URL, scratch_database
from sqlalchemy import func, select

from app.clientes.models import Cliente
from app.core.db import Database, create_engine
from app.core.tenant import TenantId
from app.facturacion import calculo
from app.facturacion import service as facturacion_service
from app.facturas.models import Factura, FacturaLinea
from app.lecturas.models import Lectura
from app.tarifas import service as tarifas_service

PERIODO = "2026-10"
HISTORY = ("2026-04", "2026-05", "2026-06", "2026-07", "2026-08", "2026-09")
FACTORES = [("residencial", 1, "-0.50"), ("residencial", 2, "-0.20"),
            ("residencial", 3, "-0.10"), ("residencial", 4, "0"), ("residencial", 5, "0.50"),
            ("residencial", 6, "0.60"), ("comercial", 0, "0.50"), ("industrial", 0, "0.30")]


def load(owner_dsn: str, tenant: str, accounts: int,
         periodos: tuple[str, ...] = (*HISTORY, PERIODO), unread: str = PERIODO) -> None:
    """Set-based, as the owner with the tenant set (row-level security binds the owner too):
    the accounts, the tariff, every period's readings (5 % of `unread`'s meters not read) and
    `unread`'s billing period."""
    with psycopg.connect(owner_dsn) as conn:
        conn.execute("INSERT INTO tenants (id, nombre, estado, timezone, created_at, updated_at)"
                     " VALUES (%s, %s, 'activo', 'America/Bogota', now(), now())",
                     (tenant, tenant))
        conn.execute("SELECT set_config('app.tenant_id', %s, true)", (tenant,))
        conn.execute("""
            INSERT INTO clientes (tenant_id, id, numero_cuenta, nombre, direccion, estrato, uso,
                servicio_acueducto, servicio_alcantarillado, medidor_digitos, estado,
                created_at, updated_at)
            SELECT %s, gen_random_uuid(), lpad(n::text, 8, '0'), 'Cliente ' || n,
                   'Calle ' || (n %% 100),
                   CASE WHEN n %% 10 < 8 THEN 1 + n %% 6 END,
                   CASE n %% 10 WHEN 8 THEN 'comercial' WHEN 9 THEN 'industrial'
                        ELSE 'residencial' END,
                   true, n %% 13 <> 0, 5, 'activo', now(), now()
            FROM generate_series(1, %s) AS n""", (tenant, accounts))
        for servicio, cargo, precio in (("acueducto", "4276.37", "1322.96"),
                                        ("alcantarillado", "1964.59", "923.48")):
            tarifa_id = uuid.uuid4()
            conn.execute("""
                INSERT INTO tarifas (tenant_id, id, servicio, vigente_desde, cargo_fijo,
                    precio_basico, precio_complementario, precio_suntuario, created_at,
                    updated_at)
                VALUES (%s, %s, %s, %s, %s, %s, %s, %s, now(), now())""",
                         (tenant, tarifa_id, servicio, f"{min(periodos)}-01", cargo, precio,
                          precio, precio))
            for uso, estrato, factor in FACTORES:
                conn.execute("INSERT INTO tarifa_factores VALUES (%s, %s, %s, %s, %s)",
                             (tenant, tarifa_id, uso, estrato, factor))
        conn.execute("""
            INSERT INTO lecturas (tenant_id, id, cliente_id, periodo, fecha_lectura,
                lectura_anterior, lectura_actual, consumo_m3, rollover, created_at, updated_at)
            SELECT c.tenant_id, gen_random_uuid(), c.id, p.periodo,
                   to_date(p.periodo || '-27', 'YYYY-MM-DD'),
                   1000 + p.k * 25, 1000 + (p.k + 1) * 25 - (hashtext(c.numero_cuenta) %% 7),
                   25 - (hashtext(c.numero_cuenta) %% 7), false, now(), now()
            FROM clientes c
            CROSS JOIN unnest(%s::text[]) WITH ORDINALITY AS p(periodo, k)
            WHERE c.tenant_id = %s
              AND NOT (p.periodo = %s AND abs(hashtext(c.numero_cuenta)) %% 20 = 0)""",
                     (list(periodos), tenant, unread))
        conn.execute("""
            INSERT INTO periodos (tenant_id, id, periodo, fecha_expedicion, fecha_limite_pago,
                fecha_suspension, created_at, updated_at)
            VALUES (%s, gen_random_uuid(), %s, '2026-11-01', '2026-11-15', '2026-11-25',
                    now(), now())""", (tenant, PERIODO))
        conn.commit()
        conn.execute("ANALYZE")
        conn.commit()


def add_periodos(conn: psycopg.Connection, tenant: str, periodos: tuple[str, ...]) -> None:
    """Billing periods issued on the 1st of the next month, due the 15th, suspended the 25th
    (the connection has the tenant set)."""
    for periodo in periodos:
        year, month = (int(p) for p in periodo.split("-"))
        issued = date(year + month // 12, month % 12 + 1, 1)
        conn.execute("""
            INSERT INTO periodos (tenant_id, id, periodo, fecha_expedicion, fecha_limite_pago,
                fecha_suspension, created_at, updated_at)
            VALUES (%s, gen_random_uuid(), %s, %s, %s, %s, now(), now())""",
                     (tenant, periodo, issued, issued.replace(day=15), issued.replace(day=25)))


async def set_based(database: Database, tenant: TenantId) -> tuple[float, int, int]:
    marks: list[tuple[str, float]] = []
    started = time.perf_counter()
    async with database.session(tenant) as session:
        summary = await facturacion_service.run(
            session, tenant, PERIODO,
            progress=lambda step: marks.append((step, time.perf_counter())))
        marks.append(("summary", time.perf_counter()))
    elapsed = time.perf_counter() - started
    marks.append(("commit", time.perf_counter()))
    for (step, at), (_, until) in itertools.pairwise(marks):
        print(f"  {step:<28}{until - at:7.2f} s")
    async with database.session(tenant) as session:
        lines = await session.scalar(select(func.count()).select_from(FacturaLinea))
    return elapsed, summary.facturas_emitidas, lines or 0


async def per_account_loop(database: Database, tenant: TenantId) -> tuple[float, int, int]:
    """The straightforward way: one account at a time through the ORM."""
    started = time.perf_counter()
    count = lines = 0
    async with database.session(tenant) as session:
        tarifas = await tarifas_service.vigentes(session, tenant, date(2026, 10, 31))
        clientes = (await session.scalars(select(Cliente).order_by(Cliente.numero_cuenta))).all()
        for numero, cliente in enumerate(clientes, start=1):
            reading = await session.scalar(select(Lectura).where(
                Lectura.cliente_id == cliente.id, Lectura.periodo == PERIODO))
            history = (await session.scalars(
                select(Lectura.consumo_m3).where(Lectura.cliente_id == cliente.id,
                                                 Lectura.periodo < PERIODO)
                .order_by(Lectura.periodo.desc()).limit(6))).all()
            average = calculo.promedio(history)
            consumo = reading.consumo_m3 if reading else average
            servicios = ["acueducto"] + (["alcantarillado"]
                                         if cliente.servicio_alcantarillado else [])
            factura_lines = calculo.lineas_factura(tarifas, servicios, consumo, 11,
                                                   cliente.uso, cliente.estrato)
            factura = Factura(
                tenant_id=tenant, id=uuid.uuid4(), numero=numero, cliente_id=cliente.id,
                periodo=PERIODO, fecha_expedicion=date(2026, 11, 1),
                fecha_limite_pago=date(2026, 11, 15), fecha_suspension=date(2026, 11, 25),
                lectura_anterior=reading.lectura_anterior if reading else None,
                lectura_actual=reading.lectura_actual if reading else None,
                consumo_m3=consumo, consumo_estimado=reading is None, promedio_m3=average,
                saldo_anterior=Decimal(0), intereses_mora=Decimal(0),
                total=calculo.total(factura_lines), valor_pagado=Decimal(0),
                valor_trasladado=Decimal(0), estado="emitida", referencia_pago=f"{numero:010d}")
            session.add(factura)
            await session.flush()
            for orden, ln in enumerate(factura_lines, start=1):
                session.add(FacturaLinea(
                    tenant_id=tenant, factura_id=factura.id, orden=orden, servicio=ln.servicio,
                    concepto=ln.concepto, cantidad_m3=ln.cantidad_m3,
                    valor_unitario=ln.valor_unitario, factor=ln.factor, valor=ln.valor))
            await session.flush()
            count += 1
            lines += len(factura_lines)
    return time.perf_counter() - started, count, lines


async def benchmark(app_url: str, accounts: int, sample: int) -> None:
    database = Database(create_engine(app_url))
    try:
        elapsed, invoices, lines = await set_based(database, TenantId("bench-grande"))
        print(f"\nset-based run: {invoices:,} invoices, {lines:,} lines in {elapsed:.2f} s")
        print(f"  {invoices / elapsed:,.0f} invoices/s, {lines / elapsed:,.0f} lines/s")
        loop_elapsed, loop_invoices, loop_lines = await per_account_loop(
            database, TenantId("bench-muestra"))
        print(f"per-account ORM loop: {loop_invoices:,} invoices, {loop_lines:,} lines in "
              f"{loop_elapsed:.2f} s")
        print(f"  {loop_invoices / loop_elapsed:,.0f} invoices/s, "
              f"{loop_lines / loop_elapsed:,.0f} lines/s")
        print(f"\nset-based / loop: {(invoices / elapsed) / (loop_invoices / loop_elapsed):.1f}x")
    finally:
        await database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--admin-url", default=DEFAULT_ADMIN_URL)
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--loop-sample", type=int, default=2_000)
    args = parser.parse_args()
    with scratch_database(args.admin_url) as scratch:
        started = time.perf_counter()
        load(scratch.owner_dsn, "bench-grande", args.accounts)
        load(scratch.owner_dsn, "bench-muestra", args.loop_sample)
        print(f"loaded {args.accounts:,} + {args.loop_sample:,} accounts with 7 months of "
              f"readings in {time.perf_counter() - started:.1f} s")
        asyncio.run(benchmark(scratch.app_url, args.accounts, args.loop_sample))
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of this process: {peak_mib:,.0f} MiB")


if __name__ == "__main__":
    main()
