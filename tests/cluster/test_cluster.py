"""Three replicas behind nginx, one worker, PostgreSQL and Redis (scripts/cluster.sh): what
the replicas share works across them, and one of them dying under load loses nothing that
was acknowledged.

Brought up once for the module on its own ports, database and Redis database, and taken
down at the end. Run with CLUSTER_TESTS=1 (scripts/test.sh does, after the suite)."""

import asyncio
import os
import signal
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path

import httpx
import psycopg
import pytest
import redis

from app.demo.seed import DEMO_LOGINS
from app.users.models import Role
from tests.test_worker import wait_until_done

pytestmark = pytest.mark.cluster

ROOT = Path(__file__).resolve().parents[2]
PORT = 8300
REPLICAS = 3
DB = "cunservicios_cluster_test"
REDIS_URL = "redis://127.0.0.1:6379/13"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


@dataclass(frozen=True)
class Cluster:
    url: str  # nginx
    replicas: list[str]
    directory: Path

    def pid(self, replica: int) -> int:
        return int((self.directory / f"api-{replica}.pid").read_text())


def _script(command: str, env: dict[str, str]) -> None:
    subprocess.run(["bash", str(ROOT / "scripts" / "cluster.sh"), command], env=env,
                   check=True, cwd=ROOT, timeout=300, capture_output=True)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    directory = tmp_path_factory.mktemp("cluster")
    env = os.environ | {
        "CLUSTER_DIR": str(directory), "CLUSTER_PORT": str(PORT),
        "CLUSTER_REPLICAS": str(REPLICAS), "CLUSTER_DB": DB, "REDIS_URL": REDIS_URL,
        "PORTAL_RATE_LIMIT": "40/minute", "LOGIN_FAILURES_PER_ACCOUNT": "5/5 minutes",
    }
    env.pop("DATABASE_URL", None)
    env.pop("MIGRATION_DATABASE_URL", None)
    redis.Redis.from_url(REDIS_URL).flushdb()
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
    _script("up", env)
    try:
        yield Cluster(f"http://127.0.0.1:{PORT}",
                      [f"http://127.0.0.1:{PORT + i}" for i in range(1, REPLICAS + 1)],
                      directory)
    finally:
        _script("down", env)
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
        redis.Redis.from_url(REDIS_URL).flushdb()


def _login(url: str, role: Role, password: str | None = None) -> httpx.Response:
    login = next(d for d in DEMO_LOGINS if d.role == role)
    return httpx.post(f"{url}/api/auth/login", headers={"X-Tenant-ID": login.tenant},
                      data={"username": login.email, "password": password or login.password})


def _headers(url: str, role: Role) -> dict[str, str]:
    response = _login(url, role)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_a_token_issued_by_one_replica_works_on_every_replica(cluster: Cluster):
    headers = _headers(cluster.replicas[0], Role.operador)
    for replica in cluster.replicas:
        response = httpx.get(f"{replica}/api/clientes", headers=headers)
        assert response.status_code == 200 and response.json()["total"] == 50


def test_a_tenant_suspended_through_one_replica_is_refused_by_every_replica_at_once(
        cluster: Cluster):
    root = _headers(cluster.url, Role.superadmin)
    slug = f"cl-{uuid.uuid4().hex[:8]}"
    assert httpx.post(f"{cluster.url}/api/tenants", headers=root, json={
        "slug": slug, "nombre": "Acueducto del clúster", "admin": {
            "email": "jefe@cluster.co", "nombre": "Jefe", "password": "una-clave-segura"}}
    ).status_code == 201
    tenant = {"X-Tenant-ID": slug}
    login = httpx.post(f"{cluster.url}/api/auth/login", headers=tenant, data={
        "username": "jefe@cluster.co", "password": "una-clave-segura"}).json()
    admin = tenant | {"Authorization": f"Bearer {login['access_token']}"}
    for replica in cluster.replicas:  # each has looked the tenant up
        assert httpx.get(f"{replica}/api/users", headers=admin).status_code == 200
    suspended = httpx.patch(f"{cluster.replicas[0]}/api/tenants/{slug}", headers=root,
                            json={"estado": "suspendido"})
    assert suspended.status_code == 200
    for replica in cluster.replicas:
        response = httpx.get(f"{replica}/api/users", headers=admin)
        assert response.status_code == 403, (replica, response.text)
        assert response.json()["type"].endswith("tenant-suspended")


def test_the_login_throttle_counts_across_replicas(cluster: Cluster):
    operador = next(d for d in DEMO_LOGINS if d.role == Role.operador)
    for attempt in range(5):  # the account's budget, spread over the replicas
        replica = cluster.replicas[attempt % REPLICAS]
        assert _login(replica, Role.operador, password="not-the-password").status_code == 401
    for replica in cluster.replicas:
        response = httpx.post(f"{replica}/api/auth/login",
                              headers={"X-Tenant-ID": operador.tenant},
                              data={"username": operador.email, "password": operador.password})
        assert response.status_code == 429, (replica, response.text)


def test_the_portal_rate_limit_counts_across_replicas(cluster: Cluster):
    headers = _headers(cluster.url, Role.cliente)
    answered = [httpx.get(f"{cluster.replicas[n % REPLICAS]}/api/clientes/me",
                          headers=headers).status_code for n in range(45)]
    assert answered[:40] == [200] * 40  # PORTAL_RATE_LIMIT=40/minute, for all together
    assert set(answered[40:]) == {429}


def test_killing_a_replica_under_load_loses_no_acknowledged_payment(cluster: Cluster):
    headers = _headers(cluster.url, Role.admin)  # (the operador's logins are throttled above)
    listed = httpx.get(f"{cluster.url}/api/facturas", params={"limit": 200}, headers=headers)
    # Paid on the day they were issued, so the date is valid whatever today is.
    today = parsedate_to_datetime(listed.headers["date"]).date() - timedelta(days=1)
    abiertas = [f for f in listed.json()["items"]
                if float(f["saldo"]) >= 100 and f["fecha_expedicion"] <= today.isoformat()]
    assert len(abiertas) >= 3
    payments = [(f"cluster-{uuid.uuid4().hex}", abiertas[n % len(abiertas)])
                for n in range(150)]
    acknowledged: dict[str, str] = {}  # idempotency key → pago id

    async def pay(client: httpx.AsyncClient, key: str, factura: dict) -> None:
        body = {"factura_id": factura["id"], "valor": "1.00",
                "fecha": factura["fecha_expedicion"], "canal": "banco"}
        for _ in range(10):  # a client retries what was not acknowledged, with its key
            try:
                response = await client.post(f"{cluster.url}/api/pagos", json=body,
                                             headers=headers | {"Idempotency-Key": key})
            except httpx.TransportError:
                continue
            if response.status_code in (200, 201):
                acknowledged[key] = response.json()["id"]
                return
            assert response.status_code in (502, 503, 504), response.text
            await asyncio.sleep(0.2)

    async def load() -> None:
        semaphore = asyncio.Semaphore(8)
        async with httpx.AsyncClient(timeout=30) as client:

            async def one(key: str, factura: dict) -> None:
                async with semaphore:
                    await pay(client, key, factura)

            tasks = [asyncio.create_task(one(k, f)) for k, f in payments]
            await asyncio.sleep(0.5)
            os.kill(cluster.pid(2), signal.SIGKILL)  # a replica dies mid-load
            await asyncio.gather(*tasks)
            for _ in range(20):  # the others keep answering
                assert (await client.get(f"{cluster.url}/health/ready")).status_code == 200

    asyncio.run(load())
    assert len(acknowledged) == len(payments)
    assert len(set(acknowledged.values())) == len(payments)  # one payment per key
    # Each invoice holds exactly the acknowledged payments of this test, once each.
    for factura_id in {f["id"] for _, f in payments}:
        ours = {acknowledged[k] for k, f in payments if f["id"] == factura_id}
        recorded = httpx.get(f"{cluster.url}/api/pagos",
                             params={"factura_id": factura_id, "limit": 200},
                             headers=headers).json()["items"]
        assert {p["id"] for p in recorded} >= ours
        assert sum(1 for p in recorded if p["valor"] == "1.00") == len(ours)


async def test_a_billing_job_queued_through_two_replicas_at_once_runs_once(cluster: Cluster):
    headers = _headers(cluster.url, Role.admin)
    async with httpx.AsyncClient() as client:
        periodo = (await client.get(f"{cluster.url}/api/periodos", headers=headers)
                   ).json()["items"][0]
        assert periodo["facturado_at"] is None  # the demo's current month: read, not billed
        # At the same instant through two replicas (replica 2 was killed above).
        responses = await asyncio.gather(*(
            client.post(f"{replica}/api/periodos/{periodo['periodo']}/facturar",
                        headers=headers)
            for replica in (cluster.replicas[0], cluster.replicas[2])))
        assert [r.status_code for r in responses] == [202, 202]
        assert responses[0].json()["id"] == responses[1].json()["id"]  # one job
        job = await wait_until_done(client, headers,
                                    cluster.url + responses[0].headers["location"])
        facturas = (await client.get(f"{cluster.url}/api/facturas", headers=headers,
                                     params={"periodo": periodo["periodo"], "limit": 200})
                    ).json()
    assert job["estado"] == "terminado" and job["resultado"]["facturas_emitidas"] == 50
    assert facturas["total"] == 50
    assert len({f["numero"] for f in facturas["items"]}) == 50
