"""Files that jobs leave to download (exports too big for a request), kept for a while.

Revision ID: 0011_archivos
Revises: 0010_dashboard_summaries
Create Date: 2026-11-28
"""
from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op
from app.core.rls import disable_tenant_rls_sql, enable_tenant_rls_sql

revision: str = "0011_archivos"
down_revision: str | None = "0010_dashboard_summaries"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "archivos",
        sa.Column("tenant_id", sa.String(63), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("trabajo_id", sa.Uuid(), nullable=False),
        sa.Column("nombre", sa.String(200), nullable=False),
        sa.Column("media_type", sa.String(100), nullable=False),
        sa.Column("filas", sa.Integer(), nullable=False),
        sa.Column("contenido", sa.LargeBinary(), nullable=False),
        sa.Column("expira_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_archivos")),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"],
                                name=op.f("fk_archivos_tenant_id_tenants")),
        sa.ForeignKeyConstraint(["tenant_id", "trabajo_id"],
                                ["trabajos.tenant_id", "trabajos.id"],
                                name=op.f("fk_archivos_tenant_id_trabajo_id_trabajos")),
    )
    op.create_index("ix_archivos_tenant_id_trabajo_id", "archivos", ["tenant_id", "trabajo_id"],
                    unique=True)
    if op.get_bind().dialect.name == "postgresql":
        for statement in enable_tenant_rls_sql("archivos"):
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in disable_tenant_rls_sql("archivos"):
            op.execute(statement)
    op.drop_index("ix_archivos_tenant_id_trabajo_id", table_name="archivos")
    op.drop_table("archivos")
