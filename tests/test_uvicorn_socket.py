"""The real thing: the CLI migrates and seeds a database, uvicorn serves it on a socket."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from app.demo.seed import DEMO_LOGINS, DEMO_TENANT
from app.users.models import Role

METRICS_TOKEN = "a-token-for-the-scraper"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve_demo(folder, *args: str, **env_vars: str) -> Iterator[str]:
    """Migrates and seeds a database, then `python -m app serve` on a free port."""
    db = folder / "served.db"
    env = os.environ | {
        "DATABASE_URL": f"sqlite+aiosqlite:///{db}",
        "ENVIRONMENT": "production",
        "SECRET_KEY": "a-production-like-secret-key-of-enough-length",
        "LOG_LEVEL": "WARNING",
    } | env_vars
    for command in (["migrate"], ["seed-demo"]):
        subprocess.run([sys.executable, "-m", "app", *command], env=env, check=True,
                       capture_output=True, timeout=120)
    port = _free_port()
    process = subprocess.Popen([sys.executable, "-m", "app", "serve", "--port", str(port),
                                *args], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/health/ready", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            pytest.fail("uvicorn did not become ready")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from serve_demo(tmp_path_factory.mktemp("uvicorn"))


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from serve_demo(tmp_path_factory.mktemp("workers"), "--workers", "2",
                      METRICS_TOKEN=METRICS_TOKEN, PROMETHEUS_MULTIPROC_DIR="")


def _login(url: str, role: Role) -> dict[str, str]:
    login = next(d for d in DEMO_LOGINS if d.role == role)
    response = httpx.post(f"{url}/api/auth/login", headers={"X-Tenant-ID": login.tenant},
                          data={"username": login.email, "password": login.password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}",
            "X-Tenant-ID": login.tenant}


def test_walkthrough_over_http(server: str):
    staff = _login(server, Role.operador)
    created = httpx.post(f"{server}/api/clientes", headers=staff, json={
        "numero_cuenta": "900001", "nombre": "Cliente HTTP", "direccion": "Cra 7 # 1-1",
        "uso": "residencial", "estrato": 3})
    assert created.status_code == 201, created.text
    listed = httpx.get(f"{server}/api/clientes", params={"q": "9000"}, headers=staff)
    assert [c["numero_cuenta"] for c in listed.json()["items"]] == ["900001"]
    assert listed.headers["x-request-id"]
    assert httpx.get(f"{server}/api/clientes", headers=staff).json()["total"] == 51


def test_demo_portal_user_and_tenant_walls_over_http(server: str):
    portal = _login(server, Role.cliente)
    me = httpx.get(f"{server}/api/clientes/me", headers=portal)
    assert me.status_code == 200 and me.json()["numero_cuenta"] == "100001"
    assert httpx.get(f"{server}/api/clientes", headers=portal).status_code == 403
    root = _login(server, Role.superadmin)
    wrong_tenant = httpx.get(f"{server}/api/clientes", headers=root | {
        "X-Tenant-ID": DEMO_TENANT})
    assert wrong_tenant.status_code == 403
    assert wrong_tenant.headers["content-type"] == "application/problem+json"
    tenants = httpx.get(f"{server}/api/tenants", headers=root).json()
    assert {t["slug"] for t in tenants["items"]} == {"public", DEMO_TENANT}


def test_docs_are_served(server: str):
    assert httpx.get(f"{server}/docs").status_code == 200
    assert "/api/clientes" in httpx.get(f"{server}/openapi.json").json()["paths"]



def test_metrics_add_up_every_worker_process(two_workers: str):
    """Two uvicorn workers, each request on a new connection (either worker may take it):
    every scrape, whichever worker answers it, counts all of them."""
    for _ in range(20):
        assert httpx.get(f"{two_workers}/health/live").status_code == 200
    scrape = {"Authorization": f"Bearer {METRICS_TOKEN}"}
    for _ in range(6):
        body = httpx.get(f"{two_workers}/metrics", headers=scrape).text
        served = {tuple(sorted(s.labels.items())): s.value
                  for family in text_string_to_metric_families(body) for s in family.samples
                  if s.name == "cunservicios_http_requests_total"}
        assert served[(("method", "GET"), ("route", "GET /health/live"),
                       ("status", "200"))] == 20
