"""Jobs of a tenant: one job per piece of work at a time, read and cancelled through the API."""

from datetime import UTC, datetime, timedelta

import pytest

from app.core import clock
from app.core.errors import UnprocessableEntity
from app.core.pagination import PageParams
from app.core.tenant import TenantId
from app.trabajos import service as trabajos_service
from app.trabajos.models import Programacion
from app.trabajos.runner import disparar_programaciones, ejecutar_tramo, tramo_handler
from app.users.models import Role
from tests.helpers import assert_problem


async def _solicitar(database, tenant, periodo: str, tipo: str = "facturacion"):
    async with database.session(TenantId(tenant.slug)) as session:
        return await trabajos_service.solicitar(
            session, TenantId(tenant.slug), tipo=tipo, parametros={"periodo": periodo}, queue=None,
            clave=f"{tipo}:{periodo}", solicitado_por=tenant.users[Role.admin].id)


async def test_asking_twice_for_the_same_work_gets_one_job(database, tenant_a):
    first, created = await _solicitar(database, tenant_a, "2026-10")
    again, created_again = await _solicitar(database, tenant_a, "2026-10")
    other, created_other = await _solicitar(database, tenant_a, "2026-11")
    assert (created, created_again, created_other) == (True, False, True)
    assert again.id == first.id and other.id != first.id


async def test_a_job_is_read_and_listed_through_the_api(client, database, tenant_a):
    trabajo, _ = await _solicitar(database, tenant_a, "2026-10")
    await _solicitar(database, tenant_a, "2026-10", tipo="pdfs")
    headers = tenant_a.headers(Role.operador)
    body = (await client.get(f"/api/trabajos/{trabajo.id}", headers=headers)).json()
    assert body["estado"] == "en_cola"
    assert (body["tipo"], body["clave"], body["parametros"]) == (
        "facturacion", "facturacion:2026-10", {"periodo": "2026-10"})
    assert (body["hechos"], body["total"], body["resultado"], body["error"]) == (0, None, None,
                                                                                None)
    assert body["solicitado_por"] == str(tenant_a.users[Role.admin].id)
    listed = (await client.get("/api/trabajos", headers=headers,
                               params={"tipo": "facturacion"})).json()
    assert [item["id"] for item in listed["items"]] == [str(trabajo.id)]
    assert (await client.get("/api/trabajos", headers=headers,
                             params={"estado": "terminado"})).json()["total"] == 0


async def test_only_a_queued_job_is_cancelled(client, database, tenant_a):
    trabajo, _ = await _solicitar(database, tenant_a, "2026-10")
    admin = tenant_a.headers(Role.admin)
    cancelled = await client.post(f"/api/trabajos/{trabajo.id}/cancelar", headers=admin)
    assert cancelled.status_code == 200
    assert cancelled.json()["estado"] == "cancelado"
    assert cancelled.json()["terminado_at"] is not None
    body = assert_problem(await client.post(f"/api/trabajos/{trabajo.id}/cancelar",
                                            headers=admin), 409)
    assert "only a queued one" in body["detail"]
    # Cancelled, it no longer holds its work: asking again queues a new job.
    again, created = await _solicitar(database, tenant_a, "2026-10")
    assert created and again.id != trabajo.id


@pytest.mark.parametrize("estado", ["hecho", "EN_COLA"])
async def test_an_unknown_estado_filter_is_422(client, tenant_a, estado):
    assert_problem(await client.get("/api/trabajos", headers=tenant_a.headers(Role.admin),
                                    params={"estado": estado}), 422)


async def test_a_job_of_a_request_that_rolls_back_never_runs(app, database, tenant_a):
    queue, tenant_id = app.state.job_queue, TenantId(tenant_a.slug)
    with pytest.raises(RuntimeError, match="the request failed"):
        async with database.session(tenant_id) as session:
            await trabajos_service.solicitar(
                session, tenant_id, tipo="facturacion", parametros={"periodo": "2026-10"},
                queue=queue, clave="facturacion:2026-10")
            raise RuntimeError("the request failed")
    await queue.idle()
    async with database.session(tenant_id) as session:
        _, total = await trabajos_service.list_page(session, tenant_id, PageParams())
    assert total == 0


# Schedules.

def test_a_schedule_is_read_in_its_time_zone():
    # Friday 2026-11-20 10:00 in Bogotá (UTC-5): the next 06:00 there is Saturday's.
    after = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
    assert trabajos_service.siguiente("0 6 * * *", "America/Bogota", after) == datetime(
        2026, 11, 21, 11, 0, tzinfo=UTC)
    assert trabajos_service.siguiente("0 6 * * *", "UTC", after) == datetime(
        2026, 11, 21, 6, 0, tzinfo=UTC)


@pytest.mark.parametrize("cron", ["every day", "0 6 * *", "61 * * * *", "* * * * * */5"])
async def test_a_schedule_needs_a_five_field_cron(database, tenant_a, cron):
    tenant_id = TenantId(tenant_a.slug)
    with pytest.raises(UnprocessableEntity):
        async with database.session(tenant_id) as session:
            await trabajos_service.programar(session, tenant_id, tipo="facturacion",
                                             parametros={}, cron=cron,
                                             zona_horaria="America/Bogota", now=clock.now())


async def test_a_due_schedule_queues_its_job_once_and_moves_on(app, database, tenant_a):
    tenant_id, queue = TenantId(tenant_a.slug), app.state.job_queue
    async with database.session(tenant_id) as session:
        programacion = await trabajos_service.programar(
            session, tenant_id, tipo="facturacion", parametros={"periodo": "2026-10"},
            cron="0 6 * * *", zona_horaria="America/Bogota", now=clock.now())
        assert programacion.proxima_ejecucion > clock.now()
        assert await trabajos_service.disparar_vencidas(session, tenant_id, queue,
                                                        clock.now()) == 0  # not due yet
        programacion.proxima_ejecucion = clock.now() - timedelta(minutes=1)
    assert await disparar_programaciones(database, queue) == 1
    await queue.idle()  # (the tests' sessions share one connection: one thing at a time)
    assert await disparar_programaciones(database, queue) == 0  # moved to tomorrow 06:00
    async with database.session(tenant_id) as session:
        trabajos, total = await trabajos_service.list_page(session, tenant_id, PageParams())
        programacion = await session.get(Programacion, (tenant_id, programacion.id))
    assert total == 1
    assert trabajos[0].clave == f"programacion:{programacion.id}"
    assert trabajos[0].estado == "fallido"  # it ran: this tenant has no periodo 2026-10
    assert trabajos[0].error["status"] == 404
    assert programacion.ultima_ejecucion is not None
    assert programacion.proxima_ejecucion == trabajos_service.siguiente(
        "0 6 * * *", "America/Bogota", programacion.ultima_ejecucion)


@tramo_handler("prueba-tramo-que-falla")
async def _tramo_que_falla(_contexto, _parametros, _tramo) -> dict[str, int]:
    raise RuntimeError("boom")


async def test_a_part_that_fails_keeps_its_job_running_until_its_last_attempt(
        app, database, tenant_a):
    tenant_id, queue = TenantId(tenant_a.slug), app.state.job_queue
    async with database.session(tenant_id) as session:
        trabajo, _ = await trabajos_service.solicitar(
            session, tenant_id, tipo="prueba-tramo-que-falla", parametros={}, queue=None)
        await trabajos_service.iniciar(session, tenant_id, trabajo.id)
    with pytest.raises(RuntimeError, match="boom"):  # the queue will retry it
        await ejecutar_tramo(database, tenant_id, trabajo.id, {}, queue, ultimo_intento=False)
    async with database.session(tenant_id) as session:
        during = await trabajos_service.get(session, tenant_id, trabajo.id)
        assert (during.estado, during.error) == ("ejecutando", None)  # its other parts go on
    await ejecutar_tramo(database, tenant_id, trabajo.id, {}, queue, ultimo_intento=True)
    async with database.session(tenant_id) as session:
        after = await trabajos_service.get(session, tenant_id, trabajo.id)
    assert after.estado == "fallido"
    assert after.error["status"] == 500 and "RuntimeError" in after.error["detail"]
