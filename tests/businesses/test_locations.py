"""Locations: the owner runs all of them, a manager only theirs, masters only read."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from bookwell.models import BusinessRole
from tests.businesses.factories import active_business, add_location, add_master, add_member
from tests.factories import assert_error, fields_of, register


async def test_owner_creates_lists_updates_and_closes_locations(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    tenant = await active_business(app, client, timezone="Asia/Almaty")
    url = f"/api/v1/businesses/{tenant.id}/locations"
    headers = tenant.owner.headers
    created = await client.post(
        url,
        json={"name": "Downtown", "address": "5 Abay Ave", "phone": "+7 (701) 555-0101"},
        headers=headers,
    )
    assert created.status_code == 201, created.text
    downtown = created.json()["data"]
    assert downtown["timezone"] == "Asia/Almaty"
    assert downtown["phone"] == "+77015550101"
    uptown = await add_location(client, tenant, name="Airport", timezone="Asia/Aqtobe")
    assert uptown["timezone"] == "Asia/Aqtobe"
    listed = (await client.get(url, headers=headers)).json()["data"]
    assert [x["name"] for x in listed] == ["Airport", "Downtown"]

    updated = await client.put(
        f"{url}/{downtown['id']}", json={"name": "Centre", "phone": None}, headers=headers
    )
    assert updated.status_code == 200, updated.text
    assert (updated.json()["data"]["name"], updated.json()["data"]["phone"]) == ("Centre", None)
    assert updated.json()["data"]["address"] == "5 Abay Ave"

    closed = await client.delete(f"{url}/{downtown['id']}", headers=headers)
    assert closed.status_code == 200, closed.text
    assert [x["id"] for x in (await client.get(url, headers=headers)).json()["data"]] == [
        uptown["id"]
    ]
    again = await client.delete(f"{url}/{downtown['id']}", headers=headers)
    assert_error(again, 404, "RESOURCE_NOT_FOUND")
    gone = await client.put(f"{url}/{downtown['id']}", json={"name": "x"}, headers=headers)
    assert_error(gone, 404, "RESOURCE_NOT_FOUND")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "A", "timezone": "Moon/Base"}, "timezone"),
        ({"name": "A", "phone": "call me"}, "phone"),
        ({"name": "A", "address": "x" * 501}, "address"),
        ({"name": "A", "isActive": False}, "isActive"),
    ],
)
async def test_bad_location_bodies(
    app: FastAPI, client: httpx.AsyncClient, body: dict[str, Any], field: str
) -> None:
    tenant = await active_business(app, client)
    url = f"/api/v1/businesses/{tenant.id}/locations"
    response = await client.post(url, json=body, headers=tenant.owner.headers)
    assert field in fields_of(assert_error(response, 400, "VALIDATION_ERROR"))
    location = await add_location(client, tenant)
    update = await client.put(
        f"{url}/{location['id']}", json={**body, "name": None}, headers=tenant.owner.headers
    )
    assert_error(update, 400, "VALIDATION_ERROR")


async def test_manager_sees_and_changes_only_their_locations(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    tenant = await active_business(app, client)
    url = f"/api/v1/businesses/{tenant.id}/locations"
    mine = await add_location(client, tenant, name="Mine")
    theirs = await add_location(client, tenant, name="Theirs")
    manager = await register(client)
    await add_member(app, tenant.id, manager.id, BusinessRole.MANAGER, [mine["id"]])

    listed = (await client.get(url, headers=manager.headers)).json()["data"]
    assert [x["id"] for x in listed] == [mine["id"]]
    ok = await client.put(
        f"{url}/{mine['id']}", json={"address": "2 Side St"}, headers=manager.headers
    )
    assert ok.status_code == 200
    assert ok.json()["data"]["address"] == "2 Side St"
    refused = await client.put(
        f"{url}/{theirs['id']}", json={"name": "Taken"}, headers=manager.headers
    )
    assert_error(refused, 403, "INSUFFICIENT_PERMISSIONS")
    assert_error(
        await client.post(url, json={"name": "New"}, headers=manager.headers),
        403,
        "INSUFFICIENT_PERMISSIONS",
    )
    assert_error(
        await client.delete(f"{url}/{mine['id']}", headers=manager.headers),
        403,
        "INSUFFICIENT_PERMISSIONS",
    )
    unchanged = (await client.get(url, headers=tenant.owner.headers)).json()["data"]
    assert {x["name"] for x in unchanged} == {"Mine", "Theirs"}


async def test_masters_read_their_locations_only(app: FastAPI, client: httpx.AsyncClient) -> None:
    tenant = await active_business(app, client)
    url = f"/api/v1/businesses/{tenant.id}/locations"
    here = await add_location(client, tenant, name="Here")
    await add_location(client, tenant, name="Elsewhere")
    master = await register(client)
    await add_master(app, tenant.id, master.id, [here["id"]])
    listed = (await client.get(url, headers=master.headers)).json()["data"]
    assert [x["name"] for x in listed] == ["Here"]
    for response in (
        await client.post(url, json={"name": "New"}, headers=master.headers),
        await client.put(f"{url}/{here['id']}", json={"name": "Renamed"}, headers=master.headers),
        await client.delete(f"{url}/{here['id']}", headers=master.headers),
    ):
        assert_error(response, 403, "INSUFFICIENT_PERMISSIONS")


async def test_a_location_of_another_business_is_not_found(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    a = await active_business(app, client)
    b = await active_business(app, client)
    location_of_b = await add_location(client, b)
    # A's owner names B's location under A's business: the tenant wall hides it.
    url = f"/api/v1/businesses/{a.id}/locations/{location_of_b['id']}"
    assert_error(
        await client.put(url, json={"name": "Hijack"}, headers=a.owner.headers),
        404,
        "RESOURCE_NOT_FOUND",
    )
    assert_error(await client.delete(url, headers=a.owner.headers), 404, "RESOURCE_NOT_FOUND")
    still = (
        await client.get(f"/api/v1/businesses/{b.id}/locations", headers=b.owner.headers)
    ).json()
    assert still["data"][0]["name"] == location_of_b["name"]
