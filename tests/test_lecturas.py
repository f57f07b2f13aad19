"""Meter readings: one at a time, corrections, and the all-or-nothing CSV upload."""

import httpx

from app.users.models import Role
from tests.billing_helpers import bill, record, setup_billing
from tests.factories import TenantWorld
from tests.helpers import assert_problem


async def upload(client: httpx.AsyncClient, world: TenantWorld, content: bytes,
                 role: Role = Role.operador) -> httpx.Response:
    return await client.post("/api/lecturas/carga", headers=world.headers(role),
                             files={"archivo": ("lecturas.csv", content, "text/csv")})


async def readings(client, world, periodo: str) -> list[dict]:
    response = await client.get(f"/api/lecturas?periodo={periodo}",
                                headers=world.headers(Role.operador))
    return response.json()["items"]


async def test_record_takes_the_previous_reading_from_the_last_one(client, tenant_a):
    first = await record(client, tenant_a, tenant_a.cliente.id, "2026-09", 1000)
    assert first.status_code == 201
    assert first.json()["consumo_m3"] is None  # a new meter: nothing to measure against
    second = await record(client, tenant_a, tenant_a.cliente.id, "2026-10", 1018)
    assert (second.json()["lectura_anterior"], second.json()["consumo_m3"]) == (1000, 18)
    assert_problem(await record(client, tenant_a, tenant_a.cliente.id, "2026-10", 1019), 409)
    # lectura_anterior is only for the first reading
    third = await record(client, tenant_a, tenant_a.cliente.id, "2026-11", 1030, anterior=5)
    assert assert_problem(third, 422)["errors"][0]["field"] == "lectura_anterior"


async def test_reading_rules(client, tenant_a):
    operador = tenant_a.headers(Role.operador)
    body = {"cliente_id": str(tenant_a.cliente.id), "periodo": "2026-10",
            "lectura_actual": 10, "fecha_lectura": "2026-09-30"}
    outside = await client.post("/api/lecturas", headers=operador, json=body)
    assert assert_problem(outside, 422)["errors"][0]["field"] == "fecha_lectura"
    negative = await client.post("/api/lecturas", headers=operador,
                                 json=body | {"lectura_actual": -1, "fecha_lectura": "2026-10-05"})
    assert_problem(negative, 422)
    await record(client, tenant_a, tenant_a.cliente.id, "2026-09", 5000, anterior=4990)
    lower = await record(client, tenant_a, tenant_a.cliente.id, "2026-10", 4000)
    assert "rollover" in assert_problem(lower, 422)["errors"][0]["message"]


async def test_correction_before_billing_only(client, tenant_a):
    await setup_billing(client, tenant_a)
    lectura = (await record(client, tenant_a, tenant_a.cliente.id, "2026-10", 1020,
                            anterior=1000)).json()
    url = f"/api/lecturas/{lectura['id']}"
    operador = tenant_a.headers(Role.operador)
    corrected = await client.patch(url, headers=operador,
                                   json={"lectura_actual": 1025, "novedad": "relectura"})
    assert (corrected.json()["consumo_m3"], corrected.json()["novedad"]) == (25, "relectura")
    await bill(client, tenant_a, "2026-10")
    assert_problem(await client.patch(url, headers=operador, json={"lectura_actual": 1030}),
                   409)


async def test_csv_upload_writes_every_row(client, tenant_a):
    await record(client, tenant_a, tenant_a.cliente.id, "2026-09", 1000, anterior=990)
    content = (b"numero_cuenta,periodo,lectura_actual,fecha_lectura,novedad\n"
               b"1001,2026-10,1020,2026-10-28,\n"
               b"1002,2026-10,77,2026-10-29,medidor nuevo\n")
    response = await upload(client, tenant_a, content)
    assert response.status_code == 201, response.text
    assert response.json() == {"filas": 2, "registradas": 2, "periodos": ["2026-10"],
                               "sin_lectura_anterior": 1, "rollovers": 0}
    by_cuenta = {r["cliente_id"]: r for r in await readings(client, tenant_a, "2026-10")}
    first = by_cuenta[str(tenant_a.cliente.id)]
    assert (first["lectura_anterior"], first["consumo_m3"]) == (1000, 20)
    assert by_cuenta[str(tenant_a.other_cliente.id)]["novedad"] == "medidor nuevo"


async def test_csv_with_semicolons_and_a_bom(client, tenant_a):
    content = "\ufeffnumero_cuenta;periodo;lectura_actual;fecha_lectura\n" \
              "1001;2026-10;5;2026-10-01\n"
    response = await upload(client, tenant_a, content.encode())
    assert response.status_code == 201, response.text


async def test_csv_with_bad_rows_reports_each_and_writes_nothing(client, tenant_a):
    await record(client, tenant_a, tenant_a.other_cliente.id, "2026-10", 50, anterior=40)
    content = (b"numero_cuenta,periodo,lectura_actual,fecha_lectura,novedad\n"
               b"1001,2026-10,1020,2026-10-28\n"      # good
               b"9999,2026-10,10,2026-10-28\n"        # unknown account
               b"1001,2026-10,1030,2026-10-29\n"      # duplicate in the file
               b"1002,2026-10,60,2026-10-28\n"        # already recorded
               b"1001,2026-10,abc,2026-10-28\n"       # non-numeric (and duplicate)
               b"1001,2026-11,-5,2026-11-02\n"        # negative
               b"1001,2026-12,10,2027-01-02\n"        # date outside the period
               b"1001,2026-13,10,2026-12-02\n"        # no such period
               b"1002,2026-11,70,2026-11-02,a\x07b\n"  # a bell in the note
               )
    response = await upload(client, tenant_a, content)
    body = assert_problem(response, 422)
    found = {(e["fila"], e["campo"]) for e in body["errors"]}
    assert {(3, "numero_cuenta"), (4, "numero_cuenta"), (5, "periodo"),
            (6, "lectura_actual"), (7, "lectura_actual"), (8, "fecha_lectura"),
            (9, "periodo"), (10, "novedad")} <= found
    assert all({"fila", "campo", "error"} <= set(e) for e in body["errors"])
    assert "nothing was recorded" in body["detail"]
    assert [r["cliente_id"] for r in await readings(client, tenant_a, "2026-10")] == [
        str(tenant_a.other_cliente.id)]


async def test_csv_that_is_not_csv_or_not_utf8_is_422(client, tenant_a):
    latin1 = "numero_cuenta,periodo,lectura_actual,fecha_lectura\nÑ,2026-10,1,2026-10-01\n"
    body = assert_problem(await upload(client, tenant_a, latin1.encode("latin-1")), 422)
    assert "UTF-8" in body["detail"]
    body = assert_problem(await upload(client, tenant_a, b"\x89PNG\r\n\x1a\n\x00\x00"), 422)
    assert "CSV" in body["detail"] or "UTF-8" in body["detail"]
    body = assert_problem(await upload(client, tenant_a, b"cuenta,valor\n1,2\n"), 422)
    assert "missing: numero_cuenta" in body["detail"]
    assert_problem(await upload(client, tenant_a,
                                b"numero_cuenta,periodo,lectura_actual,fecha_lectura\n"), 422)


async def test_csv_over_the_size_limit_is_413(settings, database, tenant_a):
    from app.main import create_app

    app = create_app(settings.model_copy(update={"max_upload_bytes": 2048}), database)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        big = b"numero_cuenta,periodo,lectura_actual,fecha_lectura\n" + b"1001,2026-10,1,x\n" * 300
        assert_problem(await upload(client, tenant_a, big), 413)
