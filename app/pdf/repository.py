import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import and_, bindparam, select
from sqlalchemy.dialects import postgresql, sqlite

from app.core.db import is_postgres
from app.core.reads import Row, TenantRead
from app.core.repository import ScopedRepository
from app.facturas.models import Factura
from app.pdf.models import FacturaPdf

_FOR_DOWNLOAD = TenantRead(
    select(Factura.numero, Factura.cliente_id, Factura.estado, Factura.valor_en_reclamo,
           Factura.valor_acreditado, FacturaPdf.variante,
           FacturaPdf.etag, FacturaPdf.contenido)
    .outerjoin(FacturaPdf, and_(FacturaPdf.tenant_id == Factura.tenant_id,
                                FacturaPdf.factura_id == Factura.id))
    .where(Factura.tenant_id == bindparam("tenant_id"), Factura.id == bindparam("factura_id"))
)


class FacturaPdfRepository(ScopedRepository):
    """Stored PDFs, keyed by their invoice."""

    async def for_download(self, factura_id: uuid.UUID) -> Row | None:
        """The invoice's number, account and printed state with its stored PDF, if any: the one
        query a download of a stored PDF needs."""
        return await self.first(_FOR_DOWNLOAD, factura_id=factura_id)

    async def variantes(self, factura_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
        rows = await self.session.execute(
            select(FacturaPdf.factura_id, FacturaPdf.variante).where(
                FacturaPdf.tenant_id == self.tenant_id,
                FacturaPdf.factura_id.in_(list(factura_ids))))
        return dict(rows.all())

    async def save(self, rows: list[dict[str, Any]]) -> None:
        """Stores rendered PDFs, replacing an invoice's earlier variant. Two downloads that
        render the same invoice at once both write the same bytes, so the last one wins
        harmlessly."""
        if not rows:
            return
        dialect = postgresql if is_postgres(self.session) else sqlite
        statement = dialect.insert(FacturaPdf)
        statement = statement.on_conflict_do_update(
            index_elements=[FacturaPdf.tenant_id, FacturaPdf.factura_id],
            set_={column: statement.excluded[column]
                  for column in ("variante", "etag", "tamano_bytes", "contenido", "created_at")})
        await self.session.execute(statement, [{**row, "tenant_id": self.tenant_id}
                                               for row in rows])
