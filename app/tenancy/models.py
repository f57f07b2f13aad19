from decimal import Decimal
from enum import StrEnum

from sqlalchemy import CheckConstraint, LargeBinary, SmallInteger, String
from sqlalchemy.orm import Mapped, deferred, mapped_column

from app.core.models import FACTOR, SLUG_LENGTH, Base, Timestamped

DEFAULT_TIMEZONE = "America/Bogota"
DEFAULT_COLOR = "#1f4e79"


class TenantEstado(StrEnum):
    activo = "activo"
    suspendido = "suspendido"


class Tenant(Timestamped, Base):
    """A utility company. Its slug is its id: immutable, and the value of every tenant_id."""

    __tablename__ = "tenants"
    __table_args__ = (
        CheckConstraint("estado IN ('activo', 'suspendido')", name="estado"),
        CheckConstraint("consumo_basico_m3 IN (11, 13, 16)", name="consumo_basico_m3"),
        CheckConstraint("tasa_mora_residencial >= 0 AND tasa_mora_residencial <= 0.005 "
                        "AND tasa_usura_mensual >= 0 AND tasa_usura_mensual < 0.1 "
                        "AND tasa_mora_no_residencial >= 0 "
                        "AND tasa_mora_no_residencial <= tasa_usura_mensual",
                        name="tasas_mora"),
    )

    id: Mapped[str] = mapped_column(String(SLUG_LENGTH), primary_key=True)
    nombre: Mapped[str] = mapped_column(String(200))
    nit: Mapped[str | None] = mapped_column(String(20))
    estado: Mapped[str] = mapped_column(String(20), default=TenantEstado.activo)
    timezone: Mapped[str] = mapped_column(String(64), default=DEFAULT_TIMEZONE)
    # Billing parameters the tenant's admin sets: the subsistence consumption by the town's
    # altitude (CRA 750/2016) and the monthly late-payment interest rates (Ley 142 art. 96):
    # residential users at most the Código Civil's 0.5 % a month, the others at most the usury
    # rate certified for the month, which the admin keeps current.
    consumo_basico_m3: Mapped[int] = mapped_column(SmallInteger, default=11)
    tasa_mora_residencial: Mapped[Decimal] = mapped_column(FACTOR, default=Decimal("0"),
                                                           server_default="0")
    tasa_mora_no_residencial: Mapped[Decimal] = mapped_column(FACTOR, default=Decimal("0"),
                                                              server_default="0")
    tasa_usura_mensual: Mapped[Decimal] = mapped_column(FACTOR, default=Decimal("0"),
                                                        server_default="0")
    # Branding and contact details printed on the invoice; the GLN is what the payment barcode
    # names the utility by.
    direccion: Mapped[str | None] = mapped_column(String(200))
    telefono: Mapped[str | None] = mapped_column(String(30))
    correo: Mapped[str | None] = mapped_column(String(254))
    sitio_web: Mapped[str | None] = mapped_column(String(200))
    gln: Mapped[str | None] = mapped_column(String(13))
    color_primario: Mapped[str] = mapped_column(String(7), default=DEFAULT_COLOR)
    logo_media_type: Mapped[str | None] = mapped_column(String(20))
    logo: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))  # only the PDF needs it

    @property
    def slug(self) -> str:
        return self.id
