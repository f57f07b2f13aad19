"""Invoice PDFs: the tenant's branding and the stored renderings.

Revision ID: 0004_invoice_pdfs
Revises: 0003_billing
Create Date: 2026-11-22
"""
from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op
from app.core.rls import disable_tenant_rls_sql, enable_tenant_rls_sql

revision: str = "0004_invoice_pdfs"
down_revision: str | None = "0003_billing"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

def _branding() -> list[sa.Column]:
    return [
        sa.Column("direccion", sa.String(200), nullable=True),
        sa.Column("telefono", sa.String(30), nullable=True),
        sa.Column("correo", sa.String(254), nullable=True),
        sa.Column("sitio_web", sa.String(200), nullable=True),
        sa.Column("gln", sa.String(13), nullable=True),
        sa.Column("color_primario", sa.String(7), nullable=False, server_default="#1f4e79"),
        sa.Column("logo_media_type", sa.String(20), nullable=True),
        sa.Column("logo", sa.LargeBinary(), nullable=True),
    ]


def upgrade() -> None:
    with op.batch_alter_table("tenants") as batch:
        for column in _branding():
            batch.add_column(column)
    op.create_table(
        "factura_pdfs",
        sa.Column("tenant_id", sa.String(63), nullable=False),
        sa.Column("factura_id", sa.Uuid(), nullable=False),
        sa.Column("variante", sa.String(80), nullable=False),
        sa.Column("etag", sa.String(66), nullable=False),
        sa.Column("tamano_bytes", sa.Integer(), nullable=False),
        sa.Column("contenido", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "factura_id", name=op.f("pk_factura_pdfs")),
        sa.ForeignKeyConstraint(
            ["tenant_id", "factura_id"], ["facturas.tenant_id", "facturas.id"],
            name=op.f("fk_factura_pdfs_tenant_id_factura_id_facturas")),
    )
    if op.get_bind().dialect.name == "postgresql":
        # PDFs are compressed already: store them out of line without trying again.
        op.execute("ALTER TABLE factura_pdfs ALTER COLUMN contenido SET STORAGE EXTERNAL")
        for statement in enable_tenant_rls_sql("factura_pdfs"):
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in disable_tenant_rls_sql("factura_pdfs"):
            op.execute(statement)
    op.drop_table("factura_pdfs")
    with op.batch_alter_table("tenants") as batch:
        for column in reversed(_branding()):
            batch.drop_column(column.name)
