"""Request-scoped dependencies shared by every domain: settings, the database session,
client information."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from bookwell.config import Settings
from bookwell.db import Database
from bookwell.kit.cache import Cache, use_cache
from bookwell.kit.ratelimit import RateLimiter


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_database(request: Request) -> Database:
    database: Database = request.app.state.db
    return database


def get_cache(request: Request) -> Cache:
    cache: Cache = request.app.state.cache
    return cache


def get_rate_limiter(request: Request) -> RateLimiter:
    limiter: RateLimiter = request.app.state.rate_limiter
    return limiter


async def get_session(
    database: Annotated[Database, Depends(get_database)],
    cache: Annotated[Cache, Depends(get_cache)],
) -> AsyncIterator[AsyncSession]:
    """One transaction per request: committed before the response is sent."""
    async with database.session() as session:
        use_cache(session, cache)
        yield session


@dataclass(frozen=True, slots=True)
class ClientInfo:
    ip: str | None
    user_agent: str | None


def get_client_info(request: Request) -> ClientInfo:
    return ClientInfo(
        ip=request.client.host if request.client else None,
        user_agent=(request.headers.get("user-agent") or "")[:512] or None,
    )


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
CacheDep = Annotated[Cache, Depends(get_cache)]
LimiterDep = Annotated[RateLimiter, Depends(get_rate_limiter)]
ClientDep = Annotated[ClientInfo, Depends(get_client_info)]
