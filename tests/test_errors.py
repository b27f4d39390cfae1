"""Every failure in the error envelope; request IDs, security headers, timeouts, CORS."""

from __future__ import annotations

import asyncio

import httpx
from fastapi import FastAPI

from tests.conftest import AppFactory, client_for
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


async def test_metrics_count_requests_by_route(client: httpx.AsyncClient) -> None:
    await client.get("/api/v1/auth/me")
    metrics = await client.get("/metrics")
    assert metrics.status_code == 200
    assert (
        'http_requests_total{method="GET",route="/api/v1/auth/me",status="401"} 1.0' in metrics.text
    )
    assert "http_request_duration_seconds_bucket" in metrics.text
