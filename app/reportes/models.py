"""What the dashboard reads on every request, kept current by the writes that change it, so
a tenant of a million accounts is not scanned per request; and the daily report's settings."""

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKeyConstraint,
    SmallInteger,
    String,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models import MONEY, Base, TenantScoped


class ResumenPeriodo(TenantScoped, Base):
    """A billed period's figures over its invoices that are not voided: written by the
    billing run, moved by payments, reversals, voids and the credits of claims won."""

    __tablename__ = "resumen_periodos"

    periodo: Mapped[str] = mapped_column(String(7), primary_key=True)
    facturas: Mapped[int] = mapped_column(BigInteger)
    estimadas: Mapped[int] = mapped_column(BigInteger)
    m3: Mapped[int] = mapped_column(BigInteger)
    facturado: Mapped[Decimal] = mapped_column(MONEY)  # own charges: total less carried
    total: Mapped[Decimal] = mapped_column(MONEY)
    recaudado: Mapped[Decimal] = mapped_column(MONEY)  # what payments took off its invoices
    acreditado: Mapped[Decimal] = mapped_column(MONEY)  # credits of claims won
    anuladas: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime]


class ResumenCartera(TenantScoped, Base):
    """The arrears by age as of `fecha`, recomputed by a job (after each billing run and on
    the hour): aging every invoice is the dashboard's one scan, so it is not done per
    request."""

    __tablename__ = "resumen_cartera"

    fecha: Mapped[date] = mapped_column(Date)
    cuentas: Mapped[int] = mapped_column(BigInteger)
    cuentas_en_mora: Mapped[int] = mapped_column(BigInteger)
    por_vencer: Mapped[Decimal] = mapped_column(MONEY)
    dias_1_30: Mapped[Decimal] = mapped_column(MONEY)
    dias_31_60: Mapped[Decimal] = mapped_column(MONEY)
    dias_61_90: Mapped[Decimal] = mapped_column(MONEY)
    dias_91_180: Mapped[Decimal] = mapped_column(MONEY)
    mas_de_180: Mapped[Decimal] = mapped_column(MONEY)
    total: Mapped[Decimal] = mapped_column(MONEY)
    calculado_at: Mapped[datetime]


class ReporteDiarioConfig(TenantScoped, Base):
    """Who gets the daily report, at what local hour, and whether it is sent; its schedule
    is a `programaciones` row this keeps in step."""

    __tablename__ = "reporte_diario_config"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "programacion_id"],
                             ["programaciones.tenant_id", "programaciones.id"]),
    )

    destinatarios: Mapped[list[str]] = mapped_column(JSON)
    hora: Mapped[int] = mapped_column(SmallInteger)
    activo: Mapped[bool] = mapped_column(Boolean)
    programacion_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    updated_at: Mapped[datetime]
