"""The tenant look-up cache in Redis, shared by the replicas: a change through one replica
reaches every other at once; an entry never answers for another tenant; Redis down means the
database answers."""

import json

from app.core.cache import PREFIX, SharedCache
from app.core.tenant import TenantId
from app.main import create_app
from app.tenancy.directory import TenantDirectory
from app.users.models import Role
from tests.conftest import REDIS_TEST_URL
from tests.helpers import api_client, assert_problem


async def test_a_suspension_through_one_replica_is_refused_by_the_other_at_once(
        settings, database, pdf_renderer, tenant_a, platform, redis_db):
    # A long local TTL: without the shared cache, the other replica would keep the tenant.
    shared = settings.model_copy(update={"redis_url": REDIS_TEST_URL,
                                         "tenant_cache_ttl_seconds": 3600})
    one, two = (create_app(shared, database, pdf_renderer) for _ in range(2))
    async with api_client(one) as first, api_client(two) as second:
        staff = tenant_a.headers(Role.operador)
        assert (await first.get("/api/clientes", headers=staff)).status_code == 200
        assert json.loads(redis_db.get(f"{PREFIX}tenant:tenant-a"))["estado"] == "activo"
        response = await second.patch("/api/tenants/tenant-a", json={"estado": "suspendido"},
                                      headers=platform.headers(Role.superadmin))
        assert response.status_code == 200
        assert_problem(await first.get("/api/clientes", headers=staff), 403)
        await second.patch("/api/tenants/tenant-a", json={"estado": "activo", "nombre": "A"},
                           headers=platform.headers(Role.superadmin))
        assert (await first.get("/api/clientes", headers=staff)).status_code == 200
        assert json.loads(redis_db.get(f"{PREFIX}tenant:tenant-a"))["nombre"] == "A"


async def test_an_entry_never_answers_for_another_tenant(database, tenant_a, tenant_b, redis_db):
    directory = TenantDirectory(database, 0, SharedCache(REDIS_TEST_URL))
    b = await directory.get("tenant-b")
    assert b is not None and b.id == TenantId("tenant-b")
    # An entry under tenant A's key that holds tenant B (a bug, a collision, a forgery).
    redis_db.set(f"{PREFIX}tenant:tenant-a", json.dumps(
        {"id": "tenant-b", "nombre": b.nombre, "estado": b.estado, "timezone": b.timezone}))
    a = await directory.get("tenant-a")
    assert a is not None and a.id == TenantId("tenant-a")


async def test_with_redis_down_the_database_answers(database, tenant_a, caplog):
    directory = TenantDirectory(database, 0, SharedCache("redis://127.0.0.1:1/0"))
    found = await directory.get("tenant-a")
    assert found is not None and found.id == TenantId("tenant-a")
    await directory.invalidate("tenant-a")
    assert "Redis does not answer" in caplog.text


async def test_report_results_are_cached_until_a_payment_or_a_billing_run(
        settings, database, pdf_renderer, tenant_a, redis_db):
    from tests.billing_helpers import bill, invoices, record, setup_billing

    app = create_app(settings.model_copy(update={"redis_url": REDIS_TEST_URL}), database,
                     pdf_renderer)
    admin = tenant_a.headers(Role.admin)
    url = "/api/reportes/recaudo?desde=2026-11-01&hasta=2026-11-30"
    async with api_client(app) as client:
        await setup_billing(client, tenant_a)
        await record(client, tenant_a, tenant_a.cliente.id, "2026-10", 1020, anterior=1000)
        await bill(client, tenant_a, "2026-10")
        assert (await client.get(url, headers=admin)).json()["total_recaudado"] == "0.00"
        [key] = redis_db.keys(f"{PREFIX}tenant-a:reporte:recaudo:*")
        # What the next request answers is the cached entry (here altered to tell).
        entry = json.loads(redis_db.get(key))
        entry["reporte"]["total_recaudado"] = "123.45"
        redis_db.set(key, json.dumps(entry))
        assert (await client.get(url, headers=admin)).json()["total_recaudado"] == "123.45"
        # An entry that names another tenant is never answered.
        redis_db.set(key, json.dumps(entry | {"tenant": "tenant-b"}))
        assert (await client.get(url, headers=admin)).json()["total_recaudado"] == "0.00"
        redis_db.set(key, json.dumps(entry))

        factura = (await invoices(client, tenant_a))[0]
        await client.post("/api/pagos", headers=admin, json={
            "factura_id": factura["id"], "valor": "500.00", "fecha": "2026-11-19",
            "canal": "banco"})
        assert (await client.get(url, headers=admin)).json()["total_recaudado"] == "500.00"
