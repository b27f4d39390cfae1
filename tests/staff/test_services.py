"""/api/v1/businesses/{businessId}/services."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from bookwell.db import Database
from bookwell.kit.cache import CATALOG, Cache
from bookwell.models import AuditEntry, BusinessRole, service_masters
from tests.factories import app_of, assert_error, fields_of, register
from tests.staff.factories import Shop, category, hire, location, member, shop


def service_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"name": "Haircut", "duration": 45, "price": 35.5}
    body.update(overrides)
    return body


async def new_master(client: httpx.AsyncClient, business: Shop) -> str:
    """A master who accepted the business's invitation (a new account)."""
    master = await hire(app_of(client), client, business, firstName="A", lastName="B")
    master_id: str = master["id"]
    return master_id


async def test_crud_with_masters(app: FastAPI, client: httpx.AsyncClient) -> None:
    business = await shop(app, client)
    first, second = await new_master(client, business), await new_master(client, business)
    cut = await category(app)
    cache: Cache = app.state.cache
    version = await cache.version(CATALOG)
    response = await client.post(
        business.url("/services"),
        json=service_body(masterIds=[first, second, first], category=cut, slotStep=30),
        headers=business.owner.headers,
    )
    assert response.status_code == 201, response.text
    created = response.json()["data"]
    assert await cache.version(CATALOG) == version + 1
    assert sorted(created["masterIds"]) == sorted([first, second])
    assert (created["price"], created["currency"]) == (35.5, "EUR")
    assert (created["category"], created["slotStep"]) == (cut, 30)

    url = business.url(f"/services/{created['id']}")
    changed = await client.put(
        url, json={"masterIds": [second], "isActive": False}, headers=business.owner.headers
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["data"]["masterIds"] == [second]
    assert changed.json()["data"]["isActive"] is False
    assert changed.json()["data"]["price"] == 35.5
    database: Database = app.state.db
    async with database.session() as session:
        links = (
            await session.execute(
                select(service_masters.c.master_id).where(
                    service_masters.c.service_id == uuid.UUID(created["id"])
                )
            )
        ).scalars()
        assert [str(m) for m in links] == [second]
    # Changing other fields keeps the masters.
    renamed = await client.put(url, json={"name": "Cut"}, headers=business.owner.headers)
    assert renamed.json()["data"]["masterIds"] == [second]

    # Staff see inactive services too.
    listed = await client.get(business.url("/services"), headers=business.owner.headers)
    assert [(s["id"], s["isActive"]) for s in listed.json()["data"]] == [(created["id"], False)]

    assert (await client.delete(url, headers=business.owner.headers)).status_code == 200
    assert_error(
        await client.delete(url, headers=business.owner.headers), 404, "RESOURCE_NOT_FOUND"
    )
    async with database.session() as session:
        actions = (
            await session.execute(
                select(AuditEntry.action).where(AuditEntry.entity_id == created["id"])
            )
        ).scalars()
        assert sorted(actions) == ["create", "delete", "update", "update"]


async def test_masters_of_another_business_are_refused(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    business, other = await shop(app, client), await shop(app, client)
    mine, foreign = await new_master(client, business), await new_master(client, other)
    response = await client.post(
        business.url("/services"),
        json=service_body(masterIds=[mine, foreign]),
        headers=business.owner.headers,
    )
    error = assert_error(response, 400, "VALIDATION_ERROR")
    assert fields_of(error) == {"masterIds"}
    assert foreign in error["details"][0]["message"]
    created = await client.post(
        business.url("/services"),
        json=service_body(masterIds=[mine]),
        headers=business.owner.headers,
    )
    url = business.url(f"/services/{created.json()['data']['id']}")
    for body in ({"masterIds": [foreign]}, {"masterIds": None}, {"masterIds": ["x"]}):
        refused = await client.put(url, json=body, headers=business.owner.headers)
        assert fields_of(assert_error(refused, 400, "VALIDATION_ERROR")) <= {
            "masterIds",
            "masterIds.0",
        }


async def test_price_decimals_follow_the_business_currency(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    yen = await shop(app, client, currency="JPY")
    refused = await client.post(
        yen.url("/services"), json=service_body(price=100.5), headers=yen.owner.headers
    )
    assert fields_of(assert_error(refused, 400, "VALIDATION_ERROR")) == {"price"}
    accepted = await client.post(
        yen.url("/services"), json=service_body(price=3500), headers=yen.owner.headers
    )
    assert accepted.json()["data"]["price"] == 3500


async def test_a_price_too_large_for_the_column_is_400(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    business = await shop(app, client, currency="EUR")
    for body in (service_body(price=1_000_000_000), service_body(price=21_474_836.48)):
        refused = await client.post(
            business.url("/services"), json=body, headers=business.owner.headers
        )
        error = assert_error(refused, 400, "VALIDATION_ERROR")
        assert [(d["field"], d["code"], d["message"]) for d in error["details"]] == [
            ("price", "INVALID_AMOUNT", "is too large")
        ]
    accepted = await client.post(
        business.url("/services"),
        json=service_body(price=21_474_836.47),
        headers=business.owner.headers,
    )
    assert accepted.status_code == 201, accepted.text
    too_large = await client.put(
        business.url(f"/services/{accepted.json()['data']['id']}"),
        json={"price": 100_000_000},
        headers=business.owner.headers,
    )
    assert fields_of(assert_error(too_large, 400, "VALIDATION_ERROR")) == {"price"}


async def test_roles(app: FastAPI, client: httpx.AsyncClient) -> None:
    business = await shop(app, client)
    created = await client.post(
        business.url("/services"), json=service_body(), headers=business.owner.headers
    )
    url = business.url(f"/services/{created.json()['data']['id']}")

    master = await register(client)
    await member(app, business.id, master.id, BusinessRole.MASTER)
    listed = await client.get(business.url("/services"), headers=master.headers)
    assert listed.status_code == 200
    for response in (
        await client.post(business.url("/services"), json=service_body(), headers=master.headers),
        await client.put(url, json={"price": 1}, headers=master.headers),
        await client.delete(url, headers=master.headers),
    ):
        assert_error(response, 403, "INSUFFICIENT_PERMISSIONS")

    manager = await register(client)
    await member(
        app, business.id, manager.id, BusinessRole.MANAGER, [await location(app, business.id)]
    )
    by_manager = await client.post(
        business.url("/services"), json=service_body(name="Shave"), headers=manager.headers
    )
    assert by_manager.status_code == 201, by_manager.text

    outsider = await register(client)
    for response in (
        await client.get(business.url("/services"), headers=outsider.headers),
        await client.put(url, json={"price": 1}, headers=outsider.headers),
    ):
        assert_error(response, 404, "RESOURCE_NOT_FOUND")
    # Another business's owner cannot reach this service through their own business.
    other = await shop(app, client)
    cross = await client.put(
        other.url(f"/services/{created.json()['data']['id']}"),
        json={"price": 1},
        headers=other.owner.headers,
    )
    assert_error(cross, 404, "RESOURCE_NOT_FOUND")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"duration": 4}, "duration"),
        ({"duration": 721}, "duration"),
        ({"price": -0.01}, "price"),
        ({"category": "missing-category"}, "category"),
        ({"bufferAfter": 300}, "bufferAfter"),
        ({"minimumNotice": -1}, "minimumNotice"),
        ({"slotStep": 0}, "slotStep"),
        ({"masterIds": "all"}, "masterIds"),
    ],
)
async def test_bad_fields(
    app: FastAPI, client: httpx.AsyncClient, overrides: dict[str, Any], field: str
) -> None:
    business = await shop(app, client)
    response = await client.post(
        business.url("/services"), json=service_body(**overrides), headers=business.owner.headers
    )
    assert fields_of(assert_error(response, 400, "VALIDATION_ERROR")) == {field}
