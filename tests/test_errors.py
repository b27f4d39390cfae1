"""Every failure in the error envelope; request IDs, security headers, timeouts, CORS."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
from fastapi import FastAPI, Request
from sqlalchemy.exc import DBAPIError

from bookwell.config import Settings, reveal
from tests.conftest import BOT_TOKEN, JWT_SECRET, AppFactory, client_for, free_port
from tests.factories import assert_error, fields_of


async def test_unknown_route_is_404_envelope(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/does-not-exist")
    error = assert_error(response, 404, "RESOURCE_NOT_FOUND")
    assert "/api/v1/does-not-exist" in error["message"]


async def test_unknown_route_outside_api_is_404_envelope(client: httpx.AsyncClient) -> None:
    assert_error(await client.get("/nothing/here"), 404, "RESOURCE_NOT_FOUND")


async def test_wrong_method_is_405_envelope(client: httpx.AsyncClient) -> None:
    response = await client.delete("/api/v1/auth/login")
    assert_error(response, 405, "METHOD_NOT_ALLOWED")
    assert "POST" in response.headers["allow"]


async def test_malformed_json_is_400(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/auth/login",
        content=b'{"email": "a@example.com", "password": ',
        headers={"Content-Type": "application/json"},
    )
    error = assert_error(response, 400, "VALIDATION_ERROR")
    assert error["details"] == [
        {"field": "body", "message": "The request body is not valid JSON", "code": "MALFORMED_JSON"}
    ]


async def test_json_of_the_wrong_type_is_400(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/auth/login", json=["a", "b"])
    assert_error(response, 400, "VALIDATION_ERROR")


async def test_schema_violation_is_400_with_nested_field(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/auth/register",
        json={"email": "x@example.com", "password": 5, "firstName": "A", "lastName": "B"},
    )
    error = assert_error(response, 400, "VALIDATION_ERROR")
    assert "password" in fields_of(error)


async def test_uncaught_exception_is_500_without_trace(app: FastAPI) -> None:
    async def explode() -> None:
        raise RuntimeError("secret internals: SELECT * FROM users")

    app.add_api_route("/api/v1/test-explode", explode)
    async with client_for(app) as http:
        response = await http.get("/api/v1/test-explode", headers={"X-Request-ID": "trace-me-1"})
    error = assert_error(response, 500, "INTERNAL_ERROR")
    assert error["requestId"] == "trace-me-1"
    assert "secret internals" not in response.text
    assert "Traceback" not in response.text


async def test_request_id_is_echoed_when_valid_and_made_otherwise(
    client: httpx.AsyncClient,
) -> None:
    echoed = await client.get("/health", headers={"X-Request-ID": "abc-123"})
    assert echoed.headers["x-request-id"] == "abc-123"
    replaced = await client.get("/health", headers={"X-Request-ID": "bad id\twith spaces"})
    assert replaced.headers["x-request-id"].startswith("req_")
    made = await client.get("/health")
    assert made.headers["x-request-id"].startswith("req_")
    assert made.headers["x-request-id"] != replaced.headers["x-request-id"]


async def test_security_headers_on_every_response(client: httpx.AsyncClient) -> None:
    for response in (await client.get("/health"), await client.get("/api/v1/missing")):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert response.headers["referrer-policy"] == "no-referrer"
        assert "strict-transport-security" not in response.headers


async def test_hsts_only_over_https(app: FastAPI) -> None:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="https://testserver"
    ) as http:
        response = await http.get("/health")
    assert response.headers["strict-transport-security"].startswith("max-age=31536000")


async def test_slow_request_times_out_with_503(app_factory: AppFactory) -> None:
    app = await app_factory(request_timeout_seconds=0.2)

    async def slow() -> dict[str, str]:
        await asyncio.sleep(5)
        return {"status": "late"}

    app.add_api_route("/api/v1/test-slow", slow)
    async with client_for(app) as http:
        response = await http.get("/api/v1/test-slow")
    assert_error(response, 503, "SERVICE_UNAVAILABLE")
    assert response.headers["retry-after"]


async def test_cors_allows_configured_origins_only(app_factory: AppFactory) -> None:
    app = await app_factory(cors_origins=["https://app.example.com"])
    async with client_for(app) as http:
        allowed = await http.options(
            "/api/v1/auth/login",
            headers={
                "Origin": "https://app.example.com",
                "Access-Control-Request-Method": "POST",
            },
        )
        denied = await http.options(
            "/api/v1/auth/login",
            headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
        )
        simple = await http.get("/health", headers={"Origin": "https://app.example.com"})
    assert allowed.headers["access-control-allow-origin"] == "https://app.example.com"
    assert "access-control-allow-origin" not in denied.headers
    assert "X-Request-ID" in simple.headers["access-control-expose-headers"]


async def test_openapi_documents_the_envelope_not_422(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/api/docs")).json()
    register = schema["paths"]["/api/v1/auth/register"]["post"]
    assert "422" not in register["responses"]
    assert "400" in register["responses"]
    assert "ErrorEnvelope" in schema["components"]["schemas"]
    assert "/api/v1/users/avatar" in schema["paths"]


async def test_swagger_ui_is_served_with_local_assets(client: httpx.AsyncClient) -> None:
    page = await client.get("/api/docs/ui")
    assert page.status_code == 200
    assert "/api/docs/assets/swagger-ui-bundle.js" in page.text
    asset = await client.get("/api/docs/assets/swagger-ui-bundle.js")
    assert asset.status_code == 200


async def test_metrics_are_not_public(client: httpx.AsyncClient) -> None:
    assert_error(await client.get("/metrics"), 404, "RESOURCE_NOT_FOUND")


async def test_metrics_need_the_metrics_token(app_factory: AppFactory) -> None:
    app = await app_factory(metrics_token="m" * 40)
    async with client_for(app) as client:
        assert_error(await client.get("/metrics"), 401, "AUTHENTICATION_REQUIRED")
        wrong = {"Authorization": "Bearer " + "n" * 40}
        assert_error(await client.get("/metrics", headers=wrong), 401, "AUTHENTICATION_REQUIRED")
        basic = {"Authorization": "Basic " + "m" * 40}
        assert_error(await client.get("/metrics", headers=basic), 401, "AUTHENTICATION_REQUIRED")


async def test_metrics_on_their_own_loopback_port(app_factory: AppFactory) -> None:
    port = free_port()
    app = await app_factory(metrics_port=port)
    async with client_for(app) as client:
        await client.get("/api/v1/auth/me")
        assert_error(await client.get("/metrics"), 404, "RESOURCE_NOT_FOUND")
    async with httpx.AsyncClient() as scraper:
        scraped = await scraper.get(f"http://127.0.0.1:{port}/metrics")
    assert scraped.status_code == 200
    assert 'route="/api/v1/auth/me",status="401"' in scraped.text


async def test_metrics_count_requests_by_route(app_factory: AppFactory) -> None:
    app = await app_factory(metrics_token="m" * 40)
    async with client_for(app) as client:
        await client.get("/api/v1/auth/me")
        metrics = await client.get("/metrics", headers={"Authorization": "Bearer " + "m" * 40})
    assert metrics.status_code == 200
    assert (
        'http_requests_total{method="GET",route="/api/v1/auth/me",status="401"} 1.0' in metrics.text
    )
    assert "http_request_duration_seconds_bucket" in metrics.text


_SECRETS = {
    "admin_password": "admin-Passw0rd-never-logged",
    "telegram_webhook_secret": "webhook-secret-never-logged",
    "smtp_url": "smtp://mailer:smtp-password-never-logged@127.0.0.1:2525",
    "stripe_secret_key": "sk_test_never_logged_4242",
    "stripe_webhook_secret": "whsec_never_logged",
    "s3_secret_access_key": "s3-secret-never-logged",
    "metrics_token": "metrics-token-never-logged",
}


async def test_internal_error_is_fast_keeps_serving_and_logs_no_secret(
    app_factory: AppFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    """The development log format (the default of `make run`): a traceback without
    local variables, rendered without stalling other requests."""
    dev_app = await app_factory(log_format="console", log_level="INFO", **_SECRETS)
    settings = dev_app.state.settings

    async def explode(request: Request) -> None:
        # Secrets in local variables, as a real handler may hold them.
        configured = request.app.state.settings
        jwt_secret = configured.signing_secret
        bot_token = reveal(configured.telegram_bot_token)
        await asyncio.sleep(0.2)
        raise RuntimeError(f"failed with {len(jwt_secret)} and {len(bot_token or '')}")

    dev_app.add_api_route("/api/v1/test-explode", explode)
    async with client_for(dev_app) as http:
        started = time.perf_counter()
        failing = asyncio.create_task(http.get("/api/v1/test-explode"))
        await asyncio.sleep(0.05)
        health_started = time.perf_counter()
        health = await http.get("/health")
        health_took = time.perf_counter() - health_started
        response = await failing
        took = time.perf_counter() - started
    assert health.status_code == 200
    assert health_took < 0.2, "another request waited for the failing one"
    assert_error(response, 500, "INTERNAL_ERROR")
    assert took < 2.0
    log = capsys.readouterr().out
    assert "unhandled_error" in log
    assert "RuntimeError: failed with" in log
    secrets = [settings.signing_secret, BOT_TOKEN, *_SECRETS.values(), "smtp-password-never"]
    leaked = [secret for secret in secrets if secret in log]
    assert leaked == []
    assert len(log) < 20_000


def test_settings_never_show_secrets() -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        jwt_secret=JWT_SECRET,
        telegram_bot_token=BOT_TOKEN,
        database_url="postgresql://app:db-password-never-shown@db/app",
        redis_url="redis://:redis-password-never-shown@cache:6379/0",
        **_SECRETS,
    )
    shown = f"{settings!r} {settings} {settings.model_dump()} {settings.model_dump_json()}"
    for secret in [JWT_SECRET, BOT_TOKEN, "db-password", "redis-password", *_SECRETS.values()]:
        assert secret not in shown
    # The one place that needs a value reads it.
    assert settings.async_database_url.startswith("postgresql+asyncpg://app:db-password")


class _DriverError(Exception):
    """What a PostgreSQL driver raises: an error with the server's SQLSTATE."""

    def __init__(self, sqlstate: str) -> None:
        super().__init__(f"server said {sqlstate}")
        self.sqlstate = sqlstate


@pytest.mark.parametrize(
    ("sqlstate", "status", "code"),
    [
        ("40P01", 409, "CONCURRENT_CHANGE"),  # deadlock detected
        ("40001", 409, "CONCURRENT_CHANGE"),  # serialization failure
        ("42P01", 500, "INTERNAL_ERROR"),  # undefined table: a bug, not a race
    ],
)
async def test_a_transaction_lost_to_a_concurrent_one_is_409_retryable(
    app: FastAPI, sqlstate: str, status: int, code: str
) -> None:
    async def conflicted() -> None:
        raise DBAPIError("INSERT INTO bookings ...", {}, _DriverError(sqlstate))

    app.add_api_route("/api/v1/test-conflict", conflicted)
    async with client_for(app) as http:
        response = await http.get("/api/v1/test-conflict")
    assert_error(response, status, code)
    assert ("retry-after" in response.headers) is (status == 409)
    assert "INSERT" not in response.text
