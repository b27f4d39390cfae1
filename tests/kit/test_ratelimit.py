"""Rate limits of seed 001: login per IP and email, per-user and global limits, in
memory and in Redis (shared by several API processes)."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from bookwell.models import AuthSession
from tests.conftest import AppFactory, client_for
from tests.factories import DEFAULT_PASSWORD, assert_error, register

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


# --- the client address: X-Forwarded-For only from trusted proxies ---------------


def _from(app: FastAPI, peer: str) -> httpx.AsyncClient:
    """A client whose TCP peer address is `peer` (a browser, or a reverse proxy)."""
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=(peer, 40000)),
        base_url="http://testserver",
    )


async def _exhaust_login_limit(http: httpx.AsyncClient, email: str) -> None:
    for _ in range(5):
        assert (await _fail_login(http, email)).status_code == 401
    assert_error(await _fail_login(http, email), 429, "RATE_LIMIT_EXCEEDED")


async def test_spoofed_forwarded_for_from_an_untrusted_peer_changes_nothing(
    app_factory: AppFactory,
) -> None:
    # Loopback is not trusted either unless configured (uvicorn's own default trusts it).
    app = await app_factory()
    async with _from(app, "127.0.0.1") as http:
        account = await register(http)
        await _exhaust_login_limit(http, account.email)
        for spoofed in ("203.0.113.9", "198.51.100.1, 203.0.113.10"):
            response = await http.post(
                "/api/v1/auth/login",
                json={"email": account.email, "password": account.password},
                headers={"X-Forwarded-For": spoofed},
            )
            assert_error(response, 429, "RATE_LIMIT_EXCEEDED")


async def test_trusted_proxy_passes_the_real_client_address(app_factory: AppFactory) -> None:
    app = await app_factory(forwarded_allow_ips="10.0.0.0/8")
    async with _from(app, "10.1.2.3") as proxy, _from(app, "192.0.2.50") as direct:
        account = await register(proxy)
        attacker = {"X-Forwarded-For": "203.0.113.9"}
        for _ in range(5):
            response = await proxy.post(
                "/api/v1/auth/login", json={"email": account.email, **WRONG}, headers=attacker
            )
            assert response.status_code == 401
        blocked = await proxy.post(
            "/api/v1/auth/login",
            json={"email": account.email, "password": account.password},
            headers=attacker,
        )
        assert_error(blocked, 429, "RATE_LIMIT_EXCEEDED")
        # Another client behind the same proxy has its own count...
        other = await proxy.post(
            "/api/v1/auth/login",
            json={"email": account.email, "password": account.password},
            headers={"X-Forwarded-For": "203.0.113.77"},
        )
        assert other.status_code == 200, other.text
        # ...and a peer outside the trusted network cannot pose as it.
        spoof = await direct.post(
            "/api/v1/auth/login",
            json={"email": account.email, "password": account.password},
            headers=attacker,
        )
        assert spoof.status_code == 200, spoof.text


async def _sessions_ips(app: FastAPI) -> set[str | None]:
    async with app.state.db.session() as session:
        rows = await session.execute(select(AuthSession.ip_address))
        return {row[0] for row in rows}


async def test_sessions_record_the_address_the_limits_use(app_factory: AppFactory) -> None:
    app = await app_factory(forwarded_allow_ips="10.1.2.3")
    async with _from(app, "10.1.2.3") as proxy:
        await register(proxy, email="via-proxy@example.com")
        response = await proxy.post(
            "/api/v1/auth/login",
            json={"email": "via-proxy@example.com", "password": DEFAULT_PASSWORD},
            headers={"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"},
        )
        assert response.status_code == 200
        assert "strict-transport-security" in response.headers
    assert "203.0.113.9" in await _sessions_ips(app)
