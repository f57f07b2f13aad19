"""How fast invoice PDFs are: one render, a batch through the worker pool, stored downloads.

    python scripts/bench_pdf.py [--renders 200] [--accounts 600] [--workers 2]
                                [--requests 20000] [--concurrency 32] [--server-workers 2]

1. Renders a realistic invoice (branding with a logo, both services with a subsidy, previous
   balance and interest, six periods of history, barcode and QR) again and again in this
   process and prints p50 and p95 ms per render.
2. In a scratch PostgreSQL database (owner and service roles, row-level security on) it loads
   a tenant with --accounts accounts, bills seven months, and renders the last period with
   `render_period` and a pool of --workers processes, as `python -m app render-pdfs` does
   (queries, rendering and storing included): PDFs/s and the peak memory of the workers.
3. Serves the database with uvicorn (--server-workers processes) and downloads one stored PDF
   --requests times with --concurrency connections: downloads/s. It uses wrk when it is
   installed (apt-get install wrk), else an httpx client, which shares the CPU with the server
   and so reads lower.

The scratch database is dropped at the end.
"""

import argparse
import asyncio
import base64
import io
import os
import re
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import time
import uuid
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import httpx
import psycopg
from bench_billing import HISTORY, PERIODO, add_periodos, load
from benchlib import DEFAULT_ADMIN_URL, ROOT, scratch_database
from PIL import Image

from app.core.db import Database, create_engine
from app.core.security import hash_password_sync
from app.core.tenant import TenantId
from app.facturacion import service as facturacion_service
from app.pdf import render
from app.pdf import service as pdf_service
from app.pdf.documento import ConsumoPeriodo, Empresa, FacturaDocumento, Linea
from app.pdf.renderer import PdfRenderer

TENANT = "bench-pdf"
ADMIN_EMAIL, ADMIN_PASSWORD = "admin@bench-pdf.co", "bench-admin-password"


def logo_png() -> bytes:
    image = Image.new("RGB", (160, 80), (31, 111, 139))
    for x in range(20, 140):
        for y in range(30, 50):
            image.putpixel((x, y), (255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def realistic_document() -> FacturaDocumento:
    lineas = []
    for servicio, cargo, precio in (("acueducto", "4276.37", "1322.96"),
                                    ("alcantarillado", "1964.59", "923.48")):
        basico, complementario = D(precio) * 11, D(precio) * 9
        lineas += [
            Linea(servicio, "cargo_fijo", None, None, None, D(cargo)),
            Linea(servicio, "consumo_basico", 11, D(precio), None, basico.quantize(D("0.01"))),
            Linea(servicio, "consumo_complementario", 9, D(precio), None,
                  complementario.quantize(D("0.01"))),
            Linea(servicio, "subsidio", None, None, D("-0.20"),
                  (-(D(cargo) + basico) * D("0.2")).quantize(D("0.01"))),
        ]
    lineas += [Linea(None, "saldo_anterior", None, None, None, D("38211.30")),
               Linea(None, "intereses_mora", None, None, None, D("573.17"))]
    return FacturaDocumento(
        empresa=Empresa(
            nombre="Empresa de Acueducto y Alcantarillado de Villa de Leyva S.A. E.S.P.",
            nit="900123456-8", direccion="Calle 12 # 9-41, Villa de Leyva, Boyacá",
            telefono="(608) 732 1000", correo="pqr@acueducto-villa.co",
            sitio_web="www.acueducto-villa.co", gln="7709998000018", color_primario="#1f6f8b",
            logo_data_uri="data:image/png;base64," + base64.b64encode(logo_png()).decode()),
        numero=1_234_567, periodo="2026-10", fecha_expedicion=date(2026, 11, 1),
        fecha_limite_pago=date(2026, 11, 15), fecha_suspension=date(2026, 11, 25),
        numero_cuenta="01-0045-2231", nombre="María Fernanda Rodríguez de la Torre",
        direccion="Carrera 9 # 14-52, Barrio San Francisco", uso="residencial", estrato=2,
        medidor_serial="ITR-2019-004512", lectura_anterior=4518, lectura_actual=4538,
        consumo_m3=20, consumo_estimado=False, promedio_m3=21, lineas=tuple(lineas),
        historial=tuple(ConsumoPeriodo(p, m3, p == "2026-07") for p, m3 in (
            ("2026-05", 18), ("2026-06", 22), ("2026-07", 21), ("2026-08", 25),
            ("2026-09", 19), ("2026-10", 20))),
        saldo_anterior=D("38211.30"), intereses_mora=D("573.17"), total=D("83763.87"),
        referencia_pago="0001234567",
    )


def single_renders(count: int) -> None:
    documento = realistic_document()
    for _ in range(10):
        pdf = render.render_pdf(documento)
    timings = []
    for _ in range(count):
        started = time.perf_counter()
        render.render_pdf(documento)
        timings.append((time.perf_counter() - started) * 1000)
    quantiles = statistics.quantiles(timings, n=100, method="inclusive")
    print(f"1. one invoice, {count} renders in this process: p50 {quantiles[49]:.1f} ms, "
          f"p95 {quantiles[94]:.1f} ms ({len(pdf):,} bytes)")


def prepare(scratch, accounts: int) -> None:
    """The tenant, branded, with seven months billed (history for the chart)."""
    load(scratch.owner_dsn, TENANT, accounts)
    with psycopg.connect(scratch.owner_dsn) as conn:
        conn.execute("""UPDATE tenants SET direccion = 'Calle 12 # 9-41, Villa de Leyva',
                            telefono = '(608) 732 1000', correo = 'pqr@acueducto-villa.co',
                            gln = '7709998000018', logo = %s, logo_media_type = 'image/png'
                        WHERE id = %s""", (logo_png(), TENANT))
        conn.execute("SELECT set_config('app.tenant_id', %s, true)", (TENANT,))
        add_periodos(conn, TENANT, HISTORY)
        conn.execute("""INSERT INTO users (tenant_id, id, email, nombre, password_hash, role,
                            activo, created_at, updated_at)
                        VALUES (%s, %s, %s, 'Bench admin', %s, 'admin', true, now(), now())""",
                     (TENANT, uuid.uuid4(), ADMIN_EMAIL, hash_password_sync(ADMIN_PASSWORD)))
        conn.commit()


def worker_peak_mib(renderer: PdfRenderer) -> float:
    """The highest resident set of the pool's workers, read from /proc before they exit."""
    peaks = []
    for pid in list(getattr(renderer._pool, "_processes", {}) or {}):
        status = Path(f"/proc/{pid}/status")
        if status.exists():
            match = re.search(r"VmHWM:\s+(\d+) kB", status.read_text())
            if match:
                peaks.append(int(match.group(1)) / 1024)
    return max(peaks, default=0.0)


async def batch(app_url: str, workers: int) -> None:
    database = Database(create_engine(app_url))
    renderer = PdfRenderer(workers)
    try:
        for periodo in (*HISTORY, PERIODO):
            async with database.session(TenantId(TENANT)) as session:
                await facturacion_service.run(session, TenantId(TENANT), periodo)
        await renderer.render(realistic_document())  # start the workers before timing
        started = time.perf_counter()
        summary = await pdf_service.render_period(database, TenantId(TENANT), PERIODO,
                                                  renderer)
        elapsed = time.perf_counter() - started
        print(f"2. render_period of {summary.rendered:,} invoices with {workers} workers: "
              f"{elapsed:.1f} s, {summary.rendered / elapsed:.1f} PDFs/s; peak memory: "
              f"workers {worker_peak_mib(renderer):.0f} MiB each, this process "
              f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    finally:
        renderer.close()
        await database.dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def httpx_load(url: str, headers: dict[str, str], requests: int,
                     concurrency: int) -> float:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(headers=headers, limits=limits, timeout=30) as client:
        queue = iter(range(requests))

        async def worker() -> None:
            for _ in queue:
                response = await client.get(url)
                if response.status_code != 200:
                    raise SystemExit(f"download failed: {response.status_code}")

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return requests / (time.perf_counter() - started)


def downloads(app_url: str, args: argparse.Namespace) -> None:
    port = free_port()
    env = os.environ | {"DATABASE_URL": app_url, "ENVIRONMENT": "production",
                        "SECRET_KEY": uuid.uuid4().hex * 2, "LOG_LEVEL": "WARNING",
                        "DB_POOL_SIZE": "20"}
    server = subprocess.Popen(
        [sys.executable, "-m", "app", "serve", "--port", str(port),
         "--workers", str(args.server_workers)],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if httpx.get(f"{base}/health/ready").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        token = httpx.post(f"{base}/api/auth/login", headers={"X-Tenant-ID": TENANT},
                           data={"username": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
                           ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}", "X-Tenant-ID": TENANT}
        factura = httpx.get(f"{base}/api/facturas", headers=headers,
                            params={"periodo": PERIODO, "limit": 1}).json()["items"][0]
        url = f"{base}/api/facturas/{factura['id']}/pdf"
        first = httpx.get(url, headers=headers)
        assert first.status_code == 200 and first.headers["content-type"] == "application/pdf"
        if shutil.which("wrk"):
            tool = "wrk"
            command = ["wrk", "-t2", f"-c{args.concurrency}", f"-d{args.seconds}s", "--latency"]
            for name, value in headers.items():
                command += ["-H", f"{name}: {value}"]
            output = subprocess.run([*command, url], capture_output=True, text=True,
                                    check=True).stdout
            rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
            if "Non-2xx" in output:
                raise SystemExit(f"some downloads failed:\n{output}")
        else:
            tool = "httpx (install wrk for a load generator that leaves the CPU to the server)"
            asyncio.run(httpx_load(url, headers, 200, args.concurrency))  # warm up
            rate = asyncio.run(httpx_load(url, headers, args.requests, args.concurrency))
        print(f"3. stored PDF ({len(first.content):,} bytes) through the API, "
              f"{args.server_workers} uvicorn workers, {args.concurrency} connections, "
              f"{tool}: {rate:,.0f} downloads/s")
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--admin-url", default=DEFAULT_ADMIN_URL)
    parser.add_argument("--renders", type=int, default=200)
    parser.add_argument("--accounts", type=int, default=600)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--requests", type=int, default=20_000, help="downloads (httpx)")
    parser.add_argument("--seconds", type=int, default=15, help="download duration (wrk)")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--server-workers", type=int, default=2)
    args = parser.parse_args()

    single_renders(args.renders)
    with scratch_database(args.admin_url) as scratch:
        prepare(scratch, args.accounts)
        asyncio.run(batch(scratch.app_url, args.workers))
        downloads(scratch.app_url, args)


if __name__ == "__main__":
    main()
