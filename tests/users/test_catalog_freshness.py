"""Discovery caches its answers for 5 minutes: a master's new name or avatar, and the
names given when accepting an invitation, must show at once."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI

from bookwell.kit.cache import CATALOG, Cache
from tests.factories import Account, register
from tests.staff.factories import invitation_token, outbox_to, shop
from tests.users.test_avatar import image_bytes, upload

SEARCH = "/api/v1/services/search"


async def specialists_found(client: httpx.AsyncClient, query: str) -> list[dict[str, Any]]:
    response = await client.get(SEARCH, params={"query": query})
    assert response.status_code == 200, response.text
    return [row["specialist"] for row in response.json()["data"]["services"]]


async def offering(client: httpx.AsyncClient, name: str, **names: str) -> Account:
    """A specialist (active one-person business) with one service called `name`."""
    account = await register(client, userType="specialist", verified=True, **names)
    response = await client.post(
        "/api/v1/specialists/services",
        json={"name": name, "duration": 60, "price": 50},
        headers=account.headers,
    )
    assert response.status_code == 201, response.text
    return account


async def test_a_new_name_shows_in_search_at_once(client: httpx.AsyncClient) -> None:
    account = await offering(client, "Deep tissue massage", firstName="Ana", lastName="Stone")
    [found] = await specialists_found(client, "massage")
    assert (found["firstName"], found["lastName"]) == ("Ana", "Stone")
    changed = await client.put(
        "/api/v1/users/profile",
        json={"firstName": "Anna", "lastName": "Berg"},
        headers=account.headers,
    )
    assert changed.status_code == 200, changed.text
    [found] = await specialists_found(client, "massage")
    assert (found["firstName"], found["lastName"]) == ("Anna", "Berg")


async def test_a_new_avatar_shows_in_search_at_once(client: httpx.AsyncClient) -> None:
    account = await offering(client, "Portrait photography")
    [found] = await specialists_found(client, "photography")
    assert found["avatar"] is None
    response = await upload(client, account, image_bytes())
    assert response.status_code == 200, response.text
    [found] = await specialists_found(client, "photography")
    assert found["avatar"] == response.json()["data"]["avatarUrl"]


async def test_changes_of_people_outside_the_catalog_keep_the_cache(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    cache: Cache = app.state.cache
    customer = await register(client)
    version = await cache.version(CATALOG)
    changed = await client.put(
        "/api/v1/users/profile", json={"firstName": "Someone"}, headers=customer.headers
    )
    assert changed.status_code == 200, changed.text
    assert await cache.version(CATALOG) == version


async def test_accepting_an_invitation_refreshes_the_catalog(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    cache: Cache = app.state.cache
    business = await shop(app, client)
    added = await client.post(
        business.url("/masters"),
        json={"email": "invited@example.com", "firstName": "Tmp", "lastName": "Name"},
        headers=business.owner.headers,
    )
    assert added.status_code == 202, added.text
    [message] = await outbox_to(app, "invited@example.com")
    version = await cache.version(CATALOG)
    accepted = await client.post(
        "/api/v1/auth/invitations/accept",
        json={
            "token": invitation_token(message),
            "password": "An0ther-long-passphrase",
            "firstName": "Real",
            "lastName": "Name",
        },
    )
    assert accepted.status_code == 200, accepted.text
    assert await cache.version(CATALOG) == version + 1
