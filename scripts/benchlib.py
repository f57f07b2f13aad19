"""Shared by the benchmarks: a scratch PostgreSQL database with the owner and service roles,
migrated, and dropped afterwards."""

import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.__main__ import migrate
from app.core.rls import provision_roles

OWNER, APP, PASSWORD = "cunservicios_bench_owner", "cunservicios_bench_app", "bench-password"
DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


@dataclass(frozen=True)
class Scratch:
    name: str
    owner_dsn: str  # psycopg
    owner_url: str  # SQLAlchemy
    app_url: str  # SQLAlchemy, the service role


@contextmanager
def scratch_database(admin_url: str = DEFAULT_ADMIN_URL, *, reuse: str | None = None,
                     keep: bool = False) -> Iterator[Scratch]:
    """`reuse`: the name of a database an earlier run kept (`keep`), loaded and migrated."""
    info = psycopg.conninfo.conninfo_to_dict(admin_url)
    host, port = info.get("host", "127.0.0.1"), int(info.get("port", 5432))
    name = reuse or f"cunservicios_bench_{uuid.uuid4().hex[:8]}"
    if reuse is None:
        provision_roles(admin_url, name, owner=OWNER, app_role=APP, owner_password=PASSWORD,
                        app_password=PASSWORD)
    scratch = Scratch(
        name=name,
        owner_dsn=f"postgresql://{OWNER}:{PASSWORD}@{host}:{port}/{name}",
        owner_url=f"postgresql+psycopg://{OWNER}:{PASSWORD}@{host}:{port}/{name}",
        app_url=f"postgresql+psycopg://{APP}:{PASSWORD}@{host}:{port}/{name}",
    )
    try:
        if reuse is None:
            migrate(scratch.owner_url)
        yield scratch
    finally:
        if keep:
            print(f"kept the database {name} (reuse it with --reuse {name})")
        else:
            with psycopg.connect(admin_url, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def wrk(url: str, headers: dict[str, str], connections: int, seconds: int
        ) -> tuple[float, float, float]:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in output:
        raise SystemExit(f"errors from {url}:\n{output}")

    def latency(label: str) -> float:
        value, unit = re.search(rf"{label}%\s+([\d.]+)(us|ms|s)", output).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    return rate, latency("50"), latency("99")
