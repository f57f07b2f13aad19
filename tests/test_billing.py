"""Tariffs, periods and billing runs through the API, on SQLite and PostgreSQL alike."""

from decimal import Decimal as D

import pytest

from app.facturacion import calculo
from app.facturacion import service as facturacion_service
from app.users.models import Role
from tests.billing_helpers import (
    ACUEDUCTO,
    ALCANTARILLADO,
    DESIGN_TOTAL,
    bill,
    detail,
    invoices,
    periodo_body,
    record,
    setup_billing,
)
from tests.factories import cliente_payload
from tests.helpers import assert_problem


@pytest.mark.parametrize(("factor", "field_ok"), [
    ({"uso": "residencial", "estrato": 1, "factor": "-0.71"}, False),
    ({"uso": "residencial", "estrato": 1, "factor": "-0.70"}, True),
    ({"uso": "residencial", "estrato": 2, "factor": "-0.41"}, False),
    ({"uso": "residencial", "estrato": 3, "factor": "-0.16"}, False),
    ({"uso": "residencial", "estrato": 3, "factor": "0.10"}, False),
    ({"uso": "residencial", "estrato": 4, "factor": "0.05"}, False),
    ({"uso": "residencial", "estrato": 5, "factor": "-0.10"}, False),
    ({"uso": "comercial", "estrato": 2, "factor": "0.5"}, False),
    ({"uso": "oficial", "factor": "0.1"}, False),
])
async def test_subsidy_caps_and_factor_rules(client, tenant_a, factor, field_ok):
    body = ACUEDUCTO | {"factores": [factor]}
    response = await client.post("/api/tarifas", headers=tenant_a.headers(Role.admin), json=body)
    if field_ok:
        assert response.status_code == 201, response.text
    else:
        problem = assert_problem(response, 422)
        assert problem["errors"][0]["field"].startswith("factores")


async def test_tariff_versions_may_not_overlap(client, tenant_a):
    admin = tenant_a.headers(Role.admin)
    first = await client.post("/api/tarifas", headers=admin, json=ACUEDUCTO)
    assert first.status_code == 201
    assert first.json()["precio_suntuario"] == "1322.9600"  # defaults to precio_basico
    assert {"uso": "comercial", "estrato": None, "factor": "0.5000"} in first.json()["factores"]
    overlapping = ACUEDUCTO | {"vigente_desde": "2026-06-01", "cargo_fijo": "5000"}
    assert_problem(await client.post("/api/tarifas", headers=admin, json=overlapping), 409)
    # another service may start the same day
    assert (await client.post("/api/tarifas", headers=admin, json=ALCANTARILLADO)
            ).status_code == 201
    closed = await client.patch(f"/api/tarifas/{first.json()['id']}", headers=admin,
                                json={"vigente_hasta": "2026-05-31"})
    assert closed.status_code == 200
    assert (await client.post("/api/tarifas", headers=admin, json=overlapping)
            ).status_code == 201
    # reopening the old version would overlap the new one
    assert_problem(await client.patch(f"/api/tarifas/{first.json()['id']}", headers=admin,
                                      json={"vigente_hasta": "2026-12-31"}), 409)
    listed = await client.get("/api/tarifas?servicio=acueducto", headers=admin)
    assert [t["vigente_desde"] for t in listed.json()["items"]] == ["2026-06-01", "2026-01-01"]


async def test_tariff_prices_cannot_be_edited(client, tenant_a):
    admin = tenant_a.headers(Role.admin)
    created = (await client.post("/api/tarifas", headers=admin, json=ACUEDUCTO)).json()
    response = await client.patch(f"/api/tarifas/{created['id']}", headers=admin,
                                  json={"cargo_fijo": "1"})
    assert_problem(response, 422)


async def test_billing_parameters(client, tenant_a):
    admin = tenant_a.headers(Role.admin)
    assert (await client.get("/api/tarifas/parametros", headers=admin)).json() == {
        "consumo_basico_m3": 11, "tasa_mora_residencial": "0.0000",
        "tasa_mora_no_residencial": "0.0000", "tasa_usura_mensual": "0.0000"}
    changed = await client.patch("/api/tarifas/parametros", headers=admin, json={
        "consumo_basico_m3": 13, "tasa_mora_residencial": "0.005",
        "tasa_usura_mensual": "0.0208", "tasa_mora_no_residencial": "0.02"})
    assert changed.json() == {"consumo_basico_m3": 13, "tasa_mora_residencial": "0.0050",
                              "tasa_mora_no_residencial": "0.0200",
                              "tasa_usura_mensual": "0.0208"}

    async def refused(body: dict, field: str) -> None:
        problem = assert_problem(await client.patch("/api/tarifas/parametros", headers=admin,
                                                    json=body), 422)
        assert [e["field"] for e in problem["errors"]] == [field]

    await refused({"consumo_basico_m3": 12}, "consumo_basico_m3")
    # residential users: at most the civil rate, 0.5 % a month (Ley 142 art. 96)
    await refused({"tasa_mora_residencial": "0.0051"}, "tasa_mora_residencial")
    # the others: never above the usury rate, whichever of the two moves
    await refused({"tasa_mora_no_residencial": "0.021"}, "tasa_mora_no_residencial")
    await refused({"tasa_usura_mensual": "0.019"}, "tasa_usura_mensual")
    assert (await client.get("/api/tarifas/parametros", headers=admin)).json() == changed.json()


async def test_periodo_dates_are_checked(client, tenant_a):
    admin = tenant_a.headers(Role.admin)
    bad = periodo_body("2026-10") | {"fecha_suspension": "2026-11-10"}
    assert_problem(await client.post("/api/periodos", headers=admin, json=bad), 422)
    assert_problem(await client.post("/api/periodos", headers=admin,
                                     json=periodo_body("2026-13")), 422)
    assert (await client.post("/api/periodos", headers=admin,
                              json=periodo_body("2026-10"))).status_code == 201
    assert_problem(await client.post("/api/periodos", headers=admin,
                                     json=periodo_body("2026-10")), 409)


async def test_design_worked_example_end_to_end(client, tenant_a):
    await setup_billing(client, tenant_a)
    assert (await record(client, tenant_a, tenant_a.cliente.id, "2026-10", 1020, anterior=1000)
            ).status_code == 201
    summary = await bill(client, tenant_a, "2026-10")
    assert summary.status_code == 200, summary.text
    body = summary.json()
    assert body["facturas_emitidas"] == 1
    assert body["total_facturado"] == "44979.40"
    assert body["omitidas"] == [{"numero_cuenta": "1002",
                                 "motivo": facturacion_service.SIN_HISTORIAL}]
    assert (body["numero_desde"], body["numero_hasta"]) == (1, 1)

    (factura,) = await invoices(client, tenant_a, periodo="2026-10")
    assert factura["total"] == str(DESIGN_TOTAL)
    assert factura["numero"] == 1
    assert factura["estado"] in ("emitida", "vencida")
    full = await detail(client, tenant_a, factura["id"])
    assert full["numero_cuenta"] == "1001"
    assert (full["lectura_anterior"], full["lectura_actual"], full["consumo_m3"]) == (
        1000, 1020, 20)
    assert full["consumo_estimado"] is False
    assert [(ln["servicio"], ln["concepto"], ln["cantidad_m3"], ln["valor"])
            for ln in full["lineas"]] == [
        ("acueducto", "cargo_fijo", None, "4276.37"),
        ("acueducto", "consumo_basico", 11, "14552.56"),
        ("acueducto", "consumo_complementario", 9, "11906.64"),
        ("acueducto", "subsidio", None, "-3765.79"),
        ("alcantarillado", "cargo_fijo", None, "1964.59"),
        ("alcantarillado", "consumo_basico", 11, "10158.28"),
        ("alcantarillado", "consumo_complementario", 9, "8311.32"),
        ("alcantarillado", "subsidio", None, "-2424.57"),
    ]
    assert full["lineas"][3]["factor"] == "-0.2000"


async def test_rerun_bills_nobody_twice(client, tenant_a):
    await setup_billing(client, tenant_a)
    await record(client, tenant_a, tenant_a.cliente.id, "2026-10", 1020, anterior=1000)
    await record(client, tenant_a, tenant_a.other_cliente.id, "2026-10", 15, anterior=0)
    first = (await bill(client, tenant_a, "2026-10")).json()
    again = (await bill(client, tenant_a, "2026-10")).json()
    assert first["facturas_emitidas"] == 2
    assert again["facturas_emitidas"] == 0 and again["ya_facturadas"] == 2
    assert sorted(f["numero"] for f in await invoices(client, tenant_a)) == [1, 2]


async def test_estimated_reading_previous_balance_and_interest(client, tenant_a):
    admin = tenant_a.headers(Role.admin)
    await client.patch("/api/tarifas/parametros", headers=admin,
                       json={"tasa_mora_residencial": "0.005"})
    await setup_billing(client, tenant_a, ("2026-09", "2026-10", "2026-11"))
    cliente_id = tenant_a.cliente.id
    await record(client, tenant_a, cliente_id, "2026-09", 1010, anterior=1000)  # 10 m3
    await record(client, tenant_a, cliente_id, "2026-10", 1030)  # 20 m3
    await bill(client, tenant_a, "2026-09")
    await bill(client, tenant_a, "2026-10")
    # no reading for 2026-11: estimated from the average of 10 and 20 → 15 m3
    summary = (await bill(client, tenant_a, "2026-11")).json()
    assert summary["lecturas_estimadas"] == 1

    by_periodo = {f["periodo"]: f for f in await invoices(client, tenant_a,
                                                          cliente_id=str(cliente_id))}
    september, october, november = (by_periodo[p] for p in ("2026-09", "2026-10", "2026-11"))
    nov = await detail(client, tenant_a, november["id"])
    assert (nov["consumo_m3"], nov["consumo_estimado"], nov["promedio_m3"]) == (15, True, 15)
    assert nov["lectura_actual"] is None

    # October carried September's unpaid total; November carries October's (which includes it)
    oct_detail = await detail(client, tenant_a, october["id"])
    assert D(oct_detail["saldo_anterior"]) == D(september["total"])
    # September was due 2026-10-15, before October's invoice was issued on 2026-11-01: overdue
    assert D(oct_detail["intereses_mora"]) == calculo.money(D(september["total"]) * D("0.005"))
    assert D(nov["saldo_anterior"]) == D(october["total"])
    # November's interest: on the capital (September's and October's charges), not on interest
    capital = D(october["total"]) - D(oct_detail["intereses_mora"])
    assert D(nov["intereses_mora"]) == calculo.money(capital * D("0.005"))
    sep_detail = await detail(client, tenant_a, september["id"])
    assert sep_detail["estado"] == "trasladada" and sep_detail["saldo"] == "0.00"
    assert sep_detail["trasladada_a_id"] == october["id"]
    account = (await client.get(f"/api/clientes/{cliente_id}/estado-cuenta",
                                headers=admin)).json()
    assert D(account["saldo"]) == D(november["total"])
    assert [ln["orden"] for ln in nov["lineas"]] == list(range(1, len(nov["lineas"]) + 1))
    assert [ln["concepto"] for ln in nov["lineas"][-2:]] == ["saldo_anterior", "intereses_mora"]
    assert sum(D(ln["valor"]) for ln in nov["lineas"]) == D(nov["total"])


async def test_rollover_reading_is_billed_as_measured(client, tenant_a):
    await setup_billing(client, tenant_a)
    response = await record(client, tenant_a, tenant_a.cliente.id, "2026-10", 5,
                            anterior=99_990)
    assert response.json()["consumo_m3"] == 15 and response.json()["rollover"] is True
    await bill(client, tenant_a, "2026-10")
    (factura,) = await invoices(client, tenant_a, cliente_id=str(tenant_a.cliente.id))
    assert factura["consumo_m3"] == 15


async def test_unknown_period_and_missing_tariff_bill_nothing(client, tenant_a):
    admin = tenant_a.headers(Role.admin)
    problem = assert_problem(await bill(client, tenant_a, "2026-10"), 404)
    assert "2026-10" in problem["detail"]
    await client.post("/api/tarifas", headers=admin, json=ACUEDUCTO)
    await client.post("/api/periodos", headers=admin, json=periodo_body("2026-10"))
    await record(client, tenant_a, tenant_a.cliente.id, "2026-10", 1020, anterior=1000)
    problem = assert_problem(await bill(client, tenant_a, "2026-10"), 422)
    assert "alcantarillado" in problem["detail"]
    assert problem["missing_tarifas"] == ["alcantarillado"]
    assert await invoices(client, tenant_a) == []


async def test_only_active_accounts_are_billed(client, tenant_a):
    await setup_billing(client, tenant_a)
    await record(client, tenant_a, tenant_a.cliente.id, "2026-10", 1020, anterior=1000)
    await record(client, tenant_a, tenant_a.other_cliente.id, "2026-10", 1020, anterior=1000)
    await client.patch(f"/api/clientes/{tenant_a.other_cliente.id}",
                       headers=tenant_a.headers(Role.admin), json={"estado": "suspendido"})
    summary = (await bill(client, tenant_a, "2026-10")).json()
    assert summary["facturas_emitidas"] == 1


async def test_set_based_and_reference_calculation_agree(client, tenant_a):
    """A mix of usos, estratos, services and consumptions: every invoice the run issued
    (set-based SQL on PostgreSQL) has exactly the lines the reference calculation gives."""
    admin = tenant_a.headers(Role.admin)
    await client.patch("/api/tarifas/parametros", headers=admin, json={"consumo_basico_m3": 13})
    await setup_billing(client, tenant_a)
    tarifas = {
        "acueducto": calculo.TarifaVigente("acueducto", D("4276.37"), D("1322.96"),
                                           D("1322.96"), D("1322.96"), {}),
        "alcantarillado": calculo.TarifaVigente("alcantarillado", D("1964.59"), D("923.48"),
                                                D("923.48"), D("923.48"), {}),
    }
    factors = {(f["uso"], f.get("estrato") or 0): D(f["factor"])
               for f in ACUEDUCTO["factores"]}
    tarifas = {k: calculo.TarifaVigente(v.servicio, v.cargo_fijo, v.precio_basico,
                                        v.precio_complementario, v.precio_suntuario, factors)
               for k, v in tarifas.items()}
    cases = []
    # services: a = acueducto, s = alcantarillado (sewage)
    for n, (uso, estrato, services, m3) in enumerate([
        ("residencial", 1, "as", 0), ("residencial", 1, "as", 9), ("residencial", 2, "as", 13),
        ("residencial", 3, "a", 14), ("residencial", 4, "as", 26), ("residencial", 5, "as", 27),
        ("residencial", 6, "as", 100), ("comercial", None, "as", 40),
        ("industrial", None, "a", 333), ("oficial", None, "as", 7),
        ("residencial", 2, "s", 30), ("comercial", None, "s", 12),
    ]):
        created = await client.post("/api/clientes", headers=admin, json=cliente_payload(
            f"9{n:03d}", uso=uso, estrato=estrato, servicio_acueducto="a" in services,
            servicio_alcantarillado="s" in services))
        cliente_id = created.json()["id"]
        assert (await record(client, tenant_a, cliente_id, "2026-10", 500 + m3, anterior=500)
                ).status_code == 201
        cases.append((f"9{n:03d}", uso, estrato, services, m3))
    await bill(client, tenant_a, "2026-10")
    issued = {f["cliente_id"]: f for f in await invoices(client, tenant_a)}
    clientes = {c["numero_cuenta"]: c["id"] for c in (await client.get(
        "/api/clientes?q=9&limit=50", headers=admin)).json()["items"]}
    for numero, uso, estrato, services, m3 in cases:
        servicios = [name for code, name in (("a", "acueducto"), ("s", "alcantarillado"))
                     if code in services]
        expected = calculo.lineas_factura(tarifas, servicios, m3, 13, uso, estrato)
        full = await detail(client, tenant_a, issued[clientes[numero]]["id"])
        got = [(ln["servicio"], ln["concepto"], ln["cantidad_m3"], D(ln["valor"]))
               for ln in full["lineas"]]
        assert got == [(e.servicio, e.concepto.value, e.cantidad_m3, e.valor)
                       for e in expected], numero
        assert D(full["total"]) == calculo.total(expected)


async def test_late_interest_is_simple_on_capital_and_payments_cover_interest_first(
        client, tenant_a):
    """Three unpaid months of a residential and a commercial account: interest grows with the
    capital past due, never on earlier interest (Código Civil art. 2235); a partial payment
    covers interest first, then capital (art. 1653)."""
    admin = tenant_a.headers(Role.admin)
    assert (await client.patch("/api/tarifas/parametros", headers=admin, json={
        "tasa_mora_residencial": "0.005", "tasa_usura_mensual": "0.02",
        "tasa_mora_no_residencial": "0.015"})).status_code == 200
    periodos = ("2026-08", "2026-09", "2026-10", "2026-11")
    await setup_billing(client, tenant_a, periodos)
    comercial = (await client.post("/api/clientes", headers=admin, json=cliente_payload(
        "5001", uso="comercial", estrato=None))).json()["id"]
    cuentas = {"residencial": (str(tenant_a.cliente.id), D("0.005")),
               "comercial": (comercial, D("0.015"))}
    cargos: dict[str, D] = {}  # each account's monthly charges, read off August's invoice
    for n, periodo in enumerate(periodos):
        for cliente_id, _ in cuentas.values():  # 12 m3 every month: the same charges
            await record(client, tenant_a, cliente_id, periodo, 1012 + 12 * n,
                         anterior=1000 if n == 0 else None)
        if periodo == "2026-11":  # before November is billed: a partial payment of October
            octubre = {uso: (await invoices(client, tenant_a, cliente_id=c,
                                            periodo="2026-10"))[0]
                       for uso, (c, _) in cuentas.items()}
            interes = {uso: D(f["total"]) - 3 * cargos[uso] for uso, f in octubre.items()}
            pagos = {"residencial": interes["residencial"] + D("1000.00"),  # interest + 1,000
                     "comercial": D("100.00")}  # less than the interest owed
            for uso, factura in octubre.items():
                assert (await client.post("/api/pagos", headers=admin, json={
                    "factura_id": factura["id"], "valor": str(pagos[uso]),
                    "fecha": "2026-11-10", "canal": "banco"})).status_code == 201
        assert (await bill(client, tenant_a, periodo)).status_code == 200
        if periodo == "2026-08":
            for uso, (c, _) in cuentas.items():
                cargos[uso] = D((await invoices(client, tenant_a, cliente_id=c))[0]["total"])

    for uso, (cliente_id, tasa) in cuentas.items():
        by_periodo = {f["periodo"]: await detail(client, tenant_a, f["id"])
                      for f in await invoices(client, tenant_a, cliente_id=cliente_id)}
        charged = [D(by_periodo[p]["intereses_mora"]) for p in periodos]
        # one, then two months of charges past due: linear, not compound
        assert charged[:3] == [D("0.00"), calculo.money(cargos[uso] * tasa),
                               calculo.money(2 * cargos[uso] * tasa)], uso
        if uso == "residencial":  # the payment covered all the interest and 1,000 of capital
            assert charged[3] == calculo.money((3 * cargos[uso] - D("1000.00")) * tasa)
        else:  # 100 covered part of the interest: the capital past due is untouched
            assert charged[3] == calculo.money(3 * cargos[uso] * tasa)
        noviembre = by_periodo["2026-11"]
        assert D(noviembre["saldo_anterior"]) == 3 * cargos[uso] + interes[uso] - pagos[uso]


async def test_periods_bill_in_order(client, tenant_a):
    """November read but not billed: December cannot be billed first (it would be carried
    into November's previous balance). Once November is billed, December carries it."""
    await setup_billing(client, tenant_a, ("2026-11", "2026-12"))
    cliente = str(tenant_a.cliente.id)
    await record(client, tenant_a, cliente, "2026-11", 1010, anterior=1000)
    await record(client, tenant_a, cliente, "2026-12", 1020)
    problem = assert_problem(await bill(client, tenant_a, "2026-12"), 409)
    assert problem["periodo_pendiente"] == "2026-11" and "2026-11" in problem["detail"]
    assert await invoices(client, tenant_a) == []
    assert (await bill(client, tenant_a, "2026-11")).status_code == 200
    assert (await bill(client, tenant_a, "2026-12")).status_code == 200
    by_periodo = {f["periodo"]: f for f in await invoices(client, tenant_a)}
    december = await detail(client, tenant_a, by_periodo["2026-12"]["id"])
    assert D(december["saldo_anterior"]) == D(by_periodo["2026-11"]["total"])
    periodo = (await client.get("/api/periodos/2026-11", headers=tenant_a.headers(Role.admin))
               ).json()
    assert periodo["facturado_at"] is not None


async def test_a_late_earlier_period_never_carries_a_later_one(client, tenant_a):
    """September and November billed, then October created late and billed (on the average):
    its previous balance counts only periods before it, so November's open invoice is not
    carried into it and stays as it was."""
    await setup_billing(client, tenant_a, ("2026-09", "2026-11"))
    cliente = str(tenant_a.cliente.id)
    await record(client, tenant_a, cliente, "2026-09", 1010, anterior=1000)
    await bill(client, tenant_a, "2026-09")
    await record(client, tenant_a, cliente, "2026-11", 1030)
    await bill(client, tenant_a, "2026-11")
    november = (await invoices(client, tenant_a, periodo="2026-11"))[0]
    assert (await client.post("/api/periodos", headers=tenant_a.headers(Role.admin),
                              json=periodo_body("2026-10"))).status_code == 201
    assert (await bill(client, tenant_a, "2026-10")).json()["facturas_emitidas"] == 1
    october = await detail(client, tenant_a, (await invoices(
        client, tenant_a, periodo="2026-10"))[0]["id"])
    assert (october["consumo_estimado"], october["saldo_anterior"]) == (True, "0.00")
    after = await detail(client, tenant_a, november["id"])
    assert (after["estado"], after["saldo"], after["trasladada_a_id"]) == (
        "emitida", november["total"], None)
