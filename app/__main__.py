"""The command line: `python -m app COMMAND` (also installed as `cunservicios`)."""

import argparse
import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from app.core.config import get_settings
from app.core.db import Database, create_engine
from app.core.errors import AppError

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def alembic_ini() -> Path:
    """alembic.ini of the working directory (a container's), else of the source checkout."""
    here = Path.cwd() / "alembic.ini"
    return here if here.exists() else PROJECT_ROOT / "alembic.ini"


def migrate(url: str | None = None) -> None:
    from alembic.config import Config

    from alembic import command

    config = Config(str(alembic_ini()))
    if url:
        config.set_main_option("sqlalchemy.url", url)
    command.upgrade(config, "head")


def _with_database(work: Callable[[Database], Awaitable[Any]]) -> Any:
    async def run() -> Any:
        database = Database(create_engine(get_settings().database_url))
        try:
            return await work(database)
        finally:
            await database.dispose()

    return asyncio.run(run())


def create_tenant(args: argparse.Namespace) -> None:
    from app.core.tenant import TenantId
    from app.tenancy import service
    from app.tenancy.constants import PUBLIC_TENANT
    from app.tenancy.schemas import TenantCreate

    async def work(database: Database) -> None:
        async with database.session(TenantId(PUBLIC_TENANT)) as session:
            await service.create(session, TenantCreate(slug=args.slug, nombre=args.name,
                                                       nit=args.nit))

    _with_database(work)
    print(f"Tenant {args.slug} created.")


def create_user(args: argparse.Namespace) -> None:
    from app.core.tenant import TenantId
    from app.users import service
    from app.users.schemas import UserCreate

    tenant_id = TenantId(args.tenant)
    data = UserCreate(email=args.email, nombre=args.nombre or args.email, password=args.password,
                      role=args.role, numero_cuenta=args.cliente)

    async def work(database: Database) -> None:
        from app.tenancy import service as tenancy_service

        async with database.session(tenant_id) as session:
            await tenancy_service.get(session, tenant_id)
            await service.create(session, tenant_id, data, actor_role=None)

    _with_database(work)
    print(f"User {args.email} ({args.role}) created in tenant {args.tenant}.")


def create_db_roles(args: argparse.Namespace) -> None:
    from app.core.rls import provision_roles

    provision_roles(args.admin_url, args.database, owner=args.owner, app_role=args.app_role,
                    owner_password=args.owner_password, app_password=args.app_password)
    print(f"Database {args.database}: owner {args.owner} (runs migrations), service role "
          f"{args.app_role} (no ownership, no BYPASSRLS).")


def bill(args: argparse.Namespace) -> None:
    import time

    from app.core.tenant import TenantId
    from app.facturacion import service
    from app.facturacion.schemas import ResumenFacturacion

    started = time.perf_counter()

    def progress(step: str) -> None:
        print(f"  [{time.perf_counter() - started:7.2f} s] {step} ...", flush=True)

    async def work(database: Database) -> "ResumenFacturacion":
        async with database.session(TenantId(args.tenant)) as session:
            return await service.run(session, TenantId(args.tenant), args.periodo, progress)

    print(f"Billing {args.tenant} {args.periodo}")
    summary = _with_database(work)
    elapsed = time.perf_counter() - started
    print(f"  [{elapsed:7.2f} s] committed\n")
    print(f"Invoices issued:      {summary.facturas_emitidas}"
          + (f" (numbers {summary.numero_desde}–{summary.numero_hasta})"
             if summary.facturas_emitidas else ""))
    print(f"Total billed:         $ {summary.total_facturado:,.2f}")
    print(f"Estimated readings:   {summary.lecturas_estimadas}")
    print(f"Already billed:       {summary.ya_facturadas}")
    print(f"Skipped accounts:     {len(summary.omitidas)}")
    for omitida in summary.omitidas[:20]:
        print(f"  {omitida.numero_cuenta}: {omitida.motivo}")
    if len(summary.omitidas) > 20:
        print(f"  ... and {len(summary.omitidas) - 20} more")
    if summary.facturas_emitidas:
        print(f"Rate:                 {summary.facturas_emitidas / elapsed:,.0f} invoices/s")


def worker(args: argparse.Namespace) -> None:
    """Takes jobs from the queue in PostgreSQL until stopped (SIGINT or SIGTERM: the jobs it
    is running finish first)."""
    from app import jobs  # registers every job handler
    from app.core.cache import shared_cache_of
    from app.core.logging import configure_logging
    from app.pdf.renderer import PdfRenderer
    from app.trabajos.queue import worker_app

    settings = get_settings()
    if not settings.database_url.startswith("postgresql"):
        raise SystemExit("The worker takes jobs from PostgreSQL (DATABASE_URL); on SQLite the "
                         "service runs them itself.")
    configure_logging(settings.log_level)
    queues = [q.strip() for q in args.queues.split(",") if q.strip()] if args.queues else None

    async def run() -> None:
        database = Database(create_engine(settings.database_url,
                                          pool_size=max(2, args.concurrency)),
                            shared_cache=shared_cache_of(settings))
        stalled = settings.job_stalled_seconds
        renderer = PdfRenderer(settings.pdf_workers)
        mailer, incidentes = jobs.operaciones(database, settings)
        app = worker_app(database, settings.database_url, attempts=settings.job_attempts,
                         stalled_seconds=stalled,
                         recursos=jobs.recursos(settings, renderer, mailer, incidentes))
        try:
            async with app.open_async():
                await app.run_worker_async(
                    queues=queues, concurrency=args.concurrency, name=args.name,
                    update_heartbeat_interval=stalled / 3, stalled_worker_timeout=stalled)
        finally:
            await incidentes.idle()
            renderer.close()
            await database.dispose()

    asyncio.run(run())


def render_pdfs(args: argparse.Namespace) -> None:
    import time

    from app.core.tenant import TenantId
    from app.pdf import service
    from app.pdf.renderer import PdfRenderer

    workers = args.workers or get_settings().pdf_workers
    started = time.perf_counter()
    interactive = sys.stdout.isatty()

    def progress(done: int, total: int) -> None:
        elapsed = time.perf_counter() - started
        filled = 30 * done // max(total, 1)
        line = (f"[{'#' * filled}{'.' * (30 - filled)}] {done:,}/{total:,} invoices "
                f"{elapsed:6.1f} s")
        print(f"\r{line}" if interactive else line, end="" if interactive else "\n",
              flush=True)

    async def work(database: Database) -> service.RenderSummary:
        renderer = PdfRenderer(workers)
        try:
            return await service.render_period(database, TenantId(args.tenant), args.periodo,
                                               renderer, progress=progress)
        finally:
            renderer.close()

    print(f"Rendering the invoice PDFs of {args.tenant} {args.periodo} with {workers} workers")
    summary = _with_database(work)
    elapsed = time.perf_counter() - started
    print(("\n" if interactive and summary.facturas else "")
          + f"Invoices: {summary.facturas:,}; rendered now: {summary.rendered:,}; already "
          f"stored: {summary.skipped:,}; {elapsed:.1f} s"
          + (f" ({summary.rendered / elapsed:,.1f} PDFs/s)" if summary.rendered else ""))


def seed_demo(_args: argparse.Namespace | None = None) -> None:
    from app.demo.seed import seed_demo as seed

    created = _with_database(seed)
    print("Demo data created." if created else "Demo data already present.")


def print_demo_logins(url: str) -> None:
    from app.demo.seed import DEMO_LOGINS

    print(f"\nCunservicios is running at {url}  (API docs: {url}/docs)\n")
    print("Demo logins (POST /api/auth/login with X-Tenant-ID: <tenant>):")
    for login in DEMO_LOGINS:
        print(f"  {login.role:<11} tenant={login.tenant:<15} {login.email:<28} {login.password}")
    settings = get_settings()
    if not settings.smtp_host:
        print(f"\nE-mail (the daily report: POST /api/reportes/diario/enviar) goes to the outbox "
              f"folder {Path(settings.mail_outbox_dir).resolve()}")
    print()


def serve(args: argparse.Namespace) -> None:
    import uvicorn

    settings = get_settings()
    if args.workers and args.workers > 1:
        _metrics_shared_by_workers()
    uvicorn.run("app.main:create_app", factory=True, host=args.host, port=args.port,
                workers=args.workers, log_level=settings.log_level.lower(),
                proxy_headers=True, access_log=False)


def _metrics_shared_by_workers() -> None:
    """Several worker processes write their metrics to files in one folder that /metrics
    adds up (prometheus-client's multiprocess mode): PROMETHEUS_MULTIPROC_DIR, or a new
    temporary folder. It is emptied first: values of an earlier run must not count."""
    import shutil
    import tempfile

    from app.core.metrics import MULTIPROC_ENV

    folder = os.environ.get(MULTIPROC_ENV) or tempfile.mkdtemp(prefix="cunservicios-metrics-")
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    os.environ[MULTIPROC_ENV] = folder


def demo(args: argparse.Namespace) -> None:
    migrate()
    seed_demo()
    print_demo_logins(f"http://{args.host}:{args.port}")
    serve(args)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cunservicios", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    commands.add_parser("migrate", help="apply database migrations (alembic upgrade head)")

    tenant = commands.add_parser("create-tenant", help="create a tenant (a utility)")
    tenant.add_argument("slug")
    tenant.add_argument("--name", required=True)
    tenant.add_argument("--nit")
    tenant.set_defaults(handler=create_tenant)

    user = commands.add_parser("create-user", help="create a user in a tenant")
    user.add_argument("--tenant", required=True)
    user.add_argument("--email", required=True)
    user.add_argument("--password", required=True)
    user.add_argument("--role", required=True,
                      choices=["superadmin", "admin", "operador", "cliente"])
    user.add_argument("--cliente", metavar="NUMERO_CUENTA",
                      help="the account a cliente user is bound to")
    user.add_argument("--nombre")
    user.set_defaults(handler=create_user)

    commands.add_parser("seed-demo", help="create the demo tenant, users and clientes")

    billing = commands.add_parser("bill", help="bill every active account of a period")
    billing.add_argument("--tenant", required=True)
    billing.add_argument("--periodo", required=True, metavar="YYYY-MM")
    billing.set_defaults(handler=bill)

    jobs = commands.add_parser("worker", help="run queued jobs (PostgreSQL)")
    jobs.add_argument("--concurrency", type=int, default=2,
                      help="jobs run at once by this worker (default 2)")
    jobs.add_argument("--queues", help="comma-separated queues to take (default: all), "
                                       "e.g. facturacion")
    jobs.add_argument("--name", help="this worker's name in the queue's records")
    jobs.set_defaults(handler=worker)

    pdfs = commands.add_parser(
        "render-pdfs", help="render and store the PDFs of a period's invoices (re-runnable)")
    pdfs.add_argument("--tenant", required=True)
    pdfs.add_argument("--periodo", required=True, metavar="YYYY-MM")
    pdfs.add_argument("--workers", type=int, help="rendering processes (default PDF_WORKERS)")
    pdfs.set_defaults(handler=render_pdfs)

    roles = commands.add_parser(
        "create-db-roles",
        help="PostgreSQL: create the owner and service roles and give the database to the owner")
    roles.add_argument("--admin-url", required=True,
                       help="a superuser connection, e.g. postgresql://postgres@127.0.0.1/postgres")
    roles.add_argument("--database", required=True, help="created when missing")
    roles.add_argument("--owner", default="cunservicios_owner")
    roles.add_argument("--app-role", default="cunservicios_app")
    roles.add_argument("--owner-password")
    roles.add_argument("--app-password")
    roles.set_defaults(handler=create_db_roles)

    for name, help_text in (("serve", "run the HTTP service"),
                            ("demo", "migrate, seed the demo and serve it")):
        command = commands.add_parser(name, help=help_text)
        command.add_argument("--host", default="127.0.0.1")
        command.add_argument("--port", type=int, default=8000)
        command.add_argument("--workers", type=int, default=1)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    handlers: dict[str, Callable[[argparse.Namespace], None]] = {
        "migrate": lambda _args: migrate(),
        "seed-demo": seed_demo,
        "serve": serve,
        "demo": demo,
    }
    handler = getattr(args, "handler", None) or handlers[args.command]
    try:
        handler(args)
    except AppError as exc:
        print(f"error: {exc.detail}", file=sys.stderr)
        return 1
    except ValueError as exc:  # pydantic validation of the arguments
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
