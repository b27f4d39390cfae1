"""Test harness: every API test runs on SQLite and, when reachable, on PostgreSQL.

PostgreSQL and Redis come from TEST_DATABASE_URL / TEST_REDIS_URL (defaulting to the
local services). When they are not reachable their tests are skipped with the reason;
with CI=true an unreachable service fails the run instead.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bookwell.app import create_app
from bookwell.config import Settings
from bookwell.migrations import run_migrations
from bookwell.models import Base
from tests.factories import remember_app

# Without TEST_DATABASE_URL each test run gets its own database (dropped at the end),
# so that runs side by side on one server do not trample each other.
_OWN_TEST_DATABASE = "TEST_DATABASE_URL" not in os.environ
TEST_DATABASE_URL = os.environ.get(
    "TEST_DATABASE_URL", f"postgresql://postgres@127.0.0.1:5432/bookwell_test_{os.getpid()}"
)
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

T = TypeVar("T")

JWT_SECRET = "test-secret-" + "x" * 40
BOT_TOKEN = "123456:TEST-bot-token-for-bookwell"


def unavailable(what: str, reason: str) -> None:
    """Skip locally, fail in CI: CI must run every test."""
    message = f"{what} not reachable ({reason})"
    if IN_CI:
        pytest.fail(f"{message}; CI=true requires it", pytrace=False)
    pytest.skip(message)


def make_settings(tmp_path: Path, database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "data_dir": tmp_path,
        "jwt_secret": JWT_SECRET,
        "telegram_bot_token": BOT_TOKEN,
        "log_level": "WARNING",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


# --- databases ---------------------------------------------------------------


async def _ensure_pg_database(url: str) -> None:
    """Create the test database if missing (connecting to the server's default db)."""
    target = make_url(url)
    admin_url = target.set(drivername="postgresql+asyncpg", database="postgres")
    engine = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            exists = await connection.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"),
                {"name": target.database},
            )
            if not exists:
                await connection.execute(text(f'CREATE DATABASE "{target.database}"'))
    finally:
        await engine.dispose()


async def _drop_pg_database(url: str) -> None:
    target = make_url(url)
    admin_url = target.set(drivername="postgresql+asyncpg", database="postgres")
    engine = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(
                text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)')
            )
    finally:
        await engine.dispose()


async def _reset_pg_schema(url: str) -> None:
    engine = create_async_engine(url.replace("postgresql://", "postgresql+asyncpg://", 1))
    try:
        async with engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
    finally:
        await engine.dispose()


def run_in_thread(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion on its own loop, from sync code even inside a loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A migrated PostgreSQL database for the whole run (or a skip/fail)."""
    try:
        run_in_thread(asyncio.wait_for(_ensure_pg_database(TEST_DATABASE_URL), 10))
        run_in_thread(_reset_pg_schema(TEST_DATABASE_URL))
    except Exception as exc:
        unavailable("PostgreSQL at TEST_DATABASE_URL", f"{type(exc).__name__}: {exc}")
    settings = Settings(_env_file=None, database_url=TEST_DATABASE_URL)  # type: ignore[call-arg]
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(run_migrations, settings).result()
    yield TEST_DATABASE_URL
    if _OWN_TEST_DATABASE:
        run_in_thread(_drop_pg_database(TEST_DATABASE_URL))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file; each test gets a copy."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    settings = Settings(_env_file=None, database_url=f"sqlite:///{path}")  # type: ignore[call-arg]
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(run_migrations, settings).result()
    return path


async def _truncate_pg(url: str) -> None:
    engine = create_async_engine(url.replace("postgresql://", "postgresql+asyncpg://", 1))
    try:
        async with engine.begin() as connection:
            tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
            await connection.execute(text(f"TRUNCATE {tables} CASCADE"))
    finally:
        await engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    """The database URL of this test: a fresh SQLite copy, or an emptied PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "test.db"
        shutil.copyfile(sqlite_template, path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("postgres_url")
    run_in_thread(_truncate_pg(url))
    return url


@pytest.fixture
async def redis_url() -> str:
    """A reachable, emptied Redis database (or a skip/fail)."""
    import redis.asyncio as aioredis

    client = aioredis.from_url(TEST_REDIS_URL)
    try:
        await asyncio.wait_for(client.flushdb(), 5)
    except Exception as exc:
        unavailable("Redis at TEST_REDIS_URL", f"{type(exc).__name__}: {exc}")
    finally:
        await client.aclose()
    return TEST_REDIS_URL


def free_port() -> int:
    """A loopback port nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


# --- the app -----------------------------------------------------------------

AppFactory = Callable[..., Awaitable[FastAPI]]


@pytest.fixture
async def app_factory(tmp_path: Path, database_url: str) -> AsyncIterator[AppFactory]:
    """Build an app on this test's database with settings overrides; started and
    stopped (lifespan) around the test."""
    stacks: list[Any] = []

    async def build(**overrides: Any) -> FastAPI:
        url = overrides.pop("database_url", database_url)
        app = create_app(make_settings(tmp_path, url, **overrides))
        lifespan = app.router.lifespan_context(app)
        await lifespan.__aenter__()
        stacks.append(lifespan)
        return app

    yield build
    for lifespan in reversed(stacks):
        await lifespan.__aexit__(None, None, None)


def client_for(app: FastAPI, **kwargs: Any) -> httpx.AsyncClient:
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver", **kwargs
    )
    remember_app(client, app)
    return client


@pytest.fixture
async def app(app_factory: AppFactory) -> FastAPI:
    return await app_factory()


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app) as http:
        yield http
