from decimal import Decimal
from enum import StrEnum

from sqlalchemy import CheckConstraint, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models import FACTOR, SLUG_LENGTH, Base, Timestamped

DEFAULT_TIMEZONE = "America/Bogota"


class TenantEstado(StrEnum):
    activo = "activo"
    suspendido = "suspendido"


class Tenant(Timestamped, Base):
    """A utility company. Its slug is its id: immutable, and the value of every tenant_id."""

    __tablename__ = "tenants"
    __table_args__ = (
        CheckConstraint("estado IN ('activo', 'suspendido')", name="estado"),
        CheckConstraint("consumo_basico_m3 IN (11, 13, 16)", name="consumo_basico_m3"),
        CheckConstraint("tasa_mora_mensual >= 0 AND tasa_mora_mensual < 0.1",
                        name="tasa_mora_mensual"),
    )

    id: Mapped[str] = mapped_column(String(SLUG_LENGTH), primary_key=True)
    nombre: Mapped[str] = mapped_column(String(200))
    nit: Mapped[str | None] = mapped_column(String(20))
    estado: Mapped[str] = mapped_column(String(20), default=TenantEstado.activo)
    timezone: Mapped[str] = mapped_column(String(64), default=DEFAULT_TIMEZONE)
    # Billing parameters the tenant's admin sets: the subsistence consumption by the town's
    # altitude (CRA 750/2016) and the monthly late-payment interest rate.
    consumo_basico_m3: Mapped[int] = mapped_column(SmallInteger, default=11)
    tasa_mora_mensual: Mapped[Decimal] = mapped_column(FACTOR, default=Decimal("0"))

    @property
    def slug(self) -> str:
        return self.id
