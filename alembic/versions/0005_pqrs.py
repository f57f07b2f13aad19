"""PQRs: petitions, complaints, claims and appeals with their deadlines and timeline.

Revision ID: 0005_pqrs
Revises: 0004_invoice_pdfs
Create Date: 2026-11-22
"""
from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op
from app.core.rls import disable_tenant_rls_sql, enable_tenant_rls_sql

revision: str = "0005_pqrs"
down_revision: str | None = "0004_invoice_pdfs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEW_TENANT_TABLES = ("pqrs", "pqr_eventos")
MONEY = sa.Numeric(14, 2)


def _ref(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["tenant_id", column], [f"{target}.tenant_id", f"{target}.id"],
        name=op.f(f"fk_{table}_tenant_id_{column}_{target}"))


def upgrade() -> None:
    op.create_table(
        "pqrs",
        sa.Column("tenant_id", sa.String(63), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("radicado", sa.String(20), nullable=False),
        sa.Column("cliente_id", sa.Uuid(), nullable=False),
        sa.Column("tipo", sa.String(20), nullable=False),
        sa.Column("canal", sa.String(20), nullable=False),
        sa.Column("asunto", sa.String(200), nullable=False),
        sa.Column("descripcion", sa.Text(), nullable=False),
        sa.Column("estado", sa.String(20), nullable=False),
        sa.Column("factura_id", sa.Uuid(), nullable=True),
        sa.Column("valor_reclamado", MONEY, nullable=True),
        sa.Column("pqr_origen_id", sa.Uuid(), nullable=True),
        sa.Column("asignada_a", sa.Uuid(), nullable=True),
        sa.Column("radicada_por", sa.Uuid(), nullable=False),
        sa.Column("radicada_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fecha_radicacion", sa.Date(), nullable=False),
        sa.Column("fecha_vencimiento", sa.Date(), nullable=False),
        sa.Column("respuesta", sa.Text(), nullable=True),
        sa.Column("respondida_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("fecha_respuesta", sa.Date(), nullable=True),
        sa.Column("resultado", sa.String(20), nullable=True),
        sa.Column("valor_reconocido", MONEY, nullable=True),
        sa.Column("cerrada_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_pqrs")),
        sa.UniqueConstraint("tenant_id", "radicado", name=op.f("uq_pqrs_tenant_id_radicado")),
        _ref("pqrs", "cliente_id", "clientes"),
        _ref("pqrs", "factura_id", "facturas"),
        _ref("pqrs", "asignada_a", "users"),
        _ref("pqrs", "pqr_origen_id", "pqrs"),
        sa.CheckConstraint("tipo IN ('peticion', 'queja', 'reclamo', 'recurso')",
                           name=op.f("ck_pqrs_tipo")),
        sa.CheckConstraint("canal IN ('oficina', 'telefono', 'escrito', 'web')",
                           name=op.f("ck_pqrs_canal")),
        sa.CheckConstraint("estado IN ('radicada', 'en_tramite', 'respondida', 'cerrada')",
                           name=op.f("ck_pqrs_estado")),
        sa.CheckConstraint("valor_reclamado IS NULL OR valor_reclamado > 0",
                           name=op.f("ck_pqrs_valor_reclamado")),
    )
    op.create_index("ix_pqrs_tenant_id_estado_fecha_vencimiento", "pqrs",
                    ["tenant_id", "estado", "fecha_vencimiento"])
    op.create_index("ix_pqrs_tenant_id_cliente_id", "pqrs", ["tenant_id", "cliente_id"])
    op.create_table(
        "pqr_eventos",
        sa.Column("tenant_id", sa.String(63), nullable=False),
        sa.Column("pqr_id", sa.Uuid(), nullable=False),
        sa.Column("orden", sa.Integer(), nullable=False),
        sa.Column("accion", sa.String(20), nullable=False),
        sa.Column("estado_desde", sa.String(20), nullable=True),
        sa.Column("estado_hasta", sa.String(20), nullable=False),
        sa.Column("texto", sa.Text(), nullable=True),
        sa.Column("publico", sa.Boolean(), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "pqr_id", "orden", name=op.f("pk_pqr_eventos")),
        _ref("pqr_eventos", "pqr_id", "pqrs"),
    )
    if op.get_bind().dialect.name == "postgresql":
        for table in NEW_TENANT_TABLES:
            for statement in enable_tenant_rls_sql(table):
                op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in NEW_TENANT_TABLES:
            for statement in disable_tenant_rls_sql(table):
                op.execute(statement)
    op.drop_table("pqr_eventos")
    op.drop_table("pqrs")
