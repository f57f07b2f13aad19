import uuid
from collections.abc import AsyncIterator, Iterable, Sequence
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, insert, select, update

from app.clientes.models import Cliente
from app.core.pagination import PageParams
from app.core.reads import PagedRead, Row, TenantRead
from app.core.repository import TenantRepository

_LISTADO = (Cliente.id, Cliente.numero_cuenta, Cliente.nombre, Cliente.direccion,
            Cliente.telefono, Cliente.correo, Cliente.estrato, Cliente.uso,
            Cliente.servicio_acueducto, Cliente.servicio_alcantarillado, Cliente.medidor_serial,
            Cliente.estado, Cliente.created_at, Cliente.updated_at)
LIKE_ESCAPE = "/"


@cache
def _listing(filters: frozenset[str]) -> PagedRead:
    """The account listing with the filters a request uses (each combination built once)."""
    statement: Select[*tuple[Any, ...]] = (
        select(*_LISTADO).where(Cliente.tenant_id == bindparam("tenant_id"))
        .order_by(Cliente.numero_cuenta))
    for name in ("estrato", "uso", "estado"):
        if name in filters:
            statement = statement.where(getattr(Cliente, name) == bindparam(name))
    if "q" in filters:
        statement = statement.where(
            Cliente.numero_cuenta.like(bindparam("q_prefix"), escape=LIKE_ESCAPE)
            | Cliente.nombre.ilike(bindparam("q_part"), escape=LIKE_ESCAPE))
    return PagedRead(statement)


def _like_literal(text: str) -> str:
    for special in (LIKE_ESCAPE, "%", "_"):
        text = text.replace(special, LIKE_ESCAPE + special)
    return text


_TITULAR = TenantRead(
    select(Cliente.id, Cliente.numero_cuenta, Cliente.nombre)
    .where(Cliente.tenant_id == bindparam("tenant_id"), Cliente.id == bindparam("id")))


class ClienteRepository(TenantRepository[Cliente]):
    model = Cliente

    async def get_by_numero_cuenta(self, numero_cuenta: str) -> Cliente | None:
        return await self.session.scalar(
            self.select().where(Cliente.numero_cuenta == numero_cuenta)
        )

    async def titular(self, cliente_id: uuid.UUID) -> Row | None:
        """The account's number and holder, what an invoice or a statement prints."""
        return await self.first(_TITULAR, id=cliente_id)

    async def get_many(self, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Cliente]:
        rows = await self.session.scalars(self.select().where(Cliente.id.in_(list(ids))))
        return {cliente.id: cliente for cliente in rows}

    async def all(self) -> Sequence[Cliente]:
        return (await self.session.scalars(self.select().order_by(Cliente.numero_cuenta))).all()

    @staticmethod
    def _filtered(estrato: int | None = None, uso: str | None = None,
                  estado: str | None = None, q: str | None = None,
                  ) -> tuple[PagedRead, dict[str, Any]]:
        """`q`: a numero_cuenta prefix or a part of the nombre (any case)."""
        values: dict[str, Any] = {name: str(value) if isinstance(value, str) else value
                                  for name, value in (("estrato", estrato), ("uso", uso),
                                                      ("estado", estado))
                                  if value is not None}
        if q:
            values |= {"q_prefix": _like_literal(q) + "%", "q_part": f"%{_like_literal(q)}%"}
        return _listing(frozenset(values) | ({"q"} if q else set())), values

    async def list_page(self, params: PageParams, **filters: Any) -> tuple[list[Row], int]:
        listing, values = self._filtered(**filters)
        return await self.page_rows(listing, params, **values)

    async def count(self, **filters: Any) -> int:
        listing, values = self._filtered(**filters)
        (row,) = await self.rows(listing.count, **values)
        return int(row["total"])

    def export(self, **filters: Any) -> AsyncIterator[Row]:
        """Every account the list's filters select, in the list's order."""
        listing, values = self._filtered(**filters)
        return self.stream_rows(listing.all, **values)

    async def by_numeros(self, numeros: Sequence[str], columns: Sequence[str],
                         ) -> dict[str, dict[str, Any]]:
        """The accounts with these numbers (in chunks: a file may name many), by number."""
        found: dict[str, dict[str, Any]] = {}
        selected = [Cliente.id, Cliente.numero_cuenta, *(getattr(Cliente, c) for c in columns)]
        for start in range(0, len(numeros), 1000):
            rows = await self.session.execute(select(*selected).where(
                Cliente.tenant_id == self.tenant_id,
                Cliente.numero_cuenta.in_(numeros[start:start + 1000])))
            found.update({row.numero_cuenta: dict(row._mapping) for row in rows})
        return found

    async def insert_many(self, rows: list[dict[str, Any]]) -> None:
        for row in rows:
            row["tenant_id"] = self.tenant_id
        if rows:
            await self.session.execute(insert(Cliente), rows)

    async def update_many(self, rows: list[dict[str, Any]]) -> None:
        """Each row's columns on the account its `id` names (an UPDATE by key per row)."""
        for row in rows:
            row["tenant_id"] = self.tenant_id
        if rows:
            await self.session.execute(update(Cliente), rows)
