import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models import SLUG_LENGTH, Base, TenantScoped, UUIDKeyed


class Auditoria(TenantScoped, UUIDKeyed, Base):
    """One change made by a user: who (and in which role), what (the entity, its key, the
    fields before and after), by which call and request, when. Append-only: the service's
    database role may insert and read it, never update or delete it."""

    __tablename__ = "auditoria"
    __table_args__ = (
        Index("ix_auditoria_tenant_id_at", "tenant_id", "at"),
        Index("ix_auditoria_tenant_id_entidad", "tenant_id", "entidad", "entidad_id"),
        Index("ix_auditoria_tenant_id_actor_id", "tenant_id", "actor_id", "at"),
    )

    at: Mapped[datetime]
    actor_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    actor_rol: Mapped[str] = mapped_column(String(20))
    accion: Mapped[str] = mapped_column(String(80))
    ruta: Mapped[str] = mapped_column(String(200))
    operacion: Mapped[str] = mapped_column(String(20))  # crear, modificar, eliminar, ejecutar
    entidad: Mapped[str | None] = mapped_column(String(60))
    entidad_id: Mapped[str | None] = mapped_column(String(200))
    request_id: Mapped[str | None] = mapped_column(String(128))
    antes: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    despues: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class Incidente(UUIDKeyed, Base):
    """Something that went wrong on the platform (a 500, the database gone, a failed job or
    e-mail). Repeats of the same one (its `huella`) within the window are counted here; a new
    window opens a new row, which is notified again. Read only by the platform's operators:
    its row-level policy admits only transactions of the `public` tenant."""

    __tablename__ = "incidentes"
    __table_args__ = (
        Index("ix_incidentes_huella_ultima_vez", "huella", "ultima_vez"),
        Index("ix_incidentes_primera_vez", "primera_vez"),
        Index("ix_incidentes_request_id", "request_id"),
    )

    huella: Mapped[str] = mapped_column(String(64))
    tipo: Mapped[str] = mapped_column(String(30))
    severidad: Mapped[str] = mapped_column(String(10))
    tenant_id: Mapped[str | None] = mapped_column(String(SLUG_LENGTH))
    request_id: Mapped[str | None] = mapped_column(String(128))
    ultimo_request_id: Mapped[str | None] = mapped_column(String(128))
    ruta: Mapped[str | None] = mapped_column(String(200))
    error: Mapped[str] = mapped_column(String(200))
    mensaje: Mapped[str] = mapped_column(String(500))
    ocurrencias: Mapped[int] = mapped_column(Integer, default=1)
    primera_vez: Mapped[datetime]
    ultima_vez: Mapped[datetime]
    notificado_at: Mapped[datetime | None]
    resuelto_at: Mapped[datetime | None]
    resuelto_por: Mapped[uuid.UUID | None] = mapped_column(Uuid)
