"""Password hashing (argon2 via passlib) and access tokens (JWT via python-jose)."""

import uuid
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from typing import Any

from jose import JWTError, jwt
from passlib.context import CryptContext
from starlette.concurrency import run_in_threadpool

from app.core import clock
from app.core.config import Settings

# OWASP's minimum for argon2id (m=19 MiB, t=2, p=1): a verify costs tens of ms, not hundreds.
_password_context = CryptContext(
    schemes=["argon2"],
    argon2__type="ID",
    argon2__memory_cost=19 * 1024,
    argon2__time_cost=2,
    argon2__parallelism=1,
)

# Verified against when the e-mail is unknown, so both failures take the same time.
_DUMMY_HASH = _password_context.hash("not-a-real-password")

MIN_PASSWORD_LENGTH = 10


async def hash_password(password: str) -> str:
    return await run_in_threadpool(_password_context.hash, password)


async def verify_password(password: str, password_hash: str | None) -> bool:
    """Hashing is CPU-bound: it runs in a worker thread, never on the event loop."""
    matches = await run_in_threadpool(
        _password_context.verify, password, password_hash or _DUMMY_HASH
    )
    return matches and password_hash is not None


def hash_password_sync(password: str) -> str:
    """For the CLI and the demo seed, which run outside the event loop's hot path."""
    hashed: str = _password_context.hash(password)
    return hashed


class InvalidToken(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# Where the tenancy middleware leaves (token, claims) for the auth dependency.
TOKEN_CLAIMS_STATE = "token_claims"  # noqa: S105 - a key name, not a secret


@dataclass(frozen=True)
class TokenClaims:
    user_id: uuid.UUID
    tenant_id: str
    role: str
    cliente_id: uuid.UUID | None
    jti: str
    expires_at: int  # seconds since the epoch

    def check_not_expired(self) -> None:
        if self.expires_at <= clock.timestamp():
            raise InvalidToken("The access token has expired.")


def create_access_token(settings: Settings, *, user_id: uuid.UUID, tenant_id: str, role: str,
                        cliente_id: uuid.UUID | None) -> tuple[str, int]:
    now = clock.now()
    lifetime = timedelta(minutes=settings.access_token_expire_minutes)
    claims: dict[str, Any] = {
        "sub": str(user_id),
        "tid": tenant_id,
        "role": role,
        "cliente_id": str(cliente_id) if cliente_id else None,
        "iat": int(now.timestamp()),
        "exp": int((now + lifetime).timestamp()),
        "jti": uuid.uuid4().hex,
    }
    token = jwt.encode(claims, settings.secret_key, algorithm=settings.jwt_algorithm)
    return token, int(lifetime.total_seconds())


def read_access_token(settings: Settings, token: str, state: Any) -> TokenClaims:
    """A request's bearer token, checked: the claims the tenancy middleware decoded for this
    very token when there are, else decoded here. Raises InvalidToken."""
    decoded = getattr(state, TOKEN_CLAIMS_STATE, None)
    if decoded is None or decoded[0] != token:
        return decode_access_token(settings, token)
    claims: TokenClaims = decoded[1]
    claims.check_not_expired()
    return claims


def decode_access_token(settings: Settings, token: str, *, verify_exp: bool = True,
                        ) -> TokenClaims:
    claims = _verified_claims(settings.secret_key, settings.jwt_algorithm, token)
    if verify_exp:
        claims.check_not_expired()
    return claims


@lru_cache(maxsize=4096)
def _verified_claims(secret_key: str, algorithm: str, token: str) -> TokenClaims:
    """The claims of a well-signed token, expired or not. A portal user sends the same token on
    every request: its signature is checked once, not on each (the key is part of the cache
    key, so a new secret checks every token again). Invalid tokens raise and are not kept."""
    try:
        payload = jwt.decode(
            token, secret_key, algorithms=[algorithm],
            # exp is required below, not here: python-jose would then also check it.
            options={"verify_exp": False, "require_iat": True, "require_sub": True,
                     "require_jti": True},
        )
    except JWTError as exc:
        raise InvalidToken("The access token is invalid.") from exc
    try:
        cliente_id = payload.get("cliente_id")
        return TokenClaims(
            user_id=uuid.UUID(payload["sub"]),
            tenant_id=str(payload["tid"]),
            role=str(payload["role"]),
            cliente_id=uuid.UUID(cliente_id) if cliente_id else None,
            jti=str(payload["jti"]),
            expires_at=int(payload["exp"]),
        )
    except (KeyError, ValueError, TypeError) as exc:
        raise InvalidToken("The access token is invalid.") from exc
