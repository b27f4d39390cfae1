"""Registering a business, reading and changing it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from bookwell.kit.subdomains import RESERVED_SUBDOMAINS
from bookwell.models import BusinessRole
from tests.businesses.factories import (
    active_business,
    add_master,
    add_member,
    add_service,
    business_body,
    create_business,
)
from tests.factories import DEFAULT_PASSWORD, assert_error, fields_of, register

URL = "/api/v1/businesses"


async def test_signed_in_user_registers_a_pending_business_and_owns_it(
    client: httpx.AsyncClient,
) -> None:
    user = await register(client)
    body = business_body(
        name="Hair by Ana",
        subdomain="hair-by-ana",
        timezone="Asia/Almaty",
        currency="KZT",
        description="Cuts and colour",
        depositAmount=2000,
        cancellationNoticeHours=12,
        contactEmail="ana@example.com",
        contactPhone="+7 701 555 0101",
    )
    response = await client.post(URL, json=body, headers=user.headers)
    assert response.status_code == 201, response.text
    data = response.json()["data"]
    assert data["user"] is None
    assert data["tokens"] is None
    business = data["business"]
    assert business["status"] == "pending"
    assert business["subdomain"] == "hair-by-ana"
    assert business["timezone"] == "Asia/Almaty"
    assert business["currency"] == "KZT"
    assert business["depositAmount"] == 2000
    assert business["cancellationNoticeHours"] == 12
    assert business["bookingHorizonDays"] == 365
    assert business["paymentWindowMinutes"] == 15
    assert business["autoConfirm"] is False
    assert business["contactPhone"] == "+77015550101"
    assert business["openingHours"] == {
        day: {"start": "09:00", "end": "17:00"}
        for day in ("monday", "tuesday", "wednesday", "thursday", "friday")
    }
    mine = await client.get(URL, headers=user.headers)
    assert [(b["id"], b["roles"]) for b in mine.json()["data"]] == [(business["id"], ["owner"])]
    got = await client.get(f"{URL}/{business['id']}", headers=user.headers)
    assert got.json()["data"] == business


async def test_anonymous_registration_creates_the_owner_and_signs_them_in(
    client: httpx.AsyncClient,
) -> None:
    body = business_body(
        email="Owner@Example.com",
        password=DEFAULT_PASSWORD,
        firstName="Olga",
        lastName="Owner",
        depositAmount=12.5,
    )
    response = await client.post(URL, json=body)
    assert response.status_code == 201, response.text
    data = response.json()["data"]
    assert data["user"]["email"] == "owner@example.com"
    assert data["user"]["userType"] == "customer"
    assert data["business"]["depositAmount"] == 12.5
    headers = {"Authorization": f"Bearer {data['tokens']['accessToken']}"}
    mine = await client.get(URL, headers=headers)
    assert mine.json()["data"][0]["roles"] == ["owner"]
    login = await client.post(
        "/api/v1/auth/login", json={"email": "owner@example.com", "password": DEFAULT_PASSWORD}
    )
    assert login.status_code == 200


async def test_anonymous_registration_needs_the_owner_account(client: httpx.AsyncClient) -> None:
    error = assert_error(await client.post(URL, json=business_body()), 400, "VALIDATION_ERROR")
    assert fields_of(error) == {"email", "password", "firstName", "lastName"}
    weak = business_body(email="o@example.com", password="short", firstName="O", lastName="P")
    assert "password" in fields_of(
        assert_error(await client.post(URL, json=weak), 400, "VALIDATION_ERROR")
    )


async def test_owner_fields_are_refused_when_signed_in(client: httpx.AsyncClient) -> None:
    user = await register(client)
    body = business_body(email="other@example.com", password=DEFAULT_PASSWORD)
    error = assert_error(
        await client.post(URL, json=body, headers=user.headers), 400, "VALIDATION_ERROR"
    )
    assert fields_of(error) == {"email", "password"}


async def test_taken_email_fails_without_creating_the_business(client: httpx.AsyncClient) -> None:
    existing = await register(client)
    body = business_body(
        email=existing.email, password=DEFAULT_PASSWORD, firstName="A", lastName="B"
    )
    error = assert_error(await client.post(URL, json=body), 409, "DUPLICATE_RESOURCE")
    assert fields_of(error) == {"email"}
    # The subdomain is still free: nothing of the failed request was kept.
    again = await client.post(URL, json={**body, "email": "fresh@example.com"})
    assert again.status_code == 201, again.text


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", ""),
        ("name", "x" * 201),
        ("timezone", "Mars/Olympus"),
        ("timezone", "+03:00"),
        ("currency", "XYZ"),
        ("currency", "dollars"),
        ("depositAmount", -1),
        ("depositAmount", 12.345),
        ("depositAmount", "ten"),
        ("cancellationNoticeHours", -1),
        ("cancellationNoticeHours", "soon"),
        ("bookingHorizonDays", 0),
        ("bookingHorizonDays", 3651),
        ("paymentWindowMinutes", 0),
        ("paymentWindowMinutes", "soon"),
        ("openingHours", {"funday": {"start": "09:00", "end": "17:00"}}),
        ("openingHours", {"monday": {"start": "18:00", "end": "09:00"}}),
        ("openingHours", {"monday": {"start": "9am", "end": "17:00"}}),
        ("openingHours", "always"),
        ("contactEmail", "not-an-email"),
        ("contactPhone", "12345"),
        ("autoConfirm", "maybe"),
        ("status", "active"),
        ("unknownField", 1),
    ],
)
async def test_bad_fields_are_named(client: httpx.AsyncClient, field: str, value: Any) -> None:
    user = await register(client)
    response = await client.post(URL, json=business_body(**{field: value}), headers=user.headers)
    assert field in fields_of(assert_error(response, 400, "VALIDATION_ERROR"))


@pytest.mark.parametrize("field", ["name", "subdomain", "timezone", "currency"])
async def test_required_fields(client: httpx.AsyncClient, field: str) -> None:
    user = await register(client)
    body = business_body()
    del body[field]
    error = assert_error(
        await client.post(URL, json=body, headers=user.headers), 400, "VALIDATION_ERROR"
    )
    assert field in fields_of(error)


@pytest.mark.parametrize(
    ("subdomain", "code"),
    [
        ("ab", "INVALID_LENGTH"),
        ("a" * 64, "INVALID_LENGTH"),
        ("Acme", "INVALID_FORMAT"),
        ("-acme", "INVALID_FORMAT"),
        ("acme-", "INVALID_FORMAT"),
        ("ac--me", "INVALID_FORMAT"),
        ("ac_me", "INVALID_FORMAT"),
        ("ac.me", "INVALID_FORMAT"),
        ("acmé", "INVALID_FORMAT"),
        ("www", "RESERVED"),
        ("api", "RESERVED"),
        ("admin", "RESERVED"),
        ("services", "RESERVED"),
        ("masters", "RESERVED"),
        ("availability", "RESERVED"),
    ],
)
async def test_bad_subdomains_are_refused(
    client: httpx.AsyncClient, subdomain: str, code: str
) -> None:
    user = await register(client)
    response = await client.post(URL, json=business_body(subdomain=subdomain), headers=user.headers)
    error = assert_error(response, 400, "VALIDATION_ERROR")
    assert error["details"] == [
        {"field": "subdomain", "message": error["details"][0]["message"], "code": code}
    ]


def test_every_reserved_name_would_otherwise_be_valid() -> None:
    # A reserved name that fails the format anyway is not protecting anything.
    assert {
        "www",
        "api",
        "admin",
        "app",
        "mail",
        "static",
        "media",
        "docs",
        "public",
    } <= RESERVED_SUBDOMAINS
    assert {
        "services",
        "masters",
        "availability",
        "owner",
        "manager",
        "master",
    } <= RESERVED_SUBDOMAINS
    assert {"help", "support", "status"} <= RESERVED_SUBDOMAINS


async def test_shortest_and_longest_subdomains_are_fine(client: httpx.AsyncClient) -> None:
    user = await register(client)
    for subdomain in ("a1b", "a" * 63, "7-eleven"):
        response = await client.post(
            URL, json=business_body(subdomain=subdomain), headers=user.headers
        )
        assert response.status_code == 201, response.text


async def test_duplicate_subdomain_is_409(client: httpx.AsyncClient) -> None:
    first, second = await register(client), await register(client)
    await create_business(client, first.headers, subdomain="taken-name")
    response = await client.post(
        URL, json=business_body(subdomain="taken-name"), headers=second.headers
    )
    error = assert_error(response, 409, "DUPLICATE_RESOURCE")
    assert fields_of(error) == {"subdomain"}


async def test_my_businesses_needs_sign_in_and_lists_roles(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    assert_error(await client.get(URL), 401, "AUTHENTICATION_REQUIRED")
    tenant = await active_business(app, client)
    staff = await register(client)
    await add_member(app, tenant.id, staff.id, BusinessRole.MANAGER)
    await add_master(app, tenant.id, staff.id)
    mine = (await client.get(URL, headers=staff.headers)).json()["data"]
    assert [(b["id"], b["roles"], b["status"]) for b in mine] == [
        (tenant.id, ["manager", "master"], "active")
    ]
    stranger = await register(client)
    assert (await client.get(URL, headers=stranger.headers)).json()["data"] == []


async def test_owner_updates_only_the_fields_given(app: FastAPI, client: httpx.AsyncClient) -> None:
    tenant = await active_business(app, client)
    url = f"{URL}/{tenant.id}"
    response = await client.put(
        url,
        json={
            "name": "Renamed",
            "openingHours": {
                "saturday": [{"start": "14:00", "end": "18:00"}, {"start": "10:00", "end": "13:00"}]
            },
            "depositAmount": 15.5,
            "autoConfirm": True,
            "contactPhone": None,
        },
        headers=tenant.owner.headers,
    )
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert data["name"] == "Renamed"
    assert data["openingHours"] == {
        "saturday": [{"start": "10:00", "end": "13:00"}, {"start": "14:00", "end": "18:00"}]
    }
    assert data["depositAmount"] == 15.5
    assert data["autoConfirm"] is True
    assert data["timezone"] == tenant.business["timezone"]
    assert data["status"] == "active"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "active"}, "status"),
        ({"subdomain": "new-name"}, "subdomain"),
        ({"name": None}, "name"),
        ({"timezone": None}, "timezone"),
        ({"timezone": "Nowhere/City"}, "timezone"),
        ({"openingHours": None}, "openingHours"),
        ({"depositAmount": 0.001}, "depositAmount"),
        ({"cancellationNoticeHours": None}, "cancellationNoticeHours"),
        ({"bookingHorizonDays": None}, "bookingHorizonDays"),
        ({"paymentWindowMinutes": 1441}, "paymentWindowMinutes"),
    ],
)
async def test_bad_updates_are_refused(
    app: FastAPI, client: httpx.AsyncClient, body: dict[str, Any], field: str
) -> None:
    owner = await register(client)
    business = await create_business(client, owner.headers)
    response = await client.put(f"{URL}/{business['id']}", json=body, headers=owner.headers)
    assert fields_of(assert_error(response, 400, "VALIDATION_ERROR")) == {field}
    unchanged = await client.get(f"{URL}/{business['id']}", headers=owner.headers)
    assert unchanged.json()["data"]["status"] == "pending"


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        (1_000_000_000, "is too large"),
        (21_474_836.48, "is too large"),
        (12.345, "has more than 2 decimals for USD"),
        (-1, "must not be negative"),
        (10_000_000_000, "is too large"),
    ],
)
async def test_deposit_amounts_that_do_not_fit_are_400(
    client: httpx.AsyncClient, amount: float, message: str
) -> None:
    # Minor units are stored in 32-bit INTEGER columns: 21,474,836.48 USD does not fit.
    owner = await register(client)
    body = business_body(currency="USD", depositAmount=amount)
    created = await client.post(URL, json=body, headers=owner.headers)
    error = assert_error(created, 400, "VALIDATION_ERROR")
    assert [(d["field"], d["code"], d["message"]) for d in error["details"]] == [
        ("depositAmount", "INVALID_AMOUNT", message)
    ]
    business = await create_business(client, owner.headers, currency="USD")
    changed = await client.put(
        f"{URL}/{business['id']}", json={"depositAmount": amount}, headers=owner.headers
    )
    error = assert_error(changed, 400, "VALIDATION_ERROR")
    assert [(d["field"], d["code"], d["message"]) for d in error["details"]] == [
        ("depositAmount", "INVALID_AMOUNT", message)
    ]


async def test_the_largest_deposit_that_fits_is_kept(client: httpx.AsyncClient) -> None:
    owner = await register(client)
    business = await create_business(client, owner.headers, currency="USD")
    changed = await client.put(
        f"{URL}/{business['id']}", json={"depositAmount": 21_474_836.47}, headers=owner.headers
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["data"]["depositAmount"] == 21_474_836.47


async def test_currency_change_keeps_the_deposit_and_locks_with_services(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    tenant = await active_business(app, client, currency="USD", depositAmount=20)
    url = f"{URL}/{tenant.id}"
    to_yen = await client.put(url, json={"currency": "jpy"}, headers=tenant.owner.headers)
    assert (to_yen.json()["data"]["currency"], to_yen.json()["data"]["depositAmount"]) == (
        "JPY",
        20,
    )
    fractional = await client.put(
        url, json={"currency": "EUR", "depositAmount": 9.99}, headers=tenant.owner.headers
    )
    assert fractional.json()["data"]["depositAmount"] == 9.99
    await add_service(app, tenant.id)
    locked = await client.put(url, json={"currency": "USD"}, headers=tenant.owner.headers)
    assert fields_of(assert_error(locked, 422, "BUSINESS_RULE_VIOLATION")) == {"currency"}


async def test_who_may_read_and_change_a_business(app: FastAPI, client: httpx.AsyncClient) -> None:
    tenant = await active_business(app, client)
    url = f"{URL}/{tenant.id}"
    manager, master, stranger = (
        await register(client),
        await register(client),
        await register(client),
    )
    await add_member(app, tenant.id, manager.id, BusinessRole.MANAGER)
    await add_master(app, tenant.id, master.id)
    for reader in (manager, master):
        assert (await client.get(url, headers=reader.headers)).status_code == 200
        response = await client.put(url, json={"name": "Mine now"}, headers=reader.headers)
        assert_error(response, 403, "INSUFFICIENT_PERMISSIONS")
    assert_error(await client.get(url, headers=stranger.headers), 404, "RESOURCE_NOT_FOUND")
    assert_error(
        await client.put(url, json={"name": "x"}, headers=stranger.headers),
        404,
        "RESOURCE_NOT_FOUND",
    )
    assert_error(await client.get(url), 401, "AUTHENTICATION_REQUIRED")
    by_admin = await client.put(url, json={"description": "Checked"}, headers=tenant.admin)
    assert by_admin.json()["data"]["description"] == "Checked"
    assert_error(
        await client.get(f"{URL}/not-a-uuid", headers=tenant.owner.headers), 400, "VALIDATION_ERROR"
    )
    missing = await client.get(f"{URL}/00000000-0000-4000-8000-000000000000", headers=tenant.admin)
    assert_error(missing, 404, "RESOURCE_NOT_FOUND")
