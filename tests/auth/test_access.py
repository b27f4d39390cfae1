"""Role checks and API-key authentication, as the reusable dependencies routes use."""

from __future__ import annotations

import httpx
import pytest
from fastapi import APIRouter, FastAPI

from bookwell.auth.dependencies import (
    ApiKeyDep,
    CurrentUserDep,
    CustomerDep,
    SpecialistDep,
    SuperAdminDep,
)
from bookwell.auth.repository import AuthRepository
from bookwell.auth.service import create_api_key
from bookwell.db import Database
from bookwell.kit.clock import utcnow
from bookwell.kit.secrets import hash_secret
from bookwell.users.service import ensure_super_admin
from tests.conftest import client_for
from tests.factories import DEFAULT_PASSWORD, assert_error, register


def _probe_router() -> APIRouter:
    """Routes that only exercise the dependencies (the real routes arrive with issues)."""
    router = APIRouter(prefix="/api/v1/test-access")

    @router.get("/admin")
    async def admin_only(user: SuperAdminDep) -> dict[str, str]:
        return {"id": str(user.id)}

    @router.get("/specialist")
    async def specialist_only(user: SpecialistDep) -> dict[str, str]:
        return {"id": str(user.id)}

    @router.get("/customer")
    async def customer_only(user: CustomerDep) -> dict[str, str]:
        return {"id": str(user.id)}

    @router.get("/anyone")
    async def any_user(user: CurrentUserDep) -> dict[str, str]:
        return {"id": str(user.id)}

    @router.get("/integration")
    async def integration(key: ApiKeyDep) -> dict[str, str]:
        return {"key": key.name}

    return router


@pytest.fixture
async def probe_client(app: FastAPI) -> httpx.AsyncClient:
    app.include_router(_probe_router())
    return client_for(app)


async def _admin_headers(app: FastAPI, http: httpx.AsyncClient) -> dict[str, str]:
    database: Database = app.state.db
    async with database.session() as session:
        await ensure_super_admin(session, "root@example.com", DEFAULT_PASSWORD)
    login = await http.post(
        "/api/v1/auth/login", json={"email": "root@example.com", "password": DEFAULT_PASSWORD}
    )
    return {"Authorization": f"Bearer {login.json()['data']['tokens']['accessToken']}"}


async def test_role_matrix(app: FastAPI, probe_client: httpx.AsyncClient) -> None:
    async with probe_client as http:
        customer = (await register(http, userType="customer")).headers
        specialist = (await register(http, userType="specialist")).headers
        admin = await _admin_headers(app, http)
        expected = {
            "admin": {"admin": 200, "specialist": 403, "customer": 403, "anonymous": 401},
            "specialist": {"admin": 403, "specialist": 200, "customer": 403, "anonymous": 401},
            "customer": {"admin": 403, "specialist": 403, "customer": 200, "anonymous": 401},
            "anyone": {"admin": 200, "specialist": 200, "customer": 200, "anonymous": 401},
        }
        callers = {"admin": admin, "specialist": specialist, "customer": customer, "anonymous": {}}
        for route, outcomes in expected.items():
            for caller, status in outcomes.items():
                response = await http.get(f"/api/v1/test-access/{route}", headers=callers[caller])
                assert response.status_code == status, (route, caller, response.text)
                if status == 403:
                    assert_error(response, 403, "INSUFFICIENT_PERMISSIONS")


async def test_api_key_in_either_header(app: FastAPI, probe_client: httpx.AsyncClient) -> None:
    database: Database = app.state.db
    async with database.session() as session:
        _key, plain = await create_api_key(session, "Booking form", None)
    assert plain.startswith("bk_")
    async with probe_client as http:
        by_header = await http.get("/api/v1/test-access/integration", headers={"X-API-Key": plain})
        by_scheme = await http.get(
            "/api/v1/test-access/integration", headers={"Authorization": f"ApiKey {plain}"}
        )
        wrong = await http.get("/api/v1/test-access/integration", headers={"X-API-Key": "bk_nope"})
        missing = await http.get("/api/v1/test-access/integration")
    assert by_header.json() == {"key": "Booking form"}
    assert by_scheme.status_code == 200
    assert_error(wrong, 401, "AUTHENTICATION_REQUIRED")
    assert_error(missing, 401, "AUTHENTICATION_REQUIRED")


async def test_api_key_is_stored_hashed_and_records_last_use(
    app: FastAPI, probe_client: httpx.AsyncClient
) -> None:
    database: Database = app.state.db
    async with database.session() as session:
        key, plain = await create_api_key(session, "CRM", None)
    assert key.key_hash == hash_secret(plain) != plain
    assert key.last_used_at is None
    async with probe_client as http:
        await http.get("/api/v1/test-access/integration", headers={"X-API-Key": plain})
    async with database.session() as session:
        stored = await AuthRepository(session).api_key_by_hash(hash_secret(plain))
        assert stored is not None
        assert stored.last_used_at is not None


async def test_revoked_api_key_is_refused(app: FastAPI, probe_client: httpx.AsyncClient) -> None:
    database: Database = app.state.db
    async with database.session() as session:
        key, plain = await create_api_key(session, "Old", None)
        key.revoked_at = utcnow()
    async with probe_client as http:
        response = await http.get("/api/v1/test-access/integration", headers={"X-API-Key": plain})
    assert_error(response, 401, "AUTHENTICATION_REQUIRED")
