"""Wall 3: PostgreSQL row-level security, with the service connected as a role that owns
nothing and cannot bypass it."""

import asyncio
import uuid

import httpx
import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from app.clientes.models import Cliente
from app.core.db import Database, create_engine
from app.core.repository import TenantRepository
from app.core.tenant import TenantId
from app.main import create_app
from app.users.models import Role
from tests.factories import make_tenant

pytestmark = pytest.mark.postgres

TENANT_TABLES_SQL = """
    SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
           (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid
              AND pg_get_expr(p.polqual, p.polrelid) LIKE '%app.tenant_id%'
              AND pg_get_expr(p.polwithcheck, p.polrelid) LIKE '%app.tenant_id%') AS policies
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
    WHERE c.relkind IN ('r', 'p')
"""


async def _set_tenant(connection, tenant: str) -> None:
    await connection.execute(text("SELECT set_config('app.tenant_id', :t, true)"), {"t": tenant})


async def _refused(connection, statement: str, params: dict) -> bool:
    """Runs the statement in a savepoint; True when the database refuses it."""
    savepoint = await connection.begin_nested()
    try:
        await connection.execute(text(statement), params)
    except DBAPIError as exc:
        await savepoint.rollback()
        return "row-level security" in str(exc.orig)
    await savepoint.rollback()
    return False


async def test_every_tenant_table_has_forced_row_level_security(connection):
    rows = (await connection.execute(text(TENANT_TABLES_SQL))).all()
    assert {r.relname for r in rows} >= {"clientes", "users"}
    unprotected = [r.relname for r in rows
                   if not (r.relrowsecurity and r.relforcerowsecurity and r.policies == 1)]
    assert unprotected == [], f"tenant tables without FORCEd row-level security: {unprotected}"


async def test_service_role_is_not_privileged_and_owns_nothing(connection):
    role = (await connection.execute(text(
        "SELECT rolname, rolsuper, rolbypassrls, rolcreaterole, rolcreatedb "
        "FROM pg_roles WHERE rolname = current_user"))).one()
    assert not (role.rolsuper or role.rolbypassrls or role.rolcreaterole or role.rolcreatedb)
    owned = (await connection.execute(text(
        "SELECT tablename FROM pg_tables WHERE tableowner = current_user"))).all()
    assert owned == []
    assert await _refused_ddl(connection, "ALTER TABLE clientes DISABLE ROW LEVEL SECURITY")


async def _refused_ddl(connection, statement: str) -> bool:
    savepoint = await connection.begin_nested()
    try:
        await connection.execute(text(statement))
    except DBAPIError as exc:
        await savepoint.rollback()
        return "must be owner" in str(exc.orig)
    await savepoint.rollback()
    return False


async def test_no_tenant_set_reads_nothing_and_writes_nothing(connection, tenant_a, tenant_b):
    for value in ("", None):
        if value is not None:
            await _set_tenant(connection, value)
        else:
            await connection.execute(text("RESET app.tenant_id"))
        for table in ("clientes", "users"):
            count = await connection.scalar(text(f"SELECT count(*) FROM {table}"))  # noqa: S608
            assert count == 0, (table, value)
    insert = ("INSERT INTO clientes (tenant_id, id, numero_cuenta, nombre, direccion, uso, "
              "estrato, servicio_acueducto, servicio_alcantarillado, estado, created_at, "
              "updated_at) VALUES (:tenant, :id, 'X1', 'X', 'X', 'residencial', 1, true, true, "
              "'activo', now(), now())")
    assert await _refused(connection, insert, {"tenant": "tenant-a", "id": uuid.uuid4()})


async def test_with_tenant_a_set_only_a_is_visible_and_writable(connection, tenant_a,
                                                                 tenant_b):
    await _set_tenant(connection, "tenant-a")
    tenants = (await connection.execute(text("SELECT DISTINCT tenant_id FROM clientes"))).all()
    assert tenants == [("tenant-a",)]
    insert = ("INSERT INTO clientes (tenant_id, id, numero_cuenta, nombre, direccion, uso, "
              "estrato, servicio_acueducto, servicio_alcantarillado, estado, created_at, "
              "updated_at) VALUES (:tenant, :id, 'X1', 'X', 'X', 'residencial', 1, true, true, "
              "'activo', now(), now())")
    assert await _refused(connection, insert, {"tenant": "tenant-b", "id": uuid.uuid4()})
    assert not await _refused(connection, insert, {"tenant": "tenant-a", "id": uuid.uuid4()})
    move = "UPDATE clientes SET tenant_id = 'tenant-b' WHERE numero_cuenta = '1001'"
    assert await _refused(connection, move, {})
    touched = await connection.execute(text(
        "UPDATE clientes SET nombre = 'X' WHERE tenant_id = 'tenant-b'"))
    assert touched.rowcount == 0
    await _set_tenant(connection, "tenant-b")
    names = (await connection.execute(text("SELECT nombre FROM clientes"))).scalars().all()
    assert "X" not in names and names


class UnfilteredClienteRepository(TenantRepository[Cliente]):
    """A repository that forgets its tenant, as a bug would: a Core SELECT on the table."""

    model = Cliente

    async def everything(self) -> list[str]:
        rows = await self.session.execute(select(Cliente.__table__.c.tenant_id))
        return [tenant for (tenant,) in rows]


async def test_a_repository_without_its_filter_still_sees_one_tenant(database, tenant_a,
                                                                      tenant_b):
    async with database.session(TenantId("tenant-a")) as session:
        seen = await UnfilteredClienteRepository(session, TenantId("tenant-a")).everything()
    assert seen and set(seen) == {"tenant-a"}


async def test_concurrent_requests_for_two_tenants_over_a_small_pool(settings):
    """Hundreds of interleaved requests for two tenants through a pool of two connections:
    no response carries the other tenant's data, and no pooled connection keeps a tenant."""
    engine = create_engine(settings.database_url, pool_size=2, max_overflow=0)
    database = Database(engine)
    suffix = uuid.uuid4().hex[:8]
    slugs = (f"conc-a-{suffix}", f"conc-b-{suffix}")
    worlds = [await make_tenant(database, settings, slug) for slug in slugs]
    expected = {}
    for world in worlds:
        async with database.session(TenantId(world.slug)) as session:
            rows = await session.scalars(select(Cliente.id))
            expected[world.slug] = {str(i) for i in rows}
    app = create_app(settings, database)
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            async def fetch(world):
                response = await client.get("/api/clientes", headers=world.headers(Role.admin))
                assert response.status_code == 200, response.text
                return world.slug, {item["id"] for item in response.json()["items"]}

            calls = [fetch(worlds[n % 2]) for n in range(300)]
            results = await asyncio.gather(*calls)
        for slug, ids in results:
            assert ids == expected[slug]
        async with engine.connect() as connection:
            leftover = await connection.scalar(
                text("SELECT current_setting('app.tenant_id', true)"))
            await connection.rollback()
        assert leftover in (None, "")
    finally:
        for world in worlds:
            async with database.session(TenantId(world.slug)) as session:
                for table in ("users", "clientes", "pqr_causales"):
                    await session.execute(text(f"DELETE FROM {table}"))  # noqa: S608
                await session.execute(text("DELETE FROM tenants WHERE id = :t"),
                                      {"t": world.slug})
        await engine.dispose()
