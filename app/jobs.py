"""Imports every domain's job handlers, so whatever runs jobs (a worker, or the service
in-process) knows every tipo; and the lists an export job may write. Like app.registry, it
lives outside the domains it lists."""

from app.clientes import service as clientes_service  # noqa: F401  (exportable lists)
from app.facturacion import jobs as facturacion_jobs  # noqa: F401
from app.facturas import service as facturas_service  # noqa: F401
from app.lecturas import service as lecturas_service  # noqa: F401
from app.pagos import service as pagos_service  # noqa: F401
from app.pdf import jobs as pdf_jobs  # noqa: F401
from app.pqrs import service as pqrs_service  # noqa: F401
from app.reportes import jobs as reportes_jobs  # noqa: F401
from app.trabajos import jobs as trabajos_jobs  # noqa: F401
