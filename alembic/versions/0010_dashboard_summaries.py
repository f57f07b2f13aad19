"""The dashboard's summaries: per tenant and billed period (`resumen_periodos`, kept by the
writes that change it) and the tenant's arrears by age (`resumen_cartera`, refreshed by a
job). Existing periods are summarised from their invoices.

Revision ID: 0010_dashboard_summaries
Revises: 0009_pqr_classification
Create Date: 2026-11-28
"""
from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op
from app.core.models import MONEY
from app.core.rls import disable_tenant_rls_sql, enable_tenant_rls_sql

revision: str = "0010_dashboard_summaries"
down_revision: str | None = "0009_pqr_classification"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("resumen_periodos", "resumen_cartera")
AMOUNTS = ("por_vencer", "dias_1_30", "dias_31_60", "dias_61_90", "dias_91_180",
           "mas_de_180", "total")


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        "resumen_periodos",
        sa.Column("tenant_id", sa.String(63), nullable=False),
        sa.Column("periodo", sa.String(7), nullable=False),
        *(sa.Column(name, sa.BigInteger(), nullable=False)
          for name in ("facturas", "estimadas", "m3")),
        *(sa.Column(name, MONEY, nullable=False)
          for name in ("facturado", "total", "recaudado", "acreditado")),
        sa.Column("anuladas", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "periodo", name=op.f("pk_resumen_periodos")),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"],
                                name=op.f("fk_resumen_periodos_tenant_id_tenants")),
    )
    op.create_table(
        "resumen_cartera",
        sa.Column("tenant_id", sa.String(63), nullable=False),
        sa.Column("fecha", sa.Date(), nullable=False),
        sa.Column("cuentas", sa.BigInteger(), nullable=False),
        sa.Column("cuentas_en_mora", sa.BigInteger(), nullable=False),
        *(sa.Column(name, MONEY, nullable=False) for name in AMOUNTS),
        sa.Column("calculado_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", name=op.f("pk_resumen_cartera")),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"],
                                name=op.f("fk_resumen_cartera_tenant_id_tenants")),
    )
    # Row-level security binds the owner too (FORCEd): the summary of every tenant's
    # invoices is read with it lifted on facturas for this statement only.
    if postgres:
        op.execute("ALTER TABLE facturas NO FORCE ROW LEVEL SECURITY")
    op.execute(
        "INSERT INTO resumen_periodos (tenant_id, periodo, facturas, estimadas, m3, facturado, "
        "total, recaudado, acreditado, anuladas, updated_at) "
        "SELECT tenant_id, periodo, "
        "SUM(CASE WHEN estado <> 'anulada' THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN estado <> 'anulada' AND consumo_estimado THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN estado <> 'anulada' THEN consumo_m3 ELSE 0 END), "
        "SUM(CASE WHEN estado <> 'anulada' THEN total - saldo_anterior ELSE 0 END), "
        "SUM(CASE WHEN estado <> 'anulada' THEN total ELSE 0 END), "
        "SUM(CASE WHEN estado <> 'anulada' THEN valor_pagado ELSE 0 END), "
        "SUM(CASE WHEN estado <> 'anulada' THEN valor_acreditado ELSE 0 END), "
        "SUM(CASE WHEN estado = 'anulada' THEN 1 ELSE 0 END), CURRENT_TIMESTAMP "
        "FROM facturas GROUP BY tenant_id, periodo")
    if postgres:
        op.execute("ALTER TABLE facturas FORCE ROW LEVEL SECURITY")
        for table in TABLES:
            for statement in enable_tenant_rls_sql(table):
                op.execute(statement)


def downgrade() -> None:
    for table in TABLES:
        if op.get_bind().dialect.name == "postgresql":
            for statement in disable_tenant_rls_sql(table):
                op.execute(statement)
        op.drop_table(table)
