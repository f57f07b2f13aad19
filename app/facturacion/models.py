from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models import Base, TenantScoped, Timestamped, UUIDKeyed


class Periodo(TenantScoped, UUIDKeyed, Timestamped, Base):
    """A billing period (month) and the dates every invoice of it carries."""

    __tablename__ = "periodos"
    __table_args__ = (
        UniqueConstraint("tenant_id", "periodo"),
        CheckConstraint("fecha_limite_pago >= fecha_expedicion", name="limite_pago"),
        CheckConstraint("fecha_suspension > fecha_limite_pago", name="suspension"),
    )

    periodo: Mapped[str] = mapped_column(String(7))
    fecha_expedicion: Mapped[date] = mapped_column(Date)
    fecha_limite_pago: Mapped[date] = mapped_column(Date)
    fecha_suspension: Mapped[date] = mapped_column(Date)
    # When its billing run ran (None: not billed yet). Periods bill in order.
    facturado_at: Mapped[datetime | None]
