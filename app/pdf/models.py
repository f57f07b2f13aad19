import uuid
from datetime import datetime

from sqlalchemy import ForeignKeyConstraint, LargeBinary, String, Uuid
from sqlalchemy.orm import Mapped, deferred, mapped_column

from app.core import clock
from app.core.models import Base, TenantChild


class FacturaPdf(TenantChild, Base):
    """An invoice's rendered PDF, kept so it is laid out once, not at every download.

    `variante` names what it was rendered from: the template's version and the invoice's
    printed state (voided or not, amounts held or credited by claims). When either changes,
    the next download renders again and replaces the row.
    """

    __tablename__ = "factura_pdfs"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "factura_id"], ["facturas.tenant_id", "facturas.id"]),
    )

    factura_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    variante: Mapped[str] = mapped_column(String(80))
    etag: Mapped[str] = mapped_column(String(66))
    tamano_bytes: Mapped[int]
    contenido: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
