import uuid
from datetime import date
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKeyConstraint,
    SmallInteger,
    String,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.models import (
    FACTOR,
    MONEY,
    UNIT_PRICE,
    Base,
    TenantChild,
    TenantScoped,
    Timestamped,
    UUIDKeyed,
)


class Servicio(StrEnum):
    acueducto = "acueducto"
    alcantarillado = "alcantarillado"


class Tarifa(TenantScoped, UUIDKeyed, Timestamped, Base):
    """One version of a service's tariff, valid from one date to another (or open-ended)."""

    __tablename__ = "tarifas"
    __table_args__ = (
        CheckConstraint("servicio IN ('acueducto', 'alcantarillado')", name="servicio"),
        CheckConstraint("vigente_hasta IS NULL OR vigente_hasta >= vigente_desde",
                        name="vigencia"),
        CheckConstraint("cargo_fijo >= 0 AND precio_basico >= 0 AND precio_complementario >= 0 "
                        "AND precio_suntuario >= 0", name="precios"),
    )

    servicio: Mapped[str] = mapped_column(String(20))
    vigente_desde: Mapped[date] = mapped_column(Date)
    vigente_hasta: Mapped[date | None] = mapped_column(Date)
    cargo_fijo: Mapped[Decimal] = mapped_column(MONEY)
    precio_basico: Mapped[Decimal] = mapped_column(UNIT_PRICE)
    precio_complementario: Mapped[Decimal] = mapped_column(UNIT_PRICE)
    precio_suntuario: Mapped[Decimal] = mapped_column(UNIT_PRICE)

    factores: Mapped[list["TarifaFactor"]] = relationship(
        lazy="selectin", cascade="all, delete-orphan",
        order_by="(TarifaFactor.uso, TarifaFactor.estrato)",
    )


class TarifaFactor(TenantChild, Base):
    """Subsidy (< 0) or contribution (> 0) of one uso/estrato under one tariff version."""

    __tablename__ = "tarifa_factores"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "tarifa_id"], ["tarifas.tenant_id", "tarifas.id"],
                             ondelete="CASCADE"),
        CheckConstraint("factor > -1 AND factor < 1", name="factor_range"),
    )

    tarifa_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    uso: Mapped[str] = mapped_column(String(20), primary_key=True)
    # 0 stands for "no estrato" (non-residential), so the column can sit in the primary key.
    estrato: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    factor: Mapped[Decimal] = mapped_column(FACTOR)
