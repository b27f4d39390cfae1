"""Liveness and readiness, with the database or Redis down."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.conftest import AppFactory, client_for
from tests.factories import assert_error, registration

UNREACHABLE_PG = "postgresql://postgres@127.0.0.1:1/nowhere"


async def test_liveness(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readiness_reports_database_pool_version_uptime(
    client: httpx.AsyncClient, database_url: str
) -> None:
    response = await client.get("/api/v1/health")
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["status"] == "healthy"
    assert data["version"]
    assert data["uptimeSeconds"] >= 0
    database = data["services"]["database"]
    assert database["status"] == "up"
    assert database["dialect"] == ("sqlite" if database_url.startswith("sqlite") else "postgresql")
    assert "pool" in database
    assert data["services"]["redis"]["status"] == "not_configured"


async def test_postgres_pool_is_capped_at_20(app_factory: AppFactory, database_url: str) -> None:
    if database_url.startswith("sqlite"):
        return
    app = await app_factory(db_pool_size=15, db_max_overflow=15)
    async with client_for(app) as http:
        pool = (await http.get("/api/v1/health")).json()["data"]["services"]["database"]["pool"]
    assert pool["size"] == 15
    assert pool["maxConnections"] == 20


async def test_database_down_gives_503(app_factory: AppFactory) -> None:
    app = await app_factory(database_url=UNREACHABLE_PG)
    async with client_for(app) as http:
        live = await http.get("/health")
        ready = await http.get("/api/v1/health")
        register = await http.post("/api/v1/auth/register", json=registration())
    assert live.status_code == 200
    error = assert_error(ready, 503, "SERVICE_UNAVAILABLE")
    assert error["details"][0]["field"] == "database"
    assert ready.json()["data"]["services"]["database"]["status"] == "down"
    assert_error(register, 503, "SERVICE_UNAVAILABLE")


async def test_unopenable_sqlite_gives_503(app_factory: AppFactory, tmp_path: Path) -> None:
    folder = tmp_path / "a-folder-not-a-file"
    folder.mkdir()
    app = await app_factory(database_url=f"sqlite:///{folder}")
    async with client_for(app) as http:
        assert_error(await http.get("/api/v1/health"), 503, "SERVICE_UNAVAILABLE")


async def test_redis_up_is_reported(app_factory: AppFactory, redis_url: str) -> None:
    app = await app_factory(redis_url=redis_url)
    async with client_for(app) as http:
        data = (await http.get("/api/v1/health")).json()["data"]
    assert data["services"]["redis"]["status"] == "up"


async def test_redis_down_is_degraded_and_requests_still_served(
    app_factory: AppFactory,
) -> None:
    app = await app_factory(redis_url="redis://127.0.0.1:1/0")
    async with client_for(app) as http:
        ready = await http.get("/api/v1/health")
        register = await http.post("/api/v1/auth/register", json=registration())
    assert ready.status_code == 200
    data = ready.json()["data"]
    assert data["status"] == "degraded"
    assert data["services"]["redis"]["status"] == "down"
    # Rate limiting fails open: an outage of Redis does not lock everyone out.
    assert register.status_code == 201
