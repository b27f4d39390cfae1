"""Rate limits of seed 001: login per IP and email, per-user and global limits, in
memory and in Redis (shared by several API processes)."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import AppFactory, client_for
from tests.factories import assert_error, register

WRONG = {"password": "Wrong-pass-123"}


async def _fail_login(http: httpx.AsyncClient, email: str) -> httpx.Response:
    return await http.post("/api/v1/auth/login", json={"email": email, **WRONG})


async def test_login_is_limited_to_5_per_15_minutes_per_ip_and_email(
    client: httpx.AsyncClient,
) -> None:
    for _ in range(5):
        response = await _fail_login(client, "victim@example.com")
        assert response.status_code == 401
    blocked = await _fail_login(client, "victim@example.com")
    assert_error(blocked, 429, "RATE_LIMIT_EXCEEDED")
    assert 0 < int(blocked.headers["retry-after"]) <= 15 * 60
    assert blocked.headers["ratelimit-limit"] == "5"
    assert blocked.headers["ratelimit-remaining"] == "0"
    # The same client may still try another account; the limit is per IP and email.
    assert (await _fail_login(client, "other@example.com")).status_code == 401


async def test_correct_password_is_blocked_too_once_limited(client: httpx.AsyncClient) -> None:
    account = await register(client)
    for _ in range(5):
        await _fail_login(client, account.email)
    response = await client.post(
        "/api/v1/auth/login", json={"email": account.email, "password": account.password}
    )
    assert_error(response, 429, "RATE_LIMIT_EXCEEDED")


async def test_successful_responses_carry_ratelimit_headers(client: httpx.AsyncClient) -> None:
    account = await register(client)
    response = await client.get("/api/v1/auth/me", headers=account.headers)
    assert response.status_code == 200
    assert response.headers["ratelimit-limit"] == "100"
    assert int(response.headers["ratelimit-remaining"]) == 99
    assert int(response.headers["ratelimit-reset"]) > 0


async def test_per_user_limit_is_keyed_by_user(app_factory: AppFactory) -> None:
    app = await app_factory(rate_limit_user_default="3 per minute")
    async with client_for(app) as http:
        first = await register(http)
        second = await register(http)
        for _ in range(3):
            assert (await http.get("/api/v1/auth/me", headers=first.headers)).status_code == 200
        assert_error(
            await http.get("/api/v1/auth/me", headers=first.headers), 429, "RATE_LIMIT_EXCEEDED"
        )
        assert (await http.get("/api/v1/auth/me", headers=second.headers)).status_code == 200


@pytest.mark.parametrize(
    ("setting", "path"),
    [
        ("rate_limit_user_bookings", "/api/v1/bookings"),
        ("rate_limit_user_payments", "/api/v1/payments/refund"),
    ],
)
async def test_write_limits_on_bookings_and_payments(
    app_factory: AppFactory, setting: str, path: str
) -> None:
    app = await app_factory(**{setting: "2 per minute"})
    async with client_for(app) as http:
        account = await register(http)
        for _ in range(2):
            response = await http.post(path, headers=account.headers, json={})
            assert response.status_code != 429
        assert_error(
            await http.post(path, headers=account.headers, json={}), 429, "RATE_LIMIT_EXCEEDED"
        )
        # Reads of the same user fall under the default per-user limit instead.
        assert (await http.get("/api/v1/auth/me", headers=account.headers)).status_code == 200


async def test_global_limit_per_ip_for_anonymous_clients(app_factory: AppFactory) -> None:
    app = await app_factory(rate_limit_global_default="3 per minute")
    async with client_for(app) as http:
        for _ in range(3):
            assert (await http.get("/api/v1/users/profile")).status_code == 401
        assert_error(await http.get("/api/v1/users/profile"), 429, "RATE_LIMIT_EXCEEDED")
        # Health checks are never limited.
        assert (await http.get("/api/v1/health")).status_code == 200


async def test_global_auth_limit(app_factory: AppFactory) -> None:
    app = await app_factory(rate_limit_global_auth="2 per hour")
    async with client_for(app) as http:
        for _ in range(2):
            await http.post("/api/v1/auth/refresh", json={"refreshToken": "x"})
        blocked = await http.post("/api/v1/auth/refresh", json={"refreshToken": "x"})
    assert_error(blocked, 429, "RATE_LIMIT_EXCEEDED")


async def test_limits_can_be_switched_off(app_factory: AppFactory) -> None:
    app = await app_factory(rate_limits_enabled=False)
    async with client_for(app) as http:
        for _ in range(7):
            response = await _fail_login(http, "x@example.com")
            assert response.status_code == 401
    assert "ratelimit-limit" not in response.headers


async def test_redis_limits_are_shared_between_api_processes(
    app_factory: AppFactory, redis_url: str
) -> None:
    first = await app_factory(redis_url=redis_url)
    second = await app_factory(redis_url=redis_url)
    async with client_for(first) as a, client_for(second) as b:
        for http in (a, b, a, b, a):
            assert (await _fail_login(http, "shared@example.com")).status_code == 401
        assert_error(await _fail_login(b, "shared@example.com"), 429, "RATE_LIMIT_EXCEEDED")
