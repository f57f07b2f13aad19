"""Request budgets: failed logins per account and per client address (slows down password
guessing), and the portal's requests per user and per address, tighter on filing PQRs and on
downloading PDFs. Counted in the storage the settings name: this process's memory, or Redis,
where every replica counts together.
"""

import logging
import math
from typing import Any

from limits import RateLimitItem, parse
from limits.aio.strategies import MovingWindowRateLimiter, SlidingWindowCounterRateLimiter
from limits.storage import storage_from_string

from app.core import clock
from app.core.config import Settings
from app.core.errors import TooManyRequests

logger = logging.getLogger("app.throttle")


def storage_of(settings: Settings) -> Any:
    """RATE_LIMIT_STORAGE_URI, else Redis when REDIS_URL is set, else this process."""
    uri = settings.rate_limit_storage_uri or (
        f"async+{settings.redis_url}" if settings.redis_url else "async+memory://")
    if uri.startswith(("async+redis://", "async+rediss://")):
        # redis-py's client (the one the tenant cache uses too), not the default coredis.
        return storage_from_string(uri, implementation="redispy")
    return storage_from_string(uri)


async def _retry_after(limiter: Any, item: RateLimitItem, key: tuple[str, ...]) -> str:
    stats = await limiter.get_window_stats(item, *key)
    return str(max(1, math.ceil(stats.reset_time - clock.timestamp())))


class LoginThrottle:
    def __init__(self, storage: Any, per_account: str, per_address: str) -> None:
        self._limiter = MovingWindowRateLimiter(storage)
        self._per_account = parse(per_account)
        self._per_address = parse(per_address)

    async def check(self, tenant_id: str, email: str, address: str) -> None:
        """Raise 429 while either key has used up its failures."""
        for item, key in self._keys(tenant_id, email, address):
            if not await self._limiter.test(item, *key):
                raise TooManyRequests(
                    "Too many failed logins; try again later.",
                    headers={"Retry-After": await _retry_after(self._limiter, item, key)},
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


class PortalLimits:
    """What a portal user (role cliente) may ask for: every request counts against the user
    and against its address; filing a PQR and downloading a PDF count against their own,
    tighter budgets too. If the storage fails (Redis down) the request is let through and
    the failure logged: a limit must not take the portal down."""

    def __init__(self, storage: Any, settings: Settings) -> None:
        self._limiter = SlidingWindowCounterRateLimiter(storage)
        self._per_user = parse(settings.portal_rate_limit)
        self._per_address = parse(settings.portal_address_rate_limit)
        self._special = {"pqr": parse(settings.portal_pqr_rate_limit),
                         "pdf": parse(settings.portal_pdf_rate_limit)}

    async def request(self, user_id: str, address: str) -> None:
        await self._spend(self._per_user, ("portal-user", user_id))
        await self._spend(self._per_address, ("portal-address", address))

    async def special(self, kind: str, user_id: str) -> None:
        """`pqr` (filing) or `pdf` (downloading)."""
        await self._spend(self._special[kind], (f"portal-{kind}", user_id))

    async def _spend(self, item: RateLimitItem, key: tuple[str, ...]) -> None:
        try:
            allowed = await self._limiter.hit(item, *key)
            retry_after = None if allowed else await _retry_after(self._limiter, item, key)
        except Exception:
            logger.warning("the rate-limit storage failed; the request goes through",
                           exc_info=True)
            return
        if retry_after is not None:
            raise TooManyRequests(f"Too many requests ({item}); try again later.",
                                  headers={"Retry-After": retry_after})
