"""The service's Prometheus metrics, one set per process; with PROMETHEUS_MULTIPROC_DIR set
(several worker processes) each process writes its values there and /metrics adds them up.

Domains import the metric they move from here; the request metrics are moved by the request
middleware.
"""

import os
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)

HTTP_REQUESTS = Counter("cunservicios_http_requests_total", "HTTP requests answered",
                        ["method", "route", "status"])
HTTP_LATENCY = Histogram("cunservicios_http_request_duration_seconds",
                         "Time to answer an HTTP request", ["method", "route"],
                         buckets=_LATENCY_BUCKETS)
HTTP_IN_FLIGHT = Gauge("cunservicios_http_requests_in_flight", "HTTP requests being answered",
                       multiprocess_mode="livesum")
DB_POOL_IN_USE = Gauge("cunservicios_db_pool_connections_in_use",
                       "Database connections checked out of the pool",
                       multiprocess_mode="livesum")
JOBS_QUEUED = Counter("cunservicios_jobs_queued_total", "Jobs queued", ["tipo"])
JOBS_RUNNING = Gauge("cunservicios_jobs_running", "Jobs running", ["tipo"],
                     multiprocess_mode="livesum")
JOBS_FINISHED = Counter("cunservicios_jobs_finished_total", "Jobs ended, by how they ended",
                        ["tipo", "estado"])
JOB_DURATION = Histogram("cunservicios_job_duration_seconds", "Time a job ran", ["tipo"],
                         buckets=(0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600))
INVOICES_ISSUED = Counter("cunservicios_invoices_issued_total", "Invoices issued by billing runs")
PAYMENTS_RECORDED = Counter("cunservicios_payments_recorded_total", "Payments recorded")
PDFS_RENDERED = Counter("cunservicios_pdfs_rendered_total", "Invoice PDFs rendered")
PDF_RENDER_SECONDS = Histogram("cunservicios_pdf_render_seconds", "Time to render an invoice PDF",
                               buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
EMAILS = Counter("cunservicios_emails_total", "E-mails, by how they ended", ["estado"])
INCIDENTS = Counter("cunservicios_incidents_total", "Incident occurrences", ["tipo"])


_ON_COMMIT = "metrics_on_commit"


def count_on_commit(session: AsyncSession, counter: Counter, amount: float = 1) -> None:
    """Counts what the session's transaction did once it commits (not if it rolls back)."""
    session.sync_session.info.setdefault(_ON_COMMIT, []).append((counter, amount))


@event.listens_for(Session, "after_commit")
def _count_committed(session: Session) -> None:
    for counter, amount in session.info.pop(_ON_COMMIT, ()):
        counter.inc(amount)


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session: Session, *_: Any) -> None:
    session.info.pop(_ON_COMMIT, None)


def process_ended() -> None:
    """This process's live gauges (in flight, pool in use) stop counting in the sum."""
    if os.environ.get(MULTIPROC_ENV):
        multiprocess.mark_process_dead(os.getpid())


def exposition() -> tuple[bytes, str]:
    """The text exposition of every metric (of every process, in multiprocess mode)."""
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(), CONTENT_TYPE_LATEST
