"""Rate limits (seed 001's table) on the `limits` library: memory, or Redis when scaled."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import structlog
from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter

from bookwell.config import Settings, reveal
from bookwell.errors import RateLimitExceeded

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class LimitState:
    allowed: bool
    limit: int
    remaining: int
    reset_after: int

    def headers(self) -> dict[str, str]:
        headers = {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset_after),
        }
        if not self.allowed:
            headers["Retry-After"] = str(max(self.reset_after, 1))
        return headers


@dataclass(frozen=True, slots=True)
class LimitRules:
    login: RateLimitItem
    user_bookings: RateLimitItem
    user_payments: RateLimitItem
    user_default: RateLimitItem
    global_auth: RateLimitItem
    global_default: RateLimitItem

    @classmethod
    def from_settings(cls, settings: Settings) -> LimitRules:
        return cls(
            login=parse(settings.rate_limit_login),
            user_bookings=parse(settings.rate_limit_user_bookings),
            user_payments=parse(settings.rate_limit_user_payments),
            user_default=parse(settings.rate_limit_user_default),
            global_auth=parse(settings.rate_limit_global_auth),
            global_default=parse(settings.rate_limit_global_default),
        )


# After a storage failure, limits are skipped for this long instead of waiting on a
# dead Redis for every request.
_STORAGE_RETRY_SECONDS = 5.0


class RateLimiter:
    """Counts hits in a moving window; fails open (and logs) if its storage is down."""

    def __init__(self, settings: Settings) -> None:
        self.enabled = settings.rate_limits_enabled
        self.rules = LimitRules.from_settings(settings)
        self.storage: Storage
        redis_url = reveal(settings.redis_url)
        if redis_url:
            self.storage = RedisStorage(
                "async+" + redis_url,
                implementation="redispy",
                key_prefix="bookwell-limits",
                socket_connect_timeout=1,
                socket_timeout=1,
            )
        else:
            self.storage = MemoryStorage()
        self.strategy = MovingWindowRateLimiter(self.storage)
        self._skip_until = 0.0

    async def hit(self, item: RateLimitItem, *identifiers: str) -> LimitState | None:
        """Count one request; None when limits are off or the storage failed."""
        if not self.enabled or time.monotonic() < self._skip_until:
            return None
        try:
            allowed = await self.strategy.hit(item, *identifiers)
            stats = await self.strategy.get_window_stats(item, *identifiers)
        except Exception as exc:
            self._skip_until = time.monotonic() + _STORAGE_RETRY_SECONDS
            log.error("rate_limit_storage_failed", error=repr(exc)[:200])
            return None
        return LimitState(
            allowed=allowed,
            limit=item.amount,
            remaining=max(stats.remaining, 0),
            reset_after=max(math.ceil(stats.reset_time - time.time()), 0),
        )

    async def enforce(self, item: RateLimitItem, *identifiers: str) -> LimitState | None:
        """Count one request and raise 429 when over the limit."""
        state = await self.hit(item, *identifiers)
        if state is not None and not state.allowed:
            raise RateLimitExceeded(headers=state.headers())
        return state

    async def reset(self) -> None:
        await self.storage.reset()
