"""Wall 2 below the repositories: the session filter, and the database's composite keys."""

import uuid

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from app.clientes.models import Cliente
from app.clientes.repository import ClienteRepository
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
