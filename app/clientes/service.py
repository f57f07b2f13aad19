"""Customer accounts: the rules around creating, changing and retiring them."""

import uuid
from collections.abc import AsyncIterator, Iterable, Sequence
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.clientes.models import Cliente, ClienteEstado
from app.clientes.repository import ClienteRepository
from app.clientes.schemas import (
    ClienteCreate,
    ClienteRead,
    ClienteUpdate,
    estrato_problem,
    services_problem,
)
from app.core.errors import Conflict, NotFound, invalid_fields
from app.core.pagination import PageParams
from app.core.reads import Row
from app.core.schemas import sent_changes
from app.core.tenant import TenantId

# retirado is final: a retired account's number is not reused and it does not come back.
_ALLOWED_ESTADO_CHANGES = {
    ClienteEstado.activo: {ClienteEstado.suspendido, ClienteEstado.retirado},
    ClienteEstado.suspendido: {ClienteEstado.activo, ClienteEstado.retirado},
    ClienteEstado.retirado: set(),
}


def not_found() -> NotFound:
    return NotFound("No such cliente in this tenant.")


async def create(session: AsyncSession, tenant_id: TenantId, data: ClienteCreate) -> Cliente:
    clientes = ClienteRepository(session, tenant_id)
    if await clientes.get_by_numero_cuenta(data.numero_cuenta) is not None:
        raise Conflict(f"numero_cuenta {data.numero_cuenta} already exists in this tenant.")
    return await clientes.add(Cliente(**data.model_dump()))


async def find(session: AsyncSession, tenant_id: TenantId,
               cliente_id: uuid.UUID) -> Cliente | None:
    return await ClienteRepository(session, tenant_id).get(cliente_id)


async def get(session: AsyncSession, tenant_id: TenantId, cliente_id: uuid.UUID) -> Cliente:
    cliente = await find(session, tenant_id, cliente_id)
    if cliente is None:
        raise not_found()
    return cliente


async def titular(session: AsyncSession, tenant_id: TenantId, cliente_id: uuid.UUID,
                  ) -> Row:
    """id, numero_cuenta and nombre of the account."""
    row = await ClienteRepository(session, tenant_id).titular(cliente_id)
    if row is None:
        raise not_found()
    return row


async def find_by_numero_cuenta(session: AsyncSession, tenant_id: TenantId,
                                numero_cuenta: str) -> Cliente | None:
    return await ClienteRepository(session, tenant_id).get_by_numero_cuenta(numero_cuenta)


async def get_many(session: AsyncSession, tenant_id: TenantId,
                   ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Cliente]:
    return await ClienteRepository(session, tenant_id).get_many(ids)


async def all_of(session: AsyncSession, tenant_id: TenantId) -> Sequence[Cliente]:
    return await ClienteRepository(session, tenant_id).all()


async def list_page(session: AsyncSession, tenant_id: TenantId, params: PageParams,
                    **filters: Any) -> tuple[list[ClienteRead], int]:
    rows, total = await ClienteRepository(session, tenant_id).list_page(params, **filters)
    return [ClienteRead.model_validate(row) for row in rows], total


async def export(session: AsyncSession, tenant_id: TenantId,
                 **filters: Any) -> AsyncIterator[dict[str, Any]]:
    async for row in ClienteRepository(session, tenant_id).export(**filters):
        yield dict(ClienteRead.model_validate(row))


async def update(session: AsyncSession, tenant_id: TenantId, cliente_id: uuid.UUID,
                 data: ClienteUpdate) -> Cliente:
    cliente = await get(session, tenant_id, cliente_id)
    changes = sent_changes(data)

    new_estado = changes.pop("estado", None)
    if new_estado is not None and new_estado != cliente.estado:
        if new_estado not in _ALLOWED_ESTADO_CHANGES[ClienteEstado(cliente.estado)]:
            raise Conflict(f"A cliente that is {cliente.estado} cannot become {new_estado}.")
        cliente.estado = new_estado
    elif cliente.estado == ClienteEstado.retirado and changes:
        raise Conflict("A retired cliente cannot be changed.")

    merged = {column: changes.get(column, getattr(cliente, column))
              for column in ("uso", "estrato", "servicio_acueducto", "servicio_alcantarillado")}
    problems = {}
    if problem := estrato_problem(merged["uso"], merged["estrato"]):
        problems["estrato"] = problem
    if problem := services_problem(merged["servicio_acueducto"],
                                   merged["servicio_alcantarillado"]):
        problems["servicio_alcantarillado"] = problem
    if problems:
        raise invalid_fields(problems)

    for column, value in changes.items():
        setattr(cliente, column, value)
    await ClienteRepository(session, tenant_id).flush()
    return cliente


async def delete(session: AsyncSession, tenant_id: TenantId, cliente_id: uuid.UUID) -> None:
    """Only an account with no history may be deleted; one with history is retired instead.

    Its history (portal users, readings, invoices, PQRs) points at it through foreign keys,
    so the database itself refuses the delete of an account that has any.
    """
    cliente = await get(session, tenant_id, cliente_id)
    try:
        async with session.begin_nested():
            await ClienteRepository(session, tenant_id).delete(cliente)
    except IntegrityError as exc:
        raise Conflict("This cliente has history (portal users, readings, invoices or PQRs); "
                       "set its estado to 'retirado' instead of deleting it.") from exc


async def get_own(session: AsyncSession, tenant_id: TenantId,
                  cliente_id: uuid.UUID | None) -> Cliente:
    if cliente_id is None:
        raise not_found()
    return await get(session, tenant_id, cliente_id)
