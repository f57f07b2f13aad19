"""Imports every domain's job handlers, so whatever runs jobs (a worker, or the service
in-process) knows every tipo. Like app.registry, it lives outside the domains it lists."""

from app.facturacion import jobs as facturacion_jobs  # noqa: F401
from app.pdf import jobs as pdf_jobs  # noqa: F401
from app.reportes import jobs as reportes_jobs  # noqa: F401
