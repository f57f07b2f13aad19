"""Invoice PDFs: what the page says, the payment barcode it carries, who may download it, and
that it is rendered once and then served from storage."""

import io
from datetime import date
from decimal import Decimal as D

import pytest
from barcode.charsets import code128
from PIL import Image
from pypdf import PdfReader

from app.core.dates import add_months
from app.core.tenant import TenantId
from app.pdf import jobs as pdf_jobs
from app.pdf import service as pdf_service
from app.pdf.codigo_pago import FNC1, CodigoPago, gln_is_valid, gs1_check_digit
from app.pdf.render import pesos, porcentaje
from app.users.models import Role
from tests.billing_helpers import (
    DESIGN_TOTAL,
    bill,
    detail,
    invoices,
    periodo_body,
    record,
    setup_billing,
)
from tests.factories import TenantWorld
from tests.helpers import assert_problem, pdf_text

GLN = "7709998000018"


# --- pure parts ---------------------------------------------------------------------------

def test_amounts_are_printed_the_colombian_way():
    assert pesos(D("44979.40")) == "$ 44.979,40"
    assert pesos(D("1234567.05")) == "$ 1.234.567,05"
    assert pesos(D("0.50")) == "$ 0,50"
    assert pesos(D("-3765.79")) == "-$ 3.765,79"
    assert porcentaje(D("-0.2000")) == "20 %"
    assert porcentaje(D("0.0825")) == "8,25 %"


def test_claim_deadline_is_five_calendar_months_later():
    assert add_months(date(2026, 11, 1), 5) == date(2027, 4, 1)
    assert add_months(date(2026, 9, 30), 5) == date(2027, 2, 28)  # no 30 February
    assert add_months(date(2027, 9, 30), 5) == date(2028, 2, 29)  # leap year


def test_gln_check_digit():
    assert gs1_check_digit("770999800001") == 8
    assert gln_is_valid(GLN)
    assert not gln_is_valid("7709998000017")
    assert not gln_is_valid("770999800001")


def test_payment_code_layout_drops_centavos_from_the_amount():
    codigo = CodigoPago.de(gln=GLN, referencia="0000000123", valor=D("44979.99"),
                           fecha_limite=date(2026, 11, 15))
    assert codigo.legible == "(415)7709998000018(8020)0000000123(3900)44979(96)20261115"
    # Variable-length element strings (8020, 3900) end with FNC1; the last one needs none.
    assert codigo.datos == f"415{GLN}80200000000123{FNC1}390044979{FNC1}9620261115"


def decode_code128(modules: str) -> str:
    """Reads Code 128 modules ('1' bar, '0' space) back into text; FNC1 as the FNC1 character.
    Checks the start code, the checksum and the stop pattern on the way."""
    patterns = {pattern: value for value, pattern in enumerate(code128.CODES)}
    stop = code128.STOP + "11"  # the stop character and its final two-module bar
    modules = modules.strip("0")
    assert modules.endswith(stop), "no stop pattern"
    body = modules[:-len(stop)]
    values = [patterns[body[i:i + 11]] for i in range(0, len(body), 11)]
    *symbols, checksum = values
    assert checksum == (symbols[0] + sum(i * v for i, v in enumerate(symbols[1:], 1))) % 103
    charset = {103: "A", 104: "B", 105: "C"}[symbols[0]]
    text = []
    for value in symbols[1:]:
        if value == 102:
            text.append(FNC1)
        elif charset == "C" and value < 100:
            text.append(f"{value:02d}")
        elif value in (99, 100, 101) and not (charset == "B" and value == 101):
            charset = {99: "C", 100: "B", 101: "A"}[value]
        else:
            text.append(chr(value + 32))
    return "".join(text)


def barcode_modules(pdf: bytes) -> str | None:
    """The payment barcode of a PDF: the one-pixel-high image, read back as modules."""
    for image in PdfReader(io.BytesIO(pdf)).pages[0].images:
        picture = image.image.convert("L")
        if picture.height == 1:
            return "".join("1" if picture.getpixel((x, 0)) < 128 else "0"
                           for x in range(picture.width))
    return None


# --- through the API ----------------------------------------------------------------------

async def set_branding(client, world: TenantWorld, **fields) -> dict:
    response = await client.patch("/api/marca", headers=world.headers(Role.admin),
                                  json={"gln": GLN, **fields})
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture
async def factura(client, tenant_a: TenantWorld) -> dict:
    """DESIGN §5's worked example: estrato 2, 20 m3, total 44,979.40, for the portal user's
    account (tenant A's `cliente`), with the utility's GLN set."""
    await set_branding(client, tenant_a, direccion="Calle 10 # 5-23, Villa de Leyva",
                       telefono="6087321000")
    await setup_billing(client, tenant_a, periodos=("2026-09", "2026-10"))
    for cliente in (tenant_a.cliente, tenant_a.other_cliente):
        await record(client, tenant_a, cliente.id, "2026-09", 1018, anterior=1000)
        await record(client, tenant_a, cliente.id, "2026-10", 1038)
    await bill(client, tenant_a, "2026-09")
    for september in await invoices(client, tenant_a, periodo="2026-09"):  # paid in full
        response = await client.post("/api/pagos", headers=tenant_a.headers(Role.operador), json={
            "factura_id": september["id"], "valor": september["total"], "fecha": "2026-10-10",
            "canal": "banco"})
        assert response.status_code == 201, response.text
    await bill(client, tenant_a, "2026-10")
    mine = await invoices(client, tenant_a, cliente_id=str(tenant_a.cliente.id),
                          periodo="2026-10")
    return await detail(client, tenant_a, mine[0]["id"])


async def download(client, world: TenantWorld, factura_id: str, role: Role = Role.cliente,
                   if_none_match: str | None = None):
    headers = world.headers(role)
    if if_none_match is not None:
        headers["If-None-Match"] = if_none_match
    return await client.get(f"/api/facturas/{factura_id}/pdf", headers=headers)


async def test_the_page_shows_the_invoice(client, tenant_a, factura):
    response = await download(client, tenant_a, factura["id"])
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == (
        f'attachment; filename="factura-{factura["numero"]}.pdf"')
    assert response.headers["cache-control"] == "private, no-cache"
    text = pdf_text(response.content)
    assert D(factura["total"]) == DESIGN_TOTAL
    for expected in ("Utility tenant-a", "Calle 10 # 5-23, Villa de Leyva", "Tel. 6087321000",
                     f"No. {factura['numero']}", "Octubre 2026", "Cuenta 1001", "Ana Gómez",
                     "Calle 1 # 2-3", "Estrato 2", "Medidor MED-1",
                     "Lectura anterior 1.018 · actual 1.038", "20 m³ medido",
                     "Pague hasta 15/11/2026", "Suspensión desde 25/11/2026",
                     "Expedición 01/11/2026", "$ 44.979,40", "Subsidio (20 %)",
                     "$ 26.969,78", "$ 18.009,62", "hasta el 1 de abril de 2027",
                     f"(415){GLN}(8020){factura['referencia_pago']}(3900)44979(96)20261115"):
        assert expected in text, expected
    for linea in factura["lineas"]:
        valor = D(linea["valor"])
        assert pesos(valor) in text, linea
    assert "ANULADA" not in text


async def test_the_barcode_encodes_the_gs1_payment_string(client, tenant_a, factura):
    pdf = (await download(client, tenant_a, factura["id"])).content
    modules = barcode_modules(pdf)
    assert modules is not None
    assert decode_code128(modules) == (
        f"{FNC1}415{GLN}8020{factura['referencia_pago']}{FNC1}390044979{FNC1}9620261115")
    qr = [img for img in PdfReader(io.BytesIO(pdf)).pages[0].images if img.image.height > 1]
    assert len(qr) == 1 and qr[0].image.width == qr[0].image.height  # the QR beside it


async def test_a_tenant_without_gln_prints_no_barcode(client, tenant_a, factura):
    issued = await download(client, tenant_a, factura["id"])
    await set_branding(client, tenant_a, gln=None)
    # A stored PDF stays as it was issued; one rendered after the change has no barcode.
    again = await download(client, tenant_a, factura["id"])
    assert again.content == issued.content and barcode_modules(again.content) is not None
    others = await invoices(client, tenant_a, cliente_id=str(tenant_a.other_cliente.id),
                            periodo="2026-10")
    pdf = (await download(client, tenant_a, others[0]["id"], Role.admin)).content
    assert barcode_modules(pdf) is None
    assert "Pague con la referencia" in pdf_text(pdf)


async def test_only_the_accounts_portal_user_and_its_staff_download_it(
        client, tenant_a, tenant_b, factura):
    for role in (Role.admin, Role.operador, Role.cliente):
        assert (await download(client, tenant_a, factura["id"], role)).status_code == 200
    other = await invoices(client, tenant_a, cliente_id=str(tenant_a.other_cliente.id))
    # tenant A's portal user is bound to account 1001, not to 1002
    assert_problem(await download(client, tenant_a, other[0]["id"]), 404)
    for role in (Role.admin, Role.cliente):
        assert_problem(await download(client, tenant_b, factura["id"], role), 404)
    assert_problem(await download(client, tenant_a, "00000000-0000-0000-0000-000000000000"),
                   404)


async def test_rendered_once_then_served_from_storage_with_its_etag(
        client, tenant_a, factura, pdf_renderer):
    before = pdf_renderer.renders
    first = await download(client, tenant_a, factura["id"])
    assert pdf_renderer.renders == before + 1
    etag = first.headers["etag"]
    assert etag.startswith('"') and etag.endswith('"')

    second = await download(client, tenant_a, factura["id"], Role.admin)
    assert pdf_renderer.renders == before + 1  # not rendered again
    assert second.content == first.content and second.headers["etag"] == etag

    for if_none_match in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        cached = await download(client, tenant_a, factura["id"], if_none_match=if_none_match)
        assert cached.status_code == 304, if_none_match
        assert cached.content == b"" and cached.headers["etag"] == etag
    stale = await download(client, tenant_a, factura["id"], if_none_match='"other"')
    assert stale.status_code == 200 and stale.content == first.content
    assert pdf_renderer.renders == before + 1


async def test_voiding_renders_the_anulada_version(client, tenant_a, factura, pdf_renderer):
    issued = await download(client, tenant_a, factura["id"])
    response = await client.post(f"/api/facturas/{factura['id']}/anular",
                                 headers=tenant_a.headers(Role.admin),
                                 json={"motivo": "Lectura mal digitada"})
    assert response.status_code == 200, response.text
    rendered = pdf_renderer.renders  # the void rendered the ANULADA version after committing

    voided = await download(client, tenant_a, factura["id"])
    assert pdf_renderer.renders == rendered  # served from storage
    assert voided.headers["etag"] != issued.headers["etag"]
    assert (await download(client, tenant_a, factura["id"],
                           if_none_match=issued.headers["etag"])).status_code == 200
    text = pdf_text(voided.content)
    assert "ANULADA" in text
    assert "Lectura mal digitada. No la pague." in text
    assert "Factura anulada: no se recibe pago." in text
    assert barcode_modules(voided.content) is None  # a voided invoice cannot be paid


async def test_an_estimated_reading_and_the_history_chart(client, tenant_a, factura):
    # other_cliente has no reading for 2026-11: estimated from its measured periods (18, 20)
    await client.post("/api/periodos", headers=tenant_a.headers(Role.admin),
                      json=periodo_body("2026-11"))
    await bill(client, tenant_a, "2026-11")
    (estimada,) = await invoices(client, tenant_a, cliente_id=str(tenant_a.other_cliente.id),
                                 periodo="2026-11")
    text = pdf_text((await download(client, tenant_a, estimada["id"], Role.admin)).content)
    assert "19 m³ estimado" in text
    assert "art. 146" in text
    for label in ("Sep 26", "Oct 26", "Nov 26"):  # the chart's bars, oldest first
        assert label in text
    assert text.index("Sep 26") < text.index("Oct 26") < text.index("Nov 26")


async def test_render_period_renders_what_is_missing_and_is_safe_to_rerun(
        client, database, tenant_a, factura, pdf_renderer):
    await download(client, tenant_a, factura["id"])  # one of the two is stored already
    seen: list[tuple[int, int]] = []
    summary = await pdf_service.render_period(
        database, TenantId(tenant_a.slug), "2026-10", pdf_renderer, batch_size=1,
        progress=lambda done, total: seen.append((done, total)))
    assert (summary.facturas, summary.rendered, summary.skipped) == (2, 1, 1)
    assert seen == [(1, 2), (2, 2)]
    again = await pdf_service.render_period(database, TenantId(tenant_a.slug), "2026-10",
                                            pdf_renderer)
    assert (again.facturas, again.rendered, again.skipped) == (2, 0, 2)


async def test_a_periods_pdfs_are_a_job_rendered_in_parts(client, app, tenant_a, factura,
                                                           monkeypatch):
    monkeypatch.setattr(pdf_jobs, "FACTURAS_POR_TRAMO", 1)  # two invoices: two parts
    await download(client, tenant_a, factura["id"])  # one of the two is stored already
    admin = tenant_a.headers(Role.admin)
    queued = await client.post("/api/periodos/2026-10/pdfs", headers=admin)
    assert queued.status_code == 202, queued.text
    await app.state.job_queue.idle()
    trabajo = (await client.get(queued.headers["location"], headers=admin)).json()
    assert trabajo["estado"] == "terminado", trabajo
    assert (trabajo["hechos"], trabajo["total"]) == (2, 2)
    assert trabajo["resultado"] == {"tramos": 2, "tramos_hechos": 2, "facturas": 2,
                                    "renderizadas": 1}
    again = await client.post("/api/periodos/2026-10/pdfs", headers=admin)
    await app.state.job_queue.idle()
    rerun = (await client.get(again.headers["location"], headers=admin)).json()
    assert rerun["id"] != trabajo["id"] and rerun["resultado"]["renderizadas"] == 0
    assert_problem(await client.post("/api/periodos/2031-01/pdfs", headers=admin), 404)


# --- branding -----------------------------------------------------------------------------

def png(width: int, height: int, image_format: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (31, 78, 121)).save(buffer, image_format)
    return buffer.getvalue()


async def test_branding_is_validated(client, tenant_a):
    admin = tenant_a.headers(Role.admin)
    marca = (await client.get("/api/marca", headers=tenant_a.headers(Role.operador))).json()
    assert marca["nombre"] == "Utility tenant-a"
    assert marca["color_primario"] == "#1f4e79" and marca["gln"] is None
    for body, field in (({"gln": "7709998000017"}, "gln"), ({"gln": "77099980"}, "gln"),
                        ({"color_primario": "red"}, "color_primario"),
                        ({"color_primario": None}, "color_primario"),
                        ({"correo": "no-es-correo"}, "correo"), ({"nit": "1"}, "nit")):
        problem = assert_problem(await client.patch("/api/marca", headers=admin, json=body),
                                 422)
        assert problem["errors"][0]["field"].endswith(field), problem
    updated = await set_branding(client, tenant_a, color_primario="#AA3300",
                                 correo="pqr@utility.co", sitio_web="www.utility.co")
    assert updated["gln"] == GLN and updated["color_primario"] == "#AA3300"
    cleared = await client.patch("/api/marca", headers=admin, json={"sitio_web": None})
    assert cleared.json()["sitio_web"] is None


async def test_logo_upload_and_its_place_on_the_page(client, tenant_a, factura):
    admin = tenant_a.headers(Role.admin)

    async def upload(content: bytes, name: str = "logo.png"):
        return await client.put("/api/marca/logo", headers=admin,
                                files={"archivo": (name, content)})

    assert_problem(await upload(b"not an image"), 422)
    assert_problem(await upload(png(40, 20, "GIF"), "logo.gif"), 422)
    assert_problem(await upload(png(2400, 10)), 422)
    assert_problem(await upload(b"\x89PNG" + b"0" * (256 * 1024)), 413)
    response = await upload(png(40, 20))
    assert response.status_code == 200, response.text
    assert response.json()["logo_media_type"] == "image/png"

    pdf = (await download(client, tenant_a, factura["id"])).content
    sizes = {(i.image.width, i.image.height) for i in PdfReader(io.BytesIO(pdf)).pages[0].images}
    assert (40, 20) in sizes

    assert (await client.delete("/api/marca/logo", headers=admin)).status_code == 204
    assert (await client.get("/api/marca", headers=admin)).json()["logo_media_type"] is None
