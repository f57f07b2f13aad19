"""The dashboard: it reads kept summaries, never a scan per request, so the summaries must
equal a fresh computation from the invoices after every write that moves them."""

from datetime import timedelta
from decimal import Decimal as D

from app.core.tenant import TenantId
from app.reportes import service as reportes_service
from app.users.models import Role
from tests.billing_helpers import bill, invoices, record, setup_billing
from tests.conftest import TODAY
from tests.test_reportes import PERIODOS, build, own_charges


async def kept_equals_fresh(database, world, periodo: str) -> dict:
    async with database.session(TenantId(world.slug)) as session:
        kept = await reportes_service.resumen_guardado(session, TenantId(world.slug), periodo)
        fresh = await reportes_service.resumen_fresco(session, TenantId(world.slug), periodo)
    assert kept == fresh
    return kept


async def test_the_summary_follows_billing_payments_reversals_voids_and_claims(
        client, database, tenant_a):
    admin = tenant_a.headers(Role.admin)
    await setup_billing(client, tenant_a)
    for cliente in (tenant_a.cliente, tenant_a.other_cliente):
        await record(client, tenant_a, cliente.id, "2026-10", 1020, anterior=1000)
    await bill(client, tenant_a, "2026-10")
    kept = await kept_equals_fresh(database, tenant_a, "2026-10")
    by_cliente = {f["cliente_id"]: f for f in await invoices(client, tenant_a,
                                                            periodo="2026-10")}
    ana, luis = by_cliente[str(tenant_a.cliente.id)], by_cliente[str(tenant_a.other_cliente.id)]
    assert (kept["facturas"], kept["total"], kept["recaudado"]) == (
        2, D(ana["total"]) + D(luis["total"]), 0)

    pago = (await client.post("/api/pagos", headers=admin, json={
        "factura_id": ana["id"], "valor": "10000.00", "fecha": "2026-11-10",
        "canal": "banco"})).json()
    assert (await kept_equals_fresh(database, tenant_a, "2026-10"))["recaudado"] == D(10000)
    await client.post(f"/api/pagos/{pago['id']}/reversar", headers=admin,
                      json={"motivo": "Cheque devuelto"})
    assert (await kept_equals_fresh(database, tenant_a, "2026-10"))["recaudado"] == 0

    filed = await client.post("/api/pqrs", headers=tenant_a.headers(Role.cliente), json={
        "tipo": "reclamo", "asunto": "Cobro", "descripcion": "No es mi consumo",
        "factura_id": ana["id"], "valor_reclamado": "5000.00"})
    assert filed.status_code == 201, filed.text
    claim = filed.json()
    staff = tenant_a.headers(Role.operador)
    for action, body in (
            ("asignar", {"operador_id": str(tenant_a.users[Role.operador].id)}),
            ("responder", {"respuesta": "Procede", "tipo_respuesta": "accede",
                           "causal": "F01"}),
            ("cerrar", {"resultado": "favorable"})):
        response = await client.post(f"/api/pqrs/{claim['id']}/{action}", headers=staff,
                                     json=body)
        assert response.status_code == 200, response.text
    assert (await kept_equals_fresh(database, tenant_a, "2026-10"))["acreditado"] == D(5000)

    voided = await client.post(f"/api/facturas/{luis['id']}/anular", headers=admin,
                               json={"motivo": "Lectura de otro medidor"})
    assert voided.status_code == 200, voided.text
    kept = await kept_equals_fresh(database, tenant_a, "2026-10")
    assert (kept["facturas"], kept["anuladas"], kept["total"]) == (1, 1, D(ana["total"]))


async def test_the_dashboard_shows_the_kept_figures(client, tenant_a, time_machine):
    world = await build(client, tenant_a)
    admin = tenant_a.headers(Role.admin)
    tablero = (await client.get("/api/reportes/tablero", headers=admin)).json()
    assert [p["periodo"] for p in tablero["serie"]] == list(PERIODOS)
    octubre = tablero["ultimo_periodo"]
    mine = [f for (_, p), f in world.facturas.items() if p == "2026-10"]
    paid = sum(D(f["valor_pagado"]) for f in mine)
    assert (octubre["periodo"], octubre["facturas"], octubre["estimadas"]) == ("2026-10", 4, 1)
    assert D(octubre["facturado"]) == sum(own_charges(f) for f in mine)
    assert D(octubre["recaudado"]) == paid
    assert octubre["tasa_recaudo"] == round(float(paid / sum(D(f["total"]) for f in mine)), 4)
    assert octubre["proporcion_estimadas"] == 0.25
    assert tablero["pqrs"] == {"abiertas": 0, "vencidas": 0, "vencen_hoy": 0}
    # the October run left a snapshot of the arrears; payments since move it an hour later
    assert tablero["cartera"]["fecha"] == TODAY.date().isoformat()

    time_machine.move_to(TODAY + timedelta(hours=2))
    admin = tenant_a.headers(Role.admin)  # a token of the new hour
    await client.get("/api/reportes/tablero", headers=admin)  # stale: its refresh is queued
    await client._transport.app.state.job_queue.idle()
    response = await client.get("/api/reportes/tablero", headers=admin)
    assert response.status_code == 200, response.text
    tablero = response.json()
    cartera = (await client.get("/api/reportes/cartera", headers=admin,
                                params={"fecha": TODAY.date().isoformat()})).json()
    assert D(tablero["cartera"]["total"]) == D(cartera["totales"]["total"])
    assert D(tablero["cartera"]["dias_61_90"]) == D(cartera["totales"]["dias_61_90"])
    assert tablero["cartera"]["cuentas"] == cartera["totales"]["cuentas"]
    assert tablero["cartera"]["cuentas_en_mora"] == 3  # 1001, 1002 and 3005


async def test_a_new_tenant_has_an_empty_dashboard(client, tenant_b):
    tablero = (await client.get("/api/reportes/tablero",
                                headers=tenant_b.headers(Role.admin))).json()
    assert tablero["serie"] == [] and tablero["ultimo_periodo"] is None
