"""The API docs as an integrator meets them: a real browser (Debian's chromium, headless,
driven by Playwright) on a real server, on a machine with no internet. /docs must load
everything from the service, and Authorize must log into a tenant."""

import shutil
from collections.abc import Iterator

import pytest
from playwright.async_api import async_playwright, expect

from app.demo.seed import DEMO_LOGINS, DEMO_TENANT
from app.users.models import Role
from tests.test_uvicorn_socket import serve_demo

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
expect.set_options(timeout=30_000)  # a busy 2-core box renders slowly


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from serve_demo(tmp_path_factory.mktemp("docs"))


@pytest.fixture
async def page(server: str):
    assert CHROMIUM, "chromium is not installed (scripts/install-system-deps.sh --test)"
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM,
                                                   args=["--no-sandbox"])
        try:
            page = await browser.new_page()
            page.requests_elsewhere = []  # type: ignore[attr-defined]
            page.on("request", lambda request: None if request.url.startswith(
                (server, "data:", "blob:")) else page.requests_elsewhere.append(request.url))
            yield page
        finally:
            await browser.close()


async def test_swagger_authorizes_into_a_tenant_and_calls_the_api(server: str, page):
    admin = next(login for login in DEMO_LOGINS if login.role == Role.admin)
    await page.goto(f"{server}/docs")
    await expect(page.locator(".swagger-ui .info .title")).to_contain_text("Cunservicios")

    await page.locator(".auth-wrapper .authorize").click()
    oauth = page.locator(".modal-ux .auth-container").filter(has=page.locator("#oauth_username"))
    await oauth.locator("#oauth_username").fill(admin.email)
    await oauth.locator("#oauth_password").fill(admin.password)
    # The OAuth2 form's client_id names the tenant; Swagger sends it as Basic credentials.
    await oauth.locator('input[data-name="clientId"]').fill(DEMO_TENANT)
    await oauth.locator("button.authorize").click()
    await expect(page.locator(".modal-ux").get_by_text("Logout")).to_be_visible()
    await page.locator(".modal-ux .close-modal").click()

    operation = page.locator("#operations-clientes-list_clientes_api_clientes_get")
    await operation.locator(".opblock-summary").click()
    await operation.locator("button.try-out__btn").click()
    await operation.locator("button.execute").click()
    status = operation.locator(".live-responses-table .response .response-col_status")
    await expect(status.first).to_have_text("200")
    await expect(operation.locator(".live-responses-table .microlight").first
                 ).to_contain_text('"numero_cuenta"')
    assert page.requests_elsewhere == []


# ReDoc's bundle links its maker's logo in the menu's footer; the docs' content security
# policy (img-src 'self') keeps the browser from fetching it.
REDOC_BRANDING = "https://cdn.redoc.ly/redoc/logo-mini.svg"


async def test_redoc_renders_offline(server: str, page):
    answered_elsewhere = []
    page.on("response", lambda response: None if response.url.startswith(
        (server, "data:", "blob:")) else answered_elsewhere.append(response.url))
    await page.goto(f"{server}/redoc")
    await expect(page.locator("h1").first).to_contain_text("Cunservicios")
    await expect(page.get_by_text("/api/clientes/{cliente_id}").first).to_be_attached()
    assert set(page.requests_elsewhere) <= {REDOC_BRANDING}
    assert answered_elsewhere == []
