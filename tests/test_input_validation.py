"""Inputs that used to answer 500 or store nonsense: each is a 422 problem naming the field,
and nothing is written."""

import pytest

from app.users.models import Role
from tests.billing_helpers import bill, invoices, record, setup_billing
from tests.factories import cliente_payload
from tests.helpers import assert_problem


def fields(problem: dict) -> list[str]:
    return [error["field"] for error in problem["errors"]]


@pytest.mark.parametrize("path", ["/api/users", "/api/clientes", "/api/periodos",
                                  "/api/tarifas", "/api/lecturas", "/api/facturas",
                                  "/api/pagos", "/api/pqrs"])
async def test_offset_beyond_a_bigint_is_refused(client, tenant_a, path):
    problem = assert_problem(await client.get(
        path, params={"offset": "9223372036854775808"}, headers=tenant_a.headers(Role.admin)),
        422)
    assert fields(problem) == ["offset"]


@pytest.mark.parametrize(("field", "value"), [
    ("nombre", "Ana\x00Gómez"), ("direccion", "Calle 1\x07"), ("nombre", "Ana\x1b[31mroja"),
    ("direccion", "Calle 1\nBogotá"), ("medidor_serial", "MED\t1")])
async def test_control_characters_in_text_are_refused(client, tenant_a, field, value):
    admin = tenant_a.headers(Role.admin)
    problem = assert_problem(await client.post("/api/clientes", headers=admin,
                                               json=cliente_payload("7001", **{field: value})),
                             422)
    assert fields(problem) == [field]
    assert "control characters" in problem["errors"][0]["message"]
    assert (await client.get("/api/clientes", params={"q": "7001"}, headers=admin)
            ).json()["total"] == 0


async def test_long_texts_keep_newlines_and_tabs_but_not_nul(client, tenant_a):
    portal = tenant_a.headers(Role.cliente)
    body = {"tipo": "peticion", "asunto": "Dos líneas", "descripcion": "Primera\n\tSegunda"}
    assert (await client.post("/api/pqrs", headers=portal, json=body)).status_code == 201
    problem = assert_problem(await client.post("/api/pqrs", headers=portal, json={
        **body, "descripcion": "Con\x00NUL"}), 422)
    assert fields(problem) == ["descripcion"]


async def test_nul_in_a_query_and_in_the_login_form(client, tenant_a):
    problem = assert_problem(await client.get(
        "/api/clientes", params={"q": "a\x00b"}, headers=tenant_a.headers(Role.admin)), 422)
    assert fields(problem) == ["q"]
    problem = assert_problem(await client.post(
        "/api/auth/login", headers={"X-Tenant-ID": tenant_a.slug},
        data={"username": "a\x00b", "password": "x"}), 422)
    assert fields(problem) == ["username"]


@pytest.mark.parametrize("periodo", ["0000-01", "1999-12", "2100-01", "9999-12"])
async def test_periods_outside_this_century_are_refused(client, tenant_a, periodo):
    problem = assert_problem(await client.post("/api/periodos", headers=tenant_a.headers(
        Role.admin), json={"periodo": periodo, "fecha_expedicion": "2026-12-01",
                           "fecha_limite_pago": "2026-12-15", "fecha_suspension": "2026-12-25"}),
        422)
    assert fields(problem) == ["periodo"]


async def test_a_period_issued_too_far_ahead_is_refused(client, tenant_a):
    """The suite lives on 2026-11-20; the default allows an issue date 62 days ahead."""
    admin = tenant_a.headers(Role.admin)
    body = {"periodo": "2026-12", "fecha_expedicion": "2027-01-22",  # 63 days ahead
            "fecha_limite_pago": "2027-02-05", "fecha_suspension": "2027-02-15"}
    problem = assert_problem(await client.post("/api/periodos", headers=admin, json=body), 422)
    assert fields(problem) == ["fecha_expedicion"]
    assert "more than 62 days ahead" in problem["errors"][0]["message"]
    body["fecha_expedicion"] = "2027-01-21"  # 62 days ahead
    assert (await client.post("/api/periodos", headers=admin, json=body)).status_code == 201


@pytest.mark.parametrize(("fecha", "message"), [
    (0, "YYYY-MM-DD"), ("0", "YYYY-MM-DD"), (1700000000, "YYYY-MM-DD"),
    ("2026-11-10T00:00:00", "YYYY-MM-DD"), ("0001-01-01", "between"),
    ("2026-10-31", "before factura"),  # the invoice was issued on 2026-11-01
    ("2026-11-21", "after today"),  # the suite's today is 2026-11-20 (Bogotá)
])
async def test_payment_dates_are_iso_and_within_the_invoice_life(client, tenant_a, fecha,
                                                                 message):
    await setup_billing(client, tenant_a)
    await record(client, tenant_a, tenant_a.cliente.id, "2026-10", 1010, anterior=1000)
    await bill(client, tenant_a, "2026-10")
    (factura,) = await invoices(client, tenant_a)
    staff = tenant_a.headers(Role.operador)
    problem = assert_problem(await client.post("/api/pagos", headers=staff, json={
        "factura_id": factura["id"], "valor": "1000.00", "fecha": fecha, "canal": "banco"}),
        422)
    assert fields(problem) == ["fecha"] and message in problem["errors"][0]["message"]
    assert (await client.get("/api/pagos", headers=staff)).json()["total"] == 0
