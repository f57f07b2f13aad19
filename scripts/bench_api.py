"""The request path against a bare baseline: the service and a bare FastAPI + psycopg app that
runs the same SQL round trips (scripts/bare_api.py), side by side in one run.

    python scripts/bench_api.py [--accounts 100000] [--months 12] [--seconds 10] [--rounds 2]

Needs a PostgreSQL where the --admin-url user is a superuser. In a scratch database (owner and
service roles, row-level security on) it loads a tenant of N accounts and bills a year of
periods with the service's own billing run, stores one invoice PDF, then starts the service
(one uvicorn worker) and the baseline (one worker) and drives each endpoint with wrk (installed
with apt-get install wrk; one thread, 32 and 8 connections) in its own process, alternating
service and baseline rounds, and prints requests/s, p50 and p99 of both and their ratio.
"""

import argparse
import asyncio
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import psycopg
from bench_billing import add_periodos, load
from benchlib import DEFAULT_ADMIN_URL, ROOT, scratch_database, wrk

from app.core.db import Database, create_engine, libpq_url
from app.core.security import create_access_token, hash_password_sync
from app.core.tenant import TenantId
from app.facturacion import service as facturacion_service

TENANT = "bench-api"
SECRET = "bench-api-secret-key-0123456789-abcdefghijkl"
PORTAL_ACCOUNT = "00000042"


def months(count: int, last: str = "2026-10") -> tuple[str, ...]:
    year, month = (int(p) for p in last.split("-"))
    out = []
    for _ in range(count):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return tuple(reversed(out))


def prepare(scratch, accounts: int, periodos: tuple[str, ...]) -> dict[str, str]:
    started = time.perf_counter()
    load(scratch.owner_dsn, TENANT, accounts, periodos=periodos, unread=periodos[-1])
    users = {role: uuid.uuid4() for role in ("admin", "operador", "cliente")}
    with psycopg.connect(scratch.owner_dsn) as conn:
        conn.execute("SELECT set_config('app.tenant_id', %s, true)", (TENANT,))
        add_periodos(conn, TENANT, periodos[:-1])  # load() made the last one
        cliente_id = conn.execute("SELECT id FROM clientes WHERE numero_cuenta = %s",
                                  (PORTAL_ACCOUNT,)).fetchone()[0]
        password = hash_password_sync("bench-password")
        for role, user_id in users.items():
            conn.execute("""
                INSERT INTO users (tenant_id, id, email, nombre, password_hash, role, activo,
                    cliente_id, created_at, updated_at)
                VALUES (%s, %s, %s, %s, %s, %s, true, %s, now(), now())""",
                         (TENANT, user_id, f"{role}@bench.co", f"Bench {role}", password,
                          role, cliente_id if role == "cliente" else None))
        conn.commit()
    print(f"loaded {accounts:,} accounts and {len(periodos)} months of readings "
          f"in {time.perf_counter() - started:.0f} s")

    async def bill() -> None:
        database = Database(create_engine(scratch.app_url))
        try:
            for periodo in periodos:
                began = time.perf_counter()
                async with database.session(TenantId(TENANT)) as session:
                    summary = await facturacion_service.run(session, TenantId(TENANT), periodo)
                print(f"  billed {periodo}: {summary.facturas_emitidas:,} invoices in "
                      f"{time.perf_counter() - began:.1f} s", flush=True)
        finally:
            await database.dispose()

    asyncio.run(bill())
    with psycopg.connect(scratch.owner_dsn) as conn:  # the portal account paid some months
        conn.execute("SELECT set_config('app.tenant_id', %s, true)", (TENANT,))
        conn.execute("""
            INSERT INTO pagos (tenant_id, id, factura_id, valor, fecha, canal, referencia,
                estado, created_at, updated_at)
            SELECT tenant_id, gen_random_uuid(), id, round(total / 2, 2), fecha_expedicion + 5,
                   'banco', 'BENCH-' || numero, 'aplicado', now(), now()
            FROM facturas WHERE cliente_id = %s AND numero %% 2 = 0""", (cliente_id,))
        conn.execute("ANALYZE")
        conn.commit()
    return {"cliente_id": str(cliente_id), **{role: str(u) for role, u in users.items()}}


def loaded_ids(scratch) -> dict[str, str]:
    with psycopg.connect(scratch.owner_dsn) as conn:
        conn.execute("SELECT set_config('app.tenant_id', %s, true)", (TENANT,))
        users = dict(conn.execute("SELECT role, id::text FROM users").fetchall())
        cliente_id = conn.execute("SELECT id::text FROM clientes WHERE numero_cuenta = %s",
                                  (PORTAL_ACCOUNT,)).fetchone()[0]
    return {"cliente_id": cliente_id, **users}


def token(ids: dict[str, str], role: str) -> str:
    from app.core.config import Settings
    settings = Settings(environment="production", secret_key=SECRET,
                        access_token_expire_minutes=1440, _env_file=None)
    value, _ = create_access_token(settings, user_id=uuid.UUID(ids[role]), tenant_id=TENANT,
                                   role=role, cliente_id=uuid.UUID(ids["cliente_id"])
                                   if role == "cliente" else None)
    return value


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def server(command: list[str], env: dict[str, str], port: int) -> Iterator[str]:
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                httpx.get(f"{base}/docs", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--admin-url", default=DEFAULT_ADMIN_URL)
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--keep", action="store_true",
                        help="keep the loaded database instead of dropping it")
    parser.add_argument("--reuse", metavar="DATABASE",
                        help="a database an earlier --keep run loaded (skips the load)")
    parser.add_argument("--only", help="run only the endpoints whose name contains this")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")

    with scratch_database(args.admin_url, reuse=args.reuse,
                          keep=args.keep or bool(args.reuse)) as scratch:
        ids = (loaded_ids(scratch) if args.reuse
               else prepare(scratch, args.accounts, months(args.months)))
        portal = {"Authorization": f"Bearer {token(ids, 'cliente')}", "X-Tenant-ID": TENANT}
        staff = {"Authorization": f"Bearer {token(ids, 'operador')}", "X-Tenant-ID": TENANT}
        service_port, bare_port = free_port(), free_port()
        env = os.environ | {"DATABASE_URL": scratch.app_url, "ENVIRONMENT": "production",
                            "SECRET_KEY": SECRET, "LOG_LEVEL": "WARNING",
                            "DB_POOL_SIZE": "20", "DB_MAX_OVERFLOW": "0"}
        bare_dsn = libpq_url(scratch.app_url)
        with server([sys.executable, "-m", "app", "serve", "--port", str(service_port)],
                    env, service_port) as service_url, \
                server([sys.executable, "scripts/bare_api.py", "--dsn", bare_dsn, "--secret",
                        SECRET, "--port", str(bare_port)], env, bare_port) as bare_url:
            facturas = httpx.get(f"{service_url}/api/facturas", headers=portal,
                                 params={"limit": 20}).json()["items"]
            factura = facturas[0]["id"]
            first = httpx.get(f"{service_url}/api/facturas/{factura}/pdf", headers=portal)
            assert first.status_code == 200, first.text  # rendered and stored now
            endpoints = [
                ("portal invoice list", "/api/facturas?limit=20", portal),
                ("invoice detail", f"/api/facturas/{factura}", portal),
                ("account statement", f"/api/clientes/{ids['cliente_id']}/estado-cuenta",
                 portal),
                ("clientes search q=0004", "/api/clientes?q=0004&limit=20", staff),
                ("stored PDF", f"/api/facturas/{factura}/pdf", portal),
            ]
            for base in (service_url, bare_url):  # both answer, and warm up
                for _, path, headers in endpoints:
                    response = httpx.get(base + path, headers=headers)
                    assert response.status_code == 200, (base, path, response.text)
                    wrk(base + path, headers, 8, 2)
            print(f"\n{'endpoint':<24}{'conn':>5}{'service req/s':>15}{'bare req/s':>12}"
                  f"{'ratio':>7}{'p50 ms':>14}{'p99 ms':>16}")
            for name, path, headers in endpoints:
                if args.only and args.only not in name:
                    continue
                for connections in (32, 8):
                    results: dict[str, list[tuple[float, float, float]]] = {"s": [], "b": []}
                    for _ in range(args.rounds):
                        results["s"].append(wrk(service_url + path, headers, connections,
                                                args.seconds))
                        results["b"].append(wrk(bare_url + path, headers, connections,
                                                args.seconds))
                    s = [sum(r[i] for r in results["s"]) / args.rounds for i in range(3)]
                    b = [sum(r[i] for r in results["b"]) / args.rounds for i in range(3)]
                    print(f"{name:<24}{connections:>5}{s[0]:>15,.0f}{b[0]:>12,.0f}"
                          f"{s[0] / b[0]:>7.2f}{s[1]:>7.1f}/{b[1]:<6.1f}"
                          f"{s[2]:>8.1f}/{b[2]:<7.1f}", flush=True)
            print("\n(p50 and p99: service/bare; ratio: service req/s over bare req/s)")


if __name__ == "__main__":
    main()
