import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    String,
    Uuid,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models import Base, TenantScoped, Timestamped, UUIDKeyed


class TrabajoEstado(StrEnum):
    en_cola = "en_cola"
    ejecutando = "ejecutando"
    terminado = "terminado"
    fallido = "fallido"
    cancelado = "cancelado"


ACTIVE_ESTADOS = (TrabajoEstado.en_cola, TrabajoEstado.ejecutando)
_ACTIVE_SQL = "estado IN ('en_cola', 'ejecutando')"


class Trabajo(TenantScoped, UUIDKeyed, Timestamped, Base):
    """A job of a tenant: work that outlives the request that asked for it (a billing run, a
    period's PDFs). Its row is what users see; the queue only carries its key.

    `clave` names work that must not run twice at once (a billing run of one period): while a
    job with that clave is queued or running, asking again answers that job.
    """

    __tablename__ = "trabajos"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "solicitado_por"], ["users.tenant_id", "users.id"]),
        CheckConstraint("estado IN ('en_cola', 'ejecutando', 'terminado', 'fallido', "
                        "'cancelado')", name="estado"),
        CheckConstraint("hechos >= 0 AND (total IS NULL OR total >= 0)", name="progreso"),
        Index("ix_trabajos_activo_por_clave", "tenant_id", "clave", unique=True,
              postgresql_where=text(_ACTIVE_SQL), sqlite_where=text(_ACTIVE_SQL)),
        Index("ix_trabajos_tenant_id_created_at", "tenant_id", "created_at"),
    )

    tipo: Mapped[str] = mapped_column(String(40))
    estado: Mapped[str] = mapped_column(String(20), default=TrabajoEstado.en_cola)
    clave: Mapped[str | None] = mapped_column(String(120))
    parametros: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    hechos: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int | None] = mapped_column(Integer)
    paso: Mapped[str | None] = mapped_column(String(200))
    resultado: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    intentos: Mapped[int] = mapped_column(Integer, default=0)
    solicitado_por: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    iniciado_at: Mapped[datetime | None]
    terminado_at: Mapped[datetime | None]


class Programacion(TenantScoped, UUIDKeyed, Timestamped, Base):
    """A job that runs on a schedule: a cron expression read in a time zone (the tenant's by
    default). The scheduler queues it when `proxima_ejecucion` comes and moves that on."""

    __tablename__ = "programaciones"
    __table_args__ = (
        Index("ix_programaciones_tenant_id_proxima", "tenant_id", "proxima_ejecucion"),
    )

    tipo: Mapped[str] = mapped_column(String(40))
    parametros: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    cron: Mapped[str] = mapped_column(String(100))
    zona_horaria: Mapped[str] = mapped_column(String(64))
    activo: Mapped[bool] = mapped_column(Boolean, default=True)
    ultima_ejecucion: Mapped[datetime | None]
    proxima_ejecucion: Mapped[datetime]


class Archivo(TenantScoped, UUIDKeyed, Base):
    """A file a job left to download (an export too big for a request), kept until
    `expira_at`."""

    __tablename__ = "archivos"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "trabajo_id"], ["trabajos.tenant_id", "trabajos.id"]),
        Index("ix_archivos_tenant_id_trabajo_id", "tenant_id", "trabajo_id", unique=True),
    )

    trabajo_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    nombre: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(100))
    filas: Mapped[int] = mapped_column(Integer)
    contenido: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    expira_at: Mapped[datetime]
    created_at: Mapped[datetime]
