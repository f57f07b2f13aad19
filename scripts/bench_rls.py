"""What row-level security costs: one tenant-scoped list request against the running service,
with the policies on and off, in one run.

    python scripts/bench_rls.py [--accounts 20000] [--requests 2000] [--concurrency 16]

Needs a PostgreSQL where the --admin-url user is a superuser. It creates a scratch database
with the owner and service roles, migrates it, loads two tenants, serves it with uvicorn (one
worker, connected as the service role), then alternates rounds with the policies enabled and
disabled, and prints requests/s, p50 and p99 for both and their ratio. The scratch database
is dropped at the end.
"""

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
import uuid

import httpx
import psycopg
from benchlib import DEFAULT_ADMIN_URL, ROOT, scratch_database

from app.core.rls import disable_tenant_rls_sql, enable_tenant_rls_sql
from app.core.security import hash_password_sync

TENANTS = ("bench-a", "bench-b")
TENANT_TABLES = ("clientes", "users")
ADMIN_PASSWORD = "bench-admin-password"


def load(owner_dsn: str, accounts: int) -> None:
    """Set-based: two tenants, `accounts` clientes each, and one admin per tenant."""
    with psycopg.connect(owner_dsn, autocommit=False) as conn:
        for tenant in TENANTS:
            conn.execute(
                "INSERT INTO tenants (id, nombre, estado, timezone, created_at, updated_at) "
                "VALUES (%s, %s, 'activo', 'America/Bogota', now(), now())", (tenant, tenant))
            conn.execute("SELECT set_config('app.tenant_id', %s, true)", (tenant,))
            conn.execute(
                """INSERT INTO clientes (tenant_id, id, numero_cuenta, nombre, direccion,
                       estrato, uso, servicio_acueducto, servicio_alcantarillado, estado,
                       created_at, updated_at)
                   SELECT %s, gen_random_uuid(), lpad(n::text, 8, '0'), 'Cliente ' || n,
                          'Calle ' || (n %% 100), 1 + n %% 6, 'residencial', true, true,
                          'activo', now(), now()
                   FROM generate_series(1, %s) AS n""", (tenant, accounts))
            conn.execute(
                """INSERT INTO users (tenant_id, id, email, nombre, password_hash, role, activo,
                       created_at, updated_at)
                   VALUES (%s, %s, %s, 'Bench admin', %s, 'admin', true, now(), now())""",
                (tenant, uuid.uuid4(), f"admin@{tenant}.co", hash_password_sync(ADMIN_PASSWORD)))
            conn.commit()
        conn.execute("ANALYZE")
        conn.commit()


def set_policies(owner_dsn: str, enabled: bool) -> None:
    with psycopg.connect(owner_dsn, autocommit=True) as conn:
        for table in TENANT_TABLES:
            statements = disable_tenant_rls_sql(table)
            if enabled:
                statements += enable_tenant_rls_sql(table)
            for statement in statements:
                conn.execute(statement)


async def run_round(base: str, headers: dict[str, str], path: str, requests: int,
                    concurrency: int) -> tuple[float, list[float]]:
    latencies: list[float] = []
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits,
                                 timeout=30) as client:
        queue = iter(range(requests))

        async def worker() -> None:
            for _ in queue:
                started = time.perf_counter()
                response = await client.get(path)
                latencies.append(time.perf_counter() - started)
                if response.status_code != 200:
                    raise SystemExit(f"request failed: {response.status_code} {response.text}")

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return requests / elapsed, latencies


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--admin-url", default=DEFAULT_ADMIN_URL)
    parser.add_argument("--accounts", type=int, default=20_000, help="clientes per tenant")
    parser.add_argument("--requests", type=int, default=2_000, help="requests per round")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3, help="rounds per mode, alternated")
    args = parser.parse_args()

    with scratch_database(args.admin_url) as scratch:
        benchmark(args, scratch.owner_dsn, scratch.app_url)


def benchmark(args: argparse.Namespace, owner_dsn: str, app_url: str) -> None:
    server = None
    try:
        print(f"loading {args.accounts} clientes in each of {len(TENANTS)} tenants ...")
        load(owner_dsn, args.accounts)

        http_port = free_port()
        env = os.environ | {
            "DATABASE_URL": app_url, "ENVIRONMENT": "production",
            "SECRET_KEY": uuid.uuid4().hex * 2, "LOG_LEVEL": "WARNING",
        }
        server = subprocess.Popen(
            [sys.executable, "-m", "app", "serve", "--port", str(http_port), "--workers", "1"],
            env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{http_port}"
        for _ in range(100):
            try:
                if httpx.get(f"{base}/health/ready").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        token = httpx.post(f"{base}/api/auth/login", headers={"X-Tenant-ID": TENANTS[0]},
                           data={"username": f"admin@{TENANTS[0]}.co",
                                 "password": ADMIN_PASSWORD}).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}", "X-Tenant-ID": TENANTS[0]}
        path = "/api/clientes?estrato=3&limit=50&offset=100"

        results: dict[bool, tuple[list[float], list[float]]] = {True: ([], []), False: ([], [])}
        for round_ in range(args.rounds):
            for enabled in (True, False) if round_ % 2 == 0 else (False, True):
                set_policies(owner_dsn, enabled)
                asyncio.run(run_round(base, headers, path, 200, args.concurrency))  # warm up
                rps, latencies = asyncio.run(
                    run_round(base, headers, path, args.requests, args.concurrency))
                results[enabled][0].append(rps)
                results[enabled][1].extend(latencies)
                print(f"  round {round_ + 1} policies {'on ' if enabled else 'off'}: "
                      f"{rps:8.1f} req/s")
        set_policies(owner_dsn, True)

        print(f"\nGET {path} — {args.requests} requests x {args.rounds} rounds, "
              f"concurrency {args.concurrency}, {args.accounts} clientes per tenant")
        print(f"{'policies':<10}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}")
        summary = {}
        for enabled in (True, False):
            rps = statistics.median(results[enabled][0])
            p50 = percentile(results[enabled][1], 50)
            p99 = percentile(results[enabled][1], 99)
            summary[enabled] = (rps, p50, p99)
            print(f"{'on' if enabled else 'off':<10}{rps:>10.1f}{p50:>10.2f}{p99:>10.2f}")
        on, off = summary[True], summary[False]
        print(f"\nthroughput on/off: {on[0] / off[0]:.3f}  "
              f"(cost {100 * (1 - on[0] / off[0]):+.1f} %); "
              f"p50 on/off: {on[1] / off[1]:.3f}; p99 on/off: {on[2] / off[2]:.3f}")
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
