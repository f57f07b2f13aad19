"""Billing: tariffs, readings, periods, invoices, credit notes, payments, counters.

Revision ID: 0003_billing
Revises: 0002_row_level_security
Create Date: 2026-11-22
"""
from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op
from app.core.rls import disable_tenant_rls_sql, enable_tenant_rls_sql

revision: str = "0003_billing"
down_revision: str | None = "0002_row_level_security"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEW_TENANT_TABLES = ("consecutivos", "tarifas", "tarifa_factores", "lecturas", "periodos",
                     "facturas", "factura_lineas", "notas_credito", "pagos")
MONEY = sa.Numeric(14, 2)
UNIT_PRICE = sa.Numeric(14, 4)
FACTOR = sa.Numeric(6, 4)


def _tenant() -> sa.Column:
    return sa.Column("tenant_id", sa.String(63), nullable=False)


def _tenant_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"],
                                   name=op.f(f"fk_{table}_tenant_id_tenants"))


def _keyed(table: str, *, child: bool = False) -> list:
    """tenant_id and id and the (tenant_id, id) primary key; a root table also references
    tenants (a child's composite key to its parent already proves the tenant)."""
    columns = [_tenant(), sa.Column("id", sa.Uuid(), nullable=False),
               sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f(f"pk_{table}"))]
    return columns if child else [*columns, _tenant_fk(table)]


def _timestamps() -> list[sa.Column]:
    return [sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False)]


def _ref(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["tenant_id", column], [f"{target}.tenant_id", f"{target}.id"],
        name=op.f(f"fk_{table}_tenant_id_{column}_{target}"))


def upgrade() -> None:
    with op.batch_alter_table("tenants") as batch:
        batch.add_column(sa.Column("consumo_basico_m3", sa.SmallInteger(), nullable=False,
                                   server_default="11"))
        batch.add_column(sa.Column("tasa_mora_mensual", FACTOR, nullable=False,
                                   server_default="0"))
        batch.create_check_constraint("consumo_basico_m3", "consumo_basico_m3 IN (11, 13, 16)")
        batch.create_check_constraint("tasa_mora_mensual",
                                      "tasa_mora_mensual >= 0 AND tasa_mora_mensual < 0.1")
    with op.batch_alter_table("clientes") as batch:
        batch.add_column(sa.Column("medidor_digitos", sa.SmallInteger(), nullable=False,
                                   server_default="5"))
        batch.create_check_constraint("medidor_digitos", "medidor_digitos BETWEEN 3 AND 9")

    op.create_table(
        "consecutivos",
        _tenant(),
        sa.Column("nombre", sa.String(40), nullable=False),
        sa.Column("ultimo", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "nombre", name=op.f("pk_consecutivos")),
        _tenant_fk("consecutivos"),
    )
    op.create_table(
        "tarifas",
        *_keyed("tarifas"),
        sa.Column("servicio", sa.String(20), nullable=False),
        sa.Column("vigente_desde", sa.Date(), nullable=False),
        sa.Column("vigente_hasta", sa.Date(), nullable=True),
        sa.Column("cargo_fijo", MONEY, nullable=False),
        sa.Column("precio_basico", UNIT_PRICE, nullable=False),
        sa.Column("precio_complementario", UNIT_PRICE, nullable=False),
        sa.Column("precio_suntuario", UNIT_PRICE, nullable=False),
        *_timestamps(),
        sa.CheckConstraint("servicio IN ('acueducto', 'alcantarillado')",
                           name=op.f("ck_tarifas_servicio")),
        sa.CheckConstraint("vigente_hasta IS NULL OR vigente_hasta >= vigente_desde",
                           name=op.f("ck_tarifas_vigencia")),
        sa.CheckConstraint("cargo_fijo >= 0 AND precio_basico >= 0 AND "
                           "precio_complementario >= 0 AND precio_suntuario >= 0",
                           name=op.f("ck_tarifas_precios")),
    )
    op.create_table(
        "tarifa_factores",
        _tenant(),
        sa.Column("tarifa_id", sa.Uuid(), nullable=False),
        sa.Column("uso", sa.String(20), nullable=False),
        sa.Column("estrato", sa.SmallInteger(), nullable=False),
        sa.Column("factor", FACTOR, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "tarifa_id", "uso", "estrato",
                                name=op.f("pk_tarifa_factores")),
        sa.ForeignKeyConstraint(["tenant_id", "tarifa_id"], ["tarifas.tenant_id", "tarifas.id"],
                                name=op.f("fk_tarifa_factores_tenant_id_tarifa_id_tarifas"),
                                ondelete="CASCADE"),
        sa.CheckConstraint("factor > -1 AND factor < 1",
                           name=op.f("ck_tarifa_factores_factor_range")),
    )
    op.create_table(
        "lecturas",
        *_keyed("lecturas", child=True),
        sa.Column("cliente_id", sa.Uuid(), nullable=False),
        sa.Column("periodo", sa.String(7), nullable=False),
        sa.Column("fecha_lectura", sa.Date(), nullable=False),
        sa.Column("lectura_anterior", sa.BigInteger(), nullable=True),
        sa.Column("lectura_actual", sa.BigInteger(), nullable=False),
        sa.Column("consumo_m3", sa.BigInteger(), nullable=True),
        sa.Column("rollover", sa.Boolean(), nullable=False),
        sa.Column("novedad", sa.String(200), nullable=True),
        *_timestamps(),
        _ref("lecturas", "cliente_id", "clientes"),
        sa.UniqueConstraint("tenant_id", "cliente_id", "periodo",
                            name=op.f("uq_lecturas_tenant_id_cliente_id_periodo")),
        sa.CheckConstraint("lectura_actual >= 0", name=op.f("ck_lecturas_lectura_actual")),
        sa.CheckConstraint("consumo_m3 IS NULL OR consumo_m3 >= 0",
                           name=op.f("ck_lecturas_consumo")),
    )
    op.create_index("ix_lecturas_tenant_id_periodo", "lecturas", ["tenant_id", "periodo"])
    op.create_table(
        "periodos",
        *_keyed("periodos"),
        sa.Column("periodo", sa.String(7), nullable=False),
        sa.Column("fecha_expedicion", sa.Date(), nullable=False),
        sa.Column("fecha_limite_pago", sa.Date(), nullable=False),
        sa.Column("fecha_suspension", sa.Date(), nullable=False),
        *_timestamps(),
        sa.UniqueConstraint("tenant_id", "periodo", name=op.f("uq_periodos_tenant_id_periodo")),
        sa.CheckConstraint("fecha_limite_pago >= fecha_expedicion",
                           name=op.f("ck_periodos_limite_pago")),
        sa.CheckConstraint("fecha_suspension > fecha_limite_pago",
                           name=op.f("ck_periodos_suspension")),
    )
    op.create_table(
        "facturas",
        *_keyed("facturas", child=True),
        sa.Column("numero", sa.BigInteger(), nullable=False),
        sa.Column("cliente_id", sa.Uuid(), nullable=False),
        sa.Column("periodo", sa.String(7), nullable=False),
        sa.Column("fecha_expedicion", sa.Date(), nullable=False),
        sa.Column("fecha_limite_pago", sa.Date(), nullable=False),
        sa.Column("fecha_suspension", sa.Date(), nullable=False),
        sa.Column("lectura_anterior", sa.BigInteger(), nullable=True),
        sa.Column("lectura_actual", sa.BigInteger(), nullable=True),
        sa.Column("consumo_m3", sa.BigInteger(), nullable=False),
        sa.Column("consumo_estimado", sa.Boolean(), nullable=False),
        sa.Column("promedio_m3", sa.BigInteger(), nullable=True),
        sa.Column("saldo_anterior", MONEY, nullable=False),
        sa.Column("intereses_mora", MONEY, nullable=False),
        sa.Column("total", MONEY, nullable=False),
        sa.Column("valor_pagado", MONEY, nullable=False),
        sa.Column("valor_trasladado", MONEY, nullable=False),
        sa.Column("trasladada_a_id", sa.Uuid(), nullable=True),
        sa.Column("estado", sa.String(20), nullable=False),
        sa.Column("referencia_pago", sa.String(30), nullable=False),
        sa.Column("anulada_motivo", sa.String(500), nullable=True),
        sa.Column("anulada_at", sa.DateTime(timezone=True), nullable=True),
        *_timestamps(),
        _ref("facturas", "cliente_id", "clientes"),
        _ref("facturas", "trasladada_a_id", "facturas"),
        sa.UniqueConstraint("tenant_id", "numero", name=op.f("uq_facturas_tenant_id_numero")),
        sa.UniqueConstraint("tenant_id", "cliente_id", "periodo",
                            name=op.f("uq_facturas_tenant_id_cliente_id_periodo")),
        sa.CheckConstraint(
            "estado IN ('emitida', 'parcial', 'pagada', 'trasladada', 'anulada')",
            name=op.f("ck_facturas_estado")),
        sa.CheckConstraint("valor_pagado >= 0 AND valor_trasladado >= 0",
                           name=op.f("ck_facturas_valores")),
    )
    op.create_index("ix_facturas_tenant_id_periodo_estado", "facturas",
                    ["tenant_id", "periodo", "estado"])
    op.create_table(
        "factura_lineas",
        _tenant(),
        sa.Column("factura_id", sa.Uuid(), nullable=False),
        sa.Column("orden", sa.SmallInteger(), nullable=False),
        sa.Column("servicio", sa.String(20), nullable=True),
        sa.Column("concepto", sa.String(30), nullable=False),
        sa.Column("cantidad_m3", sa.BigInteger(), nullable=True),
        sa.Column("valor_unitario", UNIT_PRICE, nullable=True),
        sa.Column("factor", FACTOR, nullable=True),
        sa.Column("valor", MONEY, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "factura_id", "orden",
                                name=op.f("pk_factura_lineas")),
        _ref("factura_lineas", "factura_id", "facturas"),
    )
    op.create_table(
        "notas_credito",
        *_keyed("notas_credito", child=True),
        sa.Column("numero", sa.BigInteger(), nullable=False),
        sa.Column("factura_id", sa.Uuid(), nullable=False),
        sa.Column("valor", MONEY, nullable=False),
        sa.Column("motivo", sa.String(500), nullable=False),
        sa.Column("creada_por", sa.Uuid(), nullable=True),
        *_timestamps(),
        _ref("notas_credito", "factura_id", "facturas"),
        sa.UniqueConstraint("tenant_id", "numero",
                            name=op.f("uq_notas_credito_tenant_id_numero")),
        sa.CheckConstraint("valor > 0", name=op.f("ck_notas_credito_valor")),
    )
    op.create_table(
        "pagos",
        *_keyed("pagos", child=True),
        sa.Column("factura_id", sa.Uuid(), nullable=False),
        sa.Column("valor", MONEY, nullable=False),
        sa.Column("fecha", sa.Date(), nullable=False),
        sa.Column("canal", sa.String(20), nullable=False),
        sa.Column("referencia", sa.String(100), nullable=True),
        sa.Column("estado", sa.String(20), nullable=False),
        sa.Column("idempotency_key", sa.String(200), nullable=True),
        sa.Column("request_hash", sa.String(64), nullable=True),
        sa.Column("registrado_por", sa.Uuid(), nullable=True),
        sa.Column("reversado_motivo", sa.String(500), nullable=True),
        sa.Column("reversado_at", sa.DateTime(timezone=True), nullable=True),
        *_timestamps(),
        _ref("pagos", "factura_id", "facturas"),
        sa.CheckConstraint("valor > 0", name=op.f("ck_pagos_valor")),
        sa.CheckConstraint("estado IN ('aplicado', 'reversado')", name=op.f("ck_pagos_estado")),
    )
    op.create_index("ix_pagos_tenant_id_factura_id", "pagos", ["tenant_id", "factura_id"])
    op.create_index("uq_pagos_tenant_id_idempotency_key", "pagos",
                    ["tenant_id", "idempotency_key"], unique=True)

    if op.get_bind().dialect.name == "postgresql":
        for table in NEW_TENANT_TABLES:
            for statement in enable_tenant_rls_sql(table):
                op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in NEW_TENANT_TABLES:
            for statement in disable_tenant_rls_sql(table):
                op.execute(statement)
    for table in ("pagos", "notas_credito", "factura_lineas", "facturas", "periodos",
                  "lecturas", "tarifa_factores", "tarifas", "consecutivos"):
        op.drop_table(table)
    with op.batch_alter_table("clientes") as batch:
        batch.drop_constraint(op.f("ck_clientes_medidor_digitos"), type_="check")
        batch.drop_column("medidor_digitos")
    with op.batch_alter_table("tenants") as batch:
        batch.drop_constraint(op.f("ck_tenants_tasa_mora_mensual"), type_="check")
        batch.drop_constraint(op.f("ck_tenants_consumo_basico_m3"), type_="check")
        batch.drop_column("tasa_mora_mensual")
        batch.drop_column("consumo_basico_m3")
