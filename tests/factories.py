"""Factories for test data, made through the API as a client would."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import httpx

DEFAULT_PASSWORD = "Corr3ct-horse-battery"
_counter = itertools.count(1)


@dataclass
class Account:
    id: str
    email: str
    password: str
    access_token: str
    refresh_token: str
    body: dict[str, Any]

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


def registration(**overrides: Any) -> dict[str, Any]:
    n = next(_counter)
    body: dict[str, Any] = {
        "email": f"user{n}@example.com",
        "password": DEFAULT_PASSWORD,
        "firstName": "Test",
        "lastName": f"User{n}",
        "phoneNumber": "+14155550100",
        "userType": "customer",
    }
    body.update(overrides)
    return body


async def register(client: httpx.AsyncClient, **overrides: Any) -> Account:
    body = registration(**overrides)
    response = await client.post("/api/v1/auth/register", json=body)
    assert response.status_code == 201, response.text
    data = response.json()["data"]
    return Account(
        id=data["user"]["id"],
        email=body["email"],
        password=body["password"],
        access_token=data["tokens"]["accessToken"],
        refresh_token=data["tokens"]["refreshToken"],
        body=data,
    )


def assert_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """The response is the error envelope with this status and code."""
    assert response.status_code == status, response.text
    payload = response.json()
    assert payload["success"] is False
    error: dict[str, Any] = payload["error"]
    assert error["code"] == code, error
    assert error["requestId"] == response.headers["x-request-id"]
    assert error["timestamp"].endswith("Z")
    assert isinstance(error["details"], list)
    return error


def fields_of(error: dict[str, Any]) -> set[str]:
    return {detail["field"] for detail in error["details"]}
