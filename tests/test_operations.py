"""Request ids, the access log, the error shape of unexpected failures, health checks."""

import json
import logging

import httpx
import pytest
from fastapi import APIRouter

from app.core.config import Settings
from app.core.db import Database, create_engine
from app.main import create_app
from app.users.models import Role
from tests.helpers import assert_problem


async def test_request_id_is_made_or_echoed(client):
    made = await client.get("/health/live")
    assert len(made.headers["x-request-id"]) == 32
    echoed = await client.get("/health/live", headers={"X-Request-ID": "abc-123.x"})
    assert echoed.headers["x-request-id"] == "abc-123.x"
    unsafe = await client.get("/health/live", headers={"X-Request-ID": "bad id\twith spaces"})
    assert unsafe.headers["x-request-id"] != "bad id\twith spaces"


async def test_problem_responses_carry_the_request_id_too(client):
    response = await client.get("/api/clientes", headers={"X-Tenant-ID": "BAD",
                                                          "X-Request-ID": "trace-1"})
    assert_problem(response, 400)
    assert response.headers["x-request-id"] == "trace-1"


async def test_one_json_access_log_line_per_request(client, tenant_a, caplog):
    caplog.set_level(logging.INFO, logger="app.access")
    await client.get("/api/clientes", headers=tenant_a.headers(Role.operador) | {
        "X-Request-ID": "log-me"})
    records = [r for r in caplog.records if r.name == "app.access"]
    assert len(records) == 1
    record = records[0]
    assert record.request_id == "log-me"
    assert record.tenant == "tenant-a"
    assert record.user == str(tenant_a.users[Role.operador].id)
    assert (record.method, record.path, record.status) == ("GET", "/api/clientes", 200)
    assert isinstance(record.duration_ms, float)

    from app.core.logging import JsonFormatter

    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == "log-me" and line["status"] == 200


async def test_unexpected_error_is_a_bare_500_problem(settings, database, caplog):
    app = create_app(settings, database)
    boom = APIRouter()

    @boom.get("/api/boom")
    async def fail() -> None:
        raise RuntimeError("secret connection string postgres://u:p@h/db")

    app.include_router(boom)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.get("/api/boom")
    body = assert_problem(response, 500)
    assert "secret" not in response.text and "Traceback" not in response.text
    assert response.headers["x-request-id"] in body["detail"]
    assert any("unhandled error" in r.getMessage() for r in caplog.records)


async def test_unknown_route_and_method_are_problems(client, tenant_a):
    assert_problem(await client.get("/api/nothing-here"), 404)
    refused = await client.put("/api/clientes", headers=tenant_a.headers(Role.admin))
    assert_problem(refused, 405)
    assert refused.headers["allow"] == "GET, POST"
    one = await client.put(f"/api/clientes/{tenant_a.cliente.id}",
                           headers=tenant_a.headers(Role.admin))
    assert one.headers["allow"] == "DELETE, GET, PATCH"
    assert "DELETE, GET, PATCH" in assert_problem(one, 405)["detail"]


async def test_ready_checks_the_database(client):
    response = await client.get("/health/ready")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


async def test_ready_is_503_when_the_database_is_unreachable(settings):
    url = ("postgresql+psycopg://nobody@127.0.0.1:1/nowhere?connect_timeout=1")
    database = Database(create_engine(url))
    app = create_app(settings, database)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        assert_problem(await client.get("/health/ready"), 503)
        # and an API call that needs it answers 503, not a stack trace
        response = await client.get("/api/clientes", headers={"X-Tenant-ID": "public"})
        assert_problem(response, 503)
    await database.dispose()


def test_settings_refuse_a_default_or_short_secret_outside_development():
    with pytest.raises(ValueError, match="SECRET_KEY"):
        Settings(environment="production", _env_file=None)
    with pytest.raises(ValueError, match="SECRET_KEY"):
        Settings(environment="production", secret_key="short", _env_file=None)
    assert Settings(environment="development", _env_file=None).secret_key
    strong = Settings(environment="production", secret_key="s" * 40,
                      cors_origins="https://a.co, https://b.co", _env_file=None)
    assert strong.cors_origins == ["https://a.co", "https://b.co"]


@pytest.mark.parametrize("spelling", ["warning", "WARNING", " Warning "])
def test_log_level_is_read_in_any_case(spelling: str):
    assert Settings(log_level=spelling, _env_file=None).log_level == "WARNING"
    with pytest.raises(ValueError, match="log_level"):
        Settings(log_level="loud", _env_file=None)


async def test_cors_when_configured(settings, database):
    app = create_app(settings.model_copy(update={"cors_origins": ["https://portal.co"]}),
                     database)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.options("/api/clientes", headers={
            "Origin": "https://portal.co", "Access-Control-Request-Method": "GET"})
    assert response.headers["access-control-allow-origin"] == "https://portal.co"
