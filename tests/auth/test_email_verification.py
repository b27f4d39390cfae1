"""Proving an account's email: the code registration sends (stored as an HMAC only),
traded once for `emailVerified`; new codes on request, rate limited; the codes of
guests never answer for accounts."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from bookwell.db import Database
from bookwell.models import VerificationCode
from bookwell.users.service import ensure_super_admin
from tests.businesses.factories import ADMIN_EMAIL, active_business
from tests.factories import (
    DEFAULT_PASSWORD,
    assert_error,
    last_code,
    outbox_to,
    register,
    verify_email,
)

VERIFY = "/api/v1/auth/verify-email"
REQUEST = "/api/v1/auth/verify-email/request"


async def _me(client: httpx.AsyncClient, headers: dict[str, str]) -> bool:
    me = await client.get("/api/v1/auth/me", headers=headers)
    profile = await client.get("/api/v1/users/profile", headers=headers)
    assert me.status_code == profile.status_code == 200
    verified = me.json()["data"]["user"]["emailVerified"]
    assert profile.json()["data"]["emailVerified"] is verified
    return bool(verified)


async def test_registration_sends_a_code_that_verifies_the_email(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    user = await register(client, email="vera@example.com")
    assert user.body["user"]["emailVerified"] is False
    assert await _me(client, user.headers) is False
    [message] = await outbox_to(app, "vera@example.com")
    code = await last_code(app, "vera@example.com")
    assert "Bookwell" in message.subject
    database: Database = app.state.db
    async with database.session() as session:
        [stored] = (
            await session.execute(
                select(VerificationCode).where(VerificationCode.destination == user.email)
            )
        ).scalars()
    assert stored.business_id is None
    assert code not in stored.code_hash

    response = await client.post(VERIFY, json={"code": code}, headers=user.headers)
    assert response.status_code == 200, response.text
    assert response.json()["data"]["user"]["emailVerified"] is True
    assert await _me(client, user.headers) is True
    # A code works once; once verified there is nothing more to do.
    again = await client.post(VERIFY, json={"code": code}, headers=user.headers)
    assert again.status_code == 200
    assert_error(await client.post(REQUEST, headers=user.headers), 422, "BUSINESS_RULE_VIOLATION")


async def test_wrong_codes_count_and_kill_the_code(app: FastAPI, client: httpx.AsyncClient) -> None:
    user = await register(client)
    code = await last_code(app, user.email)
    wrong = "000000" if code != "000000" else "111111"
    for left in (4, 3, 2, 1):
        error = assert_error(
            await client.post(VERIFY, json={"code": wrong}, headers=user.headers),
            400,
            "VALIDATION_ERROR",
        )
        assert error["details"][0]["code"] == "WRONG_CODE"
        assert str(left) in error["details"][0]["message"]
    await client.post(VERIFY, json={"code": wrong}, headers=user.headers)
    error = assert_error(
        await client.post(VERIFY, json={"code": code}, headers=user.headers),
        400,
        "VALIDATION_ERROR",
    )
    assert error["details"][0]["code"] == "TOO_MANY_ATTEMPTS"
    assert await _me(client, user.headers) is False
    # A new code (requested while signed in) works.
    sent = await client.post(REQUEST, headers=user.headers)
    assert sent.status_code == 202, sent.text
    assert sent.json()["data"]["sent"] is True
    await verify_email(client, user)


async def test_a_new_code_replaces_the_old_one_and_requests_are_limited(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    user = await register(client)
    first = await last_code(app, user.email)
    for _ in range(5):
        assert (await client.post(REQUEST, headers=user.headers)).status_code == 202
    assert_error(await client.post(REQUEST, headers=user.headers), 429, "RATE_LIMIT_EXCEEDED")
    latest = await last_code(app, user.email)
    if first != latest:
        error = assert_error(
            await client.post(VERIFY, json={"code": first}, headers=user.headers),
            400,
            "VALIDATION_ERROR",
        )
        assert error["details"][0]["code"] == "WRONG_CODE"
    assert (
        await client.post(VERIFY, json={"code": latest}, headers=user.headers)
    ).status_code == 200


async def test_a_guest_code_for_the_same_email_does_not_verify_the_account(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    tenant = await active_business(app, client)
    user = await register(client, email="guesty@example.com")
    guest = await client.post(
        "/api/v1/public/client/verify",
        json={"business": tenant.subdomain, "email": "guesty@example.com"},
    )
    assert guest.status_code == 202, guest.text
    guest_code = await last_code(app, "guesty@example.com")
    account_code = (await outbox_to(app, "guesty@example.com"))[0].body
    if guest_code in account_code:
        return  # one chance in a million that both codes are the same
    error = assert_error(
        await client.post(VERIFY, json={"code": guest_code}, headers=user.headers),
        400,
        "VALIDATION_ERROR",
    )
    assert error["details"][0]["code"] == "WRONG_CODE"
    assert await _me(client, user.headers) is False


async def test_verification_needs_a_signed_in_user(client: httpx.AsyncClient) -> None:
    assert_error(await client.post(VERIFY, json={"code": "123456"}), 401, "AUTHENTICATION_REQUIRED")
    assert_error(await client.post(REQUEST), 401, "AUTHENTICATION_REQUIRED")


async def test_a_super_admin_made_by_the_operator_is_verified(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    database: Database = app.state.db
    async with database.session() as session:
        await ensure_super_admin(session, ADMIN_EMAIL, DEFAULT_PASSWORD)
    response = await client.post(
        "/api/v1/auth/login", json={"email": ADMIN_EMAIL, "password": DEFAULT_PASSWORD}
    )
    assert response.json()["data"]["user"]["emailVerified"] is True
    assert await outbox_to(app, ADMIN_EMAIL) == []
