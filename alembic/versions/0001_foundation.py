"""Foundation: tenants, clientes and users, and the public tenant.

Revision ID: 0001_foundation
Revises:
Create Date: 2026-11-22
"""
from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0001_foundation"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _tenant_key() -> list[sa.Column]:
    return [
        sa.Column("tenant_id", sa.String(63), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
    ]


def _timestamps() -> list[sa.Column]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    tenants = op.create_table(
        "tenants",
        sa.Column("id", sa.String(63), nullable=False),
        sa.Column("nombre", sa.String(200), nullable=False),
        sa.Column("nit", sa.String(20), nullable=True),
        sa.Column("estado", sa.String(20), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        *_timestamps(),
        sa.CheckConstraint("estado IN ('activo', 'suspendido')", name=op.f("ck_tenants_estado")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tenants")),
    )
    op.create_table(
        "clientes",
        *_tenant_key(),
        sa.Column("numero_cuenta", sa.String(30), nullable=False),
        sa.Column("nombre", sa.String(200), nullable=False),
        sa.Column("direccion", sa.String(200), nullable=False),
        sa.Column("telefono", sa.String(30), nullable=True),
        sa.Column("correo", sa.String(254), nullable=True),
        sa.Column("estrato", sa.SmallInteger(), nullable=True),
        sa.Column("uso", sa.String(20), nullable=False),
        sa.Column("servicio_acueducto", sa.Boolean(), nullable=False),
        sa.Column("servicio_alcantarillado", sa.Boolean(), nullable=False),
        sa.Column("medidor_serial", sa.String(50), nullable=True),
        sa.Column("estado", sa.String(20), nullable=False),
        *_timestamps(),
        sa.CheckConstraint(
            "(uso = 'residencial' AND estrato IS NOT NULL) "
            "OR (uso <> 'residencial' AND estrato IS NULL)",
            name=op.f("ck_clientes_estrato_only_residencial"),
        ),
        sa.CheckConstraint("estado IN ('activo', 'suspendido', 'retirado')",
                           name=op.f("ck_clientes_estado")),
        sa.CheckConstraint("uso IN ('residencial', 'comercial', 'industrial', 'oficial')",
                           name=op.f("ck_clientes_uso")),
        sa.CheckConstraint("estrato IS NULL OR estrato BETWEEN 1 AND 6",
                           name=op.f("ck_clientes_estrato_range")),
        sa.CheckConstraint("servicio_acueducto OR servicio_alcantarillado",
                           name=op.f("ck_clientes_some_service")),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"],
                                name=op.f("fk_clientes_tenant_id_tenants")),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_clientes")),
        sa.UniqueConstraint("tenant_id", "numero_cuenta",
                            name=op.f("uq_clientes_tenant_id_numero_cuenta")),
    )
    op.create_index("ix_clientes_tenant_id_nombre", "clientes", ["tenant_id", "nombre"])
    op.create_table(
        "users",
        *_tenant_key(),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("nombre", sa.String(200), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("cliente_id", sa.Uuid(), nullable=True),
        sa.Column("activo", sa.Boolean(), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        *_timestamps(),
        sa.CheckConstraint("(role = 'cliente') = (cliente_id IS NOT NULL)",
                           name=op.f("ck_users_cliente_binding")),
        sa.CheckConstraint("role IN ('superadmin', 'admin', 'operador', 'cliente')",
                           name=op.f("ck_users_role")),
        sa.ForeignKeyConstraint(["tenant_id", "cliente_id"], ["clientes.tenant_id", "clientes.id"],
                                name=op.f("fk_users_tenant_id_cliente_id_clientes")),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"],
                                name=op.f("fk_users_tenant_id_tenants")),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_users")),
        sa.UniqueConstraint("tenant_id", "email", name=op.f("uq_users_tenant_id_email")),
    )

    now = sa.func.current_timestamp()
    op.execute(tenants.insert().values(
        id="public", nombre="Cunservicios (plataforma)", estado="activo",
        timezone="America/Bogota", created_at=now, updated_at=now,
    ))


def downgrade() -> None:
    op.drop_table("users")
    op.drop_index("ix_clientes_tenant_id_nombre", table_name="clientes")
    op.drop_table("clientes")
    op.drop_table("tenants")
