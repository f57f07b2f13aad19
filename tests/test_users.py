"""A tenant's users: roles, bindings, uniqueness and deactivation."""

import pytest

from app.users.models import Role
from tests.factories import PASSWORD, TenantWorld
from tests.helpers import assert_problem


def user_payload(email: str = "nuevo@tenant-a.co", role: str = "operador", **extra) -> dict:
    return {"email": email, "nombre": "Nuevo", "password": "una-clave-segura", "role": role,
            **extra}


async def test_admin_creates_lists_and_updates_users(client, tenant_a: TenantWorld):
    admin = tenant_a.headers(Role.admin)
    created = await client.post("/api/users", headers=admin,
                                json=user_payload("Nuevo@Tenant-A.co"))
    assert created.status_code == 201, created.text
    user = created.json()
    assert user["email"] == "nuevo@tenant-a.co"
    assert user["activo"] is True
    assert "password" not in user and "password_hash" not in user

    listed = (await client.get("/api/users?role=operador", headers=admin)).json()
    assert sorted(u["email"] for u in listed["items"]) == ["nuevo@tenant-a.co",
                                                           "operador@tenant-a.co"]
    promoted = await client.patch(f"/api/users/{user['id']}", headers=admin,
                                  json={"role": "admin", "nombre": "Jefa"})
    assert promoted.json()["role"] == "admin"
    assert promoted.json()["nombre"] == "Jefa"

    assert (await client.delete(f"/api/users/{user['id']}", headers=admin)).status_code == 204
    inactive = (await client.get("/api/users?activo=false", headers=admin)).json()
    assert [u["email"] for u in inactive["items"]] == ["nuevo@tenant-a.co"]
    fetched = await client.get(f"/api/users/{user['id']}", headers=admin)
    assert fetched.json()["activo"] is False


async def test_duplicate_email_is_409_within_a_tenant_only(client, tenant_a, tenant_b):
    response = await client.post("/api/users", headers=tenant_a.headers(Role.admin),
                                 json=user_payload("OPERADOR@tenant-a.co"))
    assert_problem(response, 409)
    elsewhere = await client.post("/api/users", headers=tenant_b.headers(Role.admin),
                                  json=user_payload("operador@tenant-a.co"))
    assert elsewhere.status_code == 201


async def test_admin_can_never_make_a_superadmin(client, tenant_a):
    admin = tenant_a.headers(Role.admin)
    assert_problem(await client.post("/api/users", headers=admin,
                                     json=user_payload(role="superadmin")), 403)
    operador_id = tenant_a.users[Role.operador].id
    assert_problem(await client.patch(f"/api/users/{operador_id}", headers=admin,
                                      json={"role": "superadmin"}), 403)
    assert (await client.get(f"/api/users/{operador_id}", headers=admin)
            ).json()["role"] == "operador"


async def test_superadmin_manages_only_superadmins_of_public(client, platform):
    root = platform.headers(Role.superadmin)
    ok = await client.post("/api/users", headers=root,
                           json=user_payload("second@cunservicios.co", role="superadmin"))
    assert ok.status_code == 201
    body = assert_problem(await client.post("/api/users", headers=root,
                                            json=user_payload("a@cunservicios.co", "admin")), 422)
    assert body["errors"][0]["field"] == "role"


async def test_cliente_users_are_bound_to_an_account(client, tenant_a):
    admin = tenant_a.headers(Role.admin)
    missing = await client.post("/api/users", headers=admin,
                                json=user_payload("portal@x.co", "cliente"))
    assert assert_problem(missing, 422)["errors"][0]["field"] == "numero_cuenta"
    unknown = await client.post("/api/users", headers=admin,
                                json=user_payload("portal@x.co", "cliente", numero_cuenta="999"))
    assert assert_problem(unknown, 422)["errors"][0]["field"] == "numero_cuenta"
    staff_bound = await client.post("/api/users", headers=admin,
                                    json=user_payload("staff@x.co", numero_cuenta="1002"))
    assert_problem(staff_bound, 422)

    created = await client.post("/api/users", headers=admin,
                                json=user_payload("portal@x.co", "cliente", numero_cuenta="1002"))
    assert created.status_code == 201
    assert created.json()["cliente_id"] == str(tenant_a.other_cliente.id)
    # Promoted to staff, the binding goes; demoted back, it needs an account again.
    user_id = created.json()["id"]
    staff = await client.patch(f"/api/users/{user_id}", headers=admin, json={"role": "operador"})
    assert staff.json()["cliente_id"] is None
    assert_problem(await client.patch(f"/api/users/{user_id}", headers=admin,
                                      json={"role": "cliente"}), 422)


async def test_a_user_of_tenant_b_cannot_be_bound_to_tenant_a_account(client, tenant_a,
                                                                       tenant_b):
    response = await client.post("/api/users", headers=tenant_b.headers(Role.admin),
                                 json=user_payload("p@b.co", "cliente", numero_cuenta="1001"))
    # tenant-b has its own 1001, so the binding lands there, never on tenant-a's account.
    assert response.status_code == 201
    assert response.json()["cliente_id"] == str(tenant_b.cliente.id)
    assert response.json()["cliente_id"] != str(tenant_a.cliente.id)


async def test_admin_cannot_lock_themselves_out(client, tenant_a):
    admin = tenant_a.headers(Role.admin)
    admin_id = tenant_a.users[Role.admin].id
    assert_problem(await client.delete(f"/api/users/{admin_id}", headers=admin), 409)
    assert_problem(await client.patch(f"/api/users/{admin_id}", headers=admin,
                                      json={"role": "operador"}), 409)


async def test_demotion_takes_effect_on_the_next_request(client, tenant_a):
    admin_b_id = (await client.post("/api/users", headers=tenant_a.headers(Role.admin),
                                    json=user_payload("admin2@tenant-a.co", "admin"))).json()["id"]
    login = await client.post("/api/auth/login", headers={"X-Tenant-ID": "tenant-a"},
                              data={"username": "admin2@tenant-a.co",
                                    "password": "una-clave-segura"})
    second_admin = {"X-Tenant-ID": "tenant-a",
                    "Authorization": f"Bearer {login.json()['access_token']}"}
    assert (await client.get("/api/users", headers=second_admin)).status_code == 200
    await client.patch(f"/api/users/{admin_b_id}", headers=tenant_a.headers(Role.admin),
                       json={"role": "operador"})
    assert_problem(await client.get("/api/users", headers=second_admin), 403)


@pytest.mark.parametrize(("body", "field"), [
    ({"email": "bad"}, "email"),
    ({"password": "short"}, "password"),
    ({"role": "jefe"}, "role"),
    ({"nombre": ""}, "nombre"),
])
async def test_invalid_user_is_422(client, tenant_a, body, field):
    response = await client.post("/api/users", headers=tenant_a.headers(Role.admin),
                                 json=user_payload() | body)
    assert field in [e["field"] for e in assert_problem(response, 422)["errors"]]


async def test_password_is_stored_hashed_with_argon2(database, tenant_a):
    from app.users.repository import UserRepository

    async with database.session(tenant_a.slug) as session:
        user = await UserRepository(session, tenant_a.slug).get(tenant_a.users[Role.admin].id)
    assert user.password_hash.startswith("$argon2id$")
    assert "m=19456,t=2,p=1" in user.password_hash
    assert PASSWORD not in user.password_hash
