"""Engine and sessions: one session per request or job, committed on success."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import structlog
from sqlalchemy import event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import QueuePool

from bookwell.config import Settings
from bookwell.errors import DomainError

log = structlog.get_logger(__name__)


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers run beside the single writer; a writer waits instead of failing.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
    # SQLite's lower() only folds ASCII; case-insensitive search needs Cyrillic too.
    dbapi_connection.create_function("unicode_lower", 1, _unicode_lower, deterministic=True)


def _begin_before_savepoint(connection: Connection, _name: str) -> None:
    """SQLite starts a transaction at a SAVEPOINT issued outside one and commits it at
    the RELEASE: a row added under a savepoint as a request's first write (e.g. an
    account made while accepting an invitation) would stay even when the request
    then fails and rolls back. Open the request's transaction first."""
    driver = connection.connection.driver_connection
    if driver is not None and not driver.in_transaction:
        connection.exec_driver_sql("BEGIN")


def _unicode_lower(value: str | None) -> str | None:
    return value.lower() if isinstance(value, str) else value


AfterCommit = Callable[[], Awaitable[None]]


def after_commit(session: AsyncSession, action: AfterCommit) -> None:
    """Run `action` once the session's transaction has committed; drop it on rollback."""
    session.info.setdefault("after_commit", []).append(action)


async def _run_after_commit(session: AsyncSession) -> None:
    actions: list[AfterCommit] = session.info.pop("after_commit", [])
    for action in actions:
        try:
            await action()
        except Exception:
            log.exception("after_commit_action_failed")


def ensure_sqlite_folder(database_url: str) -> None:
    """SQLite creates the file but not its folder; make the folder."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)


def create_engine(settings: Settings) -> AsyncEngine:
    url = make_url(settings.async_database_url)
    if url.get_backend_name() == "sqlite":
        ensure_sqlite_folder(settings.async_database_url)
        engine = create_async_engine(url, pool_pre_ping=True)
        event.listen(engine.sync_engine, "connect", _on_sqlite_connect)
        event.listen(engine.sync_engine, "savepoint", _begin_before_savepoint)
        return engine
    return create_async_engine(
        url,
        pool_size=settings.db_pool_size,
        max_overflow=max(0, min(settings.db_max_overflow, 20 - settings.db_pool_size)),
        pool_timeout=settings.db_pool_timeout,
        pool_pre_ping=True,
        pool_recycle=1800,
    )


class Database:
    """Owns the engine; hands out sessions that commit on success, roll back on error."""

    def __init__(self, settings: Settings) -> None:
        self.engine = create_engine(settings)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self.sessionmaker() as session:
            try:
                yield session
                await session.commit()
            except DomainError as error:
                if error.keep_changes:
                    await session.commit()
                    await _run_after_commit(session)
                else:
                    await session.rollback()
                raise
            except BaseException:
                await session.rollback()
                raise
            await _run_after_commit(session)

    async def ping(self) -> float:
        """Run a trivial query; return the round trip in milliseconds."""
        started = time.perf_counter()
        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        return (time.perf_counter() - started) * 1000

    def pool_stats(self) -> dict[str, int | str]:
        pool = self.engine.pool
        if isinstance(pool, QueuePool):
            return {
                "size": pool.size(),
                "checkedIn": pool.checkedin(),
                "checkedOut": pool.checkedout(),
                "overflow": max(pool.overflow(), 0),
                "maxConnections": pool.size() + max(pool._max_overflow, 0),
            }
        return {"type": type(pool).__name__}

    async def dispose(self) -> None:
        await self.engine.dispose()
