"""Test set-up: a fresh database per session, migrated with Alembic, and one transaction per
test that is rolled back at its end.

SQLite by default; PostgreSQL when TEST_DATABASE_URL is set (a server URL: the session creates
and drops its own database on it).

The suite lives on TODAY: the clock is moved there (and keeps ticking) before anything runs, so
the periods, deadlines and payment dates the tests name mean the same whatever the machine's
date. A test that needs another day moves the clock itself (the `time_machine` fixture).
"""

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import psycopg
import pytest
import redis
import time_machine
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.__main__ import migrate
from app.core.config import Settings
from app.core.db import Database, create_engine
from app.core.rls import provision_roles
from app.main import create_app
from app.pdf.renderer import PdfRenderer
from tests.factories import TEST_SECRET, TenantWorld, make_superadmin, make_tenant
from tests.helpers import api_client, rolled_back

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")

# A Friday morning in Bogotá: October 2026 is closed (issued 1 November, due 15 November, so
# its unpaid invoices are overdue) and November is the month being read.
TODAY = datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("America/Bogota"))


@pytest.fixture(scope="session", autouse=True)
def _the_suite_lives_on_today() -> Iterator[None]:
    with time_machine.travel(TODAY, tick=True):
        yield


CLUSTER_TESTS = os.environ.get("CLUSTER_TESTS") == "1"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked `postgres` are about PostgreSQL itself: the SQLite run leaves them out.
    Tests marked `cluster` (tests/cluster/: three replicas behind nginx, brought up by
    scripts/cluster.sh) run only in their own phase (CLUSTER_TESTS=1), and alone then."""
    def kept_here(item: pytest.Item) -> bool:
        if (item.get_closest_marker("cluster") is not None) != CLUSTER_TESTS:
            return False
        return bool(POSTGRES_URL) or item.get_closest_marker("postgres") is None

    kept = [item for item in items if kept_here(item)]
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[i for i in items if i not in kept])
        items[:] = kept


def _admin_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql", database="postgres").render_as_string(
        hide_password=False)


TEST_OWNER_ROLE = "cunservicios_test_owner"
TEST_APP_ROLE = "cunservicios_test_app"
TEST_ROLE_PASSWORD = "cunservicios-test-password"


def postgres_url(database: str, *, user: str | None = None, password: str | None = None) -> str:
    url = make_url(POSTGRES_URL).set(drivername="postgresql+psycopg", database=database)
    if user is not None:
        url = url.set(username=user, password=password)
    return url.render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def migrated_urls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """(owner URL, service URL) of the session's database, migrated to head.

    On PostgreSQL the migrations run as the owner role and the service connects as a role
    that owns nothing and cannot bypass row-level security, as in production.
    """
    if not POSTGRES_URL:
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
        migrate(url)
        yield url, url
        return
    name = f"cunservicios_test_{uuid.uuid4().hex[:12]}"
    provision_roles(_admin_dsn(POSTGRES_URL), name, owner=TEST_OWNER_ROLE,
                    app_role=TEST_APP_ROLE, owner_password=TEST_ROLE_PASSWORD,
                    app_password=TEST_ROLE_PASSWORD)
    owner_url = postgres_url(name, user=TEST_OWNER_ROLE, password=TEST_ROLE_PASSWORD)
    try:
        migrate(owner_url)
        yield owner_url, postgres_url(name, user=TEST_APP_ROLE, password=TEST_ROLE_PASSWORD)
    finally:
        with psycopg.connect(_admin_dsn(POSTGRES_URL), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def database_url(migrated_urls: tuple[str, str]) -> str:
    return migrated_urls[1]


@pytest.fixture(scope="session")
def owner_url(migrated_urls: tuple[str, str]) -> str:
    return migrated_urls[0]


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    # Jobs run in-process on both databases; tests/test_worker.py runs a real worker.
    return Settings(environment="test", secret_key=TEST_SECRET, database_url=database_url,
                    tenant_cache_ttl_seconds=0, jobs_in_process=True, _env_file=None)


@pytest.fixture(scope="session")
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(settings.database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
async def connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """The test's transaction: every session of the test joins it through savepoints."""
    async with rolled_back(engine) as connection:
        yield connection


@pytest.fixture
def database(connection: AsyncConnection) -> Database:
    return Database(connection, owns_engine=False)


REDIS_TEST_URL = "redis://127.0.0.1:6379/15"  # the tests' Redis database, emptied around each


@pytest.fixture
def redis_db() -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(REDIS_TEST_URL)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


@pytest.fixture(scope="session")
def pdf_renderer() -> Iterator[PdfRenderer]:
    """One pool of PDF worker processes for the whole run (starting one costs a second)."""
    renderer = PdfRenderer(workers=2)
    yield renderer
    renderer.close()


@pytest.fixture
def app(settings: Settings, database: Database, pdf_renderer: PdfRenderer):
    return create_app(settings, database, pdf_renderer)


@pytest.fixture
async def client(app) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(app) as client:
        yield client
    # Work the test's calls started in the background (a job a request queued, an incident)
    # ends inside the test's transaction, not on the next test's.
    await app.state.job_queue.idle()
    await app.state.incidentes.idle()


@pytest.fixture
def project_root() -> Path:
    return Path(__file__).resolve().parent.parent


@pytest.fixture
async def tenant_a(database: Database, settings: Settings) -> TenantWorld:
    return await make_tenant(database, settings, "tenant-a")


@pytest.fixture
async def tenant_b(database: Database, settings: Settings) -> TenantWorld:
    return await make_tenant(database, settings, "tenant-b")


@pytest.fixture
async def platform(database: Database, settings: Settings) -> TenantWorld:
    return await make_superadmin(database, settings)
