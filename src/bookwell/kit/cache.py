"""A small cache: in process (embedded) or Redis (scaled), with namespaces that are
invalidated by bumping a version, so one bump drops every key of the namespace in
every process at once."""

from __future__ import annotations

import time
from typing import Protocol

import redis.asyncio as aioredis
import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from bookwell.db import after_commit

log = structlog.get_logger(__name__)


class Cache(Protocol):
    async def get(self, key: str) -> bytes | None: ...

    async def set(self, key: str, value: bytes, ttl_seconds: int) -> None: ...

    async def version(self, namespace: str) -> int: ...

    async def bump(self, namespace: str) -> None: ...


class MemoryCache:
    """For one process (the embedded mode)."""

    def __init__(self, max_entries: int = 10_000) -> None:
        self._entries: dict[str, tuple[float, bytes]] = {}
        self._versions: dict[str, int] = {}
        self._max_entries = max_entries

    async def get(self, key: str) -> bytes | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires, value = entry
        if expires < time.monotonic():
            self._entries.pop(key, None)
            return None
        return value

    async def set(self, key: str, value: bytes, ttl_seconds: int) -> None:
        if len(self._entries) >= self._max_entries:
            self._entries.clear()
        self._entries[key] = (time.monotonic() + ttl_seconds, value)

    async def version(self, namespace: str) -> int:
        return self._versions.get(namespace, 0)

    async def bump(self, namespace: str) -> None:
        self._versions[namespace] = self._versions.get(namespace, 0) + 1


class RedisCache:
    """Shared by every API process; a Redis failure is a cache miss, never an error."""

    def __init__(self, client: aioredis.Redis) -> None:
        self._redis = client

    async def get(self, key: str) -> bytes | None:
        try:
            value = await self._redis.get(f"cache:{key}")
        except Exception as exc:
            log.warning("cache_get_failed", error=repr(exc)[:200])
            return None
        return value.encode() if isinstance(value, str) else value

    async def set(self, key: str, value: bytes, ttl_seconds: int) -> None:
        try:
            await self._redis.set(f"cache:{key}", value, ex=ttl_seconds)
        except Exception as exc:
            log.warning("cache_set_failed", error=repr(exc)[:200])

    async def version(self, namespace: str) -> int:
        try:
            value = await self._redis.get(f"cache-version:{namespace}")
        except Exception as exc:
            log.warning("cache_version_failed", error=repr(exc)[:200])
            # Unknown version: use a fresh one so nothing stale can be read.
            return -int(time.time() * 1000)
        return int(value or 0)

    async def bump(self, namespace: str) -> None:
        await self._redis.incr(f"cache-version:{namespace}")


CATALOG = "catalog"
# Free time: bookings and their status changes. Answers that show `nextAvailable`
# are keyed by this version as well as the catalog's.
AVAILABILITY = "availability"


def catalog_changed(session: AsyncSession, cache: Cache) -> None:
    """Drop cached search results and profiles once this transaction commits."""
    after_commit(session, lambda: cache.bump(CATALOG))


def use_cache(session: AsyncSession, cache: Cache) -> None:
    """Let code deep in a request (the booking rules) reach the request's cache."""
    session.info["cache"] = cache


def availability_changed(session: AsyncSession) -> None:
    """Drop cached answers showing free time once this transaction commits (once per
    transaction; a session without a cache, e.g. a CLI job, has nothing to drop)."""
    cache: Cache | None = session.info.get("cache")
    if cache is None or session.info.get("availability_bumped"):
        return
    session.info["availability_bumped"] = True

    async def bump() -> None:
        session.info.pop("availability_bumped", None)
        await cache.bump(AVAILABILITY)

    after_commit(session, bump)
