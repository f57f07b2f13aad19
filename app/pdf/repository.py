import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import undefer

from app.core.db import is_postgres
from app.core.repository import TenantRepository
from app.pdf.models import FacturaPdf


class FacturaPdfRepository(TenantRepository[FacturaPdf]):
    model = FacturaPdf

    async def get_for(self, factura_id: uuid.UUID) -> FacturaPdf | None:
        return await self.session.scalar(
            self.select().where(FacturaPdf.factura_id == factura_id)
            .options(undefer(FacturaPdf.contenido)))

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
