"""POST /public/client/verify: a one-time code by email or SMS, checked for a client
token; wrong, dead, expired and reused codes; limits; the business it is for."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import jwt
import pytest
from fastapi import FastAPI
from sqlalchemy import update

from bookwell.config import ConfigError, load_settings
from bookwell.db import Database
from bookwell.models import Channel, DeliveryStatus, VerificationCode
from tests.businesses.factories import active_business, create_business
from tests.conftest import JWT_SECRET, AppFactory, client_for
from tests.factories import assert_error, fields_of, last_code, outbox_to, register
from tests.guests.factories import VERIFY, codes_to, request_code

# --- the good path -------------------------------------------------------------


async def test_email_code_is_sent_to_the_outbox_and_traded_for_a_client_token(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    tenant = await active_business(app, client, name="Acme Hair")
    before = datetime.now(UTC)

    sent = await client.post(
        VERIFY, json={"business": tenant.subdomain, "email": "Ana@Example.COM"}
    )

    assert sent.status_code == 202, sent.text
    data = sent.json()["data"]
    assert (data["sent"], data["channel"]) == (True, "email")
    expires_at = datetime.fromisoformat(data["expiresAt"])
    assert before + timedelta(minutes=9) < expires_at <= datetime.now(UTC) + timedelta(minutes=10)
    [message] = await outbox_to(app, "ana@example.com")
    assert message.channel is Channel.EMAIL
    assert message.status is DeliveryStatus.PENDING
    assert str(message.business_id) == tenant.id
    assert message.subject == "Acme Hair: your verification code"
    code = await last_code(app, "ana@example.com")
    assert code not in sent.text
    [stored] = await codes_to(app, "ana@example.com")
    assert (stored.channel, stored.attempts, stored.verified_at) == ("email", 0, None)
    assert code not in stored.code_hash
    assert len(stored.code_hash) == 64

    checked = await client.post(
        VERIFY, json={"business": tenant.subdomain, "email": "ana@example.com", "code": code}
    )

    assert checked.status_code == 200, checked.text
    session = checked.json()["data"]
    assert session["contact"] == {"email": "ana@example.com", "phone": None}
    assert session["businessId"] == tenant.id
    token_expiry = datetime.fromisoformat(session["expiresAt"])
    assert abs(token_expiry - (datetime.now(UTC) + timedelta(days=30))) < timedelta(minutes=1)
    claims = jwt.decode(
        session["clientToken"], JWT_SECRET, algorithms=["HS256"], audience="bookwell-api:client"
    )
    assert (claims["typ"], claims["bid"], claims["sub"], claims["ch"]) == (
        "client",
        tenant.id,
        "ana@example.com",
        "email",
    )
    assert claims["exp"] == int(token_expiry.timestamp())
    assert "sid" not in claims
    [used] = await codes_to(app, "ana@example.com")
    assert used.verified_at is not None


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("ru-RU,ru;q=0.9,en;q=0.5", "ваш код для Acme Hair"),
        ("kk", "Acme Hair үшін кодыңыз"),
        ("de-DE", "is your Acme Hair code"),
        (None, "is your Acme Hair code"),
    ],
)
async def test_sms_code_goes_to_the_e164_number_in_the_guests_language(
    app: FastAPI, client: httpx.AsyncClient, language: str | None, expected: str
) -> None:
    tenant = await active_business(app, client, name="Acme Hair")
    headers = {"Accept-Language": language} if language else None

    data = await request_code(client, tenant.subdomain, headers=headers, phone="+44 20 7946-0000")

    assert data["channel"] == "sms"
    [message] = await outbox_to(app, "+442079460000")
    assert message.channel is Channel.SMS
    assert message.subject == ""
    assert expected in message.body
    code = await last_code(app, "+442079460000")
    checked = await client.post(
        VERIFY, json={"business": tenant.subdomain, "phone": "+442079460000", "code": code}
    )
    assert checked.status_code == 200, checked.text
    assert checked.json()["data"]["contact"] == {"email": None, "phone": "+442079460000"}


async def test_email_text_follows_accept_language(app: FastAPI, client: httpx.AsyncClient) -> None:
    tenant = await active_business(app, client, name="Acme Hair")
    await request_code(
        client, tenant.subdomain.upper(), headers={"Accept-Language": "ru"}, email="ru@example.com"
    )
    [message] = await outbox_to(app, "ru@example.com")
    assert message.subject == "Acme Hair: код подтверждения"
    assert "Ваш код подтверждения для Acme Hair" in message.body


async def test_the_business_can_come_from_the_host(app_factory: AppFactory) -> None:
    app = await app_factory(base_domain="bookwell.test")
    async with client_for(app) as client:
        tenant = await active_business(app, client, subdomain="acme")
        host = {"Host": "acme.bookwell.test"}
        sent = await client.post(VERIFY, json={"email": "host@example.com"}, headers=host)
        assert sent.status_code == 202, sent.text
        [message] = await outbox_to(app, "host@example.com")
        assert str(message.business_id) == tenant.id
        code = await last_code(app, "host@example.com")
        checked = await client.post(
            VERIFY, json={"email": "host@example.com", "code": code}, headers=host
        )
        assert checked.status_code == 200, checked.text
        assert checked.json()["data"]["businessId"] == tenant.id


# --- refused codes -------------------------------------------------------------


async def test_five_wrong_attempts_kill_the_code(app: FastAPI, client: httpx.AsyncClient) -> None:
    tenant = await active_business(app, client)
    await request_code(client, tenant.subdomain, email="guess@example.com")
    code = await last_code(app, "guess@example.com")
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    body = {"business": tenant.subdomain, "email": "guess@example.com"}

    messages = []
    for _ in range(5):
        error = assert_error(
            await client.post(VERIFY, json={**body, "code": wrong}), 400, "VALIDATION_ERROR"
        )
        assert error["details"][0]["field"] == "code"
        assert error["details"][0]["code"] == "WRONG_CODE"
        messages.append(error["message"])
    # The sixth try is refused even with the right code.
    dead = assert_error(
        await client.post(VERIFY, json={**body, "code": code}), 400, "VALIDATION_ERROR"
    )

    assert messages[:2] == [
        "The code is wrong; 4 attempts left",
        "The code is wrong; 3 attempts left",
    ]
    assert messages[3] == "The code is wrong; 1 attempt left"
    assert messages[4] == "The code is wrong and that was the last attempt; ask for a new code"
    assert dead["details"][0]["code"] == "TOO_MANY_ATTEMPTS"
    assert "ask for a new code" in dead["message"]
    [stored] = await codes_to(app, "guess@example.com")
    assert (stored.attempts, stored.verified_at) == (5, None)

    # A new code starts afresh.
    await request_code(client, tenant.subdomain, email="guess@example.com")
    fresh = await last_code(app, "guess@example.com")
    ok = await client.post(VERIFY, json={**body, "code": fresh})
    assert ok.status_code == 200, ok.text


async def test_an_expired_code_is_refused(app: FastAPI, client: httpx.AsyncClient) -> None:
    tenant = await active_business(app, client)
    await request_code(client, tenant.subdomain, email="late@example.com")
    code = await last_code(app, "late@example.com")
    database: Database = app.state.db
    async with database.session() as session:
        await session.execute(
            update(VerificationCode).values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )

    response = await client.post(
        VERIFY, json={"business": tenant.subdomain, "email": "late@example.com", "code": code}
    )

    error = assert_error(response, 400, "VALIDATION_ERROR")
    assert error["details"] == [
        {
            "field": "code",
            "message": "This code has expired; ask for a new code",
            "code": "CODE_EXPIRED",
        }
    ]


async def test_a_used_code_cannot_be_used_again(app: FastAPI, client: httpx.AsyncClient) -> None:
    tenant = await active_business(app, client)
    await request_code(client, tenant.subdomain, email="twice@example.com")
    code = await last_code(app, "twice@example.com")
    body = {"business": tenant.subdomain, "email": "twice@example.com", "code": code}

    first = await client.post(VERIFY, json=body)
    again = await client.post(VERIFY, json=body)

    assert first.status_code == 200, first.text
    error = assert_error(again, 400, "VALIDATION_ERROR")
    assert error["details"][0]["code"] == "CODE_USED"
    assert "clientToken" not in again.text


async def test_a_new_code_replaces_the_earlier_one(app: FastAPI, client: httpx.AsyncClient) -> None:
    tenant = await active_business(app, client)
    await request_code(client, tenant.subdomain, email="again@example.com")
    first = await last_code(app, "again@example.com")
    await request_code(client, tenant.subdomain, email="again@example.com")
    second = await last_code(app, "again@example.com")
    body = {"business": tenant.subdomain, "email": "again@example.com"}
    assert len(await outbox_to(app, "again@example.com")) == 2

    if first != second:  # one chance in a million that both are the same
        stale = await client.post(VERIFY, json={**body, "code": first})
        assert assert_error(stale, 400, "VALIDATION_ERROR")["details"][0]["code"] == "WRONG_CODE"
    fresh = await client.post(VERIFY, json={**body, "code": second})
    assert fresh.status_code == 200, fresh.text


async def test_a_code_is_only_good_at_the_business_that_sent_it(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    a = await active_business(app, client)
    b = await active_business(app, client)
    await request_code(client, a.subdomain, email="roam@example.com")
    code = await last_code(app, "roam@example.com")

    elsewhere = await client.post(
        VERIFY, json={"business": b.subdomain, "email": "roam@example.com", "code": code}
    )
    never_sent = await client.post(
        VERIFY, json={"business": a.subdomain, "phone": "+14155550123", "code": code}
    )

    error = assert_error(elsewhere, 400, "VALIDATION_ERROR")
    assert error["details"][0]["code"] == "NO_CODE"
    assert error["message"] == "No code was sent to this email; ask for a new code"
    assert assert_error(never_sent, 400, "VALIDATION_ERROR")["details"][0]["code"] == "NO_CODE"


# --- bad requests --------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "fields", "code"),
    [
        (
            {"email": "a@example.com", "phone": "+14155550123"},
            {"email", "phone"},
            "ONE_OF_REQUIRED",
        ),
        ({}, {"email", "phone"}, "ONE_OF_REQUIRED"),
        ({"email": "not-an-email"}, {"email"}, "INVALID"),
        ({"phone": "12345"}, {"phone"}, "INVALID"),
        ({"email": "a@example.com", "code": "12345"}, {"code"}, "INVALID"),
        ({"email": "a@example.com", "code": "12345a"}, {"code"}, "INVALID"),
        ({"email": "a@example.com", "code": "١٢٣٤٥٦"}, {"code"}, "INVALID"),
        ({"email": "a@example.com", "code": 123456}, {"code"}, "STRING_TYPE"),
        ({"email": "a@example.com", "name": "Ana"}, {"name"}, "UNKNOWN_FIELD"),
        ({"email": "a@example.com", "business": "acme\x00"}, {"business"}, "INVALID"),
        ({"email": "a@example.com", "business": "a" * 64}, {"business"}, "TOO_LONG"),
    ],
)
async def test_bad_bodies_are_400_naming_the_field(
    app: FastAPI,
    client: httpx.AsyncClient,
    body: dict[str, object],
    fields: set[str],
    code: str,
) -> None:
    tenant = await active_business(app, client)

    response = await client.post(VERIFY, json={"business": tenant.subdomain, **body})

    error = assert_error(response, 400, "VALIDATION_ERROR")
    assert fields_of(error) == fields
    assert {detail["code"] for detail in error["details"]} == {code}
    assert await codes_to(app, "a@example.com") == []


async def test_only_active_businesses_send_codes(app: FastAPI, client: httpx.AsyncClient) -> None:
    owner = await register(client)
    pending = await create_business(client, owner.headers)

    for body in (
        {"business": "no-such-business", "email": "x@example.com"},
        {"business": pending["subdomain"], "email": "x@example.com"},
        {"email": "x@example.com"},  # nor a business in the Host
    ):
        response = await client.post(VERIFY, json=body)
        assert assert_error(response, 404, "RESOURCE_NOT_FOUND")["message"] == "Business not found"
    assert await outbox_to(app, "x@example.com") == []


# --- limits --------------------------------------------------------------------


async def test_codes_per_email_are_limited_across_businesses(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    a = await active_business(app, client)
    b = await active_business(app, client)
    for _ in range(5):
        await request_code(client, a.subdomain, email="flood@example.com")

    again = await client.post(VERIFY, json={"business": a.subdomain, "email": "FLOOD@example.com"})
    elsewhere = await client.post(
        VERIFY, json={"business": b.subdomain, "email": "flood@example.com"}
    )
    other_guest = await client.post(
        VERIFY, json={"business": a.subdomain, "email": "o@example.com"}
    )

    assert_error(again, 429, "RATE_LIMIT_EXCEEDED")
    assert int(again.headers["Retry-After"]) > 0
    assert_error(elsewhere, 429, "RATE_LIMIT_EXCEEDED")
    assert other_guest.status_code == 202, other_guest.text
    assert len(await outbox_to(app, "flood@example.com")) == 5
    # Checking the code already sent is not a new code: still allowed.
    code = await last_code(app, "flood@example.com")
    checked = await client.post(
        VERIFY, json={"business": a.subdomain, "email": "flood@example.com", "code": code}
    )
    assert checked.status_code == 200, checked.text


async def test_codes_per_client_ip_are_limited(app_factory: AppFactory) -> None:
    app = await app_factory(rate_limit_client_code_ip="3 per hour")
    async with client_for(app) as client:
        tenant = await active_business(app, client)
        for n in range(3):
            await request_code(client, tenant.subdomain, email=f"guest{n}@example.com")
        response = await client.post(
            VERIFY, json={"business": tenant.subdomain, "phone": "+14155550199"}
        )
    assert_error(response, 429, "RATE_LIMIT_EXCEEDED")
    assert await outbox_to(app, "+14155550199") == []


def test_settings_refuse_an_unreadable_code_limit() -> None:
    with pytest.raises(ConfigError, match="RATE_LIMIT_CLIENT_CODE: 'lots' is not a rate limit"):
        load_settings(_env_file=None, rate_limit_client_code="lots")


# --- races ---------------------------------------------------------------------


async def test_parallel_checks_use_a_code_once(app: FastAPI, client: httpx.AsyncClient) -> None:
    tenant = await active_business(app, client)
    await request_code(client, tenant.subdomain, email="race@example.com")
    code = await last_code(app, "race@example.com")
    body = {"business": tenant.subdomain, "email": "race@example.com", "code": code}

    responses = await asyncio.gather(*(client.post(VERIFY, json=body) for _ in range(4)))

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200, 400, 400, 400], [r.text for r in responses]


async def test_parallel_wrong_guesses_get_five_tries_in_all(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    tenant = await active_business(app, client)
    await request_code(client, tenant.subdomain, email="swarm@example.com")
    code = await last_code(app, "swarm@example.com")
    body = {"business": tenant.subdomain, "email": "swarm@example.com"}
    wrong = [f"{(int(code) + n) % 1_000_000:06d}" for n in range(1, 9)]

    responses = await asyncio.gather(
        *(client.post(VERIFY, json={**body, "code": guess}) for guess in wrong)
    )

    kinds = sorted(r.json()["error"]["details"][0]["code"] for r in responses)
    assert kinds == ["TOO_MANY_ATTEMPTS"] * 3 + ["WRONG_CODE"] * 5, [r.text for r in responses]
    [stored] = await codes_to(app, "swarm@example.com")
    assert stored.attempts == 5
