"""API keys of a business and its audit log."""

from __future__ import annotations

import uuid

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from bookwell.db import Database
from bookwell.kit.secrets import hash_secret
from bookwell.models import ApiKey, BusinessRole
from tests.businesses.factories import active_business, add_location, add_member, create_business
from tests.factories import assert_error, fields_of, register


async def test_key_is_shown_once_stored_hashed_used_and_revoked(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    tenant = await active_business(app, client)
    url = f"/api/v1/businesses/{tenant.id}/api-keys"
    created = await client.post(url, json={"name": "Website form"}, headers=tenant.owner.headers)
    assert created.status_code == 201, created.text
    key = created.json()["data"]
    assert key["key"].startswith(key["prefix"])
    assert len(key["key"]) > 30

    database: Database = app.state.db
    async with database.session() as session:
        stored = (
            await session.execute(select(ApiKey).where(ApiKey.id == uuid.UUID(key["id"])))
        ).scalar_one()
    assert stored.key_hash == hash_secret(key["key"])
    assert str(stored.business_id) == tenant.id

    listed = (await client.get(url, headers=tenant.owner.headers)).json()["data"]
    assert listed == [
        {
            "id": key["id"],
            "name": "Website form",
            "prefix": key["prefix"],
            "createdAt": key["createdAt"],
            "lastUsedAt": None,
        }
    ]
    assert key["key"] not in (await client.get(url, headers=tenant.owner.headers)).text

    as_key = {"X-API-Key": key["key"]}
    business = await client.get(f"/api/v1/businesses/{tenant.id}", headers=as_key)
    assert business.status_code == 200
    assert business.json()["data"]["id"] == tenant.id
    used = (await client.get(url, headers=tenant.owner.headers)).json()["data"][0]
    assert used["lastUsedAt"] is not None

    revoked = await client.delete(f"{url}/{key['id']}", headers=tenant.owner.headers)
    assert revoked.status_code == 200, revoked.text
    assert (await client.get(url, headers=tenant.owner.headers)).json()["data"] == []
    after = await client.get(f"/api/v1/businesses/{tenant.id}", headers=as_key)
    assert_error(after, 401, "AUTHENTICATION_REQUIRED")
    twice = await client.delete(f"{url}/{key['id']}", headers=tenant.owner.headers)
    assert_error(twice, 404, "RESOURCE_NOT_FOUND")


async def test_only_the_owner_in_person_manages_keys(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    tenant = await active_business(app, client)
    url = f"/api/v1/businesses/{tenant.id}/api-keys"
    key = (await client.post(url, json={"name": "CRM"}, headers=tenant.owner.headers)).json()[
        "data"
    ]
    manager = await register(client)
    await add_member(app, tenant.id, manager.id, BusinessRole.MANAGER)
    for headers in (manager.headers, {"X-API-Key": key["key"]}):
        assert_error(await client.get(url, headers=headers), 403, "INSUFFICIENT_PERMISSIONS")
        assert_error(
            await client.post(url, json={"name": "More"}, headers=headers),
            403,
            "INSUFFICIENT_PERMISSIONS",
        )
        assert_error(
            await client.delete(f"{url}/{key['id']}", headers=headers),
            403,
            "INSUFFICIENT_PERMISSIONS",
        )
    bad = await client.post(url, json={"name": ""}, headers=tenant.owner.headers)
    assert fields_of(assert_error(bad, 400, "VALIDATION_ERROR")) == {"name"}
    assert_error(
        await client.post(url, json={}, headers=tenant.owner.headers), 400, "VALIDATION_ERROR"
    )


async def test_a_key_of_one_business_never_reaches_another(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    a = await active_business(app, client)
    b = await active_business(app, client)
    key_b = (
        await client.post(
            f"/api/v1/businesses/{b.id}/api-keys", json={"name": "B"}, headers=b.owner.headers
        )
    ).json()["data"]
    key_a_id = (
        await client.post(
            f"/api/v1/businesses/{a.id}/api-keys", json={"name": "A"}, headers=a.owner.headers
        )
    ).json()["data"]["id"]
    response = await client.get(f"/api/v1/businesses/{a.id}", headers={"X-API-Key": key_b["key"]})
    assert_error(response, 404, "RESOURCE_NOT_FOUND")
    # B's owner cannot revoke A's key by naming it under B's business either.
    cross = await client.delete(
        f"/api/v1/businesses/{b.id}/api-keys/{key_a_id}", headers=b.owner.headers
    )
    assert_error(cross, 404, "RESOURCE_NOT_FOUND")
    assert (
        len(
            (
                await client.get(f"/api/v1/businesses/{a.id}/api-keys", headers=a.owner.headers)
            ).json()["data"]
        )
        == 1
    )


async def test_every_change_is_audited_with_before_and_after(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    tenant = await active_business(app, client)
    base = f"/api/v1/businesses/{tenant.id}"
    owner = tenant.owner.headers
    await client.put(base, json={"name": "New name"}, headers=owner)
    await client.put(base, json={"name": "New name"}, headers=owner)  # no change: no entry
    location = await add_location(client, tenant, name="Main")
    await client.put(
        f"{base}/locations/{location['id']}", json={"name": "Main hall"}, headers=owner
    )
    await client.delete(f"{base}/locations/{location['id']}", headers=owner)
    key = (await client.post(f"{base}/api-keys", json={"name": "K"}, headers=owner)).json()["data"]
    await client.delete(f"{base}/api-keys/{key['id']}", headers=owner)

    log = await client.get(f"{base}/audit-log", headers=owner)
    assert log.status_code == 200, log.text
    entries = log.json()["data"]
    assert [(e["action"], e["entityType"]) for e in entries] == [
        ("revoke", "api_key"),
        ("create", "api_key"),
        ("delete", "location"),
        ("update", "location"),
        ("create", "location"),
        ("update", "business"),
        ("approve", "business"),
        ("create", "business"),
    ]
    assert log.json()["pagination"] == {
        "currentPage": 1,
        "totalPages": 1,
        "totalItems": 8,
        "hasNext": False,
        "hasPrev": False,
    }
    by_kind = {(e["action"], e["entityType"]): e for e in entries}
    rename = by_kind[("update", "business")]
    assert rename["before"]["name"] == tenant.business["name"]
    assert rename["after"]["name"] == "New name"
    assert rename["actor"] == {"userId": tenant.owner.id, "apiKeyId": None}
    assert rename["entityId"] == tenant.id
    closed = by_kind[("delete", "location")]
    assert (closed["before"]["is_active"], closed["after"]["is_active"]) == (True, False)
    assert by_kind[("update", "location")]["after"]["name"] == "Main hall"
    created_key = by_kind[("create", "api_key")]
    assert "key_hash" not in created_key["after"]
    assert key["key"] not in log.text
    assert by_kind[("revoke", "api_key")]["after"]["revoked_at"] is not None
    assert by_kind[("create", "business")]["before"] is None
    assert by_kind[("approve", "business")]["before"]["status"] == "pending"
    assert by_kind[("approve", "business")]["after"]["status"] == "active"

    second_page = await client.get(f"{base}/audit-log?page=2&limit=3", headers=owner)
    assert [e["action"] for e in second_page.json()["data"]] == ["update", "create", "update"]
    assert second_page.json()["pagination"]["hasPrev"] is True
    bad_page = await client.get(f"{base}/audit-log?page=0", headers=owner)
    assert fields_of(assert_error(bad_page, 400, "VALIDATION_ERROR")) == {"page"}


async def test_changes_by_an_api_key_name_the_key(app: FastAPI, client: httpx.AsyncClient) -> None:
    tenant = await active_business(app, client)
    base = f"/api/v1/businesses/{tenant.id}"
    key = (
        await client.post(f"{base}/api-keys", json={"name": "Sync"}, headers=tenant.owner.headers)
    ).json()["data"]
    response = await client.post(
        f"{base}/locations", json={"name": "Synced"}, headers={"X-API-Key": key["key"]}
    )
    assert response.status_code == 201, response.text
    entry = (await client.get(f"{base}/audit-log", headers=tenant.owner.headers)).json()["data"][0]
    assert entry["actor"] == {"userId": None, "apiKeyId": key["id"]}


async def test_audit_log_is_the_owners_only(app: FastAPI, client: httpx.AsyncClient) -> None:
    owner = await register(client)
    business = await create_business(client, owner.headers)
    url = f"/api/v1/businesses/{business['id']}/audit-log"
    manager, stranger = await register(client), await register(client)
    await add_member(app, business["id"], manager.id, BusinessRole.MANAGER)
    assert_error(await client.get(url, headers=manager.headers), 403, "INSUFFICIENT_PERMISSIONS")
    assert_error(await client.get(url, headers=stranger.headers), 404, "RESOURCE_NOT_FOUND")
    assert_error(await client.get(url), 401, "AUTHENTICATION_REQUIRED")
    entries = (await client.get(url, headers=owner.headers)).json()["data"]
    assert [e["action"] for e in entries] == ["create"]
    assert business["name"] not in (await client.get(url, headers=stranger.headers)).text
