"""PQRs: radicados and legal deadlines, the workflow, the timeline, the portal's view, claims
naming an invoice, and the summary."""

import uuid
from datetime import date, timedelta
from decimal import Decimal as D

import holidays
import pytest
from sqlalchemy import update

from app.core.tenant import TenantId
from app.facturas.models import Factura, NotaCredito
from app.pqrs.models import Pqr
from app.pqrs.plazos import es_habil, habiles_entre, sumar_habiles
from app.users.models import Role
from tests.billing_helpers import bill, detail, invoices, record, setup_billing
from tests.factories import TenantWorld
from tests.helpers import assert_problem, pdf_text

# --- business days, worked out by hand on the 2026-2027 calendar ---------------------------


@pytest.mark.parametrize(("filed", "due"), [
    # the example: San José moved to Monday 23 March, Holy Thursday and Good Friday
    (date(2026, 3, 16), date(2026, 4, 9)),
    # from a Friday, across three weekends and no holiday
    (date(2026, 2, 6), date(2026, 2, 27)),
    # Ley Emiliani Mondays: Corpus Christi (8 June) and Sagrado Corazón (15 June)
    (date(2026, 6, 1), date(2026, 6, 24)),
    # year end: Christmas, New Year and the Epiphany moved to Monday 11 January 2027
    (date(2026, 12, 21), date(2027, 1, 14)),
    # filed on a Saturday: the count starts on Monday 30 March, skips Holy Week's two days
    (date(2026, 3, 28), date(2026, 4, 21)),
])
def test_fifteen_business_days(filed: date, due: date):
    assert sumar_habiles(filed, 15) == due


def test_business_day_helpers():
    assert not es_habil(date(2026, 3, 23))  # San José (observed)
    assert not es_habil(date(2026, 4, 2)) and not es_habil(date(2026, 4, 3))
    assert not es_habil(date(2026, 11, 21))  # a Saturday
    assert es_habil(date(2026, 11, 20))
    assert habiles_entre(date(2026, 3, 16), date(2026, 4, 9)) == 15
    assert habiles_entre(date(2026, 4, 9), date(2026, 3, 16)) == -15
    assert habiles_entre(date(2026, 11, 20), date(2026, 11, 23)) == 1  # over a weekend
    assert habiles_entre(date(2026, 11, 20), date(2026, 11, 20)) == 0


# --- through the API ----------------------------------------------------------------------

PETICION = {"tipo": "peticion", "asunto": "Cambio de medidor",
            "descripcion": "Solicito revisar el medidor, marca consumos altos."}


async def file(client, world: TenantWorld, role: Role = Role.cliente, **fields):
    return await client.post("/api/pqrs", headers=world.headers(role),
                             json={**PETICION, **fields})


async def act(client, world: TenantWorld, pqr_id: str, action: str, body: dict,
              role: Role = Role.operador):
    return await client.post(f"/api/pqrs/{pqr_id}/{action}", headers=world.headers(role),
                             json=body)


async def age(database, world: TenantWorld, pqr_id: str, **values) -> None:
    """Moves a PQR's dates into the past (what waiting would do)."""
    async with database.session(TenantId(world.slug)) as session:
        await session.execute(update(Pqr).where(Pqr.id == uuid.UUID(pqr_id)).values(**values))


async def test_portal_user_files_for_its_account_with_radicado_and_deadline(client, tenant_a):
    response = await file(client, tenant_a)
    assert response.status_code == 201, response.text
    pqr = response.json()
    filed = date.fromisoformat(pqr["fecha_radicacion"])
    assert pqr["radicado"] == f"PQR-{filed.year}-000001"
    assert pqr["cliente_id"] == str(tenant_a.cliente.id)
    assert (pqr["canal"], pqr["estado"], pqr["tipo"]) == ("web", "radicada", "peticion")
    assert pqr["fecha_vencimiento"] == sumar_habiles(filed, 15).isoformat()
    assert pqr["dias_habiles_restantes"] == 15
    assert not pqr["vencida"] and not pqr["silencio_positivo"]
    assert [e["accion"] for e in pqr["eventos"]] == ["radicada"]
    assert pqr["eventos"][0]["actor_id"] is None  # the portal is not told who did what

    second = (await file(client, tenant_a, Role.operador, cliente_id=str(
        tenant_a.other_cliente.id), canal="telefono")).json()
    assert second["radicado"] == f"PQR-{filed.year}-000002"
    assert second["canal"] == "telefono"


async def test_filing_refuses_bad_input(client, tenant_a, tenant_b):
    problem = assert_problem(await file(client, tenant_a, Role.operador), 422)
    assert {e["field"] for e in problem["errors"]} == {"cliente_id", "canal"}
    assert_problem(await file(client, tenant_a, tipo="sugerencia"), 422)
    assert_problem(await file(client, tenant_a, Role.operador, canal="fax",
                              cliente_id=str(tenant_a.cliente.id)), 422)
    assert_problem(await file(client, tenant_a, tipo="recurso"), 422)
    assert_problem(await file(client, tenant_a, asunto=""), 422)
    # a portal user files only for its own account; staff only for their tenant's
    assert_problem(await file(client, tenant_a, cliente_id=str(tenant_a.other_cliente.id)), 404)
    assert_problem(await file(client, tenant_b, Role.operador, canal="oficina",
                              cliente_id=str(tenant_a.cliente.id)), 404)
    listed = await client.get("/api/pqrs", headers=tenant_a.headers(Role.admin))
    assert listed.json()["total"] == 0  # nothing was written


async def test_the_workflow_allows_only_its_moves(client, tenant_a):
    pqr_id = (await file(client, tenant_a)).json()["id"]
    operador = str(tenant_a.users[Role.operador].id)
    answer_body = {"respuesta": "Ya", "tipo_respuesta": "accede", "causal": "P06"}
    assert_problem(await act(client, tenant_a, pqr_id, "responder", answer_body), 409)
    assert_problem(await act(client, tenant_a, pqr_id, "cerrar", {}), 409)
    assert_problem(await act(client, tenant_a, pqr_id, "asignar",
                             {"operador_id": str(tenant_a.users[Role.cliente].id)}), 422)

    assigned = await act(client, tenant_a, pqr_id, "asignar", {"operador_id": operador})
    assert assigned.json()["estado"] == "en_tramite"
    assert assigned.json()["asignada_a"] == operador
    noted = await act(client, tenant_a, pqr_id, "notas", {"texto": "Visita técnica el martes"})
    assert noted.status_code == 200
    assert_problem(await act(client, tenant_a, pqr_id, "responder", {"respuesta": ""}), 422)
    responded = await act(client, tenant_a, pqr_id, "responder",
                          {"respuesta": "Se cambió el medidor el 24 de noviembre.",
                           "tipo_respuesta": "accede", "causal": "P06"})
    assert responded.json()["estado"] == "respondida"
    assert_problem(await act(client, tenant_a, pqr_id, "responder", answer_body), 409)
    assert_problem(await act(client, tenant_a, pqr_id, "asignar", {"operador_id": operador}),
                   409)
    closed = await act(client, tenant_a, pqr_id, "cerrar", {})
    assert closed.json()["estado"] == "cerrada" and closed.json()["cerrada_at"]
    assert_problem(await act(client, tenant_a, pqr_id, "cerrar", {}), 409)
    assert_problem(await act(client, tenant_a, pqr_id, "notas", {"texto": "tarde"}), 409)

    staff_view = closed.json()["eventos"]
    assert [(e["accion"], e["estado_desde"], e["estado_hasta"]) for e in staff_view] == [
        ("radicada", None, "radicada"), ("asignada", "radicada", "en_tramite"),
        ("nota", "en_tramite", "en_tramite"), ("respondida", "en_tramite", "respondida"),
        ("cerrada", "respondida", "cerrada")]
    assert all(e["actor_id"] for e in staff_view)

    portal = (await client.get(f"/api/pqrs/{pqr_id}",
                               headers=tenant_a.headers(Role.cliente))).json()
    assert [e["accion"] for e in portal["eventos"]] == [
        "radicada", "asignada", "respondida", "cerrada"]  # not the internal note
    assert portal["respuesta"] == "Se cambió el medidor el 24 de noviembre."


async def test_portal_sees_only_its_own_pqrs(client, tenant_a, tenant_b):
    mine = (await file(client, tenant_a)).json()
    other = (await file(client, tenant_a, Role.operador, canal="oficina",
                        cliente_id=str(tenant_a.other_cliente.id))).json()
    listed = (await client.get("/api/pqrs", headers=tenant_a.headers(Role.cliente))).json()
    assert [p["id"] for p in listed["items"]] == [mine["id"]]
    filtered = await client.get("/api/pqrs", headers=tenant_a.headers(Role.cliente),
                                params={"cliente_id": str(tenant_a.other_cliente.id)})
    assert [p["id"] for p in filtered.json()["items"]] == [mine["id"]]
    assert_problem(await client.get(f"/api/pqrs/{other['id']}",
                                    headers=tenant_a.headers(Role.cliente)), 404)
    assert_problem(await client.get(f"/api/pqrs/{mine['id']}",
                                    headers=tenant_b.headers(Role.admin)), 404)
    staff = (await client.get("/api/pqrs", headers=tenant_a.headers(Role.operador))).json()
    assert staff["total"] == 2


async def test_recurso_within_five_business_days_of_the_response(client, database, tenant_a):
    pqr_id = (await file(client, tenant_a)).json()["id"]
    recurso = {"descripcion": "No estoy de acuerdo con la respuesta."}
    assert_problem(await act(client, tenant_a, pqr_id, "recurso", recurso, Role.cliente), 409)
    await act(client, tenant_a, pqr_id, "asignar",
              {"operador_id": str(tenant_a.users[Role.operador].id)})
    await act(client, tenant_a, pqr_id, "responder",
              {"respuesta": "No procede.", "tipo_respuesta": "no_accede", "causal": "F01"})

    filed = await act(client, tenant_a, pqr_id, "recurso", recurso, Role.cliente)
    assert filed.status_code == 201, filed.text
    appeal = filed.json()
    assert (appeal["tipo"], appeal["pqr_origen_id"], appeal["canal"]) == (
        "recurso", pqr_id, "web")
    assert appeal["fecha_vencimiento"] == sumar_habiles(
        date.fromisoformat(appeal["fecha_radicacion"]), 15).isoformat()
    original = (await client.get(f"/api/pqrs/{pqr_id}",
                                 headers=tenant_a.headers(Role.cliente))).json()
    assert original["eventos"][-1]["accion"] == "recurso"
    assert original["eventos"][-1]["texto"] == appeal["radicado"]

    # answered long ago: the five business days are over
    await age(database, tenant_a, pqr_id, fecha_respuesta=date(2026, 1, 2))
    problem = assert_problem(await act(client, tenant_a, pqr_id, "recurso", recurso,
                                       Role.cliente), 422)
    assert "2026-01-09" in problem["errors"][0]["message"]
    # another account's PQR is not there for this portal user
    other = (await file(client, tenant_a, Role.operador, canal="oficina",
                        cliente_id=str(tenant_a.other_cliente.id))).json()
    assert_problem(await act(client, tenant_a, other["id"], "recurso", recurso, Role.cliente),
                   404)


async def test_deadlines_overdue_and_silencio_positivo(client, database, tenant_a):
    late = (await file(client, tenant_a)).json()
    soon = (await file(client, tenant_a, asunto="Fuga en el andén")).json()
    answered_late = (await file(client, tenant_a, asunto="Cobro doble")).json()
    today = date.fromisoformat(late["fecha_radicacion"])
    past = today - timedelta(days=30)
    await age(database, tenant_a, late["id"], fecha_vencimiento=past)
    await age(database, tenant_a, soon["id"], fecha_vencimiento=sumar_habiles(today, 2))
    await age(database, tenant_a, answered_late["id"], fecha_vencimiento=past,
              estado="respondida", fecha_respuesta=past + timedelta(days=3))

    def get(pqr):
        return client.get(f"/api/pqrs/{pqr['id']}", headers=tenant_a.headers(Role.operador))

    overdue = (await get(late)).json()
    assert overdue["vencida"] and overdue["silencio_positivo"]
    assert overdue["dias_habiles_restantes"] == -habiles_entre(past, today)
    on_time = (await get(soon)).json()
    assert on_time["dias_habiles_restantes"] == 2 and not on_time["vencida"]
    late_answer = (await get(answered_late)).json()
    assert not late_answer["vencida"] and late_answer["silencio_positivo"]

    staff = tenant_a.headers(Role.operador)
    listed = (await client.get("/api/pqrs", headers=staff)).json()["items"]
    assert [p["fecha_vencimiento"] for p in listed] == sorted(
        p["fecha_vencimiento"] for p in listed)
    vencidas = (await client.get("/api/pqrs", headers=staff,
                                 params={"vencidas": "true"})).json()["items"]
    assert [p["id"] for p in vencidas] == [late["id"]]
    due_soon = (await client.get("/api/pqrs", headers=staff,
                                 params={"vencen_en": 3})).json()["items"]
    assert [p["id"] for p in due_soon] == [soon["id"]]
    by_estado = (await client.get("/api/pqrs", headers=staff,
                                  params={"estado": "respondida"})).json()["items"]
    assert [p["id"] for p in by_estado] == [answered_late["id"]]


async def test_summary_counts_and_share_answered_on_time(client, database, tenant_a):
    operador = str(tenant_a.users[Role.operador].id)
    ids = [(await file(client, tenant_a, tipo=tipo)).json()["id"]
           for tipo in ("peticion", "queja", "queja")]
    for pqr_id in ids[:2]:
        await act(client, tenant_a, pqr_id, "asignar", {"operador_id": operador})
        await act(client, tenant_a, pqr_id, "responder",
                  {"respuesta": "Atendido.", "tipo_respuesta": "accede", "causal": "P09"})
    first = (await client.get(f"/api/pqrs/{ids[0]}", headers=tenant_a.headers(Role.admin)))
    filed = date.fromisoformat(first.json()["fecha_radicacion"])
    await age(database, tenant_a, ids[1], fecha_vencimiento=filed - timedelta(days=1))

    response = await client.get("/api/pqrs/resumen", headers=tenant_a.headers(Role.admin),
                                params={"desde": filed.isoformat(), "hasta": filed.isoformat()})
    assert response.status_code == 200, response.text
    resumen = response.json()
    assert resumen["total"] == 3
    assert resumen["por_estado"] == {"radicada": 1, "en_tramite": 0, "respondida": 2,
                                     "cerrada": 0}
    assert resumen["por_tipo"] == {"peticion": 1, "queja": 2, "reclamo": 0, "recurso": 0}
    assert (resumen["respondidas"], resumen["respondidas_a_tiempo"]) == (2, 1)
    assert resumen["proporcion_a_tiempo"] == 0.5
    empty = (await client.get("/api/pqrs/resumen", headers=tenant_a.headers(Role.admin),
                              params={"desde": "2020-01-01", "hasta": "2020-01-31"})).json()
    assert empty["total"] == 0 and empty["proporcion_a_tiempo"] is None
    assert_problem(await client.get("/api/pqrs/resumen", headers=tenant_a.headers(Role.admin),
                                    params={"desde": "2026-02-01", "hasta": "2026-01-01"}), 422)


async def pay(client, world: TenantWorld, factura_id: str, valor: str):
    return await client.post("/api/pagos", headers=world.headers(Role.operador), json={
        "factura_id": factura_id, "valor": valor, "fecha": "2026-11-10", "canal": "banco",
        "referencia": f"BANCO-{valor}"})


async def answer(client, world: TenantWorld, pqr_id: str) -> None:
    await act(client, world, pqr_id, "asignar",
              {"operador_id": str(world.users[Role.operador].id)})
    response = await act(client, world, pqr_id, "responder",
                         {"respuesta": "Se revisó la lectura en terreno.",
                          "tipo_respuesta": "no_accede", "causal": "F01"})
    assert response.status_code == 200, response.text


@pytest.fixture
async def factura(client, tenant_a) -> dict:
    """An invoice of the portal user's account (total 44,979.40)."""
    await setup_billing(client, tenant_a)
    await record(client, tenant_a, tenant_a.cliente.id, "2026-10", 1020, anterior=1000)
    await record(client, tenant_a, tenant_a.other_cliente.id, "2026-10", 1020, anterior=1000)
    await bill(client, tenant_a, "2026-10")
    return (await invoices(client, tenant_a, cliente_id=str(tenant_a.cliente.id)))[0]


async def test_a_claim_names_a_recent_invoice_of_the_account(client, database, tenant_a,
                                                             factura):
    reclamo = {"tipo": "reclamo", "asunto": "Cobro excesivo", "factura_id": factura["id"]}
    for valor in ("0", "-5", "44979.41"):
        assert_problem(await file(client, tenant_a, **reclamo, valor_reclamado=valor), 422)
    assert_problem(await file(client, tenant_a, **reclamo), 422)  # how much is disputed?
    assert_problem(await file(client, tenant_a, tipo="queja", factura_id=factura["id"]), 422)
    other = (await invoices(client, tenant_a, cliente_id=str(tenant_a.other_cliente.id)))[0]
    assert_problem(await file(client, tenant_a, **{**reclamo, "factura_id": other["id"]},
                              valor_reclamado="100.00"), 404)

    filed = await file(client, tenant_a, **reclamo, valor_reclamado="10000.00")
    assert filed.status_code == 201, filed.text
    assert filed.json()["valor_reclamado"] == "10000.00"

    async with database.session(TenantId(tenant_a.slug)) as session:
        await session.execute(update(Factura).where(Factura.id == uuid.UUID(factura["id"]))
                              .values(fecha_expedicion=date(2026, 1, 1)))
    problem = assert_problem(await file(client, tenant_a, **reclamo, valor_reclamado="1.00"),
                             422)
    assert "art. 154" in problem["errors"][0]["message"]


async def test_closing_a_claim_needs_its_result(client, tenant_a, factura):
    pqr_id = (await file(client, tenant_a, tipo="reclamo", asunto="Cobro excesivo",
                         factura_id=factura["id"], valor_reclamado="10000.00")).json()["id"]
    await answer(client, tenant_a, pqr_id)
    assert_problem(await act(client, tenant_a, pqr_id, "cerrar", {}), 422)
    assert_problem(await act(client, tenant_a, pqr_id, "cerrar", {
        "resultado": "favorable", "valor_reconocido": "10000.01"}), 422)
    assert_problem(await act(client, tenant_a, pqr_id, "cerrar", {
        "resultado": "desfavorable", "valor_reconocido": "5.00"}), 422)
    closed = await act(client, tenant_a, pqr_id, "cerrar",
                       {"resultado": "favorable", "valor_reconocido": "4000.00"})
    assert closed.status_code == 200, closed.text
    assert (closed.json()["resultado"], closed.json()["valor_reconocido"]) == (
        "favorable", "4000.00")


# --- the claim's hold (Ley 142 art. 155) ---------------------------------------------------

RECLAMO = {"tipo": "reclamo", "asunto": "Cobro excesivo",
           "descripcion": "El consumo facturado no corresponde a la lectura."}


async def test_a_claim_holds_its_amount_until_a_favorable_close_credits_it(
        client, database, tenant_a, factura):
    assert factura["total"] == "44979.40"
    filed = await file(client, tenant_a, **RECLAMO, factura_id=factura["id"],
                       valor_reclamado="10000.00")
    assert filed.status_code == 201, filed.text
    assert filed.json()["factura_retencion_id"] == factura["id"]
    held = await detail(client, tenant_a, factura["id"], Role.cliente)
    # (its deadline, 2026-11-15, has passed: what is left to pay is overdue)
    assert (held["valor_en_reclamo"], held["saldo"], held["estado"]) == (
        "10000.00", "34979.40", "vencida")
    # what is held cannot be disputed twice, nor paid
    assert_problem(await file(client, tenant_a, **RECLAMO, factura_id=factura["id"],
                              valor_reclamado="34979.41"), 422)
    problem = assert_problem(await pay(client, tenant_a, factura["id"], "34979.41"), 422)
    assert "10000.00 is held by an open claim" in problem["errors"][0]["message"]
    assert (await pay(client, tenant_a, factura["id"], "34979.40")).status_code == 201
    paid = await detail(client, tenant_a, factura["id"])
    assert (paid["saldo"], paid["estado"]) == ("0.00", "parcial")  # nothing collectible is late
    # the PDF shows the hold and asks only for the rest
    pdf = await client.get(f"/api/facturas/{factura['id']}/pdf",
                           headers=tenant_a.headers(Role.cliente))
    text = " ".join(pdf_text(pdf.content).split())
    assert "En reclamación" in text and "-$ 10.000,00" in text
    assert "Total a pagar $ 34.979,40" in text
    # a held invoice is not voided under the claim
    assert_problem(await client.post(f"/api/facturas/{factura['id']}/anular",
                                     headers=tenant_a.headers(Role.admin),
                                     json={"motivo": "Error de lectura"}), 409)

    pqr_id = filed.json()["id"]
    await answer(client, tenant_a, pqr_id)
    closed = await act(client, tenant_a, pqr_id, "cerrar",
                       {"resultado": "favorable", "valor_reconocido": "4000.00"})
    assert closed.status_code == 200, closed.text
    credited = await detail(client, tenant_a, factura["id"])
    assert (credited["valor_en_reclamo"], credited["valor_acreditado"], credited["saldo"],
            credited["estado"]) == ("0.00", "4000.00", "6000.00", "vencida")
    async with database.session(TenantId(tenant_a.slug)) as session:
        nota = await session.get(NotaCredito, (tenant_a.slug,
                                               uuid.UUID(closed.json()["nota_credito_id"])))
        assert nota is not None and nota.factura_id == uuid.UUID(factura["id"])
        assert (nota.valor, nota.motivo) == (
            D("4000.00"), f"Reclamo {filed.json()['radicado']} resuelto a favor del usuario")
    pdf = await client.get(f"/api/facturas/{factura['id']}/pdf",
                           headers=tenant_a.headers(Role.cliente))
    text = " ".join(pdf_text(pdf.content).split())
    assert "En reclamación" not in text and "Total a pagar $ 40.979,40" in text
    assert (await pay(client, tenant_a, factura["id"], "6000.00")).status_code == 201
    assert (await detail(client, tenant_a, factura["id"]))["estado"] == "pagada"


async def test_a_billing_run_leaves_the_hold_out_and_an_unfavorable_close_releases_it(
        client, tenant_a):
    admin = tenant_a.headers(Role.admin)
    await client.patch("/api/tarifas/parametros", headers=admin,
                       json={"tasa_mora_residencial": "0.005"})
    await setup_billing(client, tenant_a, ("2026-10", "2026-11", "2026-12"))
    cliente = str(tenant_a.cliente.id)
    await record(client, tenant_a, cliente, "2026-10", 1020, anterior=1000)
    await bill(client, tenant_a, "2026-10")
    (october,) = await invoices(client, tenant_a, cliente_id=cliente)
    pqr = (await file(client, tenant_a, **RECLAMO, factura_id=october["id"],
                      valor_reclamado="10000.00")).json()

    # November (issued 2026-12-01, after October's deadline): carries and charges interest
    # on 34,979.40 only; the 10,000.00 stays held on October
    await record(client, tenant_a, cliente, "2026-11", 1040)
    await bill(client, tenant_a, "2026-11")
    november = (await invoices(client, tenant_a, cliente_id=cliente, periodo="2026-11"))[0]
    nov = await detail(client, tenant_a, november["id"])
    assert (nov["saldo_anterior"], nov["intereses_mora"]) == ("34979.40", "174.90")
    oct_ = await detail(client, tenant_a, october["id"])
    assert (oct_["estado"], oct_["valor_trasladado"], oct_["valor_en_reclamo"],
            oct_["saldo"]) == ("trasladada", "34979.40", "10000.00", "0.00")
    account = (await client.get(f"/api/clientes/{cliente}/estado-cuenta", headers=admin)).json()
    assert (account["saldo"], account["en_reclamo"]) == (nov["total"], "10000.00")
    # paying October's slip now pays November, where its collectible balance went
    assert (await pay(client, tenant_a, october["id"], "100.00")).json()["factura_id"] == \
        november["id"]

    # a second claim on October holds on November, which is collecting it now
    second = (await file(client, tenant_a, **RECLAMO, factura_id=october["id"],
                         valor_reclamado="500.00")).json()
    assert second["factura_retencion_id"] == november["id"]
    assert (await detail(client, tenant_a, november["id"]))["valor_en_reclamo"] == "500.00"

    # the hold stays while a recurso against the response is open
    await answer(client, tenant_a, pqr["id"])
    recurso = (await client.post(f"/api/pqrs/{pqr['id']}/recurso",
                                 headers=tenant_a.headers(Role.cliente),
                                 json={"descripcion": "No estoy de acuerdo."})).json()
    assert_problem(await act(client, tenant_a, pqr["id"], "cerrar",
                             {"resultado": "desfavorable"}), 409)
    await answer(client, tenant_a, recurso["id"])
    assert (await act(client, tenant_a, recurso["id"], "cerrar", {})).status_code == 200
    closed = await act(client, tenant_a, pqr["id"], "cerrar", {"resultado": "desfavorable"})
    assert closed.status_code == 200, closed.text
    assert closed.json()["nota_credito_id"] is None

    # released: October is due again for the 10,000.00 and December carries it
    oct_ = await detail(client, tenant_a, october["id"])
    assert (oct_["estado"], oct_["valor_en_reclamo"], oct_["saldo"]) == (
        "vencida", "0.00", "10000.00")
    await bill(client, tenant_a, "2026-12")
    december = (await invoices(client, tenant_a, cliente_id=cliente, periodo="2026-12"))[0]
    dec = await detail(client, tenant_a, december["id"])
    nov_saldo = D(nov["total"]) - D("100.00") - D("500.00")
    assert D(dec["saldo_anterior"]) == nov_saldo + D("10000.00")
    oct_ = await detail(client, tenant_a, october["id"])
    assert (oct_["estado"], oct_["valor_trasladado"], oct_["trasladada_a_id"]) == (
        "trasladada", "44979.40", december["id"])

    # voiding December gives each older invoice back exactly what December had taken
    voided = await client.post(f"/api/facturas/{december['id']}/anular", headers=admin,
                               json={"motivo": "Lectura mal digitada"})
    assert voided.status_code == 200, voided.text
    oct_ = await detail(client, tenant_a, october["id"])
    assert (oct_["estado"], oct_["valor_trasladado"], oct_["saldo"]) == (
        "vencida", "34979.40", "10000.00")
    nov = await detail(client, tenant_a, november["id"])
    assert (nov["estado"], D(nov["saldo"]), nov["valor_en_reclamo"]) == (
        "parcial", nov_saldo, "500.00")


# --- classification: causes, kinds of answer, notification -------------------------------


async def test_a_new_tenant_has_the_common_causes_and_edits_its_catalogue(client, tenant_a):
    admin = tenant_a.headers(Role.admin)
    catalogue = (await client.get("/api/pqrs/causales", headers=admin)).json()
    assert len(catalogue) == 19
    assert {c["grupo"] for c in catalogue} == {"facturacion", "prestacion"}
    assert catalogue[0] == {"codigo": "F01", "grupo": "facturacion", "activa": True,
                            "nombre": "Inconformidad con el consumo facturado"}

    created = await client.post("/api/pqrs/causales", headers=admin, json={
        "codigo": "F20", "grupo": "facturacion", "nombre": "Cobro de reconexión"})
    assert created.status_code == 201, created.text
    assert_problem(await client.post("/api/pqrs/causales", headers=admin, json={
        "codigo": "F20", "grupo": "facturacion", "nombre": "Otra vez"}), 409)
    problem = assert_problem(await client.post("/api/pqrs/causales", headers=admin, json={
        "codigo": "f 1", "grupo": "comercial", "nombre": "x"}), 422)
    assert {e["field"] for e in problem["errors"]} == {"codigo", "grupo", "nombre"}
    off = await client.patch("/api/pqrs/causales/P03", headers=admin, json={"activa": False})
    assert off.json()["activa"] is False
    assert_problem(await client.patch("/api/pqrs/causales/Z99", headers=admin,
                                      json={"activa": False}), 404)
    active = (await client.get("/api/pqrs/causales?activa=true", headers=admin)).json()
    assert "P03" not in {c["codigo"] for c in active} and "F20" in {c["codigo"] for c in active}


async def test_a_pqr_is_answered_classified_with_the_kind_of_answer(client, database, tenant_a):
    pqr_id = (await file(client, tenant_a)).json()["id"]
    await act(client, tenant_a, pqr_id, "asignar",
              {"operador_id": str(tenant_a.users[Role.operador].id)})
    await client.patch("/api/pqrs/causales/P03", headers=tenant_a.headers(Role.admin),
                       json={"activa": False})
    answer = {"respuesta": "Se cambió el medidor.", "tipo_respuesta": "accede"}
    problem = assert_problem(await act(client, tenant_a, pqr_id, "responder", answer), 422)
    assert problem["errors"][0]["field"] == "causal"
    assert_problem(await act(client, tenant_a, pqr_id, "clasificar", {"causal": "P03"}), 422)
    assert_problem(await act(client, tenant_a, pqr_id, "clasificar", {"causal": "X77"}), 422)
    assert_problem(await act(client, tenant_a, pqr_id, "responder",
                             {**answer, "tipo_respuesta": "concede"}), 422)
    classified = await act(client, tenant_a, pqr_id, "clasificar", {"causal": "P06"})
    assert classified.json()["causal"] == "P06"

    filed = date.fromisoformat(classified.json()["fecha_radicacion"]) - timedelta(days=12)
    await age(database, tenant_a, pqr_id, fecha_radicacion=filed)
    answered = (await act(client, tenant_a, pqr_id, "responder", answer)).json()
    assert (answered["causal"], answered["tipo_respuesta"]) == ("P06", "accede")
    answered_on = date.fromisoformat(answered["fecha_respuesta"])
    festivos = holidays.country_holidays("CO", years=range(filed.year, answered_on.year + 1))
    expected = sum(1 for n in range(1, (answered_on - filed).days + 1)
                   if (d := filed + timedelta(days=n)).weekday() < 5 and d not in festivos)
    assert answered["dias_habiles_respuesta"] == expected > 0


async def test_the_notification_of_an_answer_is_recorded(client, tenant_a):
    pqr_id = (await file(client, tenant_a)).json()["id"]
    filed_on = (await client.get(f"/api/pqrs/{pqr_id}", headers=tenant_a.headers(Role.admin))
                ).json()["fecha_radicacion"]
    notice = {"medio": "electronica", "fecha": filed_on}
    assert_problem(await act(client, tenant_a, pqr_id, "notificacion", notice), 409)
    await act(client, tenant_a, pqr_id, "asignar",
              {"operador_id": str(tenant_a.users[Role.operador].id)})
    answered = (await act(client, tenant_a, pqr_id, "responder", {
        "respuesta": "Procede.", "tipo_respuesta": "accede", "causal": "P06"})).json()
    answered_on = date.fromisoformat(answered["fecha_respuesta"])
    for fecha in (answered_on - timedelta(days=1), answered_on + timedelta(days=400)):
        problem = assert_problem(await act(client, tenant_a, pqr_id, "notificacion",
                                           {**notice, "fecha": fecha.isoformat()}), 422)
        assert problem["errors"][0]["field"] == "fecha"
    assert_problem(await act(client, tenant_a, pqr_id, "notificacion",
                             {**notice, "medio": "correo"}), 422)
    notified = await act(client, tenant_a, pqr_id, "notificacion",
                         {**notice, "fecha": answered_on.isoformat()})
    assert notified.status_code == 200, notified.text
    pqr = notified.json()
    assert (pqr["notificacion_medio"], pqr["fecha_notificacion"]) == (
        "electronica", answered_on.isoformat())
    portal = (await client.get(f"/api/pqrs/{pqr_id}", headers=tenant_a.headers(Role.cliente)))
    assert portal.json()["eventos"][-1]["accion"] == "notificada"


async def test_only_the_utility_classifies(client, tenant_a):
    problem = assert_problem(await file(client, tenant_a, causal="F01"), 422)
    assert problem["errors"][0]["field"] == "causal"
    staff = await file(client, tenant_a, Role.operador, cliente_id=str(tenant_a.cliente.id),
                       canal="oficina", causal="F01")
    assert staff.status_code == 201 and staff.json()["causal"] == "F01"
