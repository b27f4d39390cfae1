"""Cached discovery responses never outlive a catalog change.

The controls (a change without a bump is not seen) prove that the cache is really
used; the bumps prove that a change followed by `catalog_changed` always is.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from bookwell.kit.cache import CATALOG, catalog_changed
from bookwell.models import Service
from tests.catalog.builders import CatalogBuilder
from tests.conftest import AppFactory, client_for
from tests.factories import register

SEARCH = "/api/v1/services/search"


async def search(client: httpx.AsyncClient, **params: Any) -> list[tuple[str, Any]]:
    response = await client.get(SEARCH, params=params)
    assert response.status_code == 200, response.text
    return [(row["name"], row["price"]) for row in response.json()["data"]["services"]]


async def details(client: httpx.AsyncClient, service_id: uuid.UUID) -> dict[str, Any]:
    response = await client.get(f"/api/v1/services/{service_id}")
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


async def change_and_announce(app: FastAPI, service_id: uuid.UUID, **values: Any) -> None:
    """What a service-editing route does: change rows, call catalog_changed."""
    async with app.state.db.session() as session:
        service = await session.get(Service, service_id)
        assert service is not None
        for key, value in values.items():
            setattr(service, key, value)
        catalog_changed(session, app.state.cache)


async def test_search_after_a_change_is_fresh(
    app: FastAPI, client: httpx.AsyncClient, catalog: CatalogBuilder
) -> None:
    service_id = await catalog.offer("Yoga class", price=2_000)
    assert await search(client, query="yoga") == [("Yoga class", 20)]

    # Control: written behind the cache's back, the cached page is still served.
    await catalog.update_service(service_id, name="Pilates class")
    assert await search(client, query="yoga") == [("Yoga class", 20)]

    await app.state.cache.bump(CATALOG)
    assert await search(client, query="yoga") == []
    assert await search(client, query="pilates") == [("Pilates class", 20)]

    await change_and_announce(app, service_id, price=3_500)
    assert await search(client, query="pilates") == [("Pilates class", 35)]
    await change_and_announce(app, service_id, is_active=False)
    assert await search(client, query="pilates") == []


async def test_a_rolled_back_change_keeps_the_cache(app: FastAPI, catalog: CatalogBuilder) -> None:
    service_id = await catalog.offer("Yoga class")
    version = await app.state.cache.version(CATALOG)

    async def failing_request() -> None:
        async with app.state.db.session() as session:
            catalog_changed(session, app.state.cache)
            raise RuntimeError("the request failed")

    with pytest.raises(RuntimeError):
        await failing_request()
    assert await app.state.cache.version(CATALOG) == version
    await change_and_announce(app, service_id, name="Pilates")
    assert await app.state.cache.version(CATALOG) == version + 1


async def test_details_and_categories_after_a_change_are_fresh(
    app: FastAPI, client: httpx.AsyncClient, catalog: CatalogBuilder
) -> None:
    await catalog.category("t-yoga", {"en": "Yoga"})
    service_id = await catalog.offer("Yoga class", price=2_000, category="t-yoga")

    async def yoga_count() -> int:
        response = await client.get("/api/v1/services/categories")
        return next(r["serviceCount"] for r in response.json()["data"] if r["id"] == "t-yoga")

    assert (await details(client, service_id))["price"] == 20
    assert await yoga_count() == 1

    await catalog.update_service(service_id, price=9_900)
    assert (await details(client, service_id))["price"] == 20

    await change_and_announce(app, service_id, price=4_000)
    assert (await details(client, service_id))["price"] == 40
    await change_and_announce(app, service_id, is_active=False)
    response = await client.get(f"/api/v1/services/{service_id}")
    assert response.status_code == 404
    assert await yoga_count() == 0


async def test_apps_sharing_redis_share_the_cache_and_its_invalidation(
    app_factory: AppFactory, redis_url: str
) -> None:
    first, second = await app_factory(redis_url=redis_url), await app_factory(redis_url=redis_url)
    service_id = await CatalogBuilder(first).offer("Yoga class", price=2_000)

    async with client_for(first) as one, client_for(second) as two:
        assert await search(one, query="yoga") == [("Yoga class", 20)]
        # Changed behind the cache's back: both apps serve the page the first cached.
        await CatalogBuilder(first).update_service(service_id, price=5_000)
        assert await search(two, query="yoga") == [("Yoga class", 20)]
        assert await search(one, query="yoga") == [("Yoga class", 20)]

        # A change announced in the second app reaches the first app's next search.
        await change_and_announce(second, service_id, price=6_000)
        assert await search(one, query="yoga") == [("Yoga class", 60)]
        assert (await details(one, service_id))["price"] == 60
        await change_and_announce(first, service_id, price=7_000)
        assert (await details(two, service_id))["price"] == 70


async def test_changes_through_the_service_routes_are_seen_at_once(
    client: httpx.AsyncClient,
) -> None:
    """The specialist's own service routes (built in the staff/specialists issue)
    announce their changes; search and details follow without waiting for a TTL."""
    account = await register(client, userType="specialist", verified=True)
    routes = "/api/v1/specialists/services"
    response = await client.post(
        routes,
        json={"name": "Sunrise yoga", "description": "Gentle flow", "duration": 60, "price": 20},
        headers=account.headers,
    )
    assert response.status_code == 201, response.text
    service_id = uuid.UUID(response.json()["data"]["id"])
    assert await search(client, query="sunrise") == [("Sunrise yoga", 20)]
    assert (await details(client, service_id))["price"] == 20

    response = await client.put(
        f"{routes}/{service_id}", json={"name": "Sunset yoga", "price": 35}, headers=account.headers
    )
    assert response.status_code == 200, response.text
    assert await search(client, query="sunrise") == []
    assert await search(client, query="sunset") == [("Sunset yoga", 35)]
    assert (await details(client, service_id))["price"] == 35

    response = await client.put(
        f"{routes}/{service_id}", json={"isActive": False}, headers=account.headers
    )
    assert response.status_code == 200, response.text
    assert await search(client, query="sunset") == []
    response = await client.get(f"/api/v1/services/{service_id}")
    assert response.status_code == 404

    await client.put(f"{routes}/{service_id}", json={"isActive": True}, headers=account.headers)
    assert await search(client, query="sunset") == [("Sunset yoga", 35)]
    response = await client.delete(f"{routes}/{service_id}", headers=account.headers)
    assert response.status_code == 200, response.text
    assert await search(client, query="sunset") == []
