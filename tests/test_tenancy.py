"""Wall 1 (resolution) and the superadmin's tenant endpoints."""

import pytest

from app.core.tenant import TenantId
from app.tenancy.directory import TenantDirectory
from app.users.models import Role
from tests.factories import PASSWORD, TenantWorld
from tests.helpers import assert_problem


@pytest.mark.parametrize("slug", ["Tenant-A", "a", "-abc", "tenant_a", "x" * 64, "tenant a",
                                  "t\u00e9nant".encode("latin-1")])
async def test_malformed_tenant_header_is_400(client, slug):
    response = await client.post("/api/auth/login", headers={"X-Tenant-ID": slug},
                                 data={"username": "a@b.co", "password": "x"})
    body = assert_problem(response, 400)
    assert "X-Tenant-ID" in body["detail"]


async def test_unknown_tenant_is_404(client):
    body = assert_problem(await client.get("/api/auth/me", headers={"X-Tenant-ID": "nope"}),
                          404)
    assert "nope" in body["detail"]


async def test_suspended_tenant_is_403_and_reactivation_restores_it(client, tenant_a,
                                                                    platform):
    root = platform.headers(Role.superadmin)
    suspended = await client.patch("/api/tenants/tenant-a", headers=root,
                                   json={"estado": "suspendido"})
    assert suspended.status_code == 200
    assert suspended.json()["estado"] == "suspendido"
    assert_problem(await client.get("/api/auth/me", headers=tenant_a.headers(Role.admin)), 403)
    login = await client.post("/api/auth/login", headers={"X-Tenant-ID": "tenant-a"},
                              data={"username": tenant_a.email(Role.admin),
                                    "password": PASSWORD})
    assert_problem(login, 403)

    await client.patch("/api/tenants/tenant-a", headers=root, json={"estado": "activo"})
    assert (await client.get("/api/auth/me", headers=tenant_a.headers(Role.admin))
            ).status_code == 200


async def test_health_and_docs_need_no_tenant(client):
    assert (await client.get("/health/live")).json() == {"status": "ok"}
    assert (await client.get("/openapi.json")).status_code == 200


async def test_superadmin_creates_lists_and_renames_tenants(client, platform):
    root = platform.headers(Role.superadmin)
    created = await client.post("/api/tenants", headers=root, json={
        "slug": "aguas-del-norte", "nombre": "Aguas del Norte S.A. E.S.P.",
        "nit": "900123456-8",
        "admin": {"email": "jefe@aguas.co", "nombre": "Jefe", "password": "una-clave-larga"},
    })
    assert created.status_code == 201, created.text
    assert created.json()["slug"] == "aguas-del-norte"
    assert created.json()["timezone"] == "America/Bogota"

    listed = await client.get("/api/tenants", headers=root)
    assert "aguas-del-norte" in [t["slug"] for t in listed.json()["items"]]
    assert listed.json()["total"] >= 2  # public and the new one

    renamed = await client.patch("/api/tenants/aguas-del-norte", headers=root,
                                 json={"nombre": "Aguas del Norte"})
    assert renamed.json()["nombre"] == "Aguas del Norte"
    assert (await client.get("/api/tenants/aguas-del-norte", headers=root)
            ).json()["nombre"] == "Aguas del Norte"

    # The first admin can log in to the new tenant at once.
    login = await client.post("/api/auth/login", headers={"X-Tenant-ID": "aguas-del-norte"},
                              data={"username": "jefe@aguas.co", "password": "una-clave-larga"})
    assert login.status_code == 200


async def test_tenant_create_refuses_bad_input(client, platform, tenant_a):
    root = platform.headers(Role.superadmin)
    duplicate = await client.post("/api/tenants", headers=root,
                                  json={"slug": "tenant-a", "nombre": "Dup"})
    assert_problem(duplicate, 409)
    for body, field in (({"slug": "Bad Slug", "nombre": "x"}, "slug"),
                        ({"slug": "ok-slug", "nombre": ""}, "nombre"),
                        ({"slug": "ok-slug", "nombre": "x", "nit": "900123456-1"}, "nit"),
                        ({"slug": "ok-slug", "nombre": "x", "timezone": "Mars/Base"},
                         "timezone")):
        problem = assert_problem(await client.post("/api/tenants", headers=root, json=body), 422)
        assert field in [e["field"] for e in problem["errors"]]
    assert (await client.get("/api/tenants/ok-slug", headers=root)).status_code == 404


async def test_public_tenant_cannot_be_suspended(client, platform):
    response = await client.patch("/api/tenants/public", headers=platform.headers(
        Role.superadmin), json={"estado": "suspendido"})
    assert_problem(response, 409)


@pytest.mark.parametrize("role", [Role.admin, Role.operador, Role.cliente])
async def test_tenant_endpoints_are_for_superadmins_only(client, tenant_a: TenantWorld, role):
    headers = tenant_a.headers(role)
    assert_problem(await client.get("/api/tenants", headers=headers), 403)
    assert_problem(await client.post("/api/tenants", headers=headers,
                                     json={"slug": "x-y", "nombre": "x"}), 403)
    assert_problem(await client.get("/api/tenants/tenant-a", headers=headers), 403)
    assert_problem(await client.patch("/api/tenants/tenant-a", headers=headers,
                                      json={"estado": "suspendido"}), 403)


async def test_superadmin_token_does_not_open_a_utility_tenant(client, platform, tenant_a):
    headers = platform.headers(Role.superadmin, tenant="tenant-a")
    assert_problem(await client.get("/api/clientes", headers=headers), 403)


async def test_directory_caches_within_its_ttl(database):
    directory = TenantDirectory(database, ttl_seconds=60)
    first = await directory.get("public")
    assert first is not None and first.id == TenantId("public")
    from app.tenancy.models import Tenant

    async with database.session() as session:
        tenant = await session.get(Tenant, "public")
        tenant.nombre = "Renamed"
    assert (await directory.get("public")).nombre == first.nombre  # served from the cache
    await directory.invalidate("public")
    assert (await directory.get("public")).nombre == "Renamed"
    assert await directory.get("missing-tenant") is None
