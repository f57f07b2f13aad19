"""The daily report by e-mail (to a real SMTP server in the test), incidents, the audit log and
the Prometheus metrics."""

import asyncio
import email
import io
import socket
import threading
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timedelta
from decimal import Decimal as D
from email import policy
from email.message import EmailMessage
from zoneinfo import ZoneInfo

import httpx
import openpyxl
import pytest
from aiosmtpd.controller import Controller
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from app.core.tenant import TenantId
from app.main import create_app
from app.notificaciones.models import Envio
from app.trabajos.runner import disparar_programaciones
from app.users.models import Role
from tests.billing_helpers import bill, invoices, record, setup_billing
from tests.factories import PASSWORD
from tests.helpers import api_client, assert_problem

BOGOTA = ZoneInfo("America/Bogota")
OPERADORES = ["ops@cunservicios.co"]


class Buzon:
    """What a real SMTP server (aiosmtpd) received."""

    def __init__(self) -> None:
        self.mensajes: list[EmailMessage] = []
        self.sobres: list[list[str]] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, _server, _session, envelope) -> str:
        with self._lock:
            self.sobres.append(list(envelope.rcpt_tos))
            self.mensajes.append(email.message_from_bytes(envelope.content,
                                                          policy=policy.default))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def buzon() -> Iterator[tuple[Buzon, int]]:
    handler = Buzon()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


def _mail_settings(settings, port: int, **changes):
    return settings.model_copy(update={
        "smtp_host": "127.0.0.1", "smtp_port": port, "smtp_security": "none",
        "smtp_timeout_seconds": 5.0, "mail_attempts": 3, "mail_retry_seconds": 0.0,
        "alert_emails": OPERADORES, **changes})


@pytest.fixture
async def mail_app(settings, database, pdf_renderer, buzon):
    return create_app(_mail_settings(settings, buzon[1]), database, pdf_renderer)


@pytest.fixture
async def mail_client(mail_app) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(mail_app) as client:
        yield client


async def settle(app) -> None:
    """Jobs and incident work started by the calls so far have ended."""
    await app.state.job_queue.idle()
    await app.state.incidentes.idle()


async def _billed_with_a_payment_yesterday(client, world) -> dict:
    await setup_billing(client, world)
    await record(client, world, world.cliente.id, "2026-10", 1020, anterior=1000)
    await bill(client, world, "2026-10")
    factura = (await invoices(client, world, cliente_id=str(world.cliente.id)))[0]
    response = await client.post("/api/pagos", headers=world.headers(Role.admin), json={
        "factura_id": factura["id"], "valor": "10000.00", "fecha": "2026-11-19",
        "canal": "banco"})
    assert response.status_code == 201, response.text
    return factura


# The daily report.

async def test_daily_report_settings_are_checked_and_scheduled(mail_client, tenant_a):
    admin = tenant_a.headers(Role.admin)
    default = (await mail_client.get("/api/reportes/diario/config", headers=admin)).json()
    assert default == {"destinatarios": [], "hora": 7, "activo": False,
                       "zona_horaria": "America/Bogota", "proximo_envio": None}
    for body, field in (({"hora": 24}, "hora"), ({"hora": -1}, "hora"),
                        ({"destinatarios": ["no-es-correo"]}, "destinatarios.0"),
                        ({"activo": True}, "destinatarios"), ({"activo": "yes"}, "activo")):
        problem = assert_problem(await mail_client.patch(
            "/api/reportes/diario/config", headers=admin, json=body), 422)
        assert field in {e["field"] for e in problem["errors"]}, problem
    assert_problem(await mail_client.post("/api/reportes/diario/enviar", headers=admin), 422)

    response = await mail_client.patch("/api/reportes/diario/config", headers=admin, json={
        "destinatarios": ["gerencia@a.co", "Gerencia@A.co", "junta@a.co"], "hora": 6,
        "activo": True})
    assert response.status_code == 200, response.text
    # Today is 20 November, 10:00 in Bogotá: the next 06:00 there is tomorrow's, 11:00 UTC.
    assert response.json() == {"destinatarios": ["gerencia@a.co", "junta@a.co"], "hora": 6,
                               "activo": True, "zona_horaria": "America/Bogota",
                               "proximo_envio": "2026-11-21T11:00:00Z"}
    off = (await mail_client.patch("/api/reportes/diario/config", headers=admin,
                                   json={"activo": False})).json()
    assert (off["activo"], off["proximo_envio"], off["hora"]) == (False, None, 6)


async def test_the_daily_report_reaches_a_real_smtp_server(mail_app, mail_client, tenant_a,
                                                          buzon):
    inbox, _ = buzon
    admin = tenant_a.headers(Role.admin)
    factura = await _billed_with_a_payment_yesterday(mail_client, tenant_a)
    await mail_client.patch("/api/reportes/diario/config", headers=admin, json={
        "destinatarios": ["gerencia@a.co", "junta@a.co"], "hora": 6, "activo": True})

    response = await mail_client.post("/api/reportes/diario/enviar", headers=admin)
    assert response.status_code == 202, response.text
    envio = response.json()
    assert (envio["estado"], envio["intentos"], envio["destinatarios"]) == (
        "pendiente", 0, ["gerencia@a.co", "junta@a.co"])
    await settle(mail_app)

    listed = (await mail_client.get("/api/reportes/diario/envios", headers=admin)).json()
    assert [(e["id"], e["estado"], e["intentos"], e["error"]) for e in listed["items"]] == [
        (envio["id"], "enviado", 1, None)]
    assert inbox.sobres == [["gerencia@a.co", "junta@a.co"]]
    mensaje = inbox.mensajes[0]
    assert mensaje["Subject"] == "Reporte diario Utility tenant-a — 19/11/2026"
    html = mensaje.get_body(("html",)).get_content()
    total = D(factura["total"])
    # Yesterday's payment, the period's collection so far and its rate, the arrears.
    for figure in ("$ 10.000,00", "Recaudo del periodo 2026-10",
                   f"{10000 / float(total):.1%}".replace(".", ","), "Cartera por edades"):
        assert figure in html, figure
    adjunto = next(mensaje.iter_attachments())
    assert adjunto.get_filename() == "reporte-diario-2026-11-19.xlsx"
    libro = openpyxl.load_workbook(io.BytesIO(adjunto.get_content()), read_only=True)
    filas = {(seccion, concepto): valor for seccion, concepto, valor
             in libro["Resumen"].iter_rows(min_row=2, values_only=True)}
    assert filas[("Movimiento del 19/11/2026", "Pagos")] == 1
    assert filas[("Movimiento del 19/11/2026", "Valor recaudado")] == 10000
    assert filas[("Recaudo del periodo 2026-10", "Recaudado")] == 10000
    assert filas[("Recaudo del periodo 2026-10", "Facturado")] == float(total)
    # The arrears were computed afresh by the job: the invoice, less the payment, is unpaid.
    assert filas[("Cartera por edades al 20/11/2026", "Total")] == float(total - 10000)


async def test_the_schedule_sends_it_at_the_tenants_hour(mail_app, mail_client, database,
                                                        tenant_a, buzon, time_machine):
    inbox, _ = buzon
    await mail_client.patch("/api/reportes/diario/config", headers=tenant_a.headers(Role.admin),
                            json={"destinatarios": ["gerencia@a.co"], "hora": 6,
                                  "activo": True})
    queue = mail_app.state.job_queue
    assert await disparar_programaciones(database, queue) == 0  # 10:00: not its hour
    time_machine.move_to(datetime(2026, 11, 21, 6, 0, 30, tzinfo=BOGOTA))
    assert await disparar_programaciones(database, queue) == 1
    await settle(mail_app)
    assert [m["Subject"] for m in inbox.mensajes] == [
        "Reporte diario Utility tenant-a — 20/11/2026"]
    assert await disparar_programaciones(database, queue) == 0  # once a day


async def test_an_smtp_server_that_is_down_is_retried_then_fallido_and_an_incident(
        settings, database, pdf_renderer, tenant_a, platform):
    app = create_app(_mail_settings(settings, _free_port()), database, pdf_renderer)
    async with api_client(app) as client:
        await client.patch("/api/reportes/diario/config", headers=tenant_a.headers(Role.admin),
                           json={"destinatarios": ["gerencia@a.co"]})
        response = await client.post("/api/reportes/diario/enviar",
                                     headers=tenant_a.headers(Role.admin))
        assert response.status_code == 202  # the request is answered; the job retries
        await settle(app)
        envio = (await client.get("/api/reportes/diario/envios",
                                  headers=tenant_a.headers(Role.admin))).json()["items"][0]
        assert (envio["estado"], envio["intentos"]) == ("fallido", 3)
        assert "connect" in envio["error"].lower()
        incidentes = (await client.get("/api/incidentes?tipo=correo_fallido",
                                       headers=platform.headers(Role.superadmin))).json()
    assert [(i["tenant_id"], i["severidad"], i["ocurrencias"]) for i in incidentes["items"]] \
        == [("tenant-a", "aviso", 1)]
    # Its alert to the operators could not go either: recorded as a failed envío of public.
    async with database.session(TenantId("public")) as session:
        alertas = (await session.scalars(select(Envio).where(Envio.tipo == "alerta"))).all()
    assert [(a.estado, a.destinatarios) for a in alertas] == [("fallido", OPERADORES)]


async def test_without_smtp_the_message_goes_to_the_outbox_folder(
        settings, database, pdf_renderer, tenant_a, tmp_path):
    app = create_app(settings.model_copy(update={"mail_outbox_dir": str(tmp_path / "outbox"),
                                                 "smtp_host": None}),
                     database, pdf_renderer)
    async with api_client(app) as client:
        await client.patch("/api/reportes/diario/config", headers=tenant_a.headers(Role.admin),
                           json={"destinatarios": ["gerencia@a.co"]})
        await client.post("/api/reportes/diario/enviar", headers=tenant_a.headers(Role.admin))
        await settle(app)
    [archivo] = (tmp_path / "outbox").glob("*.eml")
    mensaje = email.message_from_bytes(archivo.read_bytes(), policy=policy.default)
    assert (mensaje["To"], mensaje["Subject"]) == ("gerencia@a.co",
                                                   "Reporte diario Utility tenant-a — 19/11/2026")


# Incidents.

def _with_a_failing_route(app) -> None:
    async def falla() -> None:
        raise RuntimeError("SELECT secret FROM somewhere")  # never shown to anyone

    app.router.add_api_route("/api/prueba-de-falla", falla, methods=["GET"])


async def test_an_unhandled_error_is_one_incident_notified_once(mail_app, mail_client,
                                                                tenant_a, platform, buzon):
    inbox, _ = buzon
    _with_a_failing_route(mail_app)
    request_ids = []
    for _ in range(3):
        response = await mail_client.get("/api/prueba-de-falla",
                                          headers=tenant_a.headers(Role.operador))
        problem = assert_problem(response, 500)
        assert problem["request_id"] == response.headers["x-request-id"]
        assert "SELECT" not in response.text
        request_ids.append(problem["request_id"])
        await settle(mail_app)

    root = platform.headers(Role.superadmin)
    found = (await mail_client.get(f"/api/incidentes?request_id={request_ids[0]}",
                                   headers=root)).json()["items"]
    assert [(i["tipo"], i["severidad"], i["tenant_id"], i["ruta"], i["error"], i["ocurrencias"],
             i["ultimo_request_id"]) for i in found] == [
        ("error_interno", "error", "tenant-a", "GET /api/prueba-de-falla", "RuntimeError", 3,
         request_ids[2])]
    assert "SELECT" not in found[0]["mensaje"]
    assert found[0]["notificado_at"] is not None
    assert [m["Subject"] for m in inbox.mensajes] == [
        "[Cunservicios] ERROR error_interno: RuntimeError"]
    assert inbox.sobres == [OPERADORES]
    assert (await mail_client.get("/api/incidentes?severidad=critica",
                                  headers=root)).json()["total"] == 0

    resolved = await mail_client.post(f"/api/incidentes/{found[0]['id']}/resolver",
                                      headers=root)
    assert resolved.status_code == 200 and resolved.json()["resuelto_at"] is not None
    # Once resolved, the next occurrence is a new incident, notified again.
    await mail_client.get("/api/prueba-de-falla", headers=tenant_a.headers(Role.operador))
    await settle(mail_app)
    abiertos = (await mail_client.get("/api/incidentes?abiertos=true", headers=root)).json()
    assert [i["ocurrencias"] for i in abiertos["items"]] == [1]
    assert len(inbox.mensajes) == 2
    # Incidents are the platform's: a tenant's admin cannot read them.
    assert_problem(await mail_client.get("/api/incidentes",
                                         headers=tenant_a.headers(Role.admin)), 403)


async def test_a_repeat_after_the_window_is_a_new_incident(mail_app, mail_client, tenant_a,
                                                           platform, buzon, time_machine):
    inbox, _ = buzon
    _with_a_failing_route(mail_app)
    await mail_client.get("/api/prueba-de-falla", headers=tenant_a.headers(Role.admin))
    await settle(mail_app)
    time_machine.move_to(datetime.now(BOGOTA) + timedelta(minutes=61))
    await mail_client.get("/api/prueba-de-falla", headers=tenant_a.headers(Role.admin))
    await settle(mail_app)
    items = (await mail_client.get("/api/incidentes", headers=platform.headers(
        Role.superadmin))).json()["items"]
    assert [i["ocurrencias"] for i in items] == [1, 1]
    assert len(inbox.mensajes) == 2


async def test_a_failed_job_is_an_incident(mail_app, database, tenant_a, platform, buzon):
    from app.trabajos import service as trabajos_service
    from app.trabajos.runner import handler

    @handler("prueba_que_falla")
    async def falla(_contexto, _parametros):
        raise ValueError("boom")

    async with database.session(TenantId(tenant_a.slug)) as session:
        await trabajos_service.solicitar(session, TenantId(tenant_a.slug),
                                         tipo="prueba_que_falla", parametros={},
                                         queue=mail_app.state.job_queue)
    await settle(mail_app)
    async with api_client(mail_app) as client:
        items = (await client.get("/api/incidentes?tipo=trabajo_fallido", headers=platform.headers(
            Role.superadmin))).json()["items"]
    assert [(i["tenant_id"], i["ruta"], i["error"]) for i in items] == [
        ("tenant-a", "trabajo prueba_que_falla", "ValueError")]


# The audit log.

async def test_a_change_is_audited_with_the_fields_before_and_after(client, tenant_a, tenant_b):
    admin, operador = tenant_a.headers(Role.admin), tenant_a.headers(Role.operador)
    cliente = str(tenant_a.cliente.id)
    before = (await client.get(f"/api/clientes/{cliente}", headers=admin)).json()
    response = await client.patch(f"/api/clientes/{cliente}", headers=operador,
                                  json={"nombre": "Ana María Ruiz", "telefono": "3001112233"})
    assert response.status_code == 200
    rows = (await client.get(f"/api/auditoria?entidad=clientes&entidad_id={cliente}",
                             headers=admin)).json()["items"]
    operador_id = str(tenant_a.users[Role.operador].id)
    assert [(r["accion"], r["operacion"], r["actor_id"], r["actor_rol"], r["request_id"])
            for r in rows] == [("update_cliente", "modificar", operador_id, "operador",
                                response.headers["x-request-id"])]
    assert rows[0]["antes"]["nombre"] == before["nombre"]
    assert rows[0]["despues"]["nombre"] == "Ana María Ruiz"
    assert rows[0]["despues"]["telefono"] == "3001112233"
    assert set(rows[0]["despues"]) == set(rows[0]["antes"]) >= {"nombre", "telefono"}

    # A password change is audited without the hash; tenant B sees none of A's log.
    await client.post("/api/auth/password", headers=operador, json={
        "current_password": PASSWORD, "new_password": "otra-clave-segura-2"})
    users = (await client.get("/api/auditoria?entidad=users", headers=admin)).json()["items"]
    assert all("password_hash" not in (r["antes"] or {}) | (r["despues"] or {}) for r in users)
    assert (await client.get("/api/auditoria", headers=tenant_b.headers(Role.admin))
            ).json()["total"] == 0

    csv = await client.get("/api/auditoria?formato=csv&entidad=clientes", headers=admin)
    assert csv.status_code == 200 and "Ana María Ruiz" in csv.text
    assert "update_cliente" in csv.text


async def test_the_platforms_changes_are_in_the_public_tenants_log(client, platform,
                                                                   tenant_a):
    root = platform.headers(Role.superadmin)
    response = await client.patch(f"/api/tenants/{tenant_a.slug}", headers=root,
                                  json={"estado": "suspendido"})
    assert response.status_code == 200, response.text
    rows = (await client.get(f"/api/auditoria?entidad=tenants&entidad_id={tenant_a.slug}",
                             headers=root)).json()["items"]
    assert [(r["accion"], r["actor_rol"], r["antes"]["estado"], r["despues"]["estado"])
            for r in rows] == [("update_tenant", "superadmin", "activo", "suspendido")]


async def test_a_refused_change_leaves_no_audit_row(client, tenant_a):
    admin = tenant_a.headers(Role.admin)
    response = await client.patch(f"/api/clientes/{tenant_a.cliente.id}", headers=admin,
                                  json={"estrato": 9})
    assert response.status_code == 422
    assert (await client.get("/api/auditoria", headers=admin)).json()["total"] == 0


@pytest.mark.postgres
async def test_the_service_role_cannot_update_or_delete_the_audit_log(client, connection,
                                                                      tenant_a):
    await client.patch(f"/api/clientes/{tenant_a.cliente.id}", headers=tenant_a.headers(
        Role.admin), json={"nombre": "Auditada"})
    await connection.execute(text("SELECT set_config('app.tenant_id', :t, true)"),
                             {"t": tenant_a.slug})
    assert (await connection.scalar(text("SELECT count(*) FROM auditoria"))) == 1
    for statement in ("UPDATE auditoria SET accion = 'otra'", "DELETE FROM auditoria",
                      "TRUNCATE auditoria"):
        savepoint = await connection.begin_nested()
        with pytest.raises(DBAPIError, match="permission denied"):
            await connection.execute(text(statement))
        await savepoint.rollback()
    assert (await connection.scalar(text("SELECT count(*) FROM auditoria"))) == 1


# Metrics.

def _samples(body: str) -> dict[tuple[str, tuple], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(body) for s in family.samples}


async def test_metrics_need_their_token_and_count_requests_and_payments(
        settings, database, pdf_renderer, tenant_a):
    async with api_client(create_app(settings, database, pdf_renderer)) as client:
        assert_problem(await client.get("/metrics"), 404)  # no METRICS_TOKEN: off
    app = create_app(settings.model_copy(update={"metrics_token": "t0ken-de-metricas"}),
                     database, pdf_renderer)
    async with api_client(app) as client:
        assert_problem(await client.get("/metrics"), 401)
        assert_problem(await client.get("/metrics", headers={"Authorization": "Bearer x"}), 401)
        scrape = {"Authorization": "Bearer t0ken-de-metricas"}
        before = _samples((await client.get("/metrics", headers=scrape)).text)
        await setup_billing(client, tenant_a)
        await record(client, tenant_a, tenant_a.cliente.id, "2026-10", 1020, anterior=1000)
        await bill(client, tenant_a, "2026-10")
        factura = (await invoices(client, tenant_a))[0]
        await client.post("/api/pagos", headers=tenant_a.headers(Role.admin), json={
            "factura_id": factura["id"], "valor": "100.00", "fecha": "2026-11-19",
            "canal": "banco"})
        for _ in range(2):
            await client.get(f"/api/facturas/{factura['id']}",
                             headers=tenant_a.headers(Role.admin))
        await app.state.job_queue.idle()
        response = await client.get("/metrics", headers=scrape)
    assert response.headers["content-type"].startswith("text/plain")
    after = _samples(response.text)

    def delta(name: str, **labels: str) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0) - before.get(key, 0)

    assert delta("cunservicios_http_requests_total", method="GET",
                 route="GET /api/facturas/{factura_id}", status="200") == 2
    assert delta("cunservicios_http_request_duration_seconds_count", method="GET",
                 route="GET /api/facturas/{factura_id}") == 2
    assert delta("cunservicios_payments_recorded_total") == 1
    assert delta("cunservicios_invoices_issued_total") == 1
    assert delta("cunservicios_jobs_finished_total", tipo="facturacion",
                 estado="terminado") == 1
    assert delta("cunservicios_jobs_queued_total", tipo="facturacion") == 1
    assert after[("cunservicios_http_requests_in_flight", ())] == 1  # the scrape itself
    assert ("cunservicios_db_pool_connections_in_use", ()) in after



# The database going away.

class TcpProxy:
    """A TCP proxy to the database that the test can take down and bring back: what the
    service sees when the database (or the network to it) goes away."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def up(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def down(self) -> None:
        assert self._server is not None
        self._server.close()
        for writer in list(self._writers):
            writer.close()
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        self._writers |= {writer, up_writer}

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            try:
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                sink.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))


@pytest.mark.postgres
async def test_a_database_that_goes_away_is_503_an_incident_and_service_recovers(
        settings, owner_url, pdf_renderer, buzon):
    from sqlalchemy.engine import make_url

    from app.core.db import Database, create_engine

    inbox, smtp_port = buzon
    service_url = make_url(settings.database_url)
    proxy = TcpProxy(service_url.port or 5432)
    await proxy.up()
    proxied = service_url.set(host="127.0.0.1", port=proxy.port).render_as_string(
        hide_password=False)
    database = Database(create_engine(proxied, pool_size=2, max_overflow=2))
    app = create_app(_mail_settings(settings, smtp_port, database_url=proxied), database,
                     pdf_renderer)
    owner = create_engine(owner_url)
    try:
        async with api_client(app) as client:
            assert_problem(await client.get("/api/auth/me"), 401)  # the database answers
            await proxy.down()
            responses = await asyncio.gather(*(client.get("/api/auth/me") for _ in range(8)))
            for response in responses:
                problem = assert_problem(response, 503)
                assert response.headers["retry-after"] == "5"
                assert problem["request_id"] == response.headers["x-request-id"]
            await settle(app)
            # The operators are told at once, once, though nothing could be written.
            assert [m["Subject"] for m in inbox.mensajes] == [
                "[Cunservicios] CRITICA base_de_datos: OperationalError"]

            await proxy.up()
            assert_problem(await client.get("/api/auth/me"), 401)  # recovered by itself
            await app.state.incidentes.flush()
        async with owner.begin() as connection:
            await connection.execute(text("SELECT set_config('app.tenant_id', 'public', true)"))
            rows = (await connection.execute(text(
                "SELECT tipo, severidad, ocurrencias, notificado_at FROM incidentes"))).all()
            await connection.execute(text("DELETE FROM incidentes"))
        assert [(r.tipo, r.severidad, r.ocurrencias, r.notificado_at is not None)
                for r in rows] == [("base_de_datos", "critica", 8, True)]
        assert len(inbox.mensajes) == 1  # written later, not mailed twice
    finally:
        await proxy.down()
        await database.dispose()
        await owner.dispose()
