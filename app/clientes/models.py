from enum import StrEnum

from sqlalchemy import Boolean, CheckConstraint, Index, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models import Base, TenantScoped, Timestamped, UUIDKeyed


class Uso(StrEnum):
    residencial = "residencial"
    comercial = "comercial"
    industrial = "industrial"
    oficial = "oficial"


class ClienteEstado(StrEnum):
    activo = "activo"
    suspendido = "suspendido"
    retirado = "retirado"


NUMERO_CUENTA_LENGTH = 30
NOMBRE_LENGTH = 200
DIRECCION_LENGTH = 200
TELEFONO_LENGTH = 30
CORREO_LENGTH = 254
MEDIDOR_LENGTH = 50


class Cliente(TenantScoped, UUIDKeyed, Timestamped, Base):
    """A customer account (suscriptor) of a utility."""

    __tablename__ = "clientes"
    __table_args__ = (
        UniqueConstraint("tenant_id", "numero_cuenta"),
        CheckConstraint("estrato IS NULL OR estrato BETWEEN 1 AND 6", name="estrato_range"),
        CheckConstraint(
            "(uso = 'residencial' AND estrato IS NOT NULL) "
            "OR (uso <> 'residencial' AND estrato IS NULL)",
            name="estrato_only_residencial",
        ),
        CheckConstraint(
            "uso IN ('residencial', 'comercial', 'industrial', 'oficial')", name="uso"
        ),
        CheckConstraint("estado IN ('activo', 'suspendido', 'retirado')", name="estado"),
        CheckConstraint("servicio_acueducto OR servicio_alcantarillado", name="some_service"),
        CheckConstraint("medidor_digitos BETWEEN 3 AND 9", name="medidor_digitos"),
        Index("ix_clientes_tenant_id_nombre", "tenant_id", "nombre"),
    )

    numero_cuenta: Mapped[str] = mapped_column(String(NUMERO_CUENTA_LENGTH))
    nombre: Mapped[str] = mapped_column(String(NOMBRE_LENGTH))
    direccion: Mapped[str] = mapped_column(String(DIRECCION_LENGTH))
    telefono: Mapped[str | None] = mapped_column(String(TELEFONO_LENGTH))
    correo: Mapped[str | None] = mapped_column(String(CORREO_LENGTH))
    estrato: Mapped[int | None] = mapped_column(SmallInteger)
    uso: Mapped[str] = mapped_column(String(20))
    servicio_acueducto: Mapped[bool] = mapped_column(Boolean, default=True)
    servicio_alcantarillado: Mapped[bool] = mapped_column(Boolean, default=True)
    medidor_serial: Mapped[str | None] = mapped_column(String(MEDIDOR_LENGTH))
    # A meter with d digits rolls over from 10**d - 1 to 0.
    medidor_digitos: Mapped[int] = mapped_column(SmallInteger, default=5)
    estado: Mapped[str] = mapped_column(String(20), default=ClienteEstado.activo)
