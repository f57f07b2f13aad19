"""Wall 3 of tenancy on PostgreSQL: row-level security, and the two database roles.

Every tenant table gets a policy that admits a row only when its tenant_id equals the
transaction's `app.tenant_id` setting (set by `app.core.tenant` at the start of every
transaction). The policy is FORCEd, so it holds for the table owner too; the service connects
as a role that owns nothing and has no BYPASSRLS, so it cannot switch the policy off.
"""

import re

import psycopg
from psycopg import sql

POLICY_NAME = "tenant_isolation"
TENANT_PREDICATE = "tenant_id = current_setting('app.tenant_id', true)"

_ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def enable_tenant_rls_sql(table: str) -> list[str]:
    """Statements a migration runs (on PostgreSQL) for each new tenant table."""
    return [
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY",
        f"CREATE POLICY {POLICY_NAME} ON {table} "
        f"USING ({TENANT_PREDICATE}) WITH CHECK ({TENANT_PREDICATE})",
    ]


def disable_tenant_rls_sql(table: str) -> list[str]:
    return [
        f"DROP POLICY IF EXISTS {POLICY_NAME} ON {table}",
        f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY",
        f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY",
    ]


def provision_roles(admin_dsn: str, database: str, *, owner: str, app_role: str,
                    owner_password: str | None = None, app_password: str | None = None,
                    ) -> None:
    """Create (or update) the owner and the service role on a server where the caller is a
    superuser, and give the database to the owner.

    The owner runs the migrations, so it owns every table; default privileges give the service
    role SELECT, INSERT, UPDATE and DELETE on the tables the owner creates, and nothing else.
    """
    for name in (owner, app_role):
        if not _ROLE_NAME.fullmatch(name):
            raise ValueError(f"invalid role name {name!r}")
    with psycopg.connect(admin_dsn, autocommit=True) as admin:
        for role, password in ((owner, owner_password), (app_role, app_password)):
            exists = admin.execute("SELECT 1 FROM pg_roles WHERE rolname = %s",
                                   (role,)).fetchone()
            verb = sql.SQL("ALTER ROLE" if exists else "CREATE ROLE")
            admin.execute(sql.SQL("{} {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE "
                                  "NOBYPASSRLS").format(verb, sql.Identifier(role)))
            if password is not None:
                admin.execute(sql.SQL("ALTER ROLE {} PASSWORD {}").format(
                    sql.Identifier(role), sql.Literal(password)))
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                               (database,)).fetchone()
        if not exists:
            admin.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(
                sql.Identifier(database), sql.Identifier(owner)))
        else:
            admin.execute(sql.SQL("ALTER DATABASE {} OWNER TO {}").format(
                sql.Identifier(database), sql.Identifier(owner)))

    database_dsn = psycopg.conninfo.make_conninfo(admin_dsn, dbname=database)
    with psycopg.connect(database_dsn, autocommit=True) as admin:
        owner_id, app_id = sql.Identifier(owner), sql.Identifier(app_role)
        for statement in (
            "ALTER SCHEMA public OWNER TO {owner}",
            "REVOKE ALL ON SCHEMA public FROM PUBLIC",
            "GRANT USAGE ON SCHEMA public TO {app}",
            "GRANT CONNECT ON DATABASE {db} TO {app}",
            "ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public "
            "GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {app}",
            "ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public "
            "GRANT USAGE, SELECT ON SEQUENCES TO {app}",
            # Tables migrated before the roles existed.
            "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {app}",
            "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {app}",
        ):
            admin.execute(sql.SQL(statement).format(owner=owner_id, app=app_id,
                                                    db=sql.Identifier(database)))
