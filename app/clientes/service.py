"""Customer accounts: the rules around creating, changing and retiring them."""

import uuid
from collections.abc import AsyncIterator, Iterable, Sequence
from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.clientes.models import Cliente, ClienteEstado
from app.clientes.repository import ClienteRepository
from app.clientes.schemas import (
    CargaClientes,
    ClienteCreate,
    ClienteFiltros,
    ClienteRead,
    ClienteUpdate,
    estrato_problem,
    services_problem,
)
from app.core import clock
from app.core.errors import Conflict, NotFound, UnprocessableEntity, invalid_fields
from app.core.pagination import PageParams
from app.core.reads import Row
from app.core.schemas import sent_changes
from app.core.tenant import TenantId
from app.core.uploads import RowErrors, read_table
from app.trabajos import exportaciones

# retirado is final: a retired account's number is not reused and it does not come back.
_ALLOWED_ESTADO_CHANGES = {
    ClienteEstado.activo: {ClienteEstado.suspendido, ClienteEstado.retirado},
    ClienteEstado.suspendido: {ClienteEstado.activo, ClienteEstado.retirado},
    ClienteEstado.retirado: set(),
}


CARGA_COLUMNS = ("numero_cuenta", "nombre", "direccion", "uso")
CARGA_OPTIONAL = ("telefono", "correo", "estrato", "servicio_acueducto",
                  "servicio_alcantarillado", "medidor_serial")
_YES_NO = {"si": "true", "sí": "true", "s": "true", "no": "false", "n": "false"}


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


async def upload(session: AsyncSession, tenant_id: TenantId, content: bytes) -> CargaClientes:
    """Creates the accounts a file names for the first time and updates those it names by
    their numero_cuenta: every row valid, or a 422 with each bad row and nothing written.
    On an update, the columns the file has replace the account's (an empty cell clears an
    optional one); the columns it does not have are kept."""
    raw_rows = await read_table(content, CARGA_COLUMNS, optional=CARGA_OPTIONAL)
    header = set(raw_rows[0])
    if unknown := sorted(h for h in header - {*CARGA_COLUMNS, *CARGA_OPTIONAL} if h):
        raise UnprocessableEntity(f"Unknown column(s) in the header: {', '.join(unknown)}.")
    optional = [c for c in CARGA_OPTIONAL if c in header]
    repository = ClienteRepository(session, tenant_id)
    existing = await repository.by_numeros(
        [r["numero_cuenta"] for r in raw_rows if r.get("numero_cuenta")],
        (*CARGA_COLUMNS[1:], *CARGA_OPTIONAL))
    errors = RowErrors()
    seen: dict[str, int] = {}
    nuevas: list[dict[str, Any]] = []
    cambios: list[dict[str, Any]] = []
    now = clock.now()
    for fila, row in enumerate(raw_rows, start=2):
        if None in row:
            errors.add(fila, "*", "more fields than the header names")
            continue
        numero = row.get("numero_cuenta", "")
        if numero in seen:
            errors.add(fila, "numero_cuenta", f"duplicate of line {seen[numero]}")
            continue
        seen[numero] = fila
        values = {k: _YES_NO.get(v.lower(), v) if k.startswith("servicio_") else v
                  for k, v in row.items() if k in (*CARGA_COLUMNS, *optional)}
        current = existing.get(numero)
        if current is not None:  # what the file does not say stays as it is
            given = {k: v for k, v in values.items() if v != ""}
            merged = {k: current[k] for k in (*CARGA_COLUMNS[1:], *CARGA_OPTIONAL)
                      if k not in header} | given | {"numero_cuenta": numero}
        else:
            merged = {k: v for k, v in values.items() if v != ""}
        try:
            data = ClienteCreate.model_validate(
                {k: v for k, v in merged.items() if v is not None})
        except ValidationError as exc:
            errors.add_validation(fila, exc)
            continue
        fields = data.model_dump()
        if current is None:
            nuevas.append({**fields, "id": uuid.uuid4(), "estado": ClienteEstado.activo,
                           "medidor_digitos": 5, "created_at": now, "updated_at": now})
        else:
            cambios.append({**fields, "id": current["id"], "updated_at": now})
    errors.raise_if_any()
    await repository.insert_many(nuevas)
    await repository.update_many(cambios)
    return CargaClientes(filas=len(raw_rows), creadas=len(nuevas),
                         actualizadas=len(cambios))


async def count(session: AsyncSession, tenant_id: TenantId, **filters: Any) -> int:
    return await ClienteRepository(session, tenant_id).count(**filters)


EXPORTACION = exportaciones.exportable(exportaciones.ListaExportable(
    "clientes", ClienteRead, ClienteFiltros,
    rows=lambda session, tenant_id, f: export(session, tenant_id, **dict(f)),
    count=lambda session, tenant_id, f: count(session, tenant_id, **dict(f))))
