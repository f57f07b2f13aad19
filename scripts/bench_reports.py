"""Reports, the dashboard and exports on a big tenant.

    python scripts/bench_reports.py [--accounts 200000] [--months 12] [--reuse DB] [--keep]

Needs a PostgreSQL where the --admin-url user is a superuser. In a scratch database (owner and
service roles, row-level security on) it loads a tenant of N accounts and bills a year of
periods with the service's own billing run (the issue's 1,000,000 accounts × 12 periods is
too big for this box's time: 200,000 is the default), pays about two thirds of the invoices,
then starts the service (one uvicorn worker) and prints:

- the dashboard's p50 and p95 over 200 requests, beside the fresh computation it avoids (the
  last period's aggregate and the arrears by age, timed in the database);
- each report's time (one request each, JSON; the SUI billing file as CSV);
- the export of a period's invoices as CSV and XLSX: rows/s, and the service process's peak
  resident memory during the export over its resident memory before it.
"""

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_api import (
    SECRET,
    TENANT,
    free_port,
    loaded_ids,
    months,
    prepare,
    server,
    token,
)
from benchlib import DEFAULT_ADMIN_URL, scratch_database

from app.core.db import Database, create_engine
from app.core.tenant import TenantId
from app.reportes import service as reportes_service


def pay_two_thirds(owner_dsn: str) -> None:
    """Payments straight into the tables (a bank file's worth per period), then the
    summaries they move recomputed as the service keeps them."""
    with psycopg.connect(owner_dsn) as conn:
        conn.execute("SELECT set_config('app.tenant_id', %s, true)", (TENANT,))
        conn.execute("""
            INSERT INTO pagos (tenant_id, id, factura_id, valor, fecha, canal, referencia,
                estado, created_at, updated_at)
            SELECT tenant_id, gen_random_uuid(), id, total, fecha_limite_pago - 3, 'banco',
                   'BENCH-' || numero, 'aplicado', now(), now()
            FROM facturas WHERE numero % 3 <> 0 AND estado = 'emitida'""")
        conn.execute("""
            UPDATE facturas SET valor_pagado = total, estado = 'pagada'
            WHERE numero % 3 <> 0 AND estado = 'emitida'""")
        conn.execute("ANALYZE")
        conn.commit()


async def summarise(app_url: str, periodos: tuple[str, ...]) -> None:
    database = Database(create_engine(app_url))
    try:
        async with database.session(TenantId(TENANT)) as session:
            for periodo in periodos:
                await reportes_service.periodo_facturado(session, TenantId(TENANT), periodo)
    finally:
        await database.dispose()


async def fresh_costs(app_url: str, periodo: str) -> tuple[float, float]:
    """What the dashboard would pay per request without its summaries."""
    database = Database(create_engine(app_url))
    try:
        async with database.session(TenantId(TENANT)) as session:
            began = time.perf_counter()
            await reportes_service.resumen_fresco(session, TenantId(TENANT), periodo)
            aggregate = time.perf_counter() - began
            began = time.perf_counter()
            await reportes_service.refrescar_cartera(session, TenantId(TENANT),
                                                     "America/Bogota")
            cartera = time.perf_counter() - began
        return aggregate, cartera
    finally:
        await database.dispose()


def resident_kib(pid: int, field: str = "VmRSS") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def export(url: str, headers: dict[str, str], pid: int) -> tuple[int, float, int, int]:
    """Rows, seconds, resident memory before (KiB) and its peak while exporting (KiB)."""
    before = resident_kib(pid)
    peak = [before]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], resident_kib(pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()
    began = time.perf_counter()
    size = 0
    handle, name = tempfile.mkstemp(suffix="." + url.rsplit("=", 1)[1])
    os.close(handle)
    path = Path(name)
    with httpx.stream("GET", url, headers=headers, timeout=600) as response, \
            path.open("wb") as sink:
        response.raise_for_status()
        for chunk in response.iter_bytes():
            size += len(chunk)
            sink.write(chunk)
    elapsed = time.perf_counter() - began
    done.set()
    sampler.join()
    if url.endswith("csv"):
        rows = sum(1 for _ in path.open("rb")) - 1
    else:
        import openpyxl
        workbook = openpyxl.load_workbook(path, read_only=True)
        rows = workbook.active.max_row - 1
    path.unlink()
    return rows, elapsed, before, peak[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--admin-url", default=DEFAULT_ADMIN_URL)
    parser.add_argument("--accounts", type=int, default=200_000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--reuse", metavar="DATABASE")
    args = parser.parse_args()
    periodos = months(args.months)

    with scratch_database(args.admin_url, reuse=args.reuse,
                          keep=args.keep or bool(args.reuse)) as scratch:
        if args.reuse:
            ids = loaded_ids(scratch)
        else:
            ids = prepare(scratch, args.accounts, periodos)
            began = time.perf_counter()
            pay_two_thirds(scratch.owner_dsn)
            asyncio.run(summarise(scratch.app_url, periodos))
            print(f"paid two thirds of the invoices and summarised {len(periodos)} periods "
                  f"in {time.perf_counter() - began:.0f} s")
        aggregate, cartera = asyncio.run(fresh_costs(scratch.app_url, periodos[-1]))
        admin = {"Authorization": f"Bearer {token(ids, 'admin')}", "X-Tenant-ID": TENANT}
        port = free_port()
        env = os.environ | {"DATABASE_URL": scratch.app_url, "ENVIRONMENT": "production",
                            "SECRET_KEY": SECRET, "LOG_LEVEL": "WARNING",
                            "JOBS_IN_PROCESS": "false",
                            "EXPORT_JOB_ROWS": "100000000"}  # measure the streamed file
        with server([sys.executable, "-m", "app", "serve", "--port", str(port)], env,
                    port) as url:
            pid = int(subprocess.run(["pgrep", "-f", "--", f"serve --port {port}"],
                                     capture_output=True, text=True, check=True).stdout.split()[0])
            with httpx.Client(base_url=url, headers=admin, timeout=600) as client:
                assert client.get("/api/reportes/tablero").status_code == 200
                samples = []
                for _ in range(200):
                    began = time.perf_counter()
                    response = client.get("/api/reportes/tablero")
                    samples.append((time.perf_counter() - began) * 1000)
                    response.raise_for_status()
                samples.sort()
                print(f"\n{args.accounts:,} accounts × {len(periodos)} periods "
                      f"({args.accounts * len(periodos):,} invoices)\n")
                print(f"dashboard (kept summaries)   p50 {statistics.median(samples):7.1f} ms"
                      f"   p95 {samples[int(len(samples) * 0.95)]:7.1f} ms")
                print(f"  without them, per request: the period's aggregate "
                      f"{aggregate * 1000:,.0f} ms + the arrears by age {cartera * 1000:,.0f} ms")
                last, first = periodos[-1], periodos[-3]
                print("\nreport                                   seconds")
                for name, path, params in (
                        ("facturación (a period)", "/api/reportes/facturacion",
                         {"periodo": last}),
                        ("facturación (a year)", "/api/reportes/facturacion",
                         {"desde": periodos[0], "hasta": last}),
                        ("subsidios", "/api/reportes/subsidios", {"periodo": last}),
                        ("recaudo (3 months)", "/api/reportes/recaudo",
                         {"desde": f"{first}-01", "hasta": f"{last}-28"}),
                        ("cartera por edades", "/api/reportes/cartera", {}),
                        ("pqrs", "/api/reportes/pqrs",
                         {"desde": f"{first}-01", "hasta": f"{last}-28"}),
                        ("consumos", "/api/reportes/consumos", {"periodo": last}),
                        ("SUI facturación (CSV)", "/api/reportes/sui/facturacion",
                         {"periodo": last})):
                    began = time.perf_counter()
                    response = client.get(path, params=params)
                    response.raise_for_status()
                    print(f"{name:<40}{time.perf_counter() - began:8.2f}")
            print("\nexport of a period's invoices   rows    rows/s   RSS before → peak")
            for formato in ("csv", "xlsx"):
                rows, seconds, before, peak = export(
                    f"{url}/api/facturas?periodo={periodos[-1]}&formato={formato}", admin, pid)
                print(f"{formato:<30}{rows:>8,}{rows / seconds:>10,.0f}"
                      f"   {before / 1024:6.0f} → {peak / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
