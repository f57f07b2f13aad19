from enum import StrEnum

from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models import SLUG_LENGTH, Base, Timestamped

DEFAULT_TIMEZONE = "America/Bogota"


class TenantEstado(StrEnum):
    activo = "activo"
    suspendido = "suspendido"


class Tenant(Timestamped, Base):
    """A utility company. Its slug is its id: immutable, and the value of every tenant_id."""

    __tablename__ = "tenants"
    __table_args__ = (
        CheckConstraint("estado IN ('activo', 'suspendido')", name="estado"),
    )

    id: Mapped[str] = mapped_column(String(SLUG_LENGTH), primary_key=True)
    nombre: Mapped[str] = mapped_column(String(200))
    nit: Mapped[str | None] = mapped_column(String(20))
    estado: Mapped[str] = mapped_column(String(20), default=TenantEstado.activo)
    timezone: Mapped[str] = mapped_column(String(64), default=DEFAULT_TIMEZONE)

    @property
    def slug(self) -> str:
        return self.id
