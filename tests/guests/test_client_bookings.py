"""GET /public/client/bookings and the client token behind it: the guest's own
bookings at the token's business only; client and access tokens never mix."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import jwt
import pytest
from fastapi import FastAPI

from bookwell.models import BookingKind, BookingStatus
from tests.businesses.factories import active_business, admin_headers
from tests.conftest import JWT_SECRET, AppFactory, client_for
from tests.factories import assert_error, register
from tests.guests.factories import BOOKINGS, add_booking, verified_token

DECEMBER = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def as_client(token: str) -> dict[str, str]:
    return {"X-Client-Token": token}


async def test_a_verified_guest_sees_their_bookings_at_that_business_only(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    a = await active_business(app, client)
    b = await active_business(app, client)
    earlier = await add_booking(
        app,
        a.id,
        DECEMBER,
        contact_email="Ana@Example.com",
        service_name="Colour",
        status=BookingStatus.CANCELLED,
    )
    later = await add_booking(
        app, a.id, DECEMBER + timedelta(days=7), contact_email="ana@example.com"
    )
    by_phone = await add_booking(app, a.id, DECEMBER, contact_phone="+14155550123")
    await add_booking(app, a.id, DECEMBER, contact_email="someone@example.com")
    await add_booking(app, b.id, DECEMBER, contact_email="ana@example.com")
    token = await verified_token(app, client, a.subdomain, email="ana@example.com")

    response = await client.get(BOOKINGS, headers=as_client(token))

    assert response.status_code == 200, response.text
    payload = response.json()
    assert [x["id"] for x in payload["data"]] == [later, earlier]
    assert payload["data"][1] == {
        "id": earlier,
        "kind": "appointment",
        "serviceName": "Colour",
        "masterId": None,
        "locationId": None,
        "startsAt": "2026-12-01T10:00:00+01:00",
        "endsAt": "2026-12-01T11:00:00+01:00",
        "timezone": "Europe/Berlin",
        "status": "cancelled",
    }
    assert payload["pagination"] == {
        "currentPage": 1,
        "totalPages": 1,
        "totalItems": 2,
        "hasNext": False,
        "hasPrev": False,
    }
    second = await client.get(BOOKINGS, params={"page": 2, "limit": 1}, headers=as_client(token))
    assert [x["id"] for x in second.json()["data"]] == [earlier]
    assert second.json()["pagination"]["hasPrev"] is True

    phone_token = await verified_token(app, client, a.subdomain, phone="+14155550123")
    phone_view = await client.get(BOOKINGS, headers=as_client(phone_token))
    assert [x["id"] for x in phone_view.json()["data"]] == [by_phone]


async def test_bookings_read_in_the_bookings_own_zone(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    tenant = await active_business(app, client)
    await add_booking(
        app,
        tenant.id,
        DECEMBER,
        contact_email="zone@example.com",
        timezone="Asia/Almaty",
        kind=BookingKind.INQUIRY,
    )
    token = await verified_token(app, client, tenant.subdomain, email="zone@example.com")

    [booking] = (await client.get(BOOKINGS, headers=as_client(token))).json()["data"]

    assert booking["startsAt"] == "2026-12-01T14:00:00+05:00"
    assert booking["kind"] == "inquiry"


async def test_a_token_of_another_business_is_refused_on_its_host(
    app_factory: AppFactory,
) -> None:
    app = await app_factory(base_domain="bookwell.test")
    async with client_for(app) as client:
        a = await active_business(app, client, subdomain="alpha")
        await active_business(app, client, subdomain="beta")
        await add_booking(app, a.id, DECEMBER, contact_email="guest@example.com")
        token = await verified_token(app, client, "alpha", email="guest@example.com")

        own_host = await client.get(
            BOOKINGS, headers={**as_client(token), "Host": "alpha.bookwell.test"}
        )
        other_host = await client.get(
            BOOKINGS, headers={**as_client(token), "Host": "beta.bookwell.test"}
        )

    assert len(own_host.json()["data"]) == 1
    error = assert_error(other_host, 401, "AUTHENTICATION_REQUIRED")
    assert (
        error["message"] == "This client token was issued by another business; verify with this one"
    )
    assert "guest@example.com" not in other_host.text


async def test_the_token_stops_working_when_the_business_is_suspended(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    tenant = await active_business(app, client)
    token = await verified_token(app, client, tenant.subdomain, email="gone@example.com")
    suspended = await client.put(
        f"/api/v1/admin/tenants/{tenant.id}/suspend", headers=await admin_headers(app, client)
    )
    assert suspended.status_code == 200, suspended.text

    assert_error(await client.get(BOOKINGS, headers=as_client(token)), 404, "RESOURCE_NOT_FOUND")


async def test_client_and_access_tokens_never_stand_in_for_each_other(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    tenant = await active_business(app, client)
    user = await register(client)
    token = await verified_token(app, client, tenant.subdomain, email=user.email)

    as_user = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    access_as_client = await client.get(BOOKINGS, headers=as_client(user.access_token))
    both = await client.get(BOOKINGS, headers={**as_client(token), **user.headers})

    assert_error(as_user, 401, "AUTHENTICATION_REQUIRED")
    error = assert_error(access_as_client, 401, "AUTHENTICATION_REQUIRED")
    assert error["message"] == "The client token is invalid"
    assert both.status_code == 200, both.text


def _forged(**changes: object) -> str:
    now = datetime.now(UTC)
    claims: dict[str, object] = {
        "sub": "forged@example.com",
        "ch": "email",
        "bid": str(uuid.uuid4()),
        "typ": "client",
        "jti": uuid.uuid4().hex,
        "iat": now,
        "exp": now + timedelta(days=1),
        "iss": "bookwell",
        "aud": "bookwell-api:client",
    }
    claims.update(changes)
    secret = str(claims.pop("secret", JWT_SECRET))
    return jwt.encode({k: v for k, v in claims.items() if v is not None}, secret, "HS256")


@pytest.mark.parametrize(
    ("token", "message"),
    [
        (None, "A client token is required in X-Client-Token"),
        ("", "A client token is required in X-Client-Token"),
        ("not-a-jwt", "The client token is invalid"),
        (_forged(secret="another-secret-" + "y" * 40), "The client token is invalid"),
        (_forged(aud="bookwell-api"), "The client token is invalid"),
        (_forged(typ="access"), "The client token is invalid"),
        (_forged(typ=None), "The client token is invalid"),
        (_forged(ch="telegram"), "The client token is invalid"),
        (_forged(bid="not-a-uuid"), "The client token is invalid"),
        (_forged(sub=["a", "b"]), "The client token is invalid"),
        (
            _forged(exp=datetime.now(UTC) - timedelta(minutes=1)),
            "The client token has expired; verify your email or phone again",
        ),
    ],
)
async def test_a_missing_or_bad_client_token_is_401(
    client: httpx.AsyncClient, token: str | None, message: str
) -> None:
    headers = as_client(token) if token is not None else {}

    error = assert_error(
        await client.get(BOOKINGS, headers=headers), 401, "AUTHENTICATION_REQUIRED"
    )

    assert error["message"].startswith(message)


async def test_a_well_formed_token_of_an_unknown_business_is_404(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get(BOOKINGS, headers=as_client(_forged()))
    assert_error(response, 404, "RESOURCE_NOT_FOUND")
