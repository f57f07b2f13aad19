"""The application factory."""

import asyncio
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from app import jobs  # registers every job handler
from app.auth.router import router as auth_router
from app.auth.throttle import LoginThrottle, PortalLimits, storage_of
from app.clientes.router import router as clientes_router
from app.core import docs, metrics, openapi
from app.core.cache import shared_cache_of
from app.core.config import Settings, get_settings
from app.core.db import Database, create_engine
from app.core.errors import install_error_handlers
from app.core.logging import configure_logging
from app.core.middleware import (
    BodySizeLimitMiddleware,
    RequestContextMiddleware,
    SecurityHeadersMiddleware,
)
from app.estado_cuenta.router import router as estado_cuenta_router
from app.facturacion.router import router as facturacion_router
from app.facturas.router import router as facturas_router
from app.health.router import router as health_router
from app.lecturas.router import router as lecturas_router
from app.operaciones import auditoria  # noqa: F401  (the audit log's unit-of-work hooks)
from app.operaciones.router import metrics_router
from app.operaciones.router import router as operaciones_router
from app.pagos.router import router as pagos_router
from app.pdf.renderer import PdfRenderer
from app.pdf.router import router as pdf_router
from app.pqrs.router import router as pqrs_router
from app.reportes.router import router as reportes_router
from app.tarifas.router import router as tarifas_router
from app.tenancy.directory import TenantDirectory
from app.tenancy.middleware import TenancyMiddleware
from app.tenancy.router import marca_router
from app.tenancy.router import router as tenancy_router
from app.trabajos.queue import InProcessQueue, WorkerQueue
from app.trabajos.router import router as trabajos_router
from app.users.router import router as users_router

API_DESCRIPTION = """
Billing of water (acueducto) and sewage (alcantarillado) services for Colombian utilities.

Every `/api` request runs under one tenant: the `X-Tenant-ID` header, else the tenant of the
bearer token, else `public`. Log in with **Authorize**: username = e-mail, password, and
**client_id = the tenant** (e.g. `acueducto-demo`; the login takes it when no `X-Tenant-ID`
is sent). The token then carries the tenant, so the other calls need nothing else; the
`TenantHeader` field sends `X-Tenant-ID` explicitly.
Errors are `application/problem+json` (RFC 9457).
"""


# The bulk loads: their bodies may reach MAX_UPLOAD_BYTES instead of the usual limit.
UPLOAD_PATHS = ("/api/lecturas/carga", "/api/clientes/carga", "/api/pagos/carga")


def create_app(settings: Settings | None = None, database: Database | None = None,
               pdf_renderer: PdfRenderer | None = None) -> FastAPI:
    settings = settings or get_settings()
    if settings.environment != "test":  # tests keep pytest's own log capture
        configure_logging(settings.log_level)
    shared = shared_cache_of(settings)
    database = database or Database(create_engine(
        settings.database_url, pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow, echo=settings.db_echo,
    ))
    if shared is not None:
        database.shared_cache = shared  # every unit of work can reach it (a Database handed
        # in, as the tests do, too)

    owns_renderer = pdf_renderer is None
    pdf_renderer = pdf_renderer or PdfRenderer(settings.pdf_workers)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if settings.environment != "test":
            # What is alive once the app has started (modules, routes, mappers) lives as long
            # as the process. Frozen out of the collector's reach, a full collection no longer
            # walks it: under load those took ~95 ms every second or so, the p99 of every
            # request.
            gc.collect()
            gc.freeze()
        tareas = []
        if settings.environment != "test":
            tareas.append(asyncio.create_task(incidentes.periodicamente()))
            if in_process is not None:
                tareas.append(asyncio.create_task(in_process.programador()))
        yield
        for tarea in tareas:
            tarea.cancel()
        if in_process is not None:
            await in_process.idle()  # jobs started here end before their database closes
        await incidentes.idle()
        if shared is not None:
            await shared.close()
        metrics.process_ended()
        if owns_renderer:
            pdf_renderer.close()
        await database.dispose()

    app = FastAPI(title="Cunservicios", version="0.1.0", description=API_DESCRIPTION,
                  lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.settings = settings
    app.state.database = database
    app.state.pdf_renderer = pdf_renderer
    mailer, incidentes = jobs.operaciones(database, settings)
    app.state.mailer = mailer
    app.state.incidentes = incidentes
    in_process = (InProcessQueue(database, jobs.recursos(settings, pdf_renderer, mailer,
                                                         incidentes))
                  if settings.runs_jobs_in_process else None)
    app.state.job_queue = in_process or WorkerQueue()
    app.state.shared_cache = shared
    app.state.tenant_directory = TenantDirectory(database, settings.tenant_cache_ttl_seconds,
                                                 shared)
    limits_storage = storage_of(settings)
    app.state.portal_limits = PortalLimits(limits_storage, settings)
    app.state.login_throttle = LoginThrottle(limits_storage,
                                             settings.login_failures_per_account,
                                             settings.login_failures_per_address)

    install_error_handlers(app)
    openapi.install(app)
    docs.install(app)
    # Routes are matched in this order, router by router: the portal's reads come first.
    for router in (facturas_router, pdf_router, estado_cuenta_router, clientes_router,
                   auth_router, pagos_router, pqrs_router, health_router, tenancy_router,
                   marca_router, users_router, tarifas_router, lecturas_router,
                   facturacion_router, trabajos_router, reportes_router, operaciones_router,
                   metrics_router):
        app.include_router(router)

    # Added innermost first: a request meets SecurityHeaders, RequestContext, BodySizeLimit,
    # CORS, Tenancy.
    app.add_middleware(TenancyMiddleware, directory=app.state.tenant_directory,
                       settings=settings)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware, allow_origins=settings.cors_origins, allow_credentials=False,
            allow_methods=["*"], allow_headers=["*"], expose_headers=["X-Request-ID"],
        )
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_request_body_bytes,
                       upload_paths=dict.fromkeys(UPLOAD_PATHS, settings.max_upload_bytes))
    app.add_middleware(RequestContextMiddleware, incidents=incidentes)
    app.add_middleware(SecurityHeadersMiddleware, hsts_seconds=settings.hsts_seconds)
    return app
