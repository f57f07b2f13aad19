"""Invoices after a run: who sees them, voiding, payments and their idempotency."""

from datetime import datetime
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest

from app.users.models import Role
from tests.billing_helpers import bill, detail, invoices, record, setup_billing
from tests.factories import TenantWorld
from tests.helpers import assert_problem


@pytest.fixture
async def billed(client, tenant_a: TenantWorld) -> dict[str, dict]:
    """Tenant A billed for 2026-10: 1001 (the portal user's) and 1002, by numero_cuenta."""
    await setup_billing(client, tenant_a)
    await record(client, tenant_a, tenant_a.cliente.id, "2026-10", 1020, anterior=1000)
    await record(client, tenant_a, tenant_a.other_cliente.id, "2026-10", 1005, anterior=1000)
    await bill(client, tenant_a, "2026-10")
    by_cliente = {f["cliente_id"]: f for f in await invoices(client, tenant_a)}
    return {"1001": by_cliente[str(tenant_a.cliente.id)],
            "1002": by_cliente[str(tenant_a.other_cliente.id)]}


def pago(factura: dict, valor: str, **extra) -> dict:
    return {"factura_id": factura["id"], "valor": valor, "fecha": "2026-11-10",
            "canal": "banco", "referencia": "BANCO-1", **extra}


async def test_portal_user_sees_only_its_own_invoices(client, tenant_a, billed):
    portal = tenant_a.headers(Role.cliente)
    listed = await client.get("/api/facturas", headers=portal)
    assert [f["id"] for f in listed.json()["items"]] == [billed["1001"]["id"]]
    # asking for another account's invoices through the filter still shows only its own
    other = await client.get(f"/api/facturas?cliente_id={tenant_a.other_cliente.id}",
                             headers=portal)
    assert [f["id"] for f in other.json()["items"]] == [billed["1001"]["id"]]
    assert (await client.get(f"/api/facturas/{billed['1001']['id']}", headers=portal)
            ).status_code == 200
    assert_problem(await client.get(f"/api/facturas/{billed['1002']['id']}", headers=portal),
                   404)
    own = await client.get(f"/api/clientes/{tenant_a.cliente.id}/estado-cuenta", headers=portal)
    assert own.status_code == 200 and own.json()["saldo"] == billed["1001"]["total"]
    assert_problem(await client.get(f"/api/clientes/{tenant_a.other_cliente.id}/estado-cuenta",
                                    headers=portal), 404)


async def test_invoice_filters(client, tenant_a, billed, time_machine):
    assert len(await invoices(client, tenant_a, periodo="2026-10")) == 2
    assert await invoices(client, tenant_a, periodo="2026-09") == []
    assert len(await invoices(client, tenant_a, cliente_id=str(tenant_a.cliente.id))) == 1
    # due 2026-11-15: overdue once that day has passed in the tenant's time zone (UTC-5)
    bogota = ZoneInfo("America/Bogota")
    for moment, estado, overdue in (
            (datetime(2026, 11, 15, 23, 30, tzinfo=bogota), "emitida", 0),  # 04:30 UTC on 16th
            (datetime(2026, 11, 16, 0, 30, tzinfo=bogota), "vencida", 2),
            (datetime(2026, 11, 20, 10, 0, tzinfo=bogota), "vencida", 2)):
        time_machine.move_to(moment)
        assert {f["estado"] for f in await invoices(client, tenant_a)} == {estado}, moment
        assert len(await invoices(client, tenant_a, vencidas="true")) == overdue, moment
    assert_problem(await client.get("/api/facturas?estado=borrada",
                                    headers=tenant_a.headers(Role.admin)), 422)


async def test_partial_then_full_payment(client, tenant_a, billed):
    factura = billed["1002"]
    operador = tenant_a.headers(Role.operador)
    total = D(factura["total"])
    first = await client.post("/api/pagos", headers=operador, json=pago(factura, "1000.00"))
    assert first.status_code == 201, first.text
    after = await detail(client, tenant_a, factura["id"])
    assert after["estado"] in ("parcial", "vencida")
    assert D(after["saldo"]) == total - D("1000.00")
    over = await client.post("/api/pagos", headers=operador,
                             json=pago(factura, str(total), referencia="X"))
    assert assert_problem(over, 422)["errors"][0]["field"] == "valor"
    rest = await client.post("/api/pagos", headers=operador,
                             json=pago(factura, str(total - D("1000.00")), referencia="Y"))
    assert rest.status_code == 201
    paid = await detail(client, tenant_a, factura["id"])
    assert (paid["estado"], paid["saldo"], paid["valor_pagado"]) == (
        "pagada", "0.00", factura["total"])
    listed = await client.get(f"/api/pagos?factura_id={factura['id']}", headers=operador)
    assert listed.json()["total"] == 2


@pytest.mark.parametrize("valor", ["0", "-5", "0.001", "abc"])
async def test_bad_amounts_are_422(client, tenant_a, billed, valor):
    response = await client.post("/api/pagos", headers=tenant_a.headers(Role.operador),
                                 json=pago(billed["1001"], valor))
    assert_problem(response, 422)


async def test_idempotency_key(client, tenant_a, billed):
    headers = tenant_a.headers(Role.operador) | {"Idempotency-Key": "pago-123"}
    body = pago(billed["1001"], "5000.00")
    first = await client.post("/api/pagos", headers=headers, json=body)
    again = await client.post("/api/pagos", headers=headers, json=body)
    assert first.status_code == 201 and again.status_code == 200
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    other_body = await client.post("/api/pagos", headers=headers,
                                   json=pago(billed["1001"], "6000.00"))
    assert_problem(other_body, 409)
    full = await detail(client, tenant_a, billed["1001"]["id"])
    assert full["valor_pagado"] == "5000.00"


async def test_reversal_restores_the_balance(client, tenant_a, billed):
    factura = billed["1001"]
    created = (await client.post("/api/pagos", headers=tenant_a.headers(Role.operador),
                                 json=pago(factura, factura["total"]))).json()
    assert (await detail(client, tenant_a, factura["id"]))["estado"] == "pagada"
    url = f"/api/pagos/{created['id']}/reversar"
    assert_problem(await client.post(url, headers=tenant_a.headers(Role.operador),
                                     json={"motivo": "cheque devuelto"}), 403)
    reversed_ = await client.post(url, headers=tenant_a.headers(Role.admin),
                                  json={"motivo": "cheque devuelto"})
    assert reversed_.json()["estado"] == "reversado"
    after = await detail(client, tenant_a, factura["id"])
    assert after["saldo"] == factura["total"] and after["estado"] != "pagada"
    assert_problem(await client.post(url, headers=tenant_a.headers(Role.admin),
                                     json={"motivo": "otra vez"}), 409)


async def test_voiding_issues_a_credit_note_and_blocks_payments(client, tenant_a, billed):
    factura = billed["1002"]
    admin = tenant_a.headers(Role.admin)
    url = f"/api/facturas/{factura['id']}/anular"
    assert_problem(await client.post(url, headers=tenant_a.headers(Role.operador),
                                     json={"motivo": "lectura equivocada"}), 403)
    assert_problem(await client.post(url, headers=admin, json={"motivo": ""}), 422)
    nota = await client.post(url, headers=admin, json={"motivo": "lectura equivocada"})
    assert nota.status_code == 200, nota.text
    assert nota.json()["valor"] == factura["total"] and nota.json()["numero"] == 1
    voided = await detail(client, tenant_a, factura["id"])
    assert (voided["estado"], voided["saldo"], voided["total"]) == (
        "anulada", "0.00", factura["total"])  # the invoice itself is unchanged
    assert voided["anulada_motivo"] == "lectura equivocada"
    assert_problem(await client.post(url, headers=admin, json={"motivo": "de nuevo"}), 409)
    assert_problem(await client.post("/api/pagos", headers=admin,
                                     json=pago(factura, "100.00")), 409)


async def test_voiding_a_paid_invoice_needs_the_payment_reversed(client, tenant_a, billed):
    factura = billed["1001"]
    await client.post("/api/pagos", headers=tenant_a.headers(Role.operador),
                      json=pago(factura, "100.00"))
    response = await client.post(f"/api/facturas/{factura['id']}/anular",
                                 headers=tenant_a.headers(Role.admin),
                                 json={"motivo": "error de facturación"})
    assert "reverse" in assert_problem(response, 409)["detail"]


async def test_a_payment_on_another_tenants_invoice_is_404(client, tenant_a, tenant_b,
                                                            billed):
    response = await client.post("/api/pagos", headers=tenant_b.headers(Role.admin),
                                 json=pago(billed["1001"], "100.00"))
    assert_problem(response, 404)
    assert_problem(await client.get(f"/api/facturas/{billed['1001']['id']}",
                                    headers=tenant_b.headers(Role.admin)), 404)
    assert (await detail(client, tenant_a, billed["1001"]["id"]))["valor_pagado"] == "0.00"


async def test_a_payment_on_a_carried_invoice_lands_where_the_balance_is(client, tenant_a,
                                                                         billed):
    admin = tenant_a.headers(Role.admin)
    from tests.billing_helpers import periodo_body

    await client.post("/api/periodos", headers=admin, json=periodo_body("2026-11"))
    await record(client, tenant_a, tenant_a.cliente.id, "2026-11", 1030)
    await bill(client, tenant_a, "2026-11")
    november = (await invoices(client, tenant_a, periodo="2026-11",
                               cliente_id=str(tenant_a.cliente.id)))[0]
    response = await client.post("/api/pagos", headers=admin,
                                 json=pago(billed["1001"], "100.00"))
    assert response.status_code == 201
    assert response.json()["factura_id"] == november["id"]
