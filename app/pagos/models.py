import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, ForeignKeyConstraint, Index, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models import MONEY, Base, TenantChild, Timestamped, UUIDKeyed


class Canal(StrEnum):
    banco = "banco"
    pse = "pse"
    corresponsal = "corresponsal"
    oficina = "oficina"
    efectivo = "efectivo"


class PagoEstado(StrEnum):
    aplicado = "aplicado"
    reversado = "reversado"


class Pago(TenantChild, UUIDKeyed, Timestamped, Base):
    __tablename__ = "pagos"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "factura_id"], ["facturas.tenant_id", "facturas.id"]),
        # One payment per Idempotency-Key and tenant: a retried request cannot pay twice.
        Index("uq_pagos_tenant_id_idempotency_key", "tenant_id", "idempotency_key",
              unique=True),
        Index("ix_pagos_tenant_id_factura_id", "tenant_id", "factura_id"),
        CheckConstraint("valor > 0", name="valor"),
        CheckConstraint("estado IN ('aplicado', 'reversado')", name="estado"),
    )

    factura_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    valor: Mapped[Decimal] = mapped_column(MONEY)
    fecha: Mapped[date] = mapped_column(Date)
    canal: Mapped[str] = mapped_column(String(20))
    referencia: Mapped[str | None] = mapped_column(String(100))
    estado: Mapped[str] = mapped_column(String(20), default=PagoEstado.aplicado)
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    request_hash: Mapped[str | None] = mapped_column(String(64))
    registrado_por: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    reversado_motivo: Mapped[str | None] = mapped_column(String(500))
    reversado_at: Mapped[datetime | None]
