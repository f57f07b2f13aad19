"""Customer accounts through the API: rules, filters, estado changes, the portal's view."""

import pytest

from app.users.models import Role
from tests.factories import TenantWorld, cliente_payload
from tests.helpers import assert_problem


async def test_create_and_get(client, tenant_a: TenantWorld):
    headers = tenant_a.headers(Role.operador)
    created = await client.post("/api/clientes", headers=headers,
                                json=cliente_payload("2001", nombre="  Pedro Páez  "))
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["nombre"] == "Pedro Páez"
    assert body["estado"] == "activo"
    assert body["servicio_acueducto"] and body["servicio_alcantarillado"]
    assert body["created_at"].endswith(("Z", "+00:00"))
    fetched = await client.get(f"/api/clientes/{body['id']}", headers=headers)
    assert fetched.json() == body


async def test_duplicate_numero_cuenta_is_409_within_a_tenant_only(client, tenant_a,
                                                                     tenant_b):
    assert_problem(await client.post("/api/clientes", headers=tenant_a.headers(Role.admin),
                                     json=cliente_payload("1001")), 409)
    other = await client.post("/api/clientes", headers=tenant_b.headers(Role.admin),
                              json=cliente_payload("3001"))
    assert other.status_code == 201
    same_number_elsewhere = await client.post(
        "/api/clientes", headers=tenant_b.headers(Role.admin),
        json=cliente_payload("5555"))
    assert same_number_elsewhere.status_code == 201
    again_in_a = await client.post("/api/clientes", headers=tenant_a.headers(Role.admin),
                                   json=cliente_payload("5555"))
    assert again_in_a.status_code == 201


@pytest.mark.parametrize(("overrides", "field"), [
    ({"estrato": 7}, "estrato"),
    ({"estrato": 0}, "estrato"),
    ({"estrato": None}, "estrato"),
    ({"uso": "comercial", "estrato": 3}, "estrato"),
    ({"uso": "agricola"}, "uso"),
    ({"correo": "not-an-email"}, "correo"),
    ({"nombre": ""}, "nombre"),
    ({"nombre": "   "}, "nombre"),
    ({"nombre": "x" * 201}, "nombre"),
    ({"direccion": "y" * 201}, "direccion"),
    ({"numero_cuenta": "9" * 31}, "numero_cuenta"),
    ({"numero_cuenta": "12 34"}, "numero_cuenta"),
    ({"telefono": "call me"}, "telefono"),
    ({"servicio_acueducto": False, "servicio_alcantarillado": False},
     "servicio_alcantarillado"),
    ({"saldo": 10}, "saldo"),
])
async def test_invalid_cliente_is_422_naming_the_field(client, tenant_a, overrides, field):
    response = await client.post("/api/clientes", headers=tenant_a.headers(Role.admin),
                                 json=cliente_payload("4242") | overrides)
    body = assert_problem(response, 422)
    assert field in [e["field"] for e in body["errors"]], body
    assert field in body["detail"]
    listed = await client.get("/api/clientes?q=4242", headers=tenant_a.headers(Role.admin))
    assert listed.json()["total"] == 0


async def test_non_residential_account_has_no_estrato(client, tenant_a):
    response = await client.post("/api/clientes", headers=tenant_a.headers(Role.admin),
                                 json=cliente_payload("7001", uso="industrial", estrato=None))
    assert response.status_code == 201
    assert response.json()["estrato"] is None


async def test_body_that_is_not_json_is_422(client, tenant_a):
    headers = tenant_a.headers(Role.admin) | {"content-type": "application/json"}
    response = await client.post("/api/clientes", headers=headers, content=b"{not json")
    body = assert_problem(response, 422)
    assert "JSON" in body["detail"]


async def test_body_over_one_megabyte_is_413(client, tenant_a):
    headers = tenant_a.headers(Role.admin) | {"content-type": "application/json"}
    big = b'{"nombre": "' + b"x" * 1_100_000 + b'"}'
    assert_problem(await client.post("/api/clientes", headers=headers, content=big), 413)

    async def chunks():
        for _ in range(11):
            yield b"x" * 100_000

    assert_problem(await client.post("/api/clientes", headers=headers, content=chunks()), 413)


async def test_list_filters_search_and_pagination(client, tenant_a):
    headers = tenant_a.headers(Role.admin)
    for n, (uso, estrato, nombre) in enumerate([
        ("residencial", 1, "Carmen Ruiz"), ("residencial", 1, "Carlos Ruiz"),
        ("residencial", 5, "Camila Ortiz"), ("comercial", None, "Tienda 2x1% Ruiz"),
    ]):
        response = await client.post("/api/clientes", headers=headers, json=cliente_payload(
            f"80{n}", uso=uso, estrato=estrato, nombre=nombre))
        assert response.status_code == 201

    async def numbers(query: str) -> list[str]:
        response = await client.get(f"/api/clientes?{query}", headers=headers)
        assert response.status_code == 200, response.text
        return [c["numero_cuenta"] for c in response.json()["items"]]

    assert await numbers("estrato=1") == ["800", "801"]
    assert await numbers("uso=comercial") == ["803"]
    assert await numbers("q=ruiz") == ["800", "801", "803"]
    assert await numbers("q=80") == ["800", "801", "802", "803"]  # numero_cuenta prefix
    assert await numbers("q=00") == []  # a prefix, not a substring, of the number
    assert await numbers("q=2x1%25") == ["803"]  # % is a character, not a wildcard
    page = (await client.get("/api/clientes?limit=2&offset=1", headers=headers)).json()
    assert page["limit"] == 2 and page["offset"] == 1
    assert page["total"] == 6  # the two accounts of the fixture and four here
    assert len(page["items"]) == 2
    assert_problem(await client.get("/api/clientes?limit=201", headers=headers), 422)
    assert_problem(await client.get("/api/clientes?estado=borrado", headers=headers), 422)


async def test_update_checks_rules_on_the_merged_account(client, tenant_a):
    headers = tenant_a.headers(Role.operador)
    url = f"/api/clientes/{tenant_a.cliente.id}"
    body = assert_problem(await client.patch(url, headers=headers, json={"uso": "comercial"}),
                          422)
    assert body["errors"][0]["field"] == "estrato"
    changed = await client.patch(url, headers=headers,
                                 json={"uso": "comercial", "estrato": None, "telefono": None})
    assert changed.status_code == 200, changed.text
    assert changed.json()["estrato"] is None and changed.json()["telefono"] is None
    assert_problem(await client.patch(url, headers=headers, json={"nombre": None}), 422)
    assert_problem(await client.patch(url, headers=headers, json={"numero_cuenta": "9"}), 422)


async def test_estado_changes_and_retirado_is_final(client, tenant_a):
    headers = tenant_a.headers(Role.operador)
    url = f"/api/clientes/{tenant_a.other_cliente.id}"
    for estado in ("suspendido", "activo", "retirado"):
        response = await client.patch(url, headers=headers, json={"estado": estado})
        assert response.json()["estado"] == estado
    assert_problem(await client.patch(url, headers=headers, json={"estado": "activo"}), 409)
    assert_problem(await client.patch(url, headers=headers, json={"nombre": "Otro"}), 409)
    assert (await client.get("/api/clientes?estado=retirado", headers=headers)
            ).json()["total"] == 1


PETICION = {"tipo": "peticion", "asunto": "Medidor", "descripcion": "Revisar el medidor"}


async def test_delete_only_without_history(client, tenant_a):
    admin = tenant_a.headers(Role.admin)
    # 1001 has a portal user bound to it: that is history.
    body = assert_problem(await client.delete(f"/api/clientes/{tenant_a.cliente.id}",
                                              headers=admin), 409)
    assert "retirado" in body["detail"]
    # a reading, or a PQR alone, is history too; the account is left as it was
    for numero, history in (("3001", "lecturas"), ("3002", "pqrs")):
        cliente = (await client.post("/api/clientes", headers=admin,
                                     json=cliente_payload(numero))).json()
        body = {"cliente_id": cliente["id"], "periodo": "2026-10", "lectura_actual": 10,
                "fecha_lectura": "2026-10-28"} if history == "lecturas" else {
                "cliente_id": cliente["id"], "canal": "oficina", **PETICION}
        assert (await client.post(f"/api/{history}", headers=admin, json=body)
                ).status_code == 201
        assert_problem(await client.delete(f"/api/clientes/{cliente['id']}", headers=admin),
                       409)
        assert (await client.get(f"/api/clientes/{cliente['id']}", headers=admin)
                ).json() == cliente
    assert (await client.delete(f"/api/clientes/{tenant_a.other_cliente.id}", headers=admin)
            ).status_code == 204
    assert_problem(await client.get(f"/api/clientes/{tenant_a.other_cliente.id}",
                                    headers=admin), 404)


async def test_portal_user_sees_its_own_account_only(client, tenant_a):
    portal = tenant_a.headers(Role.cliente)
    me = await client.get("/api/clientes/me", headers=portal)
    assert me.status_code == 200
    assert me.json()["numero_cuenta"] == "1001"
    assert_problem(await client.get("/api/clientes", headers=portal), 403)
    assert_problem(await client.get(f"/api/clientes/{tenant_a.cliente.id}", headers=portal), 403)
    assert_problem(await client.get("/api/clientes/me", headers=tenant_a.headers(Role.admin)),
                   403)


async def test_unknown_and_malformed_ids(client, tenant_a):
    headers = tenant_a.headers(Role.admin)
    assert_problem(await client.get("/api/clientes/00000000-0000-0000-0000-000000000000",
                                    headers=headers), 404)
    assert_problem(await client.get("/api/clientes/not-a-uuid", headers=headers), 422)


@pytest.mark.parametrize(("limit", "offset", "shown"), [
    (2, 0, 2), (2, 2, 1), (5, 0, 3), (3, 0, 3), (2, 10, 0), (1, 1, 1)])
async def test_the_total_is_right_on_every_page(client, tenant_a, limit, offset, shown):
    """The last page knows the total without counting; the others count."""
    admin = tenant_a.headers(Role.admin)
    assert (await client.post("/api/clientes", headers=admin,
                              json=cliente_payload("1003"))).status_code == 201
    page = (await client.get("/api/clientes", headers=admin,
                             params={"limit": limit, "offset": offset})).json()
    assert (len(page["items"]), page["total"]) == (shown, 3)
