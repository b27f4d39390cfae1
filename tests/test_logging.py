"""Structured JSON logs: one access line per request, errors logged with the request ID."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi import FastAPI

from tests.conftest import AppFactory, client_for
from tests.factories import register


def _json_lines(text: str) -> list[dict[str, Any]]:
    lines = []
    for line in text.splitlines():
        if line.startswith("{"):
            lines.append(json.loads(line))
    return lines


async def _json_app(app_factory: AppFactory) -> FastAPI:
    # Built inside the test so the log handler writes to the captured stdout.
    return await app_factory(log_format="json", log_level="INFO")


async def test_access_log_has_request_user_method_path_status_duration(
    app_factory: AppFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    json_app = await _json_app(app_factory)
    async with client_for(json_app) as http:
        account = await register(http)
        capsys.readouterr()
        await http.get(
            "/api/v1/auth/me", headers={**account.headers, "X-Request-ID": "log-check-1"}
        )
    lines = _json_lines(capsys.readouterr().out)
    access = [line for line in lines if line.get("event") == "request"]
    assert len(access) == 1
    entry = access[0]
    assert entry["request_id"] == "log-check-1"
    assert entry["user_id"] == account.id
    assert entry["method"] == "GET"
    assert entry["path"] == "/api/v1/auth/me"
    assert entry["status"] == 200
    assert entry["duration_ms"] >= 0
    assert entry["level"] == "info"
    assert entry["timestamp"].endswith("Z")


async def test_unhandled_error_is_logged_with_request_id(
    app_factory: AppFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    json_app = await _json_app(app_factory)

    async def explode() -> None:
        raise RuntimeError("boom for the log")

    json_app.add_api_route("/api/v1/test-explode", explode)
    async with client_for(json_app) as http:
        await http.get("/api/v1/test-explode", headers={"X-Request-ID": "log-check-2"})
    lines = _json_lines(capsys.readouterr().out)
    errors = [line for line in lines if line.get("event") == "unhandled_error"]
    assert len(errors) == 1
    assert errors[0]["request_id"] == "log-check-2"
    assert errors[0]["level"] == "error"
    assert "boom for the log" in errors[0]["exception"]
