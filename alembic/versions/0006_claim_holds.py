"""Claims on invoices: the amount an open claim holds, credits from claims won, and what a
reopened invoice had carried before.

Revision ID: 0006_claim_holds
Revises: 0005_pqrs
Create Date: 2026-11-22
"""
from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0006_claim_holds"
down_revision: str | None = "0005_pqrs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MONEY = sa.Numeric(14, 2)
FACTURA_AMOUNTS = ("trasladado_previo", "valor_en_reclamo", "valor_acreditado")
PQR_REFERENCES = (("factura_retencion_id", "facturas"), ("nota_credito_id", "notas_credito"))


def upgrade() -> None:
    # Batch mode: SQLite adds constraints by copying the table; PostgreSQL alters in place.
    with op.batch_alter_table("facturas") as batch:
        for column in FACTURA_AMOUNTS:
            batch.add_column(sa.Column(column, MONEY, nullable=False, server_default="0"))
        batch.create_check_constraint(
            op.f("ck_facturas_reclamos"),
            "valor_en_reclamo >= 0 AND valor_acreditado >= 0 AND trasladado_previo >= 0")
    with op.batch_alter_table("pqrs") as batch:
        for column, target in PQR_REFERENCES:
            batch.add_column(sa.Column(column, sa.Uuid(), nullable=True))
            batch.create_foreign_key(
                op.f(f"fk_pqrs_tenant_id_{column}_{target}"), target,
                ["tenant_id", column], ["tenant_id", "id"])


def downgrade() -> None:
    with op.batch_alter_table("pqrs") as batch:
        for column, target in PQR_REFERENCES:
            batch.drop_constraint(op.f(f"fk_pqrs_tenant_id_{column}_{target}"),
                                  type_="foreignkey")
            batch.drop_column(column)
    with op.batch_alter_table("facturas") as batch:
        batch.drop_constraint(op.f("ck_facturas_reclamos"), type_="check")
        for column in FACTURA_AMOUNTS:
            batch.drop_column(column)
