"""Every endpoint, called by every role that may not call it (403), from another tenant
against tenant A's objects (404), and with tenant A's token under tenant B's header (403).

A new endpoint must be added to ENDPOINTS: the last test fails until it is.
"""

from dataclasses import dataclass

import pytest

from app.users.models import Role
from tests.factories import TenantWorld, cliente_payload
from tests.helpers import assert_problem

STAFF = frozenset({Role.admin, Role.operador})
ADMIN = frozenset({Role.admin})
USER_MANAGERS = frozenset({Role.admin, Role.superadmin})
SUPERADMIN = frozenset({Role.superadmin})
PORTAL = frozenset({Role.cliente})
ANYONE = frozenset(Role)


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    allowed: frozenset[Role]
    body: dict | None = None
    object_kind: str | None = None  # "cliente" or "user": the path names one of tenant A's

    def url(self, world: TenantWorld) -> str:
        return self.path.format(cliente_id=world.other_cliente.id,
                                user_id=world.users[Role.operador].id, slug=world.slug)


ENDPOINTS = [
    Endpoint("GET", "/api/auth/me", ANYONE),
    Endpoint("POST", "/api/auth/password", ANYONE,
             {"current_password": "x", "new_password": "yyyyyyyyyyyy"}),
    Endpoint("GET", "/api/clientes", STAFF),
    Endpoint("POST", "/api/clientes", STAFF, cliente_payload("9090")),
    Endpoint("GET", "/api/clientes/me", PORTAL),
    Endpoint("GET", "/api/clientes/{cliente_id}", STAFF, object_kind="cliente"),
    Endpoint("PATCH", "/api/clientes/{cliente_id}", STAFF, {"nombre": "Cambiado"},
             object_kind="cliente"),
    Endpoint("DELETE", "/api/clientes/{cliente_id}", ADMIN, object_kind="cliente"),
    Endpoint("GET", "/api/users", USER_MANAGERS),
    Endpoint("POST", "/api/users", USER_MANAGERS,
             {"email": "n@x.co", "nombre": "N", "password": "una-clave-segura",
              "role": "operador"}),
    Endpoint("GET", "/api/users/{user_id}", USER_MANAGERS, object_kind="user"),
    Endpoint("PATCH", "/api/users/{user_id}", USER_MANAGERS, {"nombre": "Cambiado"},
             object_kind="user"),
    Endpoint("DELETE", "/api/users/{user_id}", USER_MANAGERS, object_kind="user"),
    Endpoint("GET", "/api/tenants", SUPERADMIN),
    Endpoint("POST", "/api/tenants", SUPERADMIN, {"slug": "nuevo", "nombre": "Nuevo"}),
    Endpoint("GET", "/api/tenants/{slug}", SUPERADMIN),
    Endpoint("PATCH", "/api/tenants/{slug}", SUPERADMIN, {"nombre": "Cambiado"}),
]
PUBLIC_ENDPOINTS = {("POST", "/api/auth/login")}


async def call(client, endpoint: Endpoint, url: str, headers: dict):
    return await client.request(endpoint.method, url, headers=headers, json=endpoint.body)


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: f"{e.method} {e.path}")
async def test_roles_that_may_not_call_get_403(client, tenant_a, endpoint: Endpoint):
    for role in (Role.admin, Role.operador, Role.cliente):
        if role in endpoint.allowed:
            continue
        response = await call(client, endpoint, endpoint.url(tenant_a), tenant_a.headers(role))
        assert_problem(response, 403)
    unauthenticated = await call(client, endpoint, endpoint.url(tenant_a),
                                 tenant_a.headers(None))
    assert_problem(unauthenticated, 401)


@pytest.mark.parametrize("endpoint", [e for e in ENDPOINTS if e.object_kind],
                         ids=lambda e: f"{e.method} {e.path}")
async def test_tenant_b_gets_404_for_tenant_a_objects(client, database, tenant_a, tenant_b,
                                                      endpoint: Endpoint):
    role = Role.admin  # tenant B's most powerful role
    response = await call(client, endpoint, endpoint.url(tenant_a), tenant_b.headers(role))
    assert_problem(response, 404)
    # and tenant A's object is untouched
    check = await client.get(endpoint.url(tenant_a), headers=tenant_a.headers(Role.admin))
    assert check.status_code == 200
    assert check.json()["nombre"] != "Cambiado"


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: f"{e.method} {e.path}")
async def test_token_of_tenant_a_under_header_b_is_403(client, tenant_a, tenant_b,
                                                       endpoint: Endpoint):
    role = next(iter(sorted(endpoint.allowed - SUPERADMIN))) if endpoint.allowed - SUPERADMIN \
        else Role.admin
    response = await call(client, endpoint, endpoint.url(tenant_a),
                          tenant_a.headers(role, tenant="tenant-b"))
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
