"""Every response carries the browser-facing security headers; HSTS only behind HTTPS."""

from app.main import create_app
from app.users.models import Role
from tests.helpers import api_client

BASE = {"x-content-type-options": "nosniff", "x-frame-options": "DENY",
        "referrer-policy": "no-referrer"}


def _has(response, expected: dict[str, str]) -> None:
    for name, value in expected.items():
        assert response.headers.get(name) == value, (name, response.headers.get(name))


async def test_api_answers_are_not_cached_sniffed_framed_or_scripted(client, tenant_a):
    for response in (await client.get("/api/clientes", headers=tenant_a.headers(Role.admin)),
                     await client.get("/api/clientes"),  # a problem answer too
                     await client.get("/api/no-existe", headers=tenant_a.headers(Role.admin))):
        _has(response, BASE | {"cache-control": "no-store", "content-security-policy":
                               "default-src 'none'; frame-ancestors 'none'"})
        assert "strict-transport-security" not in response.headers
    health = await client.get("/health/live")
    _has(health, BASE)
    assert "cache-control" not in health.headers  # not personal data


async def test_the_docs_may_run_their_own_scripts_only(client):
    response = await client.get("/docs")
    assert response.status_code == 200
    csp = response.headers["content-security-policy"]
    assert "script-src 'self' 'unsafe-inline'" in csp and "https:" not in csp
    assert "cdn" not in response.text  # its assets are the service's own
    assert (await client.get("/docs-assets/swagger-ui-bundle.js")).status_code == 200


async def test_hsts_when_the_service_is_behind_https(settings, database, pdf_renderer):
    app = create_app(settings.model_copy(update={"hsts_seconds": 31536000}), database,
                     pdf_renderer)
    async with api_client(app) as client:
        response = await client.get("/health/live")
    assert response.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"
