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


PLATFORM_PREDICATE = "current_setting('app.tenant_id', true) = 'public'"


def enable_platform_rls_sql(table: str) -> list[str]:
    """A platform table (incidents): only transactions of the `public` tenant, the platform
    operators', see or write its rows; no tenant's transaction ever does."""
    return [
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY",
        f"CREATE POLICY {POLICY_NAME} ON {table} "
        f"USING ({PLATFORM_PREDICATE}) WITH CHECK ({PLATFORM_PREDICATE})",
    ]


# Tables the service may add to and read, never change: the audit log.
APPEND_ONLY_TABLES = ("auditoria",)


def append_only_sql(table: str) -> str:
    """Takes UPDATE, DELETE and TRUNCATE on `table` from every role but its owner (the
    service role got them by default privileges). `table` is one of APPEND_ONLY_TABLES."""
    if table not in APPEND_ONLY_TABLES:
        raise ValueError(f"{table!r} is not an append-only table")
    return f"""
        DO $$
        DECLARE grantee_name text;
        BEGIN
            REVOKE UPDATE, DELETE, TRUNCATE ON {table} FROM PUBLIC;
            FOR grantee_name IN
                SELECT DISTINCT grantee FROM information_schema.role_table_grants
                WHERE table_schema = 'public' AND table_name = '{table}'
                  AND privilege_type IN ('UPDATE', 'DELETE', 'TRUNCATE')
                  AND grantee NOT IN ('PUBLIC', current_user)
            LOOP
                EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON {table} FROM %I',
                               grantee_name);
            END LOOP;
        END $$"""  # noqa: S608 - a table name from the constant above


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
        for table in APPEND_ONLY_TABLES:  # the grant on all tables above gave them back
            found = admin.execute("SELECT to_regclass(%s)", (f"public.{table}",)).fetchone()
            if found is not None and found[0] is not None:
                admin.execute(sql.SQL("REVOKE UPDATE, DELETE, TRUNCATE ON {} FROM {}").format(
                    sql.Identifier(table), app_id))
