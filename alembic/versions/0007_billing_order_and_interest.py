"""Billing in order and late interest as the law allows: when each period was billed, the
capital part of a carried balance, and the residential, non-residential and usury rates that
replace the single monthly rate.

Revision ID: 0007_order_interest
Revises: 0006_claim_holds
Create Date: 2026-11-28
"""
from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0007_order_interest"
down_revision: str | None = "0006_claim_holds"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MONEY = sa.Numeric(14, 2)
FACTOR = sa.Numeric(6, 4)
# 0.005 a month: Código Civil's legal rate, the cap for residential users (Ley 142 art. 96,
# C-389 de 2002).
RATES_CHECK = ("tasa_mora_residencial >= 0 AND tasa_mora_residencial <= 0.005 "
               "AND tasa_usura_mensual >= 0 AND tasa_usura_mensual < 0.1 "
               "AND tasa_mora_no_residencial >= 0 "
               "AND tasa_mora_no_residencial <= tasa_usura_mensual")


def upgrade() -> None:
    with op.batch_alter_table("periodos") as batch:
        batch.add_column(sa.Column("facturado_at", sa.DateTime(timezone=True), nullable=True))
    # A period with invoices was billed when its first invoice was made.
    op.execute("UPDATE periodos SET facturado_at = (SELECT min(f.created_at) FROM facturas f "
               "WHERE f.tenant_id = periodos.tenant_id AND f.periodo = periodos.periodo)")

    # Until now interest was charged on whole balances; what was carried counts as capital.
    with op.batch_alter_table("facturas") as batch:
        batch.add_column(sa.Column("capital_anterior", MONEY, nullable=False,
                                   server_default="0"))
    op.execute("UPDATE facturas SET capital_anterior = saldo_anterior")

    with op.batch_alter_table("tenants") as batch:
        for column in ("tasa_mora_residencial", "tasa_mora_no_residencial",
                       "tasa_usura_mensual"):
            batch.add_column(sa.Column(column, FACTOR, nullable=False, server_default="0"))
    op.execute("UPDATE tenants SET tasa_usura_mensual = tasa_mora_mensual, "
               "tasa_mora_no_residencial = tasa_mora_mensual, "
               "tasa_mora_residencial = CASE WHEN tasa_mora_mensual > 0.005 "
               "THEN 0.005 ELSE tasa_mora_mensual END")
    with op.batch_alter_table("tenants") as batch:
        batch.drop_constraint(op.f("ck_tenants_tasa_mora_mensual"), type_="check")
        batch.drop_column("tasa_mora_mensual")
        batch.create_check_constraint(op.f("ck_tenants_tasas_mora"), RATES_CHECK)


def downgrade() -> None:
    with op.batch_alter_table("tenants") as batch:
        batch.drop_constraint(op.f("ck_tenants_tasas_mora"), type_="check")
        batch.add_column(sa.Column("tasa_mora_mensual", FACTOR, nullable=False,
                                   server_default="0"))
    op.execute("UPDATE tenants SET tasa_mora_mensual = tasa_mora_no_residencial")
    with op.batch_alter_table("tenants") as batch:
        batch.create_check_constraint(op.f("ck_tenants_tasa_mora_mensual"),
                                      "tasa_mora_mensual >= 0 AND tasa_mora_mensual < 0.1")
        for column in ("tasa_mora_residencial", "tasa_mora_no_residencial",
                       "tasa_usura_mensual"):
            batch.drop_column(column)
    with op.batch_alter_table("facturas") as batch:
        batch.drop_column("capital_anterior")
    with op.batch_alter_table("periodos") as batch:
        batch.drop_column("facturado_at")
