"""Test set-up: a fresh database per session, migrated with Alembic, and one transaction per
test that is rolled back at its end.

SQLite by default; PostgreSQL when TEST_DATABASE_URL is set (a server URL: the session creates
and drops its own database on it).
"""

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.__main__ import migrate
from app.core.config import Settings
from app.core.db import Database, create_engine
from app.main import create_app
from tests.factories import TEST_SECRET, TenantWorld, make_superadmin, make_tenant

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")


def _admin_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql", database="postgres").render_as_string(
        hide_password=False)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not POSTGRES_URL:
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
        migrate(url)
        yield url
        return
    name = f"cunservicios_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_admin_dsn(POSTGRES_URL), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = make_url(POSTGRES_URL).set(drivername="postgresql+psycopg", database=name)
    url_text = url.render_as_string(hide_password=False)
    try:
        migrate(url_text)
        yield url_text
    finally:
        with psycopg.connect(_admin_dsn(POSTGRES_URL), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    return Settings(environment="test", secret_key=TEST_SECRET, database_url=database_url,
                    tenant_cache_ttl_seconds=0, _env_file=None)


@pytest.fixture(scope="session")
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(settings.database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
async def connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """The test's transaction: every session of the test joins it through savepoints."""
    async with engine.connect() as connection:
        transaction = await connection.begin()
        try:
            yield connection
        finally:
            await transaction.rollback()


@pytest.fixture
def database(connection: AsyncConnection) -> Database:
    return Database(connection, owns_engine=False)


@pytest.fixture
def app(settings: Settings, database: Database):
    return create_app(settings, database)


@pytest.fixture
async def client(app) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("203.0.113.10", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


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
