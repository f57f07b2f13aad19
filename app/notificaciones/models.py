from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models import Base, TenantScoped, Timestamped, UUIDKeyed


class EnvioEstado(StrEnum):
    pendiente = "pendiente"
    enviado = "enviado"
    fallido = "fallido"


class Envio(TenantScoped, UUIDKeyed, Timestamped, Base):
    """One e-mail as sent (or not): to whom, what, how it went and after how many attempts.
    The platform's alerts are envíos of the `public` tenant."""

    __tablename__ = "envios"
    __table_args__ = (
        CheckConstraint("estado IN ('pendiente', 'enviado', 'fallido')", name="estado"),
        Index("ix_envios_tenant_id_created_at", "tenant_id", "created_at"),
    )

    tipo: Mapped[str] = mapped_column(String(40))
    destinatarios: Mapped[list[str]] = mapped_column(JSON)
    asunto: Mapped[str] = mapped_column(String(300))
    estado: Mapped[str] = mapped_column(String(20), default=EnvioEstado.pendiente)
    intentos: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(String(500))
    enviado_at: Mapped[datetime | None]
