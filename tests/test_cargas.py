"""Bulk loads of accounts and of a bank's collection file: all rows or none, every bad row
reported as {fila, campo, error}, CSV or XLSX, and a collection file loaded twice pays once."""

import io
from decimal import Decimal as D

import openpyxl

from app.users.models import Role
from tests.billing_helpers import bill, invoices, record, setup_billing
from tests.factories import TenantWorld
from tests.helpers import assert_problem


async def load(client, world: TenantWorld, path: str, content: bytes,
               name: str = "carga.csv"):
    return await client.post(path, headers=world.headers(Role.operador),
                             files={"archivo": (name, content, "application/octet-stream")})


def xlsx(rows: list[list]) -> bytes:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


async def cuentas(client, world: TenantWorld) -> dict[str, dict]:
    items = (await client.get("/api/clientes", headers=world.headers(Role.operador),
                              params={"limit": 200})).json()["items"]
    return {c["numero_cuenta"]: c for c in items}


async def test_accounts_are_created_and_updated_by_numero_cuenta(client, tenant_a):
    before = await cuentas(client, tenant_a)
    content = ("numero_cuenta,nombre,direccion,uso,estrato,servicio_alcantarillado\n"
               "5001,Tienda La Esquina,Calle 5 # 1-2,comercial,,si\n"
               "5002,Rosa Pérez,Carrera 3 # 4-5,residencial,3,no\n"
               "1001,Ana Gómez de Ruiz,Calle 1 # 2-3,residencial,1,sí\n").encode()
    response = await load(client, tenant_a, "/api/clientes/carga", content)
    assert response.status_code == 201, response.text
    assert response.json() == {"filas": 3, "creadas": 2, "actualizadas": 1}
    after = await cuentas(client, tenant_a)
    assert after["5001"]["uso"] == "comercial" and after["5001"]["estrato"] is None
    assert after["5001"]["estado"] == "activo" and after["5001"]["servicio_acueducto"]
    assert after["5002"]["servicio_alcantarillado"] is False
    updated = after["1001"]
    assert (updated["nombre"], updated["estrato"], updated["id"]) == (
        "Ana Gómez de Ruiz", 1, before["1001"]["id"])
    # columns the file did not have are kept
    assert (updated["telefono"], updated["correo"], updated["medidor_serial"]) == (
        before["1001"]["telefono"], before["1001"]["correo"], before["1001"]["medidor_serial"])


async def test_an_xlsx_workbook_loads_like_a_csv(client, tenant_a):
    content = xlsx([["numero_cuenta", "nombre", "direccion", "uso", "estrato", "telefono"],
                    [6001, "Hotel Central", "Plaza 1", "comercial", None, 3001112233],
                    [6002, "Juan Ruiz", "Calle 9", "residencial", 2, None]])
    response = await load(client, tenant_a, "/api/clientes/carga", content, "cuentas.xlsx")
    assert response.status_code == 201, response.text
    after = await cuentas(client, tenant_a)
    assert after["6001"]["telefono"] == "3001112233" and after["6002"]["estrato"] == 2


async def test_a_file_with_bad_rows_reports_each_and_writes_nothing(client, tenant_a):
    before = await cuentas(client, tenant_a)
    content = (b"numero_cuenta,nombre,direccion,uso,estrato,correo\n"
               b"7001,Bien,Calle 1,residencial,2,\n"
               b"7002,,Calle 2,residencial,2,\n"
               b"7003,Mal uso,Calle 3,agricola,,\n"
               b"7004,Comercio,Calle 4,comercial,4,\n"
               b"7001,Repetida,Calle 5,residencial,2,\n"
               b"7005,Correo,Calle 6,residencial,2,no-es-correo\n")
    problem = assert_problem(await load(client, tenant_a, "/api/clientes/carga", content), 422)
    assert {(e["fila"], e["campo"]) for e in problem["errors"]} == {
        (3, "nombre"), (4, "uso"), (5, "estrato"), (6, "numero_cuenta"), (7, "correo")}
    assert problem["error_count"] == 5 and "nothing was recorded" in problem["detail"]
    assert await cuentas(client, tenant_a) == before

    for bad, message in (
            (b"numero_cuenta,nombre,uso\n1,a,comercial\n", "direccion"),
            (b"numero_cuenta,nombre,direccion,uso,color\n1,a,b,comercial,rojo\n", "color"),
            ("numero_cuenta,nombre\n".encode("utf-16"), "UTF-8"),
            (b"numero_cuenta,nombre,direccion,uso\n", "no rows"),
            (b"PK\x03\x04 not really a workbook", "XLSX")):
        problem = assert_problem(await load(client, tenant_a, "/api/clientes/carga", bad), 422)
        assert message in problem["detail"]


async def _billed(client, world: TenantWorld) -> dict[str, dict]:
    await setup_billing(client, world)
    for cliente in (world.cliente, world.other_cliente):
        await record(client, world, cliente.id, "2026-10", 1020, anterior=1000)
    assert (await bill(client, world, "2026-10")).status_code == 200
    return {f["cliente_id"]: f for f in await invoices(client, world, periodo="2026-10")}


async def test_a_bank_file_pays_each_row_once_however_often_it_is_loaded(client, tenant_a):
    facturas = await _billed(client, tenant_a)
    ana, luis = facturas[str(tenant_a.cliente.id)], facturas[str(tenant_a.other_cliente.id)]
    content = ("referencia;valor;fecha;banco\n"
               f"{ana['referencia_pago']};{ana['saldo']};2026-11-10;Banco de Bogotá\n"
               f"{luis['referencia_pago']};10000.00;2026-11-12;Bancolombia\n").encode()
    response = await load(client, tenant_a, "/api/pagos/carga", content, "recaudo.csv")
    assert response.status_code == 201, response.text
    assert response.json() == {"filas": 2, "registrados": 2, "repetidos": 0,
                               "valor_registrado": str(D(ana["saldo"]) + D("10000.00"))}
    again = await load(client, tenant_a, "/api/pagos/carga", content, "recaudo.csv")
    assert again.json() == {"filas": 2, "registrados": 0, "repetidos": 2,
                            "valor_registrado": "0.00"}
    pagos = (await client.get("/api/pagos", headers=tenant_a.headers(Role.admin))).json()
    assert pagos["total"] == 2
    assert {p["referencia"] for p in pagos["items"]} == {
        f"Banco de Bogotá {ana['referencia_pago']}", f"Bancolombia {luis['referencia_pago']}"}
    after = {f["cliente_id"]: f for f in await invoices(client, tenant_a, periodo="2026-10")}
    assert after[ana["cliente_id"]]["estado"] == "pagada"
    assert D(after[luis["cliente_id"]]["saldo"]) == D(luis["saldo"]) - D("10000.00")


async def test_a_bank_file_with_bad_rows_pays_nothing(client, tenant_a):
    facturas = await _billed(client, tenant_a)
    ana, luis = facturas[str(tenant_a.cliente.id)], facturas[str(tenant_a.other_cliente.id)]
    content = ("referencia,valor,fecha,banco\n"
               f"{ana['referencia_pago']},1000.00,2026-11-10,Banco\n"
               "9999999999,1000.00,2026-11-10,Banco\n"
               f"{luis['referencia_pago']},{D(luis['saldo']) + 1},2026-11-10,Banco\n"
               f"{luis['referencia_pago']},1000.00,2031-01-01,Banco\n"
               f"{ana['referencia_pago']},mil,2026-11-10,Banco\n").encode()
    problem = assert_problem(await load(client, tenant_a, "/api/pagos/carga", content), 422)
    assert {(e["fila"], e["campo"]) for e in problem["errors"]} == {
        (3, "referencia"), (4, "valor"), (5, "fecha"), (6, "valor")}
    pagos = (await client.get("/api/pagos", headers=tenant_a.headers(Role.admin))).json()
    assert pagos["total"] == 0  # the good first row was not kept either
    after = {f["cliente_id"]: f for f in await invoices(client, tenant_a, periodo="2026-10")}
    assert after[ana["cliente_id"]]["saldo"] == ana["saldo"]


async def test_another_tenants_references_are_unknown(client, tenant_a, tenant_b):
    facturas = await _billed(client, tenant_a)
    ana = facturas[str(tenant_a.cliente.id)]
    content = (f"referencia,valor,fecha,banco\n{ana['referencia_pago']},1000.00,2026-11-10,"
               "Banco\n").encode()
    problem = assert_problem(await load(client, tenant_b, "/api/pagos/carga", content), 422)
    assert problem["errors"][0]["campo"] == "referencia"
