"""The specialist's own services: /api/v1/specialists/services."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from bookwell.db import Database
from bookwell.kit.cache import CATALOG, Cache
from bookwell.models import AuditEntry, Service
from tests.factories import Account, assert_error, fields_of, register
from tests.staff.factories import category

SERVICES = "/api/v1/specialists/services"


def service_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "Marketing Strategy Session",
        "description": "2-hour marketing planning workshop",
        "duration": 120,
        "price": 200,
        "requirements": ["Current marketing materials", "Target audience data"],
    }
    body.update(overrides)
    return body


async def specialist(client: httpx.AsyncClient) -> Account:
    return await register(client, userType="specialist", verified=True)


async def created(client: httpx.AsyncClient, account: Account, **overrides: Any) -> dict[str, Any]:
    response = await client.post(SERVICES, json=service_body(**overrides), headers=account.headers)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


async def test_create_list_update_delete(app: FastAPI, client: httpx.AsyncClient) -> None:
    account = await specialist(client)
    workshop = await category(app)
    cache: Cache = app.state.cache
    version = await cache.version(CATALOG)
    service = await created(
        client,
        account,
        category=workshop,
        longDescription="Long text",
        deliverables=["Plan"],
        bufferBefore=10,
        bufferAfter=15,
        minimumNotice=120,
        slotStep=30,
        price=199.99,
    )
    assert await cache.version(CATALOG) == version + 1
    assert service["name"] == "Marketing Strategy Session"
    assert service["duration"] == 120
    assert service["price"] == 199.99
    assert service["currency"] == "USD"
    assert service["category"] == workshop
    assert service["requirements"] == ["Current marketing materials", "Target audience data"]
    assert service["deliverables"] == ["Plan"]
    assert service["longDescription"] == "Long text"
    assert (service["bufferBefore"], service["bufferAfter"]) == (10, 15)
    assert (service["minimumNotice"], service["slotStep"]) == (120, 30)
    assert service["isActive"] is True
    assert service["createdAt"].endswith("Z")

    defaults = await created(client, account, name="Quick call", duration=15, price=0)
    assert defaults["slotStep"] == 15
    assert (defaults["bufferBefore"], defaults["minimumNotice"]) == (0, 0)
    assert defaults["category"] is None

    listed = (await client.get(SERVICES, headers=account.headers)).json()["data"]
    assert [s["id"] for s in listed] == [service["id"], defaults["id"]]

    url = f"{SERVICES}/{service['id']}"
    response = await client.put(
        url, json={"price": 250, "isActive": False, "category": None}, headers=account.headers
    )
    assert response.status_code == 200, response.text
    changed = response.json()["data"]
    assert (changed["price"], changed["isActive"], changed["category"]) == (250, False, None)
    assert changed["name"] == service["name"]
    # Inactive services stay in the specialist's own list.
    listed = (await client.get(SERVICES, headers=account.headers)).json()["data"]
    assert {s["id"]: s["isActive"] for s in listed}[service["id"]] is False

    deleted = await client.delete(url, headers=account.headers)
    assert deleted.status_code == 200, deleted.text
    assert_error(
        await client.put(url, json={"price": 1}, headers=account.headers), 404, "RESOURCE_NOT_FOUND"
    )
    listed = (await client.get(SERVICES, headers=account.headers)).json()["data"]
    assert [s["id"] for s in listed] == [defaults["id"]]

    database: Database = app.state.db
    async with database.session() as session:
        stored = await session.get(Service, uuid.UUID(defaults["id"]))
        assert stored is not None
        assert stored.price == 0
        actions = (
            await session.execute(
                select(AuditEntry.action).where(AuditEntry.entity_id == service["id"])
            )
        ).scalars()
        assert sorted(actions) == ["create", "delete", "update"]


async def test_price_is_stored_in_minor_units(app: FastAPI, client: httpx.AsyncClient) -> None:
    account = await specialist(client)
    service = await created(client, account, price=12.5)
    database: Database = app.state.db
    async with database.session() as session:
        stored = await session.get(Service, uuid.UUID(service["id"]))
        assert stored is not None
        assert stored.price == 1250


async def test_price_decimals_follow_the_currency(client: httpx.AsyncClient) -> None:
    account = await specialist(client)
    error = assert_error(
        await client.post(SERVICES, json=service_body(price=12.345), headers=account.headers),
        400,
        "VALIDATION_ERROR",
    )
    assert fields_of(error) == {"price"}
    assert "USD" in error["details"][0]["message"]
    changed = await client.put(
        "/api/v1/specialists/profile",
        json={"pricing": {"currency": "JPY"}},
        headers=account.headers,
    )
    assert changed.status_code == 200, changed.text
    error = assert_error(
        await client.post(SERVICES, json=service_body(price=12.5), headers=account.headers),
        400,
        "VALIDATION_ERROR",
    )
    assert fields_of(error) == {"price"}
    yen = await created(client, account, price=1500)
    assert (yen["price"], yen["currency"]) == (1500, "JPY")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"duration": 4}, "duration"),
        ({"duration": 721}, "duration"),
        ({"duration": 60.5}, "duration"),
        ({"price": -1}, "price"),
        ({"price": "free"}, "price"),
        ({"price": 10_000_000_000}, "price"),
        ({"category": "no-such-category"}, "category"),
        ({"requirements": "bring stuff"}, "requirements"),
        ({"requirements": [""]}, "requirements.0"),
        ({"deliverables": ["x" * 501]}, "deliverables.0"),
        ({"bufferBefore": -1}, "bufferBefore"),
        ({"bufferAfter": 241}, "bufferAfter"),
        ({"minimumNotice": 43201}, "minimumNotice"),
        ({"slotStep": 4}, "slotStep"),
        ({"slotStep": 241}, "slotStep"),
        ({"isActive": "maybe"}, "isActive"),
        ({"masterIds": []}, "masterIds"),
    ],
)
async def test_bad_service_fields_are_400(
    client: httpx.AsyncClient, overrides: dict[str, Any], field: str
) -> None:
    account = await specialist(client)
    response = await client.post(SERVICES, json=service_body(**overrides), headers=account.headers)
    assert fields_of(assert_error(response, 400, "VALIDATION_ERROR")) == {field}


@pytest.mark.parametrize("missing", ["name", "duration", "price"])
async def test_required_fields(client: httpx.AsyncClient, missing: str) -> None:
    account = await specialist(client)
    body = service_body()
    del body[missing]
    response = await client.post(SERVICES, json=body, headers=account.headers)
    assert fields_of(assert_error(response, 400, "VALIDATION_ERROR")) == {missing}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": None}, "name"),
        ({"duration": None}, "duration"),
        ({"price": None}, "price"),
        ({"requirements": None}, "requirements"),
        ({"duration": 1000}, "duration"),
        ({"price": 0.001}, "price"),
        ({"category": "unknown"}, "category"),
    ],
)
async def test_bad_updates_are_400(
    client: httpx.AsyncClient, body: dict[str, Any], field: str
) -> None:
    account = await specialist(client)
    service = await created(client, account)
    response = await client.put(f"{SERVICES}/{service['id']}", json=body, headers=account.headers)
    assert fields_of(assert_error(response, 400, "VALIDATION_ERROR")) == {field}


async def test_another_specialists_service_is_404(client: httpx.AsyncClient) -> None:
    owner, other = await specialist(client), await specialist(client)
    service = await created(client, owner)
    url = f"{SERVICES}/{service['id']}"
    assert_error(
        await client.put(url, json={"price": 1}, headers=other.headers), 404, "RESOURCE_NOT_FOUND"
    )
    assert_error(await client.delete(url, headers=other.headers), 404, "RESOURCE_NOT_FOUND")
    assert (await client.get(SERVICES, headers=other.headers)).json()["data"] == []
    unknown = f"{SERVICES}/{uuid.uuid4()}"
    assert_error(await client.delete(unknown, headers=owner.headers), 404, "RESOURCE_NOT_FOUND")
    bad_id = await client.delete(f"{SERVICES}/not-a-uuid", headers=owner.headers)
    assert fields_of(assert_error(bad_id, 400, "VALIDATION_ERROR")) == {"serviceId"}
    # Untouched for its owner.
    mine = (await client.get(SERVICES, headers=owner.headers)).json()["data"]
    assert [(s["id"], s["price"]) for s in mine] == [(service["id"], 200)]


async def test_only_specialists(client: httpx.AsyncClient) -> None:
    customer = await register(client)
    assert_error(await client.get(SERVICES), 401, "AUTHENTICATION_REQUIRED")
    response = await client.post(SERVICES, json=service_body(), headers=customer.headers)
    assert_error(response, 403, "INSUFFICIENT_PERMISSIONS")
