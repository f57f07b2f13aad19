"""Operations: the e-mails sent (envios), the daily report's settings, the append-only audit
log and the platform's incidents.

Revision ID: 0012_operations
Revises: 0011_archivos
Create Date: 2026-11-28
"""
from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op
from app.core.rls import (
    append_only_sql,
    disable_tenant_rls_sql,
    enable_platform_rls_sql,
    enable_tenant_rls_sql,
)

revision: str = "0012_operations"
down_revision: str | None = "0011_archivos"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TENANT_TABLES = ("envios", "reporte_diario_config", "auditoria")


def _tenant_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"],
                                   name=op.f(f"fk_{table}_tenant_id_tenants"))


def _at(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "envios",
        sa.Column("tenant_id", sa.String(63), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tipo", sa.String(40), nullable=False),
        sa.Column("destinatarios", sa.JSON(), nullable=False),
        sa.Column("asunto", sa.String(300), nullable=False),
        sa.Column("estado", sa.String(20), nullable=False),
        sa.Column("intentos", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(500), nullable=True),
        _at("enviado_at", nullable=True), _at("created_at"), _at("updated_at"),
        sa.CheckConstraint("estado IN ('pendiente', 'enviado', 'fallido')",
                           name=op.f("ck_envios_estado")),
        _tenant_fk("envios"),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_envios")),
    )
    op.create_index("ix_envios_tenant_id_created_at", "envios", ["tenant_id", "created_at"])

    op.create_table(
        "reporte_diario_config",
        sa.Column("tenant_id", sa.String(63), nullable=False),
        sa.Column("destinatarios", sa.JSON(), nullable=False),
        sa.Column("hora", sa.SmallInteger(), nullable=False),
        sa.Column("activo", sa.Boolean(), nullable=False),
        sa.Column("programacion_id", sa.Uuid(), nullable=True),
        _at("updated_at"),
        _tenant_fk("reporte_diario_config"),
        sa.ForeignKeyConstraint(
            ["tenant_id", "programacion_id"], ["programaciones.tenant_id", "programaciones.id"],
            name=op.f("fk_reporte_diario_config_tenant_id_programacion_id_programaciones")),
        sa.PrimaryKeyConstraint("tenant_id", name=op.f("pk_reporte_diario_config")),
    )

    op.create_table(
        "auditoria",
        sa.Column("tenant_id", sa.String(63), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        _at("at"),
        sa.Column("actor_id", sa.Uuid(), nullable=False),
        sa.Column("actor_rol", sa.String(20), nullable=False),
        sa.Column("accion", sa.String(80), nullable=False),
        sa.Column("ruta", sa.String(200), nullable=False),
        sa.Column("operacion", sa.String(20), nullable=False),
        sa.Column("entidad", sa.String(60), nullable=True),
        sa.Column("entidad_id", sa.String(200), nullable=True),
        sa.Column("request_id", sa.String(128), nullable=True),
        sa.Column("antes", sa.JSON(), nullable=True),
        sa.Column("despues", sa.JSON(), nullable=True),
        _tenant_fk("auditoria"),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_auditoria")),
    )
    op.create_index("ix_auditoria_tenant_id_at", "auditoria", ["tenant_id", "at"])
    op.create_index("ix_auditoria_tenant_id_entidad", "auditoria",
                    ["tenant_id", "entidad", "entidad_id"])
    op.create_index("ix_auditoria_tenant_id_actor_id", "auditoria",
                    ["tenant_id", "actor_id", "at"])

    op.create_table(
        "incidentes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("huella", sa.String(64), nullable=False),
        sa.Column("tipo", sa.String(30), nullable=False),
        sa.Column("severidad", sa.String(10), nullable=False),
        sa.Column("tenant_id", sa.String(63), nullable=True),
        sa.Column("request_id", sa.String(128), nullable=True),
        sa.Column("ultimo_request_id", sa.String(128), nullable=True),
        sa.Column("ruta", sa.String(200), nullable=True),
        sa.Column("error", sa.String(200), nullable=False),
        sa.Column("mensaje", sa.String(500), nullable=False),
        sa.Column("ocurrencias", sa.Integer(), nullable=False),
        _at("primera_vez"), _at("ultima_vez"), _at("notificado_at", nullable=True),
        _at("resuelto_at", nullable=True),
        sa.Column("resuelto_por", sa.Uuid(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidentes")),
    )
    op.create_index("ix_incidentes_huella_ultima_vez", "incidentes", ["huella", "ultima_vez"])
    op.create_index("ix_incidentes_primera_vez", "incidentes", ["primera_vez"])
    op.create_index("ix_incidentes_request_id", "incidentes", ["request_id"])

    if op.get_bind().dialect.name == "postgresql":
        for table in TENANT_TABLES:
            for statement in enable_tenant_rls_sql(table):
                op.execute(statement)
        for statement in enable_platform_rls_sql("incidentes"):
            op.execute(statement)
        op.execute(append_only_sql("auditoria"))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in (*TENANT_TABLES, "incidentes"):
            for statement in disable_tenant_rls_sql(table):
                op.execute(statement)
    op.drop_table("incidentes")
    op.drop_table("auditoria")
    op.drop_table("reporte_diario_config")
    op.drop_table("envios")
