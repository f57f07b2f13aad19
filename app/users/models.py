import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKeyConstraint,
    String,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.core.models import Base, TenantScoped, Timestamped, UUIDKeyed


class Role(StrEnum):
    superadmin = "superadmin"
    admin = "admin"
    operador = "operador"
    cliente = "cliente"


EMAIL_LENGTH = 254


class User(TenantScoped, UUIDKeyed, Timestamped, Base):
    __tablename__ = "users"
    __table_args__ = (
        UniqueConstraint("tenant_id", "email"),
        # Composite: a portal user can only be bound to an account of its own tenant.
        ForeignKeyConstraint(
            ["tenant_id", "cliente_id"], ["clientes.tenant_id", "clientes.id"]
        ),
        CheckConstraint(
            "role IN ('superadmin', 'admin', 'operador', 'cliente')", name="role"
        ),
        CheckConstraint(
            "(role = 'cliente') = (cliente_id IS NOT NULL)", name="cliente_binding"
        ),
    )

    email: Mapped[str] = mapped_column(String(EMAIL_LENGTH))
    nombre: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    cliente_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    activo: Mapped[bool] = mapped_column(Boolean, default=True)
    last_login_at: Mapped[datetime | None]
