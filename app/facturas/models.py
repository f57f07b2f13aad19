import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, overload

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ColumnElement,
    Date,
    ForeignKeyConstraint,
    Index,
    SmallInteger,
    String,
    UniqueConstraint,
    Uuid,
    and_,
    case,
    func,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models import FACTOR, MONEY, UNIT_PRICE, Base, TenantChild, Timestamped, UUIDKeyed


class FacturaEstado(StrEnum):
    emitida = "emitida"
    parcial = "parcial"
    pagada = "pagada"
    vencida = "vencida"  # shown, never stored: emitida or parcial past fecha_limite_pago
    trasladada = "trasladada"  # its balance was carried into a later invoice
    anulada = "anulada"


# Issued and not (fully) paid, carried or voided: what a payment or a billing run may settle.
OPEN_ESTADOS = (FacturaEstado.emitida, FacturaEstado.parcial)


class Concepto(StrEnum):
    cargo_fijo = "cargo_fijo"
    consumo_basico = "consumo_basico"
    consumo_complementario = "consumo_complementario"
    consumo_suntuario = "consumo_suntuario"
    subsidio = "subsidio"
    contribucion = "contribucion"
    saldo_anterior = "saldo_anterior"
    intereses_mora = "intereses_mora"


@overload
def _por_liquidar(factura: "Factura") -> Decimal: ...
@overload
def _por_liquidar(factura: "type[Factura]") -> ColumnElement[Decimal]: ...
def _por_liquidar(factura: "Factura | type[Factura]") -> Any:
    """The total less what was paid, carried and credited: the one formula an invoice's
    pendiente and saldo are built on, evaluated on a row (Python) or on the class (SQL)."""
    return (factura.total - factura.valor_pagado - factura.valor_trasladado
            - factura.valor_acreditado)


@overload
def _interes_sin_cubrir(factura: "Factura") -> Decimal: ...
@overload
def _interes_sin_cubrir(factura: "type[Factura]") -> ColumnElement[Decimal]: ...
def _interes_sin_cubrir(factura: "Factura | type[Factura]") -> Any:
    """Interest charged (its own and carried) less payments and what was carried on."""
    return (factura.intereses_mora + factura.saldo_anterior - factura.capital_anterior
            - factura.valor_pagado - factura.valor_trasladado)


class Factura(TenantChild, UUIDKeyed, Timestamped, Base):
    """An issued invoice. Its number, dates, readings and lines never change; payments, a
    carried balance, claims and voiding move only the `valor_*` amounts and `estado`.

    Of the total, `valor_pagado` was paid, `valor_trasladado` was carried into a later invoice,
    `valor_acreditado` was credited by credit notes from claims the customer won, and
    `valor_en_reclamo` is held by open claims (Ley 142 art. 155: it cannot be collected while
    they are open). What is left is the `saldo` to pay.
    """

    __tablename__ = "facturas"
    __table_args__ = (
        UniqueConstraint("tenant_id", "numero"),
        UniqueConstraint("tenant_id", "cliente_id", "periodo"),
        ForeignKeyConstraint(["tenant_id", "cliente_id"], ["clientes.tenant_id", "clientes.id"]),
        ForeignKeyConstraint(["tenant_id", "trasladada_a_id"],
                             ["facturas.tenant_id", "facturas.id"]),
        Index("ix_facturas_tenant_id_periodo_estado", "tenant_id", "periodo", "estado"),
        CheckConstraint("estado IN ('emitida', 'parcial', 'pagada', 'trasladada', 'anulada')",
                        name="estado"),
        CheckConstraint("valor_pagado >= 0 AND valor_trasladado >= 0", name="valores"),
        CheckConstraint("valor_en_reclamo >= 0 AND valor_acreditado >= 0 "
                        "AND trasladado_previo >= 0", name="reclamos"),
    )

    numero: Mapped[int] = mapped_column(BigInteger)
    cliente_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    periodo: Mapped[str] = mapped_column(String(7))
    fecha_expedicion: Mapped[date] = mapped_column(Date)
    fecha_limite_pago: Mapped[date] = mapped_column(Date)
    fecha_suspension: Mapped[date] = mapped_column(Date)
    lectura_anterior: Mapped[int | None] = mapped_column(BigInteger)
    lectura_actual: Mapped[int | None] = mapped_column(BigInteger)
    consumo_m3: Mapped[int] = mapped_column(BigInteger)
    consumo_estimado: Mapped[bool] = mapped_column(Boolean)
    promedio_m3: Mapped[int | None] = mapped_column(BigInteger)
    saldo_anterior: Mapped[Decimal] = mapped_column(MONEY)
    intereses_mora: Mapped[Decimal] = mapped_column(MONEY)
    # The part of saldo_anterior that is capital (unpaid charges); the rest is unpaid interest,
    # which bears no interest itself (Código Civil art. 2235).
    capital_anterior: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0"),
                                                      server_default="0")
    total: Mapped[Decimal] = mapped_column(MONEY)
    valor_pagado: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0"))
    valor_trasladado: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0"))
    # What had been carried before the last carry: a claim released after a billing run
    # reopens the invoice and the next run carries the rest; voiding that run's invoice
    # restores this.
    trasladado_previo: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0"),
                                                       server_default="0")
    valor_en_reclamo: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0"),
                                                      server_default="0")
    valor_acreditado: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0"),
                                                      server_default="0")
    trasladada_a_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    estado: Mapped[str] = mapped_column(String(20), default=FacturaEstado.emitida)
    referencia_pago: Mapped[str] = mapped_column(String(30))
    anulada_motivo: Mapped[str | None] = mapped_column(String(500))
    anulada_at: Mapped[datetime | None]

    @hybrid_property
    def pendiente(self) -> Decimal:
        """What is not settled yet: the saldo and what open claims hold."""
        if self.estado == FacturaEstado.anulada:
            return Decimal("0.00")
        return _por_liquidar(self)

    @pendiente.inplace.expression
    @classmethod
    def _pendiente_sql(cls) -> ColumnElement[Decimal]:
        return case((cls.estado == FacturaEstado.anulada.value, Decimal("0.00")),
                    else_=_por_liquidar(cls))

    @hybrid_property
    def saldo(self) -> Decimal:
        """What is still to be paid on this invoice now (in Python and, as `Factura.saldo`,
        in SQL: the billing run's balances and carry compile this same expression)."""
        return self.pendiente - self.valor_en_reclamo

    @hybrid_property
    def interes_pendiente(self) -> Decimal:
        """The interest in the saldo: this invoice's and what it carried, less what payments
        covered (interest first, Código Civil art. 1653) and what was carried on already."""
        return max(min(_interes_sin_cubrir(self), self.saldo), Decimal("0.00"))

    @interes_pendiente.inplace.expression
    @classmethod
    def _interes_pendiente_sql(cls) -> ColumnElement[Decimal]:
        return func.greatest(func.least(_interes_sin_cubrir(cls), cls.saldo), 0)

    @hybrid_property
    def capital_pendiente(self) -> Decimal:
        """The capital in the saldo: what bears late interest once past due."""
        return self.saldo - self.interes_pendiente

    @classmethod
    def vencida_sql(cls, today: ColumnElement[date] | date) -> ColumnElement[bool]:
        """Open, past its deadline on `today`, with something to pay: shown as vencida (never
        stored: it follows from the date)."""
        return and_(cls.estado.in_(OPEN_ESTADOS), cls.fecha_limite_pago < today,
                    cls.saldo > 0)

    def settle_estado(self) -> None:
        """The estado that follows from the amounts after a payment, a reversal or a claim."""
        if self.estado == FacturaEstado.anulada:
            return
        if self.pendiente == 0 and self.valor_trasladado == 0:
            self.estado = FacturaEstado.pagada
        elif self.saldo == 0 and self.valor_trasladado > 0:
            self.estado = FacturaEstado.trasladada  # at most a held amount is left here
        elif self.valor_pagado > 0:
            self.estado = FacturaEstado.parcial
        else:
            self.estado = FacturaEstado.emitida


class FacturaLinea(TenantChild, Base):
    __tablename__ = "factura_lineas"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "factura_id"], ["facturas.tenant_id", "facturas.id"]),
    )

    factura_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    orden: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    servicio: Mapped[str | None] = mapped_column(String(20))
    concepto: Mapped[str] = mapped_column(String(30))
    cantidad_m3: Mapped[int | None] = mapped_column(BigInteger)
    valor_unitario: Mapped[Decimal | None] = mapped_column(UNIT_PRICE)
    factor: Mapped[Decimal | None] = mapped_column(FACTOR)  # subsidio / contribucion lines
    valor: Mapped[Decimal] = mapped_column(MONEY)


class NotaCredito(TenantChild, UUIDKeyed, Timestamped, Base):
    """A credit note: how an issued invoice is corrected or voided without editing it."""

    __tablename__ = "notas_credito"
    __table_args__ = (
        UniqueConstraint("tenant_id", "numero"),
        ForeignKeyConstraint(["tenant_id", "factura_id"], ["facturas.tenant_id", "facturas.id"]),
        CheckConstraint("valor > 0", name="valor"),
    )

    numero: Mapped[int] = mapped_column(BigInteger)
    factura_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    valor: Mapped[Decimal] = mapped_column(MONEY)
    motivo: Mapped[str] = mapped_column(String(500))
    creada_por: Mapped[uuid.UUID | None] = mapped_column(Uuid)
