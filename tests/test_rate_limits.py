"""The portal's request budgets: per user and per address, tighter on filing PQRs and on PDF
downloads, 429 with Retry-After; counted in Redis when REDIS_URL is set, so every replica
counts together; and never a reason to refuse service when Redis is down."""


from app.main import create_app
from app.users.models import Role
from tests.billing_helpers import bill, invoices, record, setup_billing
from tests.conftest import REDIS_TEST_URL
from tests.helpers import api_client, assert_problem


def _app(settings, database, pdf_renderer, **limits):
    return create_app(settings.model_copy(update=limits), database, pdf_renderer)


def _pqr(world) -> dict:
    return {"tipo": "peticion", "asunto": "Consulta", "descripcion": "Una petición del portal"}


async def test_a_portal_user_gets_429_past_its_budget_and_staff_do_not(
        settings, database, pdf_renderer, tenant_a):
    app = _app(settings, database, pdf_renderer, portal_rate_limit="3/minute")
    async with api_client(app) as client:
        portal = tenant_a.headers(Role.cliente)
        for _ in range(3):
            assert (await client.get("/api/clientes/me", headers=portal)).status_code == 200
        response = await client.get("/api/facturas", headers=portal)
        problem = assert_problem(response, 429)
        assert "3 per 1 minute" in problem["detail"]
        assert 1 <= int(response.headers["retry-after"]) <= 60
        for _ in range(5):  # staff are not the portal
            assert (await client.get("/api/clientes", headers=tenant_a.headers(
                Role.operador))).status_code == 200


async def test_per_address_too(settings, database, pdf_renderer, tenant_a, tenant_b):
    app = _app(settings, database, pdf_renderer, portal_address_rate_limit="2/minute")
    async with api_client(app) as client:  # one address: the test client's
        assert (await client.get("/api/clientes/me", headers=tenant_a.headers(
            Role.cliente))).status_code == 200
        assert (await client.get("/api/clientes/me", headers=tenant_b.headers(
            Role.cliente))).status_code == 200
        assert_problem(await client.get("/api/clientes/me", headers=tenant_a.headers(
            Role.cliente)), 429)


async def test_filing_pqrs_has_a_tighter_budget_and_a_refused_one_files_nothing(
        settings, database, pdf_renderer, tenant_a):
    app = _app(settings, database, pdf_renderer, portal_pqr_rate_limit="2/hour")
    async with api_client(app) as client:
        portal = tenant_a.headers(Role.cliente)
        for _ in range(2):
            assert (await client.post("/api/pqrs", headers=portal,
                                      json=_pqr(tenant_a))).status_code == 201
        response = await client.post("/api/pqrs", headers=portal, json=_pqr(tenant_a))
        assert_problem(response, 429)
        assert int(response.headers["retry-after"]) > 60  # an hour's budget
        assert (await client.get("/api/pqrs", headers=portal)).json()["total"] == 2
        # Other portal reads are still within their budget.
        assert (await client.get("/api/clientes/me", headers=portal)).status_code == 200


async def test_pdf_downloads_have_a_tighter_budget(settings, database, pdf_renderer, tenant_a):
    app = _app(settings, database, pdf_renderer, portal_pdf_rate_limit="1/minute")
    async with api_client(app) as client:
        await setup_billing(client, tenant_a)
        await record(client, tenant_a, tenant_a.cliente.id, "2026-10", 1020, anterior=1000)
        await bill(client, tenant_a, "2026-10")
        factura = (await invoices(client, tenant_a, cliente_id=str(tenant_a.cliente.id)))[0]
        pdf = f"/api/facturas/{factura['id']}/pdf"
        portal = tenant_a.headers(Role.cliente)
        assert (await client.get(pdf, headers=portal)).status_code == 200
        assert_problem(await client.get(pdf, headers=portal), 429)
        assert (await client.get(pdf, headers=tenant_a.headers(Role.admin))).status_code == 200


async def test_with_redis_every_replica_counts_together(settings, database, pdf_renderer,
                                                        tenant_a, redis_db):
    replicas = [_app(settings, database, pdf_renderer, portal_rate_limit="3/minute",
                     redis_url=REDIS_TEST_URL) for _ in range(2)]
    portal = tenant_a.headers(Role.cliente)
    async with api_client(replicas[0]) as one, api_client(replicas[1]) as two:
        for client in (one, two, one):
            assert (await client.get("/api/clientes/me", headers=portal)).status_code == 200
        assert_problem(await two.get("/api/clientes/me", headers=portal), 429)
    assert redis_db.keys("*portal-user*")  # counted in Redis, not in either process


async def test_with_redis_down_the_portal_keeps_answering(settings, database, pdf_renderer,
                                                          tenant_a, caplog):
    app = _app(settings, database, pdf_renderer, portal_rate_limit="1/minute",
               redis_url="redis://127.0.0.1:1/0")
    async with api_client(app) as client:
        for _ in range(3):
            assert (await client.get("/api/clientes/me", headers=tenant_a.headers(
                Role.cliente))).status_code == 200
    assert "the rate-limit storage failed" in caplog.text
