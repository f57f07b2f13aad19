"""PQR classification as the regulator asks for it: the tenant's catalogue of causes
(`pqr_causales`, seeded for every tenant), and on each PQR its causal, the kind of answer, how
and when the answer was notified, and the business days it took to answer.

Revision ID: 0009_pqr_classification
Revises: 0008_trabajos
Create Date: 2026-11-28
"""
from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa

from alembic import op
from app.core.rls import disable_tenant_rls_sql, enable_tenant_rls_sql
from app.pqrs.causales import CAUSALES_COMUNES
from app.pqrs.plazos import habiles_entre

revision: str = "0009_pqr_classification"
down_revision: str | None = "0008_trabajos"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIPOS_RESPUESTA = ("accede", "accede_parcialmente", "no_accede", "confirma", "modifica",
                   "revoca", "rechaza", "traslada", "archiva")
MEDIOS = ("personal", "aviso", "electronica", "conducta_concluyente")


def _in(column: str, values: Sequence[str]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    causales = op.create_table(
        "pqr_causales",
        sa.Column("tenant_id", sa.String(63), nullable=False),
        sa.Column("codigo", sa.String(10), nullable=False),
        sa.Column("grupo", sa.String(20), nullable=False),
        sa.Column("nombre", sa.String(200), nullable=False),
        sa.Column("activa", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "codigo", name=op.f("pk_pqr_causales")),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"],
                                name=op.f("fk_pqr_causales_tenant_id_tenants")),
        sa.CheckConstraint("grupo IN ('facturacion', 'prestacion')",
                           name=op.f("ck_pqr_causales_grupo")),
    )
    tenants = [row[0] for row in op.get_bind().execute(sa.text("SELECT id FROM tenants"))]
    op.bulk_insert(causales, [
        {"tenant_id": tenant, "codigo": codigo, "grupo": grupo.value, "nombre": nombre,
         "activa": True}
        for tenant in tenants for codigo, grupo, nombre in CAUSALES_COMUNES])
    if postgres:
        for statement in enable_tenant_rls_sql("pqr_causales"):
            op.execute(statement)

    with op.batch_alter_table("pqrs") as batch:
        batch.add_column(sa.Column("causal", sa.String(10), nullable=True))
        batch.add_column(sa.Column("tipo_respuesta", sa.String(30), nullable=True))
        batch.add_column(sa.Column("dias_habiles_respuesta", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("notificacion_medio", sa.String(30), nullable=True))
        batch.add_column(sa.Column("fecha_notificacion", sa.Date(), nullable=True))
        batch.create_foreign_key(op.f("fk_pqrs_tenant_id_causal_pqr_causales"), "pqr_causales",
                                 ["tenant_id", "causal"], ["tenant_id", "codigo"])
        batch.create_check_constraint(
            op.f("ck_pqrs_tipo_respuesta"),
            f"tipo_respuesta IS NULL OR {_in('tipo_respuesta', TIPOS_RESPUESTA)}")
        batch.create_check_constraint(
            op.f("ck_pqrs_notificacion_medio"),
            f"notificacion_medio IS NULL OR {_in('notificacion_medio', MEDIOS)}")

    # The PQRs answered before this revision get their business days to answer. Row-level
    # security binds the owner too (FORCEd); the backfill spans every tenant, so it is
    # lifted for these statements only.
    if postgres:
        op.execute("ALTER TABLE pqrs NO FORCE ROW LEVEL SECURITY")
    answered = op.get_bind().execute(sa.text(
        "SELECT tenant_id, id, fecha_radicacion, fecha_respuesta FROM pqrs "
        "WHERE fecha_respuesta IS NOT NULL")).all()
    for tenant_id, pqr_id, filed, answered_on in answered:
        op.get_bind().execute(
            sa.text("UPDATE pqrs SET dias_habiles_respuesta = :dias "
                    "WHERE tenant_id = :tenant_id AND id = :id"),
            {"dias": habiles_entre(_as_date(filed), _as_date(answered_on)),
             "tenant_id": tenant_id, "id": pqr_id})
    if postgres:
        op.execute("ALTER TABLE pqrs FORCE ROW LEVEL SECURITY")


def _as_date(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def downgrade() -> None:
    with op.batch_alter_table("pqrs") as batch:
        batch.drop_constraint(op.f("ck_pqrs_notificacion_medio"), type_="check")
        batch.drop_constraint(op.f("ck_pqrs_tipo_respuesta"), type_="check")
        batch.drop_constraint(op.f("fk_pqrs_tenant_id_causal_pqr_causales"),
                              type_="foreignkey")
        for column in ("fecha_notificacion", "notificacion_medio", "dias_habiles_respuesta",
                       "tipo_respuesta", "causal"):
            batch.drop_column(column)
    if op.get_bind().dialect.name == "postgresql":
        for statement in disable_tenant_rls_sql("pqr_causales"):
            op.execute(statement)
    op.drop_table("pqr_causales")
