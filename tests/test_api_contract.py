"""The service against its own OpenAPI document, driven by schemathesis: generated requests
for every operation, as the demo's admin, its portal cliente and the platform's superadmin.
No request may answer a 5xx, and every answer (status, content type, headers, body) must be
what the document declares.

The service runs on its own database, migrated and seeded with the demo, because the app is
called from schemathesis' own event loop and its writes are committed. A fixed seed and a
bounded number of examples keep this to a few minutes; CONTRACT_EXAMPLES=200 runs deeper.
"""

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator

import psycopg
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from app.core.config import Settings
from app.core.db import Database, create_engine
from app.core.security import create_access_token
from app.core.tenant import TenantId
from app.demo.seed import DEMO_LOGINS
from app.main import create_app
from app.tenancy.constants import PUBLIC_TENANT
from app.users import service as users_service
from app.users.models import Role
from tests.conftest import (
    POSTGRES_URL,
    TEST_APP_ROLE,
    TEST_OWNER_ROLE,
    TEST_ROLE_PASSWORD,
    _admin_dsn,
    postgres_url,
)
from tests.factories import TEST_SECRET

pytestmark = pytest.mark.contract

EXAMPLES = int(os.environ.get("CONTRACT_EXAMPLES", "10"))
ROLES = (Role.admin, Role.cliente, Role.superadmin)


@pytest.fixture(scope="module")
def contract_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database of its own, migrated and seeded with the demo; the service's URL."""
    from app.core.rls import provision_roles

    name = f"cunservicios_contract_{uuid.uuid4().hex[:8]}"
    if POSTGRES_URL:
        provision_roles(_admin_dsn(POSTGRES_URL), name, owner=TEST_OWNER_ROLE,
                        app_role=TEST_APP_ROLE, owner_password=TEST_ROLE_PASSWORD,
                        app_password=TEST_ROLE_PASSWORD)
        owner = postgres_url(name, user=TEST_OWNER_ROLE, password=TEST_ROLE_PASSWORD)
        url = postgres_url(name, user=TEST_APP_ROLE, password=TEST_ROLE_PASSWORD)
    else:
        owner = url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('contract') / 'api.db'}"
    env = os.environ | {"DATABASE_URL": url, "MIGRATION_DATABASE_URL": owner}
    try:
        for command in (["migrate"], ["seed-demo"]):
            subprocess.run([sys.executable, "-m", "app", *command], env=env, check=True,
                           capture_output=True, timeout=180)
        yield url
    finally:
        if POSTGRES_URL:
            with psycopg.connect(_admin_dsn(POSTGRES_URL), autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _headers(url: str, contract_settings: Settings) -> dict[Role, dict[str, str]]:
    """Bearer tokens of the demo's users, made the way login makes them."""
    async def read() -> dict[Role, dict[str, str]]:
        database = Database(create_engine(url))
        headers = {}
        try:
            for login in DEMO_LOGINS:
                if login.role not in ROLES:
                    continue
                async with database.session(TenantId(login.tenant)) as session:
                    user = await users_service.find_by_email(session, TenantId(login.tenant),
                                                             login.email)
                assert user is not None
                token, _ = create_access_token(
                    contract_settings, user_id=user.id, tenant_id=login.tenant,
                    role=user.role, cliente_id=user.cliente_id)
                headers[login.role] = {"Authorization": f"Bearer {token}",
                                       "X-Tenant-ID": login.tenant}
        finally:
            await database.dispose()
        return headers

    return asyncio.run(read())


@pytest.fixture(scope="module")
def contract_settings(contract_database: str) -> Settings:
    return Settings(environment="test", secret_key=TEST_SECRET, database_url=contract_database,
                    tenant_cache_ttl_seconds=0, portal_rate_limit="1000000/minute",
                    portal_address_rate_limit="1000000/minute",
                    portal_pqr_rate_limit="1000000/minute",
                    portal_pdf_rate_limit="1000000/minute", _env_file=None)


@pytest.fixture(scope="module")
def role_headers(contract_database: str, contract_settings: Settings,
                 ) -> dict[Role, dict[str, str]]:
    return _headers(contract_database, contract_settings)


# The document depends on the routes only; the app that answers is built on the contract
# database by the fixture below and handed to each call.
schema = schemathesis.openapi.from_dict(create_app(Settings(
    environment="test", secret_key=TEST_SECRET, _env_file=None)).openapi())


@pytest.fixture(scope="module")
def contract_app(contract_settings: Settings, pdf_renderer):
    app = create_app(contract_settings, pdf_renderer=pdf_renderer)
    schema.app = app  # calls go in-process, through schemathesis' ASGI transport
    return app


def check(case, app, headers: dict[str, str]) -> None:
    excluded = []
    if case.operation.label in BUSINESS_RULES:
        excluded.append(positive_data_acceptance)
    case.call_and_validate(app=app, headers=headers, excluded_checks=excluded)


# positive_data_acceptance expects a request the document calls valid to be accepted. These
# operations refuse some such requests with a 422 for a rule of the business that a JSON
# Schema cannot state; the check stays on for every other operation.
BUSINESS_RULES: dict[str, str] = {
    "POST /api/auth/password": "the current password must be the caller's",
    "PATCH /api/marca": "a GLN's last digit is its GS1 check digit",
    "PUT /api/marca/logo": "the file must be a PNG or JPEG image of at most 2000 px a side",
    "POST /api/tenants": "the time zone must be one of the IANA database's names",
    "PATCH /api/tenants/{slug}": "a NIT's last digit is its check digit",
    "POST /api/users": "the role must fit the tenant (superadmins live in public only), and "
                      "only cliente users name an account, which must exist",
    "PATCH /api/users/{user_id}": "the same rules as creating a user",
    "POST /api/clientes": "estrato is for residential accounts only; at least one service",
    "PATCH /api/clientes/{cliente_id}": "the same rules, on the merged account",
    "PATCH /api/tarifas/parametros": "the non-residential rate may not exceed the usury rate",
    "POST /api/tarifas": "each factor within its uso and estrato's legal caps; the validity "
                         "ends after it starts",
    "PATCH /api/tarifas/{tarifa_id}": "a tariff closes on or after the day it starts",
    "POST /api/lecturas": "the account must exist, the date fall in the period, and "
                          "readings come in order",
    "POST /api/lecturas/carga": "the file must be a CSV with the documented header; each bad "
                                "row is reported",
    "POST /api/clientes/carga": "the file must be a CSV or XLSX with the documented header; "
                                "each bad row is reported",
    "POST /api/pagos/carga": "the file must be a CSV or XLSX with the documented header; each "
                             "bad row is reported",
    "PATCH /api/lecturas/{lectura_id}": "the date must fall in the reading's period",
    "POST /api/periodos": "issue, due and suspension dates in order, issued within or after "
                          "the period and not too far ahead",
    "POST /api/pagos": "the date within the invoice's life, the amount at most its saldo",
    "POST /api/pqrs": "staff name the account and the channel; a claim names a recent "
                      "invoice of the account and at most what it owes",
    "GET /api/pqrs/resumen": "hasta may not be before desde",
    "POST /api/pqrs/{pqr_id}/asignar": "the assignee must be staff of the tenant",
    "POST /api/pqrs/{pqr_id}/cerrar": "a claim on an invoice closes with its result, granting "
                                      "at most the disputed amount",
    "GET /api/reportes/facturacion": "periodo, or desde and hasta in order",
    "GET /api/reportes/recaudo": "hasta not before desde, at most 366 days after it",
    "GET /api/reportes/pqrs": "hasta not before desde, at most 366 days after it",
    "GET /api/reportes/cartera": "the cut may not be in the future",
    "GET /api/reportes/sui/pqrs": "hasta not before desde, at most 366 days after it",
    "PATCH /api/reportes/diario/config": "an active daily report needs a recipient",
    "POST /api/reportes/diario/enviar": "the recipients are set first",
}


contract = settings(max_examples=EXAMPLES, derandomize=True, deadline=None,
                    suppress_health_check=list(HealthCheck))


@schema.parametrize()
@contract
def test_contract_as_the_tenant_admin(case, contract_app, role_headers):
    check(case, contract_app, role_headers[Role.admin])


@schema.parametrize()
@contract
def test_contract_as_a_portal_cliente(case, contract_app, role_headers):
    check(case, contract_app, role_headers[Role.cliente])


@schema.parametrize()
@contract
def test_contract_as_the_platform_superadmin(case, contract_app, role_headers):
    check(case, contract_app, role_headers[Role.superadmin] | {"X-Tenant-ID": PUBLIC_TENANT})
