"""Jobs: the tenant's `trabajos` (what users see of work that outlives a request) and
`programaciones` (jobs on a schedule) and, on PostgreSQL, the job queue's own tables
(procrastinate's schema).

Revision ID: 0008_trabajos
Revises: 0007_order_interest
Create Date: 2026-11-28
"""
from collections.abc import Sequence

import sqlalchemy as sa
from procrastinate.schema import SchemaManager

from alembic import op
from app.core.rls import disable_tenant_rls_sql, enable_tenant_rls_sql

revision: str = "0008_trabajos"
down_revision: str | None = "0007_order_interest"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIVE = "estado IN ('en_cola', 'ejecutando')"
TENANT_TABLES = ("trabajos", "programaciones")


def upgrade() -> None:
    op.create_table(
        "trabajos",
        sa.Column("tenant_id", sa.String(63), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tipo", sa.String(40), nullable=False),
        sa.Column("estado", sa.String(20), nullable=False),
        sa.Column("clave", sa.String(120), nullable=True),
        sa.Column("parametros", sa.JSON(), nullable=False),
        sa.Column("hechos", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=True),
        sa.Column("paso", sa.String(200), nullable=True),
        sa.Column("resultado", sa.JSON(), nullable=True),
        sa.Column("error", sa.JSON(), nullable=True),
        sa.Column("intentos", sa.Integer(), nullable=False),
        sa.Column("solicitado_por", sa.Uuid(), nullable=True),
        sa.Column("iniciado_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("terminado_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_trabajos")),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"],
                                name=op.f("fk_trabajos_tenant_id_tenants")),
        sa.ForeignKeyConstraint(["tenant_id", "solicitado_por"], ["users.tenant_id", "users.id"],
                                name=op.f("fk_trabajos_tenant_id_solicitado_por_users")),
        sa.CheckConstraint("estado IN ('en_cola', 'ejecutando', 'terminado', 'fallido', "
                           "'cancelado')", name=op.f("ck_trabajos_estado")),
        sa.CheckConstraint("hechos >= 0 AND (total IS NULL OR total >= 0)",
                           name=op.f("ck_trabajos_progreso")),
    )
    op.create_index("ix_trabajos_activo_por_clave", "trabajos", ["tenant_id", "clave"],
                    unique=True, postgresql_where=sa.text(ACTIVE), sqlite_where=sa.text(ACTIVE))
    op.create_index("ix_trabajos_tenant_id_created_at", "trabajos", ["tenant_id", "created_at"])
    op.create_table(
        "programaciones",
        sa.Column("tenant_id", sa.String(63), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tipo", sa.String(40), nullable=False),
        sa.Column("parametros", sa.JSON(), nullable=False),
        sa.Column("cron", sa.String(100), nullable=False),
        sa.Column("zona_horaria", sa.String(64), nullable=False),
        sa.Column("activo", sa.Boolean(), nullable=False),
        sa.Column("ultima_ejecucion", sa.DateTime(timezone=True), nullable=True),
        sa.Column("proxima_ejecucion", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_programaciones")),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"],
                                name=op.f("fk_programaciones_tenant_id_tenants")),
    )
    op.create_index("ix_programaciones_tenant_id_proxima", "programaciones",
                    ["tenant_id", "proxima_ejecucion"])
    if op.get_bind().dialect.name == "postgresql":
        for table in TENANT_TABLES:
            for statement in enable_tenant_rls_sql(table):
                op.execute(statement)
        # The queue's tables, types and functions, as the library ships them.
        _run_script(SchemaManager.get_schema())


DROP_QUEUE = """
DROP TABLE IF EXISTS procrastinate_events, procrastinate_periodic_defers, procrastinate_jobs,
    procrastinate_workers CASCADE;
DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT p.oid::regprocedure AS f FROM pg_proc p
             WHERE p.proname LIKE 'procrastinate%' LOOP
        EXECUTE 'DROP FUNCTION IF EXISTS ' || r.f || ' CASCADE';
    END LOOP;
    FOR r IN SELECT t.typname FROM pg_type t
             WHERE t.typname LIKE 'procrastinate%' AND t.typtype IN ('e', 'c') LOOP
        EXECUTE 'DROP TYPE IF EXISTS ' || quote_ident(r.typname) || ' CASCADE';
    END LOOP;
END $$;
"""


def _run_script(script: str) -> None:
    """A script of many statements, sent as is: no parameters, so '%' is not a placeholder."""
    cursor = op.get_bind().connection.dbapi_connection.cursor()
    cursor.execute(script)
    cursor.close()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _run_script(DROP_QUEUE)
        for table in TENANT_TABLES:
            for statement in disable_tenant_rls_sql(table):
                op.execute(statement)
    op.drop_table("programaciones")
    op.drop_table("trabajos")
