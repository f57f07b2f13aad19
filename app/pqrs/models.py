import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models import MONEY, Base, TenantChild, TenantScoped, Timestamped, UUIDKeyed


class Tipo(StrEnum):
    peticion = "peticion"
    queja = "queja"
    reclamo = "reclamo"
    recurso = "recurso"  # de reposición, against a response; filed through /recurso


class Canal(StrEnum):
    oficina = "oficina"
    telefono = "telefono"
    escrito = "escrito"
    web = "web"


class Estado(StrEnum):
    radicada = "radicada"
    en_tramite = "en_tramite"
    respondida = "respondida"
    cerrada = "cerrada"


class GrupoCausal(StrEnum):
    facturacion = "facturacion"
    prestacion = "prestacion"  # prestación del servicio


class TipoRespuesta(StrEnum):
    """How the utility decided, in the words the regulator's PQR format uses."""

    accede = "accede"
    accede_parcialmente = "accede_parcialmente"
    no_accede = "no_accede"
    confirma = "confirma"
    modifica = "modifica"
    revoca = "revoca"
    rechaza = "rechaza"
    traslada = "traslada"
    archiva = "archiva"


class MedioNotificacion(StrEnum):
    personal = "personal"
    aviso = "aviso"
    electronica = "electronica"
    conducta_concluyente = "conducta_concluyente"


def _in(column: str, values: type[StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


class Resultado(StrEnum):
    favorable = "favorable"  # to the customer: the amount granted is credited
    desfavorable = "desfavorable"  # the hold is released


class Pqr(TenantChild, UUIDKeyed, Timestamped, Base):
    """A petición, queja, reclamo or recurso, with its legal deadline."""

    __tablename__ = "pqrs"
    __table_args__ = (
        UniqueConstraint("tenant_id", "radicado"),
        ForeignKeyConstraint(["tenant_id", "cliente_id"], ["clientes.tenant_id", "clientes.id"]),
        ForeignKeyConstraint(["tenant_id", "factura_id"], ["facturas.tenant_id", "facturas.id"]),
        ForeignKeyConstraint(["tenant_id", "asignada_a"], ["users.tenant_id", "users.id"]),
        ForeignKeyConstraint(["tenant_id", "pqr_origen_id"], ["pqrs.tenant_id", "pqrs.id"]),
        ForeignKeyConstraint(["tenant_id", "factura_retencion_id"],
                             ["facturas.tenant_id", "facturas.id"]),
        ForeignKeyConstraint(["tenant_id", "nota_credito_id"],
                             ["notas_credito.tenant_id", "notas_credito.id"]),
        Index("ix_pqrs_tenant_id_estado_fecha_vencimiento", "tenant_id", "estado",
              "fecha_vencimiento"),
        Index("ix_pqrs_tenant_id_cliente_id", "tenant_id", "cliente_id"),
        CheckConstraint("tipo IN ('peticion', 'queja', 'reclamo', 'recurso')", name="tipo"),
        CheckConstraint("canal IN ('oficina', 'telefono', 'escrito', 'web')", name="canal"),
        CheckConstraint("estado IN ('radicada', 'en_tramite', 'respondida', 'cerrada')",
                        name="estado"),
        CheckConstraint("valor_reclamado IS NULL OR valor_reclamado > 0",
                        name="valor_reclamado"),
        ForeignKeyConstraint(["tenant_id", "causal"],
                             ["pqr_causales.tenant_id", "pqr_causales.codigo"]),
        CheckConstraint(f"tipo_respuesta IS NULL OR {_in('tipo_respuesta', TipoRespuesta)}",
                        name="tipo_respuesta"),
        CheckConstraint(f"notificacion_medio IS NULL OR "
                        f"{_in('notificacion_medio', MedioNotificacion)}",
                        name="notificacion_medio"),
    )

    radicado: Mapped[str] = mapped_column(String(20))
    cliente_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    tipo: Mapped[str] = mapped_column(String(20))
    canal: Mapped[str] = mapped_column(String(20))
    asunto: Mapped[str] = mapped_column(String(200))
    descripcion: Mapped[str] = mapped_column(Text)
    estado: Mapped[str] = mapped_column(String(20), default=Estado.radicada)
    factura_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    valor_reclamado: Mapped[Decimal | None] = mapped_column(MONEY)
    # Where the disputed amount is held while the claim is open: the invoice itself, or the
    # later one its balance had been carried into when the claim was filed.
    factura_retencion_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    pqr_origen_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)  # what a recurso appeals
    asignada_a: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    radicada_por: Mapped[uuid.UUID] = mapped_column(Uuid)
    radicada_at: Mapped[datetime]
    fecha_radicacion: Mapped[date] = mapped_column(Date)  # in the tenant's time zone
    fecha_vencimiento: Mapped[date] = mapped_column(Date)
    respuesta: Mapped[str | None] = mapped_column(Text)
    respondida_at: Mapped[datetime | None]
    fecha_respuesta: Mapped[date | None] = mapped_column(Date)
    resultado: Mapped[str | None] = mapped_column(String(20))
    valor_reconocido: Mapped[Decimal | None] = mapped_column(MONEY)
    nota_credito_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)  # for what was granted
    cerrada_at: Mapped[datetime | None]
    causal: Mapped[str | None] = mapped_column(String(10))  # a code of pqr_causales
    tipo_respuesta: Mapped[str | None] = mapped_column(String(30))
    # Business days from filing to the answer, kept when it is answered: the reports average
    # it without a holiday calendar in SQL.
    dias_habiles_respuesta: Mapped[int | None] = mapped_column(Integer)
    notificacion_medio: Mapped[str | None] = mapped_column(String(30))
    fecha_notificacion: Mapped[date | None] = mapped_column(Date)


class PqrCausal(TenantScoped, Base):
    """A cause a PQR is classified under: the tenant's catalogue, seeded with common ones."""

    __tablename__ = "pqr_causales"
    __table_args__ = (
        CheckConstraint(_in("grupo", GrupoCausal), name="grupo"),
    )

    codigo: Mapped[str] = mapped_column(String(10), primary_key=True)
    grupo: Mapped[str] = mapped_column(String(20))
    nombre: Mapped[str] = mapped_column(String(200))
    activa: Mapped[bool] = mapped_column(Boolean, default=True)


class PqrEvento(TenantChild, Base):
    """One line of a PQR's timeline: who did what, when, and the move of estado it made."""

    __tablename__ = "pqr_eventos"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "pqr_id"], ["pqrs.tenant_id", "pqrs.id"]),
    )

    pqr_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    orden: Mapped[int] = mapped_column(Integer, primary_key=True)
    accion: Mapped[str] = mapped_column(String(20))
    estado_desde: Mapped[str | None] = mapped_column(String(20))
    estado_hasta: Mapped[str] = mapped_column(String(20))
    texto: Mapped[str | None] = mapped_column(Text)
    publico: Mapped[bool]  # internal notes are not shown to the customer
    actor_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime]
