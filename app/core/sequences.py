"""Gap-free consecutive numbers per tenant (invoice numbers, credit notes, radicados).

A number is taken inside the transaction that uses it, with the counter row locked until the
transaction ends: a rollback gives the numbers back, and concurrent takers wait in line.
"""

from sqlalchemy import BigInteger, String, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import is_postgres
from app.core.models import Base, TenantScoped
from app.core.tenant import TenantId


class Consecutivo(TenantScoped, Base):
    __tablename__ = "consecutivos"

    nombre: Mapped[str] = mapped_column(String(40), primary_key=True)
    ultimo: Mapped[int] = mapped_column(BigInteger, default=0)


async def lock_counter(session: AsyncSession, tenant_id: TenantId, nombre: str) -> int:
    """Locks the counter (creating it at 0) and returns its last number."""
    insert = pg_insert if is_postgres(session) else sqlite_insert
    await session.execute(
        insert(Consecutivo).values(tenant_id=tenant_id, nombre=nombre, ultimo=0)
        .on_conflict_do_nothing(index_elements=["tenant_id", "nombre"])
    )
    statement = select(Consecutivo.ultimo).where(
        Consecutivo.tenant_id == tenant_id, Consecutivo.nombre == nombre
    ).with_for_update()
    return (await session.execute(statement)).scalar_one()


async def advance_counter(session: AsyncSession, tenant_id: TenantId, nombre: str,
                          ultimo: int) -> None:
    await session.execute(
        update(Consecutivo)
        .where(Consecutivo.tenant_id == tenant_id, Consecutivo.nombre == nombre)
        .values(ultimo=ultimo)
    )


async def take_next(session: AsyncSession, tenant_id: TenantId, nombre: str) -> int:
    number = await lock_counter(session, tenant_id, nombre) + 1
    await advance_counter(session, tenant_id, nombre, number)
    return number
