"""Slows down password guessing: failed logins per account and per client address."""

import math

from limits import RateLimitItem, parse
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string

from app.core import clock
from app.core.errors import TooManyRequests


class LoginThrottle:
    def __init__(self, storage_uri: str, per_account: str, per_address: str) -> None:
        self._limiter = MovingWindowRateLimiter(storage_from_string(storage_uri))
        self._per_account = parse(per_account)
        self._per_address = parse(per_address)

    async def check(self, tenant_id: str, email: str, address: str) -> None:
        """Raise 429 while either key has used up its failures."""
        for item, key in self._keys(tenant_id, email, address):
            if not await self._limiter.test(item, *key):
                stats = await self._limiter.get_window_stats(item, *key)
                retry_after = max(1, math.ceil(stats.reset_time - clock.timestamp()))
                raise TooManyRequests(
                    "Too many failed logins; try again later.",
                    headers={"Retry-After": str(retry_after)},
                )

    async def failed(self, tenant_id: str, email: str, address: str) -> None:
        for item, key in self._keys(tenant_id, email, address):
            await self._limiter.hit(item, *key)

    async def succeeded(self, tenant_id: str, email: str) -> None:
        await self._limiter.clear(self._per_account, "account", tenant_id, email)

    def _keys(self, tenant_id: str, email: str, address: str,
              ) -> tuple[tuple[RateLimitItem, tuple[str, ...]], ...]:
        return (
            (self._per_account, ("account", tenant_id, email)),
            (self._per_address, ("address", address)),
        )
