"""Factories for test data, made through the API as a client would."""

from __future__ import annotations

import itertools
import re
import weakref
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from bookwell.db import Database
from bookwell.models import OutboxMessage

DEFAULT_PASSWORD = "Corr3ct-horse-battery"
_counter = itertools.count(1)
_CODE = re.compile(r"\b(\d{6})\b")
# The app behind each test client (tests/conftest.py `client_for`), so that a factory
# given only the client can read the outbox as the account's owner reads their inbox.
_APPS: weakref.WeakKeyDictionary[httpx.AsyncClient, FastAPI] = weakref.WeakKeyDictionary()


def remember_app(client: httpx.AsyncClient, app: FastAPI) -> None:
    _APPS[client] = app


def app_of(client: httpx.AsyncClient) -> FastAPI:
    app = _APPS.get(client)
    assert app is not None, "a client made by tests.conftest.client_for"
    return app


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


async def register(
    client: httpx.AsyncClient, *, verified: bool = False, **overrides: Any
) -> Account:
    """A new account; `verified`: its email verified too, with the code registration
    sent (as a specialist must, for their one-person business to open)."""
    body = registration(**overrides)
    response = await client.post("/api/v1/auth/register", json=body)
    assert response.status_code == 201, response.text
    data = response.json()["data"]
    account = Account(
        id=data["user"]["id"],
        email=body["email"],
        password=body["password"],
        access_token=data["tokens"]["accessToken"],
        refresh_token=data["tokens"]["refreshToken"],
        body=data,
    )
    if verified:
        await verify_email(client, account)
    return account


async def outbox_to(app: FastAPI, recipient: str) -> list[OutboxMessage]:
    """Messages queued for this recipient, oldest first."""
    database: Database = app.state.db
    async with database.session() as session:
        result = await session.execute(
            select(OutboxMessage)
            .where(OutboxMessage.recipient == recipient)
            .order_by(OutboxMessage.created_at)
        )
        return list(result.scalars())


async def last_code(app: FastAPI, recipient: str) -> str:
    """The code in the latest code message to this recipient, read as its owner would
    from their inbox (only an HMAC of it is stored); other mail (invitations) skipped."""
    messages = [m for m in await outbox_to(app, recipient) if "token=" not in m.body]
    assert messages, f"no code was sent to {recipient}"
    found = _CODE.search(messages[-1].body)
    assert found, messages[-1].body
    return found.group(1)


async def verify_email(client: httpx.AsyncClient, account: Account) -> None:
    """Verify the account's email the way its owner does: with the latest code sent to
    it (registration sends one), read from the outbox."""
    code = await last_code(app_of(client), account.email.lower())
    response = await client.post(
        "/api/v1/auth/verify-email", json={"code": code}, headers=account.headers
    )
    assert response.status_code == 200, response.text
    assert response.json()["data"]["user"]["emailVerified"] is True


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
