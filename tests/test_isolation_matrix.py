"""Every endpoint, called by every role that may not call it (403), from another tenant
against tenant A's objects (404), and with tenant A's token under tenant B's header (403).

A new endpoint must be added to ENDPOINTS: the last test fails until it is.

The two tenants and tenant A's objects are built once for the module, in a transaction the
module rolls back at its end; each test runs in a savepoint of it that is rolled back after
the test, so a test sees exactly that world and leaves nothing behind.
"""

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.core.db import Database
from app.core.tenant import TenantId
from app.main import create_app
from app.operaciones.models import Auditoria
from app.trabajos import service as trabajos_service
from app.users.models import Role
from tests.billing_helpers import bill, invoices, record, setup_billing
from tests.factories import TenantWorld, cliente_payload, make_tenant
from tests.helpers import api_client, assert_problem, rolled_back

STAFF = frozenset({Role.admin, Role.operador})
ADMIN = frozenset({Role.admin})
USER_MANAGERS = frozenset({Role.admin, Role.superadmin})
SUPERADMIN = frozenset({Role.superadmin})
PORTAL = frozenset({Role.cliente})
ANYONE = frozenset(Role)


READERS = frozenset({Role.admin, Role.operador, Role.cliente})


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    allowed: frozenset[Role]
    body: dict | None = None
    # the GET that shows the tenant-A object the path names (None: the path names none)
    check: str | None = None

    def url(self, ids: dict[str, str], template: str | None = None) -> str:
        return (template or self.path).format(**ids)


ENDPOINTS = [
    Endpoint("GET", "/api/auth/me", ANYONE),
    Endpoint("POST", "/api/auth/password", ANYONE,
             {"current_password": "x", "new_password": "yyyyyyyyyyyy"}),
    Endpoint("GET", "/api/clientes", STAFF),
    Endpoint("POST", "/api/clientes", STAFF, cliente_payload("9090")),
    Endpoint("GET", "/api/clientes/me", PORTAL),
    Endpoint("GET", "/api/clientes/{cliente_id}", STAFF, check="/api/clientes/{cliente_id}"),
    Endpoint("PATCH", "/api/clientes/{cliente_id}", STAFF, {"nombre": "Cambiado"},
             check="/api/clientes/{cliente_id}"),
    Endpoint("DELETE", "/api/clientes/{cliente_id}", ADMIN, check="/api/clientes/{cliente_id}"),
    Endpoint("GET", "/api/clientes/{cliente_id}/estado-cuenta", READERS,
             check="/api/clientes/{cliente_id}/estado-cuenta"),
    Endpoint("GET", "/api/users", USER_MANAGERS),
    Endpoint("POST", "/api/users", USER_MANAGERS,
             {"email": "n@x.co", "nombre": "N", "password": "una-clave-segura",
              "role": "operador"}),
    Endpoint("GET", "/api/users/{user_id}", USER_MANAGERS, check="/api/users/{user_id}"),
    Endpoint("PATCH", "/api/users/{user_id}", USER_MANAGERS, {"nombre": "Cambiado"},
             check="/api/users/{user_id}"),
    Endpoint("DELETE", "/api/users/{user_id}", USER_MANAGERS, check="/api/users/{user_id}"),
    Endpoint("GET", "/api/tenants", SUPERADMIN),
    Endpoint("POST", "/api/tenants", SUPERADMIN, {"slug": "nuevo", "nombre": "Nuevo"}),
    Endpoint("GET", "/api/tenants/{slug}", SUPERADMIN),
    Endpoint("PATCH", "/api/tenants/{slug}", SUPERADMIN, {"nombre": "Cambiado"}),
    Endpoint("GET", "/api/tarifas/parametros", STAFF),
    Endpoint("PATCH", "/api/tarifas/parametros", ADMIN, {"consumo_basico_m3": 16}),
    Endpoint("GET", "/api/tarifas", STAFF),
    Endpoint("POST", "/api/tarifas", ADMIN,
             {"servicio": "acueducto", "vigente_desde": "2030-01-01", "cargo_fijo": "1",
              "precio_basico": "1"}),
    Endpoint("GET", "/api/tarifas/{tarifa_id}", STAFF, check="/api/tarifas/{tarifa_id}"),
    Endpoint("PATCH", "/api/tarifas/{tarifa_id}", ADMIN, {"vigente_hasta": "2026-12-31"},
             check="/api/tarifas/{tarifa_id}"),
    Endpoint("GET", "/api/lecturas", STAFF),
    Endpoint("POST", "/api/lecturas", STAFF,
             {"cliente_id": "{cliente_id}", "periodo": "2026-11", "lectura_actual": 2000,
              "fecha_lectura": "2026-11-20"}),
    Endpoint("POST", "/api/lecturas/carga", STAFF),
    Endpoint("POST", "/api/clientes/carga", STAFF),
    Endpoint("POST", "/api/pagos/carga", STAFF),
    Endpoint("GET", "/api/lecturas/{lectura_id}", STAFF, check="/api/lecturas/{lectura_id}"),
    Endpoint("PATCH", "/api/lecturas/{lectura_id}", STAFF, {"novedad": "Cambiado"},
             check="/api/lecturas/{lectura_id}"),
    Endpoint("GET", "/api/periodos", STAFF),
    Endpoint("POST", "/api/periodos", ADMIN,
             {"periodo": "2026-12", "fecha_expedicion": "2027-01-01",
              "fecha_limite_pago": "2027-01-15", "fecha_suspension": "2027-01-25"}),
    Endpoint("GET", "/api/periodos/{periodo}", STAFF, check="/api/periodos/{periodo}"),
    Endpoint("POST", "/api/periodos/{periodo}/facturar", ADMIN, check="/api/periodos/{periodo}"),
    Endpoint("GET", "/api/facturas", READERS),
    Endpoint("GET", "/api/facturas/{factura_id}", READERS, check="/api/facturas/{factura_id}"),
    Endpoint("POST", "/api/facturas/{factura_id}/anular", ADMIN, {"motivo": "prueba de acceso"},
             check="/api/facturas/{factura_id}"),
    Endpoint("GET", "/api/facturas/{factura_id}/pdf", READERS,
             check="/api/facturas/{factura_id}"),
    Endpoint("GET", "/api/marca", STAFF),
    Endpoint("PATCH", "/api/marca", ADMIN, {"telefono": "6017654321"}),
    Endpoint("PUT", "/api/marca/logo", ADMIN),
    Endpoint("DELETE", "/api/marca/logo", ADMIN),
    Endpoint("GET", "/api/pqrs", READERS),
    Endpoint("POST", "/api/pqrs", READERS,
             {"tipo": "peticion", "asunto": "Acceso", "descripcion": "Prueba de acceso",
              "cliente_id": "{cliente_id}", "canal": "oficina"}),
    Endpoint("GET", "/api/pqrs/resumen", STAFF),
    Endpoint("GET", "/api/pqrs/{pqr_id}", READERS, check="/api/pqrs/{pqr_id}"),
    Endpoint("POST", "/api/pqrs/{pqr_id}/asignar", STAFF, {"operador_id": "{user_id}"},
             check="/api/pqrs/{pqr_id}"),
    Endpoint("POST", "/api/pqrs/{pqr_id}/notas", STAFF, {"texto": "nota"},
             check="/api/pqrs/{pqr_id}"),
    Endpoint("POST", "/api/pqrs/{pqr_id}/responder", STAFF,
             {"respuesta": "hecho", "tipo_respuesta": "accede", "causal": "F01"},
             check="/api/pqrs/{pqr_id}"),
    Endpoint("POST", "/api/pqrs/{pqr_id}/cerrar", STAFF, {}, check="/api/pqrs/{pqr_id}"),
    Endpoint("POST", "/api/pqrs/{pqr_id}/clasificar", STAFF, {"causal": "F02"},
             check="/api/pqrs/{pqr_id}"),
    Endpoint("POST", "/api/pqrs/{pqr_id}/notificacion", STAFF,
             {"medio": "personal", "fecha": "2026-11-01"}, check="/api/pqrs/{pqr_id}"),
    Endpoint("GET", "/api/pqrs/causales", READERS),
    Endpoint("GET", "/api/reportes/tablero", ADMIN),
    Endpoint("GET", "/api/trabajos/{trabajo_id}/archivo", STAFF,
             check="/api/trabajos/{trabajo_id}"),
    Endpoint("GET", "/api/reportes/facturacion", ADMIN),
    Endpoint("GET", "/api/reportes/subsidios", ADMIN),
    Endpoint("GET", "/api/reportes/recaudo", ADMIN),
    Endpoint("GET", "/api/reportes/cartera", STAFF),
    Endpoint("GET", "/api/reportes/pqrs", STAFF),
    Endpoint("GET", "/api/reportes/consumos", STAFF),
    Endpoint("GET", "/api/reportes/sui/facturacion", ADMIN),
    Endpoint("GET", "/api/reportes/sui/pqrs", ADMIN),
    Endpoint("POST", "/api/pqrs/causales", ADMIN,
             {"codigo": "M01", "grupo": "facturacion", "nombre": "Causal de la matriz"}),
    Endpoint("PATCH", "/api/pqrs/causales/{codigo}", ADMIN, {"nombre": "Cambiada"},
             check="/api/pqrs/causales"),
    Endpoint("POST", "/api/pqrs/{pqr_id}/recurso", READERS, {"descripcion": "no"},
             check="/api/pqrs/{pqr_id}"),
    Endpoint("POST", "/api/periodos/{periodo}/pdfs", ADMIN, check="/api/periodos/{periodo}"),
    Endpoint("GET", "/api/trabajos", STAFF),
    Endpoint("GET", "/api/trabajos/{trabajo_id}", STAFF, check="/api/trabajos/{trabajo_id}"),
    Endpoint("POST", "/api/trabajos/{trabajo_id}/cancelar", ADMIN,
             check="/api/trabajos/{trabajo_id}"),
    Endpoint("GET", "/api/pagos", STAFF),
    Endpoint("POST", "/api/pagos", STAFF,
             {"factura_id": "{factura_id}", "valor": "1.00", "fecha": "2026-11-10",
              "canal": "banco"}, check="/api/facturas/{factura_id}"),
    Endpoint("GET", "/api/pagos/{pago_id}", STAFF, check="/api/pagos/{pago_id}"),
    Endpoint("POST", "/api/pagos/{pago_id}/reversar", ADMIN, {"motivo": "prueba de acceso"},
             check="/api/pagos/{pago_id}"),
    Endpoint("GET", "/api/reportes/diario", ADMIN),
    Endpoint("GET", "/api/reportes/diario/config", ADMIN),
    Endpoint("PATCH", "/api/reportes/diario/config", ADMIN,
             {"destinatarios": ["gerencia@a.co"], "hora": 6, "activo": True}),
    Endpoint("POST", "/api/reportes/diario/enviar", ADMIN),
    Endpoint("GET", "/api/reportes/diario/envios", ADMIN),
    Endpoint("GET", "/api/auditoria", USER_MANAGERS),
    Endpoint("GET", "/api/incidentes", SUPERADMIN),
    Endpoint("POST", "/api/incidentes/{incidente_id}/resolver", SUPERADMIN),
]
PUBLIC_ENDPOINTS = {("POST", "/api/auth/login")}


def _fill(value, ids: dict[str, str]):
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    return value


@dataclass(frozen=True)
class World:
    tenant_a: TenantWorld
    tenant_b: TenantWorld
    ids: dict[str, str]


async def _build_ids(client: httpx.AsyncClient, tenant_a: TenantWorld) -> dict[str, str]:
    """Tenant A with one of everything: a tariff, a reading, a billed period, a payment."""
    await setup_billing(client, tenant_a)
    lectura = await record(client, tenant_a, tenant_a.other_cliente.id, "2026-10", 1010,
                           anterior=1000)
    await bill(client, tenant_a, "2026-10")
    factura = (await invoices(client, tenant_a, cliente_id=str(tenant_a.other_cliente.id)))[0]
    pago = await client.post("/api/pagos", headers=tenant_a.headers(Role.admin), json={
        "factura_id": factura["id"], "valor": "10.00", "fecha": "2026-11-10", "canal": "banco"})
    tarifa = (await client.get("/api/tarifas", headers=tenant_a.headers(Role.admin))
              ).json()["items"][0]
    pqr = await client.post("/api/pqrs", headers=tenant_a.headers(Role.cliente), json={
        "tipo": "queja", "asunto": "Matriz", "descripcion": "Una queja de tenant A"})
    causal = await client.post("/api/pqrs/causales", headers=tenant_a.headers(Role.admin),
                               json={"codigo": "A01", "grupo": "prestacion",
                                     "nombre": "Solo de tenant A"})
    return {"cliente_id": str(tenant_a.other_cliente.id),
            "user_id": str(tenant_a.users[Role.operador].id), "slug": tenant_a.slug,
            "tarifa_id": tarifa["id"], "lectura_id": lectura.json()["id"],
            "periodo": "2026-10", "factura_id": factura["id"], "pago_id": pago.json()["id"],
            "pqr_id": pqr.json()["id"], "codigo": causal.json()["codigo"],
            "incidente_id": str(uuid.uuid4())}


@pytest.fixture(scope="module")
async def module_connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    async with rolled_back(engine) as connection:
        yield connection


@pytest.fixture(scope="module")
async def world(module_connection: AsyncConnection, settings, pdf_renderer) -> World:
    database = Database(module_connection, owns_engine=False)
    app = create_app(settings, database, pdf_renderer)
    tenant_a = await make_tenant(database, settings, "tenant-a")
    tenant_b = await make_tenant(database, settings, "tenant-b")
    async with api_client(app) as client:
        ids = await _build_ids(client, tenant_a)
    async with database.session(TenantId(tenant_a.slug)) as session:
        trabajo, _ = await trabajos_service.solicitar(
            session, TenantId(tenant_a.slug), tipo="facturacion",
            parametros={"periodo": "2026-11"}, queue=None,
            clave="facturacion:2026-11")
    ids["trabajo_id"] = str(trabajo.id)
    return World(tenant_a, tenant_b, ids)


@pytest.fixture
async def connection(module_connection: AsyncConnection,
                     world: World) -> AsyncIterator[AsyncConnection]:
    """Overrides conftest's: the test runs in a savepoint of the module's world."""
    savepoint = await module_connection.begin_nested()
    try:
        yield module_connection
    finally:
        await savepoint.rollback()


@pytest.fixture
def tenant_a(world: World) -> TenantWorld:
    return world.tenant_a


@pytest.fixture
def tenant_b(world: World) -> TenantWorld:
    return world.tenant_b


@pytest.fixture
def ids(world: World) -> dict[str, str]:
    return world.ids


async def call(client, endpoint: Endpoint, ids: dict[str, str], headers: dict):
    return await client.request(endpoint.method, endpoint.url(ids), headers=headers,
                                json=_fill(endpoint.body, ids))


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: f"{e.method} {e.path}")
async def test_roles_that_may_not_call_get_403(client, tenant_a, ids, endpoint: Endpoint):
    for role in (Role.admin, Role.operador, Role.cliente):
        if role in endpoint.allowed:
            continue
        assert_problem(await call(client, endpoint, ids, tenant_a.headers(role)), 403)
    assert_problem(await call(client, endpoint, ids, tenant_a.headers(None)), 401)


@pytest.mark.parametrize("endpoint", [e for e in ENDPOINTS if e.check],
                         ids=lambda e: f"{e.method} {e.path}")
async def test_tenant_b_gets_404_for_tenant_a_objects(client, tenant_a, tenant_b, ids,
                                                      endpoint: Endpoint):
    check_url = endpoint.url(ids, endpoint.check)
    before = await client.get(check_url, headers=tenant_a.headers(Role.admin))
    assert before.status_code == 200
    response = await call(client, endpoint, ids, tenant_b.headers(Role.admin))
    assert_problem(response, 404)
    after = await client.get(check_url, headers=tenant_a.headers(Role.admin))
    assert after.json() == before.json()  # tenant A's object is untouched


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: f"{e.method} {e.path}")
async def test_token_of_tenant_a_under_header_b_is_403(client, tenant_a, tenant_b, ids,
                                                       endpoint: Endpoint):
    role = min(endpoint.allowed - SUPERADMIN, default=Role.admin)
    response = await call(client, endpoint, ids, tenant_a.headers(role, tenant="tenant-b"))
    assert_problem(response, 403)


async def test_lists_show_only_the_callers_tenant(client, tenant_a, tenant_b):
    for path in ("/api/clientes", "/api/users"):
        items = (await client.get(path, headers=tenant_b.headers(Role.admin))).json()["items"]
        ids = {item["id"] for item in items}
        a_ids = {str(tenant_a.cliente.id), str(tenant_a.other_cliente.id),
                 *(str(u.id) for u in tenant_a.users.values())}
        assert ids and not ids & a_ids


async def test_portal_user_of_tenant_b_sees_its_own_account(client, tenant_a, tenant_b):
    me = (await client.get("/api/clientes/me", headers=tenant_b.headers(Role.cliente))).json()
    assert me["id"] == str(tenant_b.cliente.id)


def test_every_api_route_is_in_the_matrix(app):
    routes = {(method.upper(), path) for path, operations in app.openapi()["paths"].items()
              if path.startswith("/api/") for method in operations}
    assert len(routes) > len(PUBLIC_ENDPOINTS)
    covered = {(e.method, e.path) for e in ENDPOINTS}
    assert routes - covered - PUBLIC_ENDPOINTS == set()



# Changes the matrix's bodies do not make (its world refuses them); each is refused whole.
REFUSED_IN_THIS_WORLD = {
    ("POST", "/api/auth/password"): "the matrix's current password is wrong",
    ("POST", "/api/lecturas/carga"): "no file", ("POST", "/api/clientes/carga"): "no file",
    ("POST", "/api/pagos/carga"): "no file", ("PUT", "/api/marca/logo"): "no file",
    ("DELETE", "/api/clientes/{cliente_id}"): "the account has history",
    ("POST", "/api/tarifas"): "overlaps the open tariff",
    ("PATCH", "/api/lecturas/{lectura_id}"): "its period is billed",
    ("POST", "/api/facturas/{factura_id}/anular"): "it has a payment",
    ("POST", "/api/pqrs/{pqr_id}/responder"): "the PQR is not in progress",
    ("POST", "/api/pqrs/{pqr_id}/cerrar"): "the PQR is not answered",
    ("POST", "/api/pqrs/{pqr_id}/notificacion"): "the PQR is not answered",
    ("POST", "/api/pqrs/{pqr_id}/recurso"): "the PQR is not answered",
    ("POST", "/api/reportes/diario/enviar"): "no recipients set",
}


async def test_every_change_by_a_user_leaves_its_audit_rows(app, client, connection, database,
                                                            tenant_a, ids):
    """Each state-changing route, called by a tenant role that may: when it succeeds, audit
    rows of that request name the caller, its role and the route (and no password hash);
    when it is refused, none."""
    succeeded = set()
    for endpoint in (e for e in ENDPOINTS if e.method != "GET" and e.allowed - SUPERADMIN):
        role = min(endpoint.allowed - SUPERADMIN)
        savepoint = await connection.begin_nested()
        try:
            response = await call(client, endpoint, ids, tenant_a.headers(role))
            await app.state.job_queue.idle()
            async with database.session(TenantId(tenant_a.slug)) as session:
                rows = (await session.scalars(select(Auditoria).where(
                    Auditoria.request_id == response.headers["x-request-id"]))).all()
        finally:
            await savepoint.rollback()
        route = f"{endpoint.method} {endpoint.path}"
        if response.status_code >= 300:
            assert 400 <= response.status_code < 500 and rows == [], route
            continue
        succeeded.add((endpoint.method, endpoint.path))
        assert {(r.actor_id, r.actor_rol, r.ruta) for r in rows} == {
            (tenant_a.users[role].id, role, route)}, route
        for row in rows:
            assert "password_hash" not in (row.antes or {}) | (row.despues or {})
    changes = {(e.method, e.path) for e in ENDPOINTS if e.method != "GET"
               and e.allowed - SUPERADMIN}
    assert succeeded == changes - REFUSED_IN_THIS_WORLD.keys()
