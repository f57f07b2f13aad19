"""The command line against its own SQLite database, as an operator would run it."""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest


def run_cli(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"DATABASE_URL": f"sqlite+aiosqlite:///{db}",
                        "ENVIRONMENT": "development"}
    return subprocess.run([sys.executable, "-m", "app", *args], env=env, capture_output=True,
                          text=True, timeout=120, check=False)


@pytest.fixture(scope="module")
def cli_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("cli") / "cli.db"
    result = run_cli(db, "migrate")
    assert result.returncode == 0, result.stderr
    return db


def test_create_tenant_and_users(cli_db: Path):
    created = run_cli(cli_db, "create-tenant", "aguas-cli", "--name", "Aguas CLI",
                      "--nit", "900123456-8")
    assert created.returncode == 0, created.stderr
    admin = run_cli(cli_db, "create-user", "--tenant", "aguas-cli", "--email", "a@aguas.co",
                    "--password", "una-clave-larga", "--role", "admin")
    assert admin.returncode == 0, admin.stderr
    with sqlite3.connect(cli_db) as connection:
        rows = connection.execute("SELECT tenant_id, email, role FROM users").fetchall()
    assert ("aguas-cli", "a@aguas.co", "admin") in rows


def test_cli_reports_bad_input_without_a_traceback(cli_db: Path):
    duplicate = run_cli(cli_db, "create-tenant", "public", "--name", "Again")
    assert duplicate.returncode == 1
    assert "already exists" in duplicate.stderr and "Traceback" not in duplicate.stderr
    unknown = run_cli(cli_db, "create-user", "--tenant", "no-such", "--email", "a@b.co",
                      "--password", "una-clave-larga", "--role", "admin")
    assert unknown.returncode == 1 and "no-such" in unknown.stderr
    weak = run_cli(cli_db, "create-user", "--tenant", "public", "--email", "a@b.co",
                   "--password", "short", "--role", "superadmin")
    assert weak.returncode == 2 and "password" in weak.stderr
    portal = run_cli(cli_db, "create-user", "--tenant", "public", "--email", "p@b.co",
                     "--password", "una-clave-larga", "--role", "cliente", "--cliente", "1")
    assert portal.returncode != 0


def test_seed_demo_is_idempotent(cli_db: Path):
    first = run_cli(cli_db, "seed-demo")
    assert first.returncode == 0 and "created" in first.stdout
    second = run_cli(cli_db, "seed-demo")
    assert second.returncode == 0 and "already present" in second.stdout
    with sqlite3.connect(cli_db) as connection:
        clientes = connection.execute(
            "SELECT count(*), count(DISTINCT estrato), count(DISTINCT uso) FROM clientes "
            "WHERE tenant_id = 'acueducto-demo'").fetchone()
        roles = {r for (r,) in connection.execute("SELECT role FROM users")}
    assert clientes == (50, 6, 4)
    assert roles == {"superadmin", "admin", "operador", "cliente"}
