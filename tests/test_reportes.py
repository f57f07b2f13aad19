"""Management reports against figures worked out here, independently, from the invoices (with
their lines) and payments the scenario made; their CSV and XLSX files against their JSON."""

import csv
import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal as D
from typing import Any

import openpyxl
import pytest

from app.users.models import Role
from tests.billing_helpers import bill, detail, invoices, record, setup_billing
from tests.factories import TenantWorld, cliente_payload
from tests.helpers import assert_problem

PERIODOS = ("2026-08", "2026-09", "2026-10")
CUT = date(2026, 11, 20)  # the suite's today
# account: (uso, estrato, m3 per period; None: no reading, the bill is estimated)
CUENTAS: dict[str, tuple[str, int | None, tuple[int | None, ...]]] = {
    "1001": ("residencial", 2, (12, 14, 13)),
    "1002": ("residencial", 2, (20, 18, None)),  # never pays
    "3005": ("residencial", 5, (10, 10, 30)),  # October triples its average
    "3003": ("comercial", None, (40, 42, 41)),
}
CENT = D("0.01")


@dataclass
class Scenario:
    ids: dict[str, str]  # numero_cuenta -> cliente id
    facturas: dict[tuple[str, str], dict[str, Any]]  # (numero_cuenta, periodo) -> detail
    pagos: list[dict[str, Any]]


async def build(client, world: TenantWorld) -> Scenario:
    admin = world.headers(Role.admin)
    await setup_billing(client, world, PERIODOS)
    ids = {"1001": str(world.cliente.id), "1002": str(world.other_cliente.id)}
    for numero, (uso, estrato, _) in CUENTAS.items():
        if numero not in ids:
            created = await client.post("/api/clientes", headers=admin,
                                        json=cliente_payload(numero, uso=uso, estrato=estrato))
            assert created.status_code == 201, created.text
            ids[numero] = created.json()["id"]
    meters = dict.fromkeys(CUENTAS, 1000)
    pagos: list[dict[str, Any]] = []

    async def pay(numero: str, periodo: str, valor: str | None, fecha: str,
                  canal: str = "banco") -> None:
        factura = facturas[(numero, periodo)]
        response = await client.post("/api/pagos", headers=admin, json={
            "factura_id": factura["id"], "valor": valor or factura["saldo"], "fecha": fecha,
            "canal": canal})
        assert response.status_code == 201, response.text
        pagos.append(response.json())

    facturas: dict[tuple[str, str], dict[str, Any]] = {}
    for index, periodo in enumerate(PERIODOS):
        for numero, (_, _, consumos) in CUENTAS.items():
            if (m3 := consumos[index]) is None:
                continue
            anterior, meters[numero] = meters[numero], meters[numero] + m3
            response = await record(client, world, ids[numero], periodo, meters[numero],
                                    anterior=anterior if index == 0 else None)
            assert response.status_code == 201, response.text
        assert (await bill(client, world, periodo)).status_code == 200
        for item in await invoices(client, world, periodo=periodo):
            numero = next(n for n, i in ids.items() if i == item["cliente_id"])
            facturas[(numero, periodo)] = item
        if periodo == "2026-08":
            await pay("1001", periodo, None, "2026-09-10")
            await pay("3003", periodo, None, "2026-09-20", "pse")
        elif periodo == "2026-09":
            await pay("1001", periodo, None, "2026-10-10")
            await pay("3005", periodo, "10000.00", "2026-10-25", "corresponsal")
        else:
            await pay("3003", periodo, None, "2026-11-12", "pse")
    for key, factura in facturas.items():  # as they stand now, with their lines
        facturas[key] = await detail(client, world, factura["id"])
    return Scenario(ids, facturas, pagos)


def own_charges(factura: dict[str, Any]) -> D:
    return D(factura["total"]) - D(factura["saldo_anterior"])


async def get_report(client, world: TenantWorld, path: str, role: Role = Role.admin,
                     **params) -> dict[str, Any]:
    response = await client.get(f"/api/reportes/{path}", headers=world.headers(role),
                                params=params)
    assert response.status_code == 200, response.text
    return response.json()


async def test_facturacion_and_subsidios_add_up_the_invoice_lines(client, tenant_a):
    world = await build(client, tenant_a)
    estratos = {n: (uso, estrato) for n, (uso, estrato, _) in CUENTAS.items()}
    expected: dict[tuple, dict[str, D]] = defaultdict(lambda: defaultdict(D))
    for (numero, periodo), factura in world.facturas.items():
        if periodo != "2026-10":
            continue
        for line in factura["lineas"]:
            if line["concepto"] == "saldo_anterior":
                continue
            row = expected[(line["servicio"], *estratos[numero])]
            row[line["concepto"]] += D(line["valor"])
            row["total"] += D(line["valor"])
    report = await get_report(client, tenant_a, "facturacion", periodo="2026-10")
    got = {(r["servicio"], r["uso"], r["estrato"]): r for r in report["filas"]}
    assert set(got) == set(expected)
    for key, sums in expected.items():
        for concepto, column in (("cargo_fijo", "cargo_fijo"), ("subsidio", "subsidios"),
                                 ("contribucion", "contribuciones"),
                                 ("consumo_basico", "consumo_basico"),
                                 ("intereses_mora", "intereses_mora"), ("total", "total")):
            assert D(got[key][column]) == sums[concepto], (key, column)
    billed = sum(own_charges(f) for (_, p), f in world.facturas.items() if p == "2026-10")
    assert D(report["totales"]["total"]) == billed
    assert report["cuentas"] == report["totales"]["cuentas"] == 4
    acueducto_1002 = got[("acueducto", "residencial", 2)]
    assert (acueducto_1002["m3_medidos"], acueducto_1002["m3_estimados"]) == (13, 19)

    subsidios = await get_report(client, tenant_a, "subsidios", periodo="2026-10")
    granted = contributed = collected = D(0)
    for (_, periodo), factura in world.facturas.items():
        if periodo != "2026-10":
            continue
        share = min(D(factura["valor_pagado"]) / D(factura["total"]), D(1))
        for line in factura["lineas"]:
            if line["concepto"] == "subsidio":
                granted -= D(line["valor"])
            elif line["concepto"] == "contribucion":
                contributed += D(line["valor"])
                collected += D(line["valor"]) * share
    totales = subsidios["totales"]
    assert D(totales["subsidios"]) == granted > 0
    assert D(totales["contribuciones_facturadas"]) == contributed > 0
    # 3003 (comercial) paid October in full, 3005 nothing of it
    assert abs(D(totales["contribuciones_recaudadas"]) - collected) <= CENT * 2
    assert D(totales["balance"]) == D(totales["contribuciones_recaudadas"]) - granted
    assert subsidios["resultado"] == ("superavit" if D(totales["balance"]) >= 0 else "deficit")
    # each account once, whatever services it has
    assert (totales["cuentas_subsidiadas"], totales["m3_subsidiados"],
            totales["cuentas_aportantes"]) == (2, 13 + 19, 2)


async def test_recaudo_by_day_and_channel_and_by_period(client, tenant_a):
    world = await build(client, tenant_a)
    report = await get_report(client, tenant_a, "recaudo", desde="2026-09-01",
                              hasta="2026-10-31")
    by_day: dict[tuple[str, str], list[D]] = defaultdict(list)
    for pago in world.pagos:
        if "2026-09-01" <= pago["fecha"] <= "2026-10-31":
            by_day[(pago["fecha"], pago["canal"])].append(D(pago["valor"]))
    assert {(d["fecha"], d["canal"]): (d["pagos"], D(d["valor"])) for d in report["por_dia"]
            } == {k: (len(v), sum(v)) for k, v in by_day.items()}
    assert D(report["total_recaudado"]) == sum(sum(v) for v in by_day.values())

    # issued 2026-09-01 (August) and 2026-10-01 (September); payments up to 31 October
    paid: dict[str, D] = defaultdict(D)
    for pago in world.pagos:
        if pago["fecha"] <= "2026-10-31":
            paid[pago["factura_id"]] += D(pago["valor"])
    for fila in report["por_periodo"]:
        mine = [f for (_, p), f in world.facturas.items() if p == fila["periodo"]]
        mora = sum(min(paid[f["id"]], D(f["saldo_anterior"])) for f in mine)
        corriente = sum(paid[f["id"]] for f in mine) - mora
        assert D(fila["facturado"]) == sum(own_charges(f) for f in mine)
        assert (D(fila["recaudo_corriente"]), D(fila["recaudo_mora"])) == (corriente, mora)
        assert fila["tasa_recaudo"] == round(float(corriente / D(fila["facturado"])), 4)
    assert [f["periodo"] for f in report["por_periodo"]] == ["2026-08", "2026-09"]
    september = report["por_periodo"][1]
    assert D(september["recaudo_mora"]) == D("10000.00")  # 3005's, to its carried August


async def test_cartera_by_age_now_and_on_a_past_date(client, tenant_a):
    world = await build(client, tenant_a)
    report = await get_report(client, tenant_a, "cartera", role=Role.operador,
                              fecha=CUT.isoformat(), min_periodos=2)
    pending = sum(D(f["saldo"]) + D(f["valor_en_reclamo"]) for f in world.facturas.values()
                  if f["estado"] != "anulada")
    assert D(report["totales"]["total"]) == pending > 0
    moroso = next(c for c in report["cuentas"] if c["numero_cuenta"] == "1002")
    f = {p: world.facturas[("1002", p)] for p in PERIODOS}
    # October due 15 Nov (5 days), September 15 Oct (36), August 15 Sep (66)
    assert (D(moroso["dias_1_30"]), D(moroso["dias_31_60"]), D(moroso["dias_61_90"])) == (
        own_charges(f["2026-10"]), own_charges(f["2026-09"]), own_charges(f["2026-08"]))
    assert D(moroso["total"]) == D(f["2026-10"]["saldo"])
    assert (moroso["periodos_en_mora"], moroso["dias_mora"]) == (3, 66)
    assert report["candidatos_suspension"] == len(report["cuentas"])
    assert {c["numero_cuenta"] for c in report["cuentas"]} == {"1002", "3005"}
    groups = {g["periodos_en_mora"]: g["cuentas"] for g in report["por_periodos"]}
    assert groups == {"1": 1, "3+": 2}  # 1001 owes October; 1002 and 3005 since August

    past = await get_report(client, tenant_a, "cartera", fecha="2026-10-20", min_periodos=1)
    moroso = next(c for c in past["cuentas"] if c["numero_cuenta"] == "1002")
    assert (D(moroso["dias_1_30"]), D(moroso["dias_31_60"])) == (
        own_charges(f["2026-09"]), own_charges(f["2026-08"]))
    assert (moroso["periodos_en_mora"], moroso["dias_mora"]) == (2, 35)
    # 3005 paid 10,000 on 25 October: on the 20th it owed August and September whole
    cuenta_3005 = next(c for c in past["cuentas"] if c["numero_cuenta"] == "3005")
    assert D(cuenta_3005["total"]) == sum(own_charges(world.facturas[("3005", p)])
                                          for p in PERIODOS[:2])

    assert_problem(await client.get("/api/reportes/cartera", headers=tenant_a.headers(
        Role.admin), params={"fecha": (CUT + timedelta(days=1)).isoformat()}), 422)


async def test_consumos_and_significant_deviations(client, tenant_a):
    await build(client, tenant_a)
    report = await get_report(client, tenant_a, "consumos", periodo="2026-10")
    rows = {(r["uso"], r["estrato"]): r for r in report["filas"]}
    assert rows[("residencial", 2)]["cuentas"] == 2
    assert rows[("residencial", 2)]["m3"] == 13 + 19  # 1002 estimated from (20 + 18) / 2
    assert rows[("residencial", 2)]["proporcion_estimadas"] == 0.5
    assert report["totales"]["estimadas"] == 1 and report["totales"]["m3"] == 13 + 19 + 30 + 41
    [desviacion] = report["desviaciones"]
    assert (desviacion["numero_cuenta"], desviacion["consumo_m3"], desviacion["promedio_m3"],
            desviacion["desviacion"]) == ("3005", 30, 10, 2.0)
    wider = await get_report(client, tenant_a, "consumos", periodo="2026-10", umbral=2.5)
    assert wider["desviaciones"] == []


async def test_pqrs_report_by_tipo_and_causal(client, database, tenant_a):
    staff = tenant_a.headers(Role.operador)
    operador = str(tenant_a.users[Role.operador].id)
    ids = []
    for tipo, causal in (("queja", "P01"), ("queja", "P01"), ("peticion", None)):
        response = await client.post("/api/pqrs", headers=staff, json={
            "tipo": tipo, "asunto": "Reporte", "descripcion": "Para el reporte",
            "cliente_id": str(tenant_a.cliente.id), "canal": "oficina",
            **({"causal": causal} if causal else {})})
        ids.append(response.json()["id"])
    await client.post(f"/api/pqrs/{ids[0]}/asignar", headers=staff,
                      json={"operador_id": operador})
    await client.post(f"/api/pqrs/{ids[0]}/responder", headers=staff,
                      json={"respuesta": "Hecho", "tipo_respuesta": "accede"})
    from tests.test_pqrs import age
    await age(database, tenant_a, ids[2], fecha_vencimiento=CUT - timedelta(days=1))
    report = await get_report(client, tenant_a, "pqrs", desde="2026-11-01",
                              hasta="2026-11-30")
    rows = {(r["tipo"], r["causal"]): r for r in report["filas"]}
    queja = rows[("queja", "P01")]
    assert (queja["radicadas"], queja["respondidas"], queja["a_tiempo"],
            queja["proporcion_a_tiempo"], queja["promedio_dias_habiles"]) == (2, 1, 1, 1.0, 0.0)
    assert queja["grupo"] == "prestacion" and queja["causal_nombre"].startswith("Interrup")
    peticion = rows[("peticion", None)]
    assert (peticion["abiertas_vencidas"], peticion["silencio_positivo"]) == (1, 1)
    assert report["totales"]["radicadas"] == 3


async def test_files_carry_the_same_figures_as_the_json(client, tenant_a):
    await build(client, tenant_a)
    report = await get_report(client, tenant_a, "facturacion", desde="2026-08",
                              hasta="2026-10")
    response = await client.get("/api/reportes/facturacion", headers=tenant_a.headers(
        Role.admin), params={"desde": "2026-08", "hasta": "2026-10", "formato": "csv"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"] == (
        f'attachment; filename="{tenant_a.slug}-facturacion-2026-08_2026-10.csv"')
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == len(report["filas"]) + 1
    for row, fila in zip(rows, [*report["filas"], report["totales"]], strict=True):
        assert row["Total"] == fila["total"] and row["Cuentas"] == str(fila["cuentas"])
        assert row["Servicio"] == (fila["servicio"] or "")

    response = await client.get("/api/reportes/cartera", headers=tenant_a.headers(
        Role.admin), params={"fecha": CUT.isoformat(), "formato": "xlsx"})
    assert response.status_code == 200
    assert response.headers["content-disposition"].endswith(f'-cartera-{CUT}.xlsx"')
    workbook = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    assert workbook.sheetnames == ["Cartera por cuenta", "Por periodos en mora",
                                   "Candidatos a suspensión"]
    sheet = list(workbook["Cartera por cuenta"].iter_rows(values_only=True))
    header, body = sheet[0], sheet[1:]
    cartera = await get_report(client, tenant_a, "cartera", fecha=CUT.isoformat(),
                               min_periodos=1)
    assert len(body) == cartera["totales"]["cuentas"]
    total = header.index("Total")
    assert round(sum(D(str(r[total])) for r in body), 2) == D(cartera["totales"]["total"])


@pytest.mark.parametrize(("path", "params", "field"), [
    ("facturacion", {"periodo": "2026-10", "desde": "2026-08"}, "periodo"),
    ("facturacion", {}, "desde"),
    ("facturacion", {"desde": "2026-10", "hasta": "2026-08"}, "hasta"),
    ("facturacion", {"periodo": "2026-13"}, "periodo"),
    ("recaudo", {"desde": "2026-01-01", "hasta": "2027-06-01"}, "hasta"),
    ("subsidios", {"periodo": "2026-10", "formato": "pdf"}, "formato"),
    ("consumos", {"periodo": "2026-10", "umbral": "0"}, "umbral"),
])
async def test_bad_filters_get_422_naming_the_field(client, tenant_a, path, params, field):
    problem = assert_problem(await client.get(f"/api/reportes/{path}", params=params,
                                              headers=tenant_a.headers(Role.admin)), 422)
    assert field in {e["field"] for e in problem["errors"]}


async def test_a_tenant_reports_only_its_own_figures(client, tenant_a, tenant_b):
    await build(client, tenant_a)
    for path, params in (("facturacion", {"periodo": "2026-10"}),
                         ("subsidios", {"periodo": "2026-10"}),
                         ("recaudo", {"desde": "2026-09-01", "hasta": "2026-11-20"}),
                         ("cartera", {"fecha": CUT.isoformat()}),
                         ("consumos", {"periodo": "2026-10"})):
        report = await get_report(client, tenant_b, path, **params)
        rows = report.get("filas", report.get("por_dia", report.get("cuentas")))
        assert rows == [], path


async def test_the_sui_billing_file_has_a_row_per_account_of_the_service(client, tenant_a):
    world = await build(client, tenant_a)
    response = await client.get("/api/reportes/sui/facturacion", headers=tenant_a.headers(
        Role.admin), params={"periodo": "2026-10", "servicio": "acueducto"})
    assert response.status_code == 200, response.text
    assert response.headers["content-disposition"] == (
        f'attachment; filename="{tenant_a.slug}-sui-facturacion-acueducto-2026-10.csv"')
    rows = {r["Numero cuenta"]: r for r in
            csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")))}
    assert set(rows) == set(CUENTAS)
    moroso, factura = rows["1002"], world.facturas[("1002", "2026-10")]
    lines = {line["concepto"]: D(line["valor"]) for line in factura["lineas"]
             if line["servicio"] == "acueducto"}
    assert (moroso["Factura numero"], moroso["Determinacion consumo"], moroso["Consumo m3"],
            moroso["Dias facturados"], moroso["Codigo catastral"]) == (
        str(factura["numero"]), "estimado", "19", "31", "")
    assert (D(moroso["Cargo fijo"]), D(moroso["Subsidio"])) == (
        lines["cargo_fijo"], lines["subsidio"])
    assert moroso["Factor"] == "-0.2"
    # it carried September, due 15 October, into the invoice issued 1 November
    assert (D(moroso["Valor mora"]), moroso["Dias mora"]) == (
        D(factura["saldo_anterior"]), "17")
    assert D(moroso["Total facturado"]) == D(factura["total"])
    paid_in_october = {p["factura_id"]: D(p["valor"]) for p in world.pagos
                       if p["fecha"].startswith("2026-10")}
    assert D(rows["1001"]["Pagos mes"]) == paid_in_october[
        world.facturas[("1001", "2026-09")]["id"]]
    assert D(rows["3005"]["Pagos mes"]) == D("10000.00")
    assert D(rows["3003"]["Pagos mes"]) == 0  # it paid October in November

    response = await client.get("/api/reportes/sui/facturacion", headers=tenant_a.headers(
        Role.admin), params={"periodo": "2026-10", "servicio": "alcantarillado",
                             "formato": "xlsx"})
    sheet = list(openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
                 .active.iter_rows(values_only=True))
    assert len(sheet) == 1 + len(CUENTAS)


async def test_the_sui_pqr_file(client, tenant_a):
    staff = tenant_a.headers(Role.operador)
    filed = await client.post("/api/pqrs", headers=staff, json={
        "tipo": "queja", "asunto": "SUI", "descripcion": "Para el archivo",
        "cliente_id": str(tenant_a.cliente.id), "canal": "telefono", "causal": "P02"})
    pqr = filed.json()
    await client.post(f"/api/pqrs/{pqr['id']}/asignar", headers=staff,
                      json={"operador_id": str(tenant_a.users[Role.operador].id)})
    answered = (await client.post(f"/api/pqrs/{pqr['id']}/responder", headers=staff, json={
        "respuesta": "Se lavó el tanque", "tipo_respuesta": "accede"})).json()
    await client.post(f"/api/pqrs/{pqr['id']}/notificacion", headers=staff, json={
        "medio": "personal", "fecha": answered["fecha_respuesta"]})
    response = await client.get("/api/reportes/sui/pqrs", headers=tenant_a.headers(Role.admin),
                                params={"desde": "2026-11-01", "hasta": "2026-11-30"})
    [row] = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))[1:]
    assert row == [pqr["radicado"], pqr["fecha_radicacion"], "queja", "prestacion", "P02",
                   "1001", "", "accede", answered["fecha_respuesta"], "personal",
                   answered["fecha_respuesta"]]
