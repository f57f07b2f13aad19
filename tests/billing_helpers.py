"""Tariffs, periods and readings for billing tests (DESIGN §5's published tariff)."""

from decimal import Decimal as D

import httpx

from app.users.models import Role
from tests.factories import TenantWorld

FACTORES = [
    {"uso": "residencial", "estrato": 1, "factor": "-0.50"},
    {"uso": "residencial", "estrato": 2, "factor": "-0.20"},
    {"uso": "residencial", "estrato": 3, "factor": "-0.10"},
    {"uso": "residencial", "estrato": 4, "factor": "0"},
    {"uso": "residencial", "estrato": 5, "factor": "0.50"},
    {"uso": "residencial", "estrato": 6, "factor": "0.60"},
    {"uso": "comercial", "factor": "0.50"},
    {"uso": "industrial", "factor": "0.30"},
]
ACUEDUCTO = {"servicio": "acueducto", "vigente_desde": "2026-01-01", "cargo_fijo": "4276.37",
             "precio_basico": "1322.96", "factores": FACTORES}
ALCANTARILLADO = {"servicio": "alcantarillado", "vigente_desde": "2026-01-01",
                  "cargo_fijo": "1964.59", "precio_basico": "923.48", "factores": FACTORES}
DESIGN_TOTAL = D("44979.40")


def periodo_body(periodo: str) -> dict[str, str]:
    year, month = (int(p) for p in periodo.split("-"))
    year_next, month_next = (year + 1, 1) if month == 12 else (year, month + 1)
    return {"periodo": periodo, "fecha_expedicion": f"{year_next:04d}-{month_next:02d}-01",
            "fecha_limite_pago": f"{year_next:04d}-{month_next:02d}-15",
            "fecha_suspension": f"{year_next:04d}-{month_next:02d}-25"}


async def setup_billing(client: httpx.AsyncClient, world: TenantWorld,
                        periodos: tuple[str, ...] = ("2026-10",)) -> None:
    admin = world.headers(Role.admin)
    for tarifa in (ACUEDUCTO, ALCANTARILLADO):
        response = await client.post("/api/tarifas", headers=admin, json=tarifa)
        assert response.status_code == 201, response.text
    for periodo in periodos:
        response = await client.post("/api/periodos", headers=admin, json=periodo_body(periodo))
        assert response.status_code == 201, response.text


async def record(client: httpx.AsyncClient, world: TenantWorld, cliente_id, periodo: str,
                 actual: int, anterior: int | None = None) -> httpx.Response:
    body = {"cliente_id": str(cliente_id), "periodo": periodo, "lectura_actual": actual,
            "fecha_lectura": f"{periodo}-28"}
    if anterior is not None:
        body["lectura_anterior"] = anterior
    return await client.post("/api/lecturas", headers=world.headers(Role.operador), json=body)


async def bill(client: httpx.AsyncClient, world: TenantWorld, periodo: str) -> httpx.Response:
    """Queues the period's billing run, waits for the job, and answers as the run did: 200
    with its summary, or the problem it failed with (a run refused at once is that answer)."""
    queued = await client.post(f"/api/periodos/{periodo}/facturar",
                               headers=world.headers(Role.admin))
    if queued.status_code != 202:
        return queued
    assert queued.headers["location"] == f"/api/trabajos/{queued.json()['id']}"
    await client._transport.app.state.job_queue.idle()  # type: ignore[attr-defined]
    trabajo = (await client.get(queued.headers["location"],
                                headers=world.headers(Role.admin))).json()
    if trabajo["estado"] == "terminado":
        return httpx.Response(200, json=trabajo["resultado"])
    assert trabajo["estado"] == "fallido", trabajo
    return httpx.Response(trabajo["error"]["status"], json=trabajo["error"],
                          headers={"content-type": "application/problem+json"})


async def invoices(client: httpx.AsyncClient, world: TenantWorld, **params) -> list[dict]:
    response = await client.get("/api/facturas", headers=world.headers(Role.admin),
                                params={"limit": 200, **params})
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def detail(client: httpx.AsyncClient, world: TenantWorld, factura_id: str,
                 role: Role = Role.admin) -> dict:
    response = await client.get(f"/api/facturas/{factura_id}", headers=world.headers(role))
    assert response.status_code == 200, response.text
    return response.json()
