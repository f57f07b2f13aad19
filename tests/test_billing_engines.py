"""The billing run exists twice by design: set-based SQL (PostgreSQL's path) and the reference
calculation account by account (SQLite's path). Two tenants live the same three months (the
same accounts, readings, payments and a claim), one billed by each engine; every invoice must
come out the same: numbers, consumption, previous balance, interest, lines, totals, what was
carried, held and credited, and the estado."""

from decimal import Decimal as D
from typing import Any

import httpx
import pytest

from app.core.db import Database
from app.core.tenant import TenantId
from app.facturacion import service as facturacion_service
from app.users.models import Role
from tests.billing_helpers import invoices, periodo_body, record, setup_billing
from tests.factories import TenantWorld, cliente_payload

pytestmark = pytest.mark.postgres  # on SQLite both would be the reference calculation

PERIODOS = ("2026-08", "2026-09", "2026-10")
# numero_cuenta: (uso, estrato, services: a = acueducto, s = alcantarillado, m3 per period;
# None = no reading that month, billed on the average (art. 146))
CUENTAS: dict[str, tuple[str, int | None, str, tuple[int | None, ...]]] = {
    "2001": ("residencial", 1, "as", (9, 12, 0)),
    "2002": ("residencial", 2, "as", (20, None, 25)),
    "2003": ("residencial", 3, "a", (14, 30, 11)),
    "2004": ("residencial", 5, "as", (27, 26, None)),
    "2005": ("residencial", 6, "as", (100, 90, 80)),
    "2006": ("comercial", None, "as", (40, 38, 45)),
    "2007": ("industrial", None, "a", (333, 310, 290)),
    "2008": ("oficial", None, "s", (7, 8, 9)),
    "2009": ("residencial", 2, "s", (30, None, None)),
}


async def _live_three_months(client: httpx.AsyncClient, database: Database,
                             world: TenantWorld, *, set_based: bool) -> None:
    admin, staff = world.headers(Role.admin), world.headers(Role.operador)
    parametros = await client.patch("/api/tarifas/parametros", headers=admin, json={
        "consumo_basico_m3": 13, "tasa_mora_residencial": "0.005", "tasa_usura_mensual": "0.025",
        "tasa_mora_no_residencial": "0.02"})
    assert parametros.status_code == 200, parametros.text
    await setup_billing(client, world, PERIODOS[:1])
    for periodo in PERIODOS[1:]:
        body = periodo_body(periodo)
        if periodo == "2026-09":  # still payable when October is issued: no interest on it
            body |= {"fecha_limite_pago": "2026-11-05", "fecha_suspension": "2026-11-12"}
        response = await client.post("/api/periodos", headers=admin, json=body)
        assert response.status_code == 201, response.text
    ids = {}
    for numero, (uso, estrato, services, _) in CUENTAS.items():
        created = await client.post("/api/clientes", headers=admin, json=cliente_payload(
            numero, uso=uso, estrato=estrato, servicio_acueducto="a" in services,
            servicio_alcantarillado="s" in services))
        assert created.status_code == 201, created.text
        ids[numero] = created.json()["id"]
    meters = dict.fromkeys(CUENTAS, 500)

    async def month(index: int) -> dict[str, dict[str, Any]]:
        periodo = PERIODOS[index]
        for numero, (_, _, _, consumos) in CUENTAS.items():
            if (m3 := consumos[index]) is None:
                continue
            anterior, meters[numero] = meters[numero], meters[numero] + m3
            response = await record(client, world, ids[numero], periodo, meters[numero],
                                    anterior=anterior if index == 0 else None)
            assert response.status_code == 201, response.text
        async with database.session(TenantId(world.slug)) as session:
            await facturacion_service.run(session, TenantId(world.slug), periodo,
                                          set_based=set_based)
        return {_cuenta(ids, f): f for f in await invoices(client, world, periodo=periodo)}

    async def pay(factura: dict[str, Any], valor: str, fecha: str) -> None:
        response = await client.post("/api/pagos", headers=staff, json={
            "factura_id": factura["id"], "valor": valor, "fecha": fecha, "canal": "banco"})
        assert response.status_code == 201, response.text

    agosto = await month(0)
    await pay(agosto["2001"], agosto["2001"]["saldo"], "2026-09-10")  # in full, on time
    await pay(agosto["2003"], "10000.00", "2026-09-20")  # part, late
    await pay(agosto["2006"], agosto["2006"]["saldo"], "2026-09-30")  # in full, late
    claim = await client.post("/api/pqrs", headers=staff, json={
        "tipo": "reclamo", "asunto": "Cobro excesivo", "descripcion": "La lectura no es mía",
        "cliente_id": ids["2005"], "canal": "escrito", "factura_id": agosto["2005"]["id"],
        "valor_reclamado": "50000.00"})
    assert claim.status_code == 201, claim.text

    septiembre = await month(1)  # 2005's claim still holds 50,000 out of its carried balance
    await pay(septiembre["2002"], "5000.00", "2026-10-05")
    await pay(septiembre["2007"], septiembre["2007"]["saldo"], "2026-10-14")
    pqr = claim.json()["id"]
    for action, body in (
            ("asignar", {"operador_id": str(world.users[Role.operador].id)}),
            ("responder", {"respuesta": "Se revisó el medidor: procede en parte.",
                           "tipo_respuesta": "accede_parcialmente", "causal": "F01"}),
            ("cerrar", {"resultado": "favorable", "valor_reconocido": "20000.00"})):
        response = await client.post(f"/api/pqrs/{pqr}/{action}", headers=staff, json=body)
        assert response.status_code == 200, response.text

    await month(2)  # the 30,000 not granted are due again and carried with the rest


def _cuenta(ids: dict[str, str], factura: dict[str, Any]) -> str:
    return next(numero for numero, id_ in ids.items() if id_ == factura["cliente_id"])


async def _ledger(client: httpx.AsyncClient, world: TenantWorld) -> dict[tuple[str, str], dict]:
    """Every invoice of the tenant with what matters, keyed by (account, period); ids (which
    differ between tenants) replaced by account numbers and invoice numbers."""
    admin = world.headers(Role.admin)
    details = [(await client.get(f"/api/facturas/{f['id']}", headers=admin)).json()
               for f in await invoices(client, world)]
    numero_by_id = {d["id"]: d["numero"] for d in details}
    ledger = {}
    for d in details:
        kept = {k: v for k, v in d.items() if k not in ("id", "cliente_id", "trasladada_a_id")}
        kept["trasladada_a"] = numero_by_id.get(d["trasladada_a_id"])
        ledger[d["numero_cuenta"], d["periodo"]] = kept
    return ledger


async def test_set_based_sql_and_reference_calculation_issue_the_same_invoices(
        client, database, tenant_a, tenant_b):
    await _live_three_months(client, database, tenant_a, set_based=True)
    await _live_three_months(client, database, tenant_b, set_based=False)
    set_based, reference = await _ledger(client, tenant_a), await _ledger(client, tenant_b)

    # every account every month: the unread ones on the average of what they measured before
    assert len(set_based) == len(CUENTAS) * len(PERIODOS)
    assert set_based.keys() == reference.keys()
    for key in sorted(set_based):
        assert set_based[key] == reference[key], key

    # The scenario did what it says (worked by hand from the August invoices).
    assert set_based["2001", "2026-08"]["estado"] == "pagada"
    assert set_based["2002", "2026-09"]["consumo_estimado"] is True
    # 2003 paid 10,000 of 20,650.32 late: the rest is carried with 2 % interest on it
    agosto, septiembre = set_based["2003", "2026-08"], set_based["2003", "2026-09"]
    assert (agosto["estado"], agosto["trasladada_a"]) == ("trasladada", septiembre["numero"])
    assert D(septiembre["saldo_anterior"]) == D(agosto["total"]) - D("10000.00")
    assert D(septiembre["intereses_mora"]) == D("53.25")  # 0.5 % (residential) of 10,650.32
    # 2005's claim held 50,000 of August out of September's balance and interest ...
    agosto, septiembre = set_based["2005", "2026-08"], set_based["2005", "2026-09"]
    assert D(septiembre["saldo_anterior"]) == D(agosto["total"]) - D("50000.00")
    assert D(septiembre["intereses_mora"]) == (D(septiembre["saldo_anterior"]) * D("0.005")
                                               ).quantize(D("0.01"))
    # ... was granted 20,000 (credited on August), and the 30,000 left came back in October
    assert (D(agosto["valor_acreditado"]), D(agosto["valor_en_reclamo"])) == (D("20000"), 0)
    octubre = set_based["2005", "2026-10"]
    assert D(octubre["saldo_anterior"]) == D(septiembre["total"]) + D("30000.00")
    # September was not due yet when October was issued: interest on August's 30,000 only
    assert D(octubre["intereses_mora"]) == D("150.00")

