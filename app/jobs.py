"""Imports every domain's job handlers, so whatever runs jobs (a worker, or the service
in-process) knows every tipo; the lists an export job may write; and what a process that runs
jobs hands them. Like app.registry, it lives outside the domains it lists."""

from typing import Any

from app.clientes import service as clientes_service  # noqa: F401  (exportable lists)
from app.core.config import Settings
from app.core.db import Database
from app.facturacion import jobs as facturacion_jobs  # noqa: F401
from app.facturas import service as facturas_service  # noqa: F401
from app.lecturas import service as lecturas_service  # noqa: F401
from app.notificaciones.mailer import Mailer, mailer_de
from app.operaciones import service as operaciones_service  # noqa: F401
from app.operaciones.incidentes import IncidentReporter
from app.pagos import service as pagos_service  # noqa: F401
from app.pdf import jobs as pdf_jobs  # noqa: F401
from app.pdf.renderer import PdfRenderer
from app.pqrs import service as pqrs_service  # noqa: F401
from app.reportes import jobs as reportes_jobs  # noqa: F401
from app.trabajos import jobs as trabajos_jobs  # noqa: F401
from app.trabajos.runner import INCIDENTS


def recursos(settings: Settings, pdf_renderer: PdfRenderer, mailer: Mailer,
             incidentes: IncidentReporter) -> dict[str, Any]:
    """What jobs get from the process that runs them (Contexto.recursos)."""
    return {"settings": settings, "pdf_renderer": pdf_renderer, "mailer": mailer,
            INCIDENTS: incidentes}


def operaciones(database: Database, settings: Settings) -> tuple[Mailer, IncidentReporter]:
    """The process's mailer and incident sink."""
    mailer = mailer_de(settings)
    return mailer, IncidentReporter(database, settings, mailer)
