"""Wall 2 below the repositories: the session filter, and the database's composite keys."""

import uuid

import pytest
from sqlalchemy import and_, bindparam, func, select, update
from sqlalchemy.exc import IntegrityError

from app.clientes.models import Cliente
from app.clientes.repository import ClienteRepository
from app.core.reads import TenantRead, UnscopedReadError
from app.core.tenant import TenantId, TenantNotSetError
from app.users.models import User


async def test_a_query_without_its_tenant_filter_still_sees_one_tenant(database, tenant_a,
                                                                        tenant_b):
    async with database.session(TenantId("tenant-a")) as session:
        numbers = (await session.scalars(select(Cliente.numero_cuenta))).all()
        rows = (await session.scalars(select(Cliente))).all()
        users = await session.scalar(select(func.count()).select_from(User))
    assert sorted(numbers) == ["1001", "1002"]
    assert users == 3
    assert {c.tenant_id for c in rows} == {"tenant-a"}


async def test_an_unfiltered_update_touches_one_tenant(database, tenant_a, tenant_b):
    async with database.session(TenantId("tenant-a")) as session:
        await session.execute(update(Cliente).values(nombre="Renombrado"))
    async with database.session(TenantId("tenant-b")) as session:
        names = (await session.scalars(select(Cliente.nombre))).all()
    assert "Renombrado" not in names


async def test_a_session_with_no_tenant_fails_closed(database, tenant_a):
    with pytest.raises(TenantNotSetError):
        async with database.session() as session:
            await session.scalars(select(Cliente))
    with pytest.raises(TenantNotSetError):
        async with database.session() as session:
            await session.scalar(select(func.count()).select_from(User).where(User.activo))


def test_a_repository_cannot_be_built_without_a_tenant(database):
    with pytest.raises(ValueError, match="tenant"):
        ClienteRepository(None, TenantId(""))  # type: ignore[arg-type]


async def test_the_database_refuses_a_link_across_tenants(database, tenant_a, tenant_b):
    """Even a write that bypasses the services cannot bind B's user to A's account."""
    with pytest.raises(IntegrityError):
        async with database.session(TenantId("tenant-b")) as session:
            session.add(User(tenant_id="tenant-b", id=uuid.uuid4(), email="x@b.co",
                             nombre="X", password_hash="x", role="cliente",
                             cliente_id=tenant_a.cliente.id, activo=True))
            await session.flush()


# Reads on the request path (app.core.reads): checked when built, given the session's tenant.

_NUMEROS = TenantRead(select(Cliente.id, Cliente.numero_cuenta).where(
    Cliente.tenant_id == bindparam("tenant_id")).order_by(Cliente.numero_cuenta))


def test_a_read_that_does_not_filter_by_tenant_cannot_be_built():
    with pytest.raises(UnscopedReadError, match="clientes"):
        TenantRead(select(Cliente.numero_cuenta))
    with pytest.raises(UnscopedReadError, match="clientes"):  # the tenant given as a literal
        TenantRead(select(Cliente.numero_cuenta).where(Cliente.tenant_id == "tenant-a"))
    with pytest.raises(UnscopedReadError, match="users"):  # a joined table left open
        TenantRead(select(Cliente.numero_cuenta, User.email)
                   .join(User, User.cliente_id == Cliente.id)
                   .where(Cliente.tenant_id == bindparam("tenant_id")))
    with pytest.raises(UnscopedReadError, match="clientes"):  # inside a subquery
        inner = select(Cliente.id).subquery()
        TenantRead(select(User.email).where(User.tenant_id == bindparam("tenant_id"),
                                            User.cliente_id.in_(select(inner.c.id))))


def test_a_read_may_scope_a_joined_table_through_the_join():
    TenantRead(select(Cliente.numero_cuenta, User.email)
               .join(User, and_(User.tenant_id == Cliente.tenant_id,
                                User.cliente_id == Cliente.id))
               .where(Cliente.tenant_id == bindparam("tenant_id")))


async def test_a_read_sees_the_tenant_of_its_session(database, tenant_a, tenant_b):
    """On PostgreSQL this also shows the read runs in the session's transaction: without its
    set_config, row-level security would show no rows at all."""
    async with database.session(TenantId("tenant-a")) as session:
        rows_a = await _NUMEROS.all(session, {}, tenant_id=TenantId("tenant-a"))
    async with database.session(TenantId("tenant-b")) as session:
        rows_b = await _NUMEROS.all(session, {}, tenant_id=TenantId("tenant-b"))
    assert [r["id"] for r in rows_a] == [tenant_a.cliente.id, tenant_a.other_cliente.id]
    assert [r["id"] for r in rows_b] == [tenant_b.cliente.id, tenant_b.other_cliente.id]


async def test_a_read_takes_its_tenant_from_the_session_only(database, tenant_a, tenant_b):
    with pytest.raises(TenantNotSetError):
        async with database.session() as session:
            await _NUMEROS.all(session, {}, tenant_id=TenantId("tenant-a"))
    with pytest.raises(TenantNotSetError):  # a repository of B on a session of A
        async with database.session(TenantId("tenant-a")) as session:
            await _NUMEROS.all(session, {}, tenant_id=TenantId("tenant-b"))
    with pytest.raises(ValueError, match="from the session"):
        async with database.session(TenantId("tenant-a")) as session:
            await _NUMEROS.all(session, {"tenant_id": "tenant-b"}, tenant_id=TenantId("tenant-a"))
