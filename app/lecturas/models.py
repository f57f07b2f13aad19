import uuid
from datetime import date

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKeyConstraint,
    Index,
    String,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models import Base, TenantChild, Timestamped, UUIDKeyed

PERIODO_PATTERN = r"^20\d{2}-(0[1-9]|1[0-2])$"  # this century: 2000-01 to 2099-12


class Lectura(TenantChild, UUIDKeyed, Timestamped, Base):
    """A meter reading of one account for one billing period (YYYY-MM)."""

    __tablename__ = "lecturas"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "cliente_id"], ["clientes.tenant_id", "clientes.id"]),
        UniqueConstraint("tenant_id", "cliente_id", "periodo"),
        Index("ix_lecturas_tenant_id_periodo", "tenant_id", "periodo"),
        CheckConstraint("lectura_actual >= 0", name="lectura_actual"),
        CheckConstraint("consumo_m3 IS NULL OR consumo_m3 >= 0", name="consumo"),
    )

    cliente_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    periodo: Mapped[str] = mapped_column(String(7))
    fecha_lectura: Mapped[date] = mapped_column(Date)
    lectura_anterior: Mapped[int | None] = mapped_column(BigInteger)
    lectura_actual: Mapped[int] = mapped_column(BigInteger)
    # None when there is no previous reading to measure against (a new meter).
    consumo_m3: Mapped[int | None] = mapped_column(BigInteger)
    rollover: Mapped[bool] = mapped_column(Boolean, default=False)
    novedad: Mapped[str | None] = mapped_column(String(200))
