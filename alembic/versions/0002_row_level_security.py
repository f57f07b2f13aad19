"""Row-level security on every tenant table (PostgreSQL only).

Revision ID: 0002_row_level_security
Revises: 0001_foundation
Create Date: 2026-11-22
"""
from collections.abc import Sequence

from alembic import op
from app.core.rls import disable_tenant_rls_sql, enable_tenant_rls_sql

revision: str = "0002_row_level_security"
down_revision: str | None = "0001_foundation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TENANT_TABLES = ("clientes", "users")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TENANT_TABLES:
        for statement in enable_tenant_rls_sql(table):
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TENANT_TABLES:
        for statement in disable_tenant_rls_sql(table):
            op.execute(statement)
