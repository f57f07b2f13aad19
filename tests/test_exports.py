"""Every staff list as CSV and XLSX with the list's own filters: the files carry exactly the
rows and values the JSON list shows, in its order."""

import csv
import io
from datetime import datetime, timedelta

import openpyxl
import pytest

from app.users.models import Role
from tests.helpers import assert_problem
from tests.test_reportes import build

LISTS = [
    ("/api/clientes", {"estrato": 2}),
    ("/api/lecturas", {"periodo": "2026-09"}),
    ("/api/facturas", {"periodo": "2026-10"}),
    ("/api/pagos", {"canal": "pse"}),
    ("/api/pqrs", {}),
]


def _cell(value) -> str:
    return "" if value is None else str(value)


@pytest.mark.parametrize(("path", "filters"), LISTS, ids=[p for p, _ in LISTS])
async def test_a_list_exports_what_it_lists(client, tenant_a, path, filters):
    await build(client, tenant_a)
    staff = tenant_a.headers(Role.operador)
    await client.post("/api/pqrs", headers=tenant_a.headers(Role.cliente), json={
        "tipo": "queja", "asunto": "Exportación", "descripcion": "Para la exportación"})
    listed = (await client.get(path, headers=staff,
                               params={**filters, "limit": 200})).json()["items"]
    assert listed, "the scenario gives the list something to export"
    name = path.rsplit("/", 1)[1]

    response = await client.get(path, headers=staff, params={**filters, "formato": "csv"})
    assert response.status_code == 200, response.text
    assert response.headers["content-disposition"] == (
        f'attachment; filename="{tenant_a.slug}-{name}.csv"')
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    assert len(body) == len(listed)
    keys = list(listed[0])
    assert len(header) == len(keys)
    for row, item in zip(body, listed, strict=True):
        assert row[keys.index("id")] == item["id"]
        for key in keys:
            value = item[key]
            if isinstance(value, bool):
                assert row[keys.index(key)] == ("sí" if value else "no")
            elif not isinstance(value, dict | list):
                assert row[keys.index(key)] == _cell(value), key

    response = await client.get(path, headers=staff, params={**filters, "formato": "xlsx"})
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    sheet = list(workbook.active.iter_rows(values_only=True))
    assert len(sheet) == len(listed) + 1
    assert [str(row[keys.index("id")]) for row in sheet[1:]] == [i["id"] for i in listed]


async def test_a_portal_user_exports_only_its_own_invoices(client, tenant_a):
    await build(client, tenant_a)
    response = await client.get("/api/facturas", headers=tenant_a.headers(Role.cliente),
                                params={"formato": "csv"})
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 3 and {r["Cliente id"] for r in rows} == {str(tenant_a.cliente.id)}


async def test_another_tenant_exports_none_of_its_rows(client, tenant_a, tenant_b):
    await build(client, tenant_a)
    response = await client.get("/api/facturas", headers=tenant_b.headers(Role.admin),
                                params={"formato": "csv"})
    assert response.content.decode("utf-8-sig").count("\n") == 1  # the header only


@pytest.fixture
def small_exports(settings):
    """An app whose exports of more than 2 rows become jobs."""
    return settings.model_copy(update={"export_job_rows": 2, "export_file_hours": 24})


async def test_a_big_export_becomes_a_job_with_a_file_to_download(
        database, small_exports, pdf_renderer, tenant_a, time_machine):
    from app.main import create_app
    from tests.helpers import api_client

    app = create_app(small_exports, database, pdf_renderer)
    async with api_client(app) as client:
        await build(client, tenant_a)
        staff = tenant_a.headers(Role.operador)
        listed = (await client.get("/api/facturas", headers=staff,
                                   params={"periodo": "2026-10"})).json()["items"]
        queued = await client.get("/api/facturas", headers=staff,
                                  params={"periodo": "2026-10", "formato": "csv"})
        assert queued.status_code == 202, queued.text
        assert queued.headers["location"] == f"/api/trabajos/{queued.json()['id']}"
        await app.state.job_queue.idle()
        trabajo = (await client.get(queued.headers["location"], headers=staff)).json()
        assert trabajo["estado"] == "terminado", trabajo
        archivo = trabajo["resultado"]["archivo"]
        assert (archivo["filas"], archivo["nombre"]) == (4, f"{tenant_a.slug}-facturas.csv")
        download = await client.get(archivo["url"], headers=staff)
        assert download.status_code == 200
        assert download.headers["content-disposition"] == (
            f'attachment; filename="{tenant_a.slug}-facturas.csv"')
        rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))[1:]
        assert sorted(r[0] for r in rows) == sorted(i["id"] for i in listed)

        small = await client.get("/api/facturas", headers=staff,  # 1 row: still at once
                                 params={"cliente_id": str(tenant_a.cliente.id),
                                         "periodo": "2026-10", "formato": "csv"})
        assert small.status_code == 200

        # it is gone once its hours have passed
        time_machine.move_to(datetime.fromisoformat(archivo["expira_at"]) + timedelta(minutes=1))
        expired = await client.get(archivo["url"], headers=tenant_a.headers(Role.operador))
        assert_problem(expired, 404)
        assert "expired" in expired.json()["detail"]
