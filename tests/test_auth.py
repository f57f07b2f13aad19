"""Logging in, tokens and their failure modes, changing one's password, throttling."""

import time

import httpx
from jose import jwt

from app.core.config import Settings
from app.core.security import verify_password
from app.users.models import Role
from tests.factories import PASSWORD, TEST_SECRET, TenantWorld
from tests.helpers import assert_problem


async def login(client: httpx.AsyncClient, tenant: str | None, email: str,
                password: str = PASSWORD) -> httpx.Response:
    headers = {"X-Tenant-ID": tenant} if tenant else {}
    return await client.post("/api/auth/login", data={"username": email, "password": password},
                              headers=headers)


async def test_login_returns_a_token_with_the_design_claims(client, tenant_a: TenantWorld):
    response = await login(client, "tenant-a", tenant_a.email(Role.operador))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "bearer"
    claims = jwt.decode(body["access_token"], TEST_SECRET, algorithms=["HS256"])
    assert claims["tid"] == "tenant-a"
    assert claims["role"] == "operador"
    assert claims["sub"] == str(tenant_a.users[Role.operador].id)
    assert claims["cliente_id"] is None
    assert claims["exp"] > claims["iat"]
    assert claims["jti"]

    me = await client.get("/api/auth/me",
                          headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json()["email"] == tenant_a.email(Role.operador)
    assert me.json()["tenant_id"] == "tenant-a"


async def test_portal_token_carries_its_account(client, tenant_a: TenantWorld):
    response = await login(client, "tenant-a", tenant_a.email(Role.cliente))
    claims = jwt.get_unverified_claims(response.json()["access_token"])
    assert claims["cliente_id"] == str(tenant_a.cliente.id)


async def test_login_email_is_case_insensitive(client, tenant_a: TenantWorld):
    response = await login(client, "tenant-a", tenant_a.email(Role.admin).upper())
    assert response.status_code == 200


async def test_wrong_password_and_unknown_email_get_the_same_401(client, tenant_a):
    wrong = assert_problem(await login(client, "tenant-a", tenant_a.email(Role.admin),
                                       "not-the-password"), 401)
    unknown = assert_problem(await login(client, "tenant-a", "nobody@tenant-a.co"), 401)
    assert wrong["detail"] == unknown["detail"]


async def test_a_user_cannot_log_in_through_another_tenant(client, tenant_a, tenant_b):
    assert_problem(await login(client, "tenant-b", tenant_a.email(Role.admin)), 401)


async def test_login_without_tenant_header_uses_public(client, platform: TenantWorld,
                                                       tenant_a):
    assert (await login(client, None, platform.email(Role.superadmin))).status_code == 200
    assert_problem(await login(client, None, tenant_a.email(Role.admin)), 401)


def _tenant_of(response: httpx.Response) -> str:
    assert response.status_code == 200, response.text
    return jwt.get_unverified_claims(response.json()["access_token"])["tid"]


async def test_the_oauth2_client_id_names_the_tenant_when_no_header_does(client, tenant_a,
                                                                         tenant_b):
    """What Swagger's Authorize sends: client_id as the user of a Basic header (its default)
    or in the form."""
    form = {"username": tenant_a.email(Role.admin), "password": PASSWORD}
    basic = httpx.BasicAuth("tenant-a", "")
    assert _tenant_of(await client.post("/api/auth/login", data=form, auth=basic)) \
        == "tenant-a"
    assert _tenant_of(await client.post("/api/auth/login",
                                        data=form | {"client_id": "tenant-a"})) == "tenant-a"
    # The header wins; a client_id of another tenant is that tenant's login (and fails).
    assert _tenant_of(await client.post("/api/auth/login", data=form | {
        "client_id": "tenant-b"}, headers={"X-Tenant-ID": "tenant-a"})) == "tenant-a"
    assert_problem(await client.post("/api/auth/login", data=form, auth=httpx.BasicAuth(
        "tenant-b", "")), 401)
    problem = assert_problem(await client.post("/api/auth/login",
                                               data=form | {"client_id": "no-such"}), 404)
    assert problem["detail"] == "Unknown tenant 'no-such'."
    assert_problem(await client.post("/api/auth/login", data=form | {"client_id": "Bad Slug"}),
                   400)
    # A Basic header that is not base64 names nothing: the public tenant, where A's admin is
    # unknown.
    assert_problem(await client.post("/api/auth/login", data=form,
                                     headers={"Authorization": "Basic %%%"}), 401)


async def test_deactivated_user_cannot_log_in(client, tenant_a: TenantWorld):
    admin = tenant_a.headers(Role.admin)
    user_id = tenant_a.users[Role.operador].id
    assert (await client.delete(f"/api/users/{user_id}", headers=admin)).status_code == 204
    assert_problem(await login(client, "tenant-a", tenant_a.email(Role.operador)), 401)


async def test_repeated_failures_for_one_account_are_answered_429(client, tenant_a):
    email = tenant_a.email(Role.admin)
    for _ in range(5):
        assert_problem(await login(client, "tenant-a", email, "wrong-password"), 401)
    blocked = assert_problem(await login(client, "tenant-a", email), 429)
    assert blocked["type"].endswith("too-many-requests")
    # Even the right password waits: the guesser must not learn it was right.
    response = await login(client, "tenant-a", email)
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) > 0
    # Another account from the same address is still served.
    assert (await login(client, "tenant-a", tenant_a.email(Role.operador))).status_code == 200


async def test_a_success_resets_the_account_counter(client, tenant_a):
    email = tenant_a.email(Role.admin)
    for _ in range(4):
        await login(client, "tenant-a", email, "wrong-password")
    assert (await login(client, "tenant-a", email)).status_code == 200
    for _ in range(4):
        assert (await login(client, "tenant-a", email, "wrong-password")).status_code == 401


async def test_me_needs_a_token(client, tenant_a):
    body = assert_problem(await client.get("/api/auth/me", headers={"X-Tenant-ID": "tenant-a"}),
                          401)
    assert body["type"].endswith("unauthorized")


def _forge(settings: Settings, tenant: TenantWorld, *, key: str = TEST_SECRET,
           algorithm: str = "HS256", **overrides) -> str:
    user = tenant.users[Role.admin]
    now = int(time.time())
    claims = {"sub": str(user.id), "tid": tenant.slug, "role": "admin", "cliente_id": None,
              "iat": now, "exp": now + 600, "jti": "x"}
    claims.update(overrides)
    return jwt.encode(claims, key, algorithm=algorithm)


async def test_bad_tokens_are_401(client, settings, tenant_a: TenantWorld):
    good = _forge(settings, tenant_a)
    header, payload, signature = good.split(".")
    none_header = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0"  # {"alg":"none","typ":"JWT"}
    bad_tokens = {
        "malformed": "not-a-jwt",
        "expired": _forge(settings, tenant_a, iat=int(time.time()) - 7200,
                          exp=int(time.time()) - 3600),
        "tampered": f"{header}.{payload[:-4]}AAAA.{signature}",
        "alg none": f"{none_header}.{payload}.",
        "other key": _forge(settings, tenant_a, key="another-secret-key-of-sufficient-len"),
        "other algorithm": _forge(settings, tenant_a, algorithm="HS512"),
        "no exp": jwt.encode({"sub": str(tenant_a.users[Role.admin].id), "tid": "tenant-a",
                              "role": "admin", "iat": int(time.time()), "jti": "x"},
                             TEST_SECRET, algorithm="HS256"),
        "unknown user": _forge(settings, tenant_a, sub="00000000-0000-0000-0000-000000000000"),
    }
    for name, token in bad_tokens.items():
        response = await client.get("/api/auth/me", headers={
            "X-Tenant-ID": "tenant-a", "Authorization": f"Bearer {token}"})
        assert response.status_code == 401, name
        assert response.headers["www-authenticate"] == "Bearer", name
    ok = await client.get("/api/auth/me", headers={"X-Tenant-ID": "tenant-a",
                                                   "Authorization": f"Bearer {good}"})
    assert ok.status_code == 200


async def test_expired_token_is_401_even_without_tenant_header(client, settings, tenant_a):
    token = _forge(settings, tenant_a, iat=int(time.time()) - 7200, exp=int(time.time()) - 60)
    body = assert_problem(await client.get("/api/auth/me",
                                           headers={"Authorization": f"Bearer {token}"}), 401)
    assert "expired" in body["detail"]


async def test_token_of_tenant_a_with_header_b_is_403(client, tenant_a, tenant_b):
    headers = tenant_a.headers(Role.admin, tenant="tenant-b")
    body = assert_problem(await client.get("/api/auth/me", headers=headers), 403)
    assert "another tenant" in body["detail"]


async def test_deactivated_users_existing_token_stops_working(client, tenant_a: TenantWorld):
    operador = tenant_a.headers(Role.operador)
    assert (await client.get("/api/auth/me", headers=operador)).status_code == 200
    user_id = tenant_a.users[Role.operador].id
    await client.delete(f"/api/users/{user_id}", headers=tenant_a.headers(Role.admin))
    assert_problem(await client.get("/api/auth/me", headers=operador), 401)


async def test_change_password(client, tenant_a: TenantWorld):
    headers = tenant_a.headers(Role.operador)
    email = tenant_a.email(Role.operador)
    wrong = await client.post("/api/auth/password", headers=headers, json={
        "current_password": "not-it-at-all", "new_password": "a-brand-new-passphrase"})
    body = assert_problem(wrong, 422)
    assert body["errors"][0]["field"] == "current_password"
    short = await client.post("/api/auth/password", headers=headers, json={
        "current_password": PASSWORD, "new_password": "short"})
    assert assert_problem(short, 422)["errors"][0]["field"] == "new_password"

    ok = await client.post("/api/auth/password", headers=headers, json={
        "current_password": PASSWORD, "new_password": "a-brand-new-passphrase"})
    assert ok.status_code == 204
    assert (await login(client, "tenant-a", email)).status_code == 401
    assert (await login(client, "tenant-a", email, "a-brand-new-passphrase")).status_code == 200


async def test_a_hash_stored_before_the_move_to_libpass_still_verifies():
    """argon2id hashes as passlib 1.7.4 wrote them (the PHC string format) verify unchanged."""
    stored = ("$argon2id$v=19$m=19456,t=2,p=1$fY9xbi0lZIzR2ts7B+C89w$"
              "2WyyYCyde4DbC9avhyoiAOQytx7jhbbG78+ZHSYOixY")  # made by passlib 1.7.4
    assert await verify_password("una-clave-de-antes", stored)
    assert not await verify_password("otra-clave-cualquiera", stored)
