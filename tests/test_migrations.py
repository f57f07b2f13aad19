"""One Alembic history that goes up from empty, down to empty, and up again."""

import uuid

import psycopg
import pytest
from alembic.config import Config
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from alembic import command
from app.__main__ import PROJECT_ROOT
from tests.conftest import POSTGRES_URL, _admin_dsn


@pytest.fixture
def scratch_url(tmp_path):
    if not POSTGRES_URL:
        yield f"sqlite+aiosqlite:///{tmp_path / 'scratch.db'}"
        return
    name = f"cunservicios_mig_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(_admin_dsn(POSTGRES_URL), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield make_url(POSTGRES_URL).set(drivername="postgresql+psycopg", database=name
                                     ).render_as_string(hide_password=False)
    with psycopg.connect(_admin_dsn(POSTGRES_URL), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _tables(url: str) -> set[str]:
    sync_url = make_url(url)
    if sync_url.get_backend_name() == "sqlite":
        sync_url = sync_url.set(drivername="sqlite")
    engine = create_sync_engine(sync_url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade(scratch_url: str):
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.attributes["configure_logger"] = False
    config.set_main_option("sqlalchemy.url", scratch_url)
    command.upgrade(config, "head")
    assert {"tenants", "clientes", "users"} <= _tables(scratch_url)
    command.downgrade(config, "base")
    assert _tables(scratch_url) == set()
    command.upgrade(config, "head")
    assert {"tenants", "clientes", "users"} <= _tables(scratch_url)


def test_models_and_migrations_do_not_drift(database_url: str):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from app.registry import is_model_object, metadata

    sync_url = make_url(database_url)
    if sync_url.get_backend_name() == "sqlite":
        sync_url = sync_url.set(drivername="sqlite")
    engine = create_sync_engine(sync_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={
                "compare_type": True, "include_object": is_model_object})
            assert compare_metadata(context, metadata) == []
    finally:
        engine.dispose()
