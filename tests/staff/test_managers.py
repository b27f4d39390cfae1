"""/api/v1/businesses/{businessId}/managers: a manager invited here (and who accepted)
manages exactly the locations given."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from bookwell.db import Database
from bookwell.models import AuditEntry
from tests.factories import Account, assert_error, fields_of, register
from tests.staff.factories import Shop, accept_by_link, hire, invite, location, outbox_to, shop

NEW_PASSWORD = "An0ther-long-passphrase"


async def appoint(
    app: FastAPI, client: httpx.AsyncClient, business: Shop, person: Account, **body: Any
) -> dict[str, Any]:
    """Invite the person as a manager; they accept, signed in."""
    return await hire(app, client, business, role_path="/managers", person=person, **body)


async def manages(client: httpx.AsyncClient, business: Shop, headers: dict[str, str]) -> set[str]:
    """The locations these headers may change (PUT answers 200, else 403)."""
    allowed = set()
    listed = await client.get(business.url("/locations"), headers=business.owner.headers)
    for row in listed.json()["data"]:
        response = await client.put(
            business.url(f"/locations/{row['id']}"), json={"address": "2 Rd"}, headers=headers
        )
        assert response.status_code in {200, 403}, response.text
        if response.status_code == 200:
            allowed.add(row["id"])
    return allowed


async def test_an_appointed_user_manages_only_their_locations(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    business = await shop(app, client)
    north, south = await location(app, business.id), await location(app, business.id)
    person: Account = await register(client, firstName="Max", lastName="Lead")
    # Not yet a manager: the business does not exist for them.
    assert_error(
        await client.get(business.url("/locations"), headers=person.headers),
        404,
        "RESOURCE_NOT_FOUND",
    )
    manager = await appoint(app, client, business, person, locationIds=[north])
    assert (manager["userId"], manager["firstName"], manager["lastName"]) == (
        person.id,
        "Max",
        "Lead",
    )
    assert manager["locationIds"] == [north]

    listed = await client.get(business.url("/managers"), headers=person.headers)
    assert [m["id"] for m in listed.json()["data"]] == [manager["id"]]
    assert await manages(client, business, person.headers) == {north}
    staff = {"email": f"m-{uuid.uuid4().hex[:6]}@example.com", "firstName": "A", "lastName": "B"}
    for where, status in ((north, 202), (south, 403)):
        response = await client.post(
            business.url("/masters"),
            json={**staff, "locationIds": [where]},
            headers=person.headers,
        )
        assert response.status_code == status, response.text
    # Managers do not appoint managers.
    assert_error(
        await client.post(
            business.url("/managers"),
            json={"email": "x@example.com", "locationIds": [north]},
            headers=person.headers,
        ),
        403,
        "INSUFFICIENT_PERMISSIONS",
    )

    moved = await client.put(
        business.url(f"/managers/{manager['id']}"),
        json={"locationIds": [south]},
        headers=business.owner.headers,
    )
    assert moved.json()["data"]["locationIds"] == [south]
    assert await manages(client, business, person.headers) == {south}

    removed = await client.delete(
        business.url(f"/managers/{manager['id']}"), headers=business.owner.headers
    )
    assert removed.status_code == 200, removed.text
    assert_error(
        await client.get(business.url("/locations"), headers=person.headers),
        404,
        "RESOURCE_NOT_FOUND",
    )
    database: Database = app.state.db
    async with database.session() as session:
        audited = (
            await session.execute(
                select(AuditEntry.action, AuditEntry.after)
                .where(AuditEntry.entity_type == "manager")
                .order_by(AuditEntry.created_at)
            )
        ).all()
    assert [action for action, _ in audited] == ["create", "update", "delete"]
    assert audited[0][1]["location_ids"] == [north]


async def test_an_unknown_email_is_invited_like_a_master(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    business = await shop(app, client)
    branch = await location(app, business.id)
    invitation = await invite(
        client, business, "/managers", {"email": "lead@example.com", "locationIds": [branch]}
    )
    assert (invitation["role"], invitation["status"]) == ("manager", "pending")
    listed = await client.get(business.url("/managers"), headers=business.owner.headers)
    assert listed.json()["data"] == []
    [message] = await outbox_to(app, "lead@example.com")
    assert "as a manager" in message.body
    account = await accept_by_link(app, client, "lead@example.com", firstName="Lea", lastName="D")
    assert await manages(client, business, account.headers) == {branch}
    listed = await client.get(business.url("/managers"), headers=business.owner.headers)
    assert [m["userId"] for m in listed.json()["data"]] == [account.id]


async def test_bad_appointments(app: FastAPI, client: httpx.AsyncClient) -> None:
    business, other = await shop(app, client), await shop(app, client)
    mine, theirs = await location(app, business.id), await location(app, other.id)
    person = await register(client)
    for body, field in (
        ({"email": person.email, "locationIds": []}, "locationIds"),
        ({"email": person.email}, "locationIds"),
        ({"email": person.email, "locationIds": [theirs]}, "locationIds"),
        ({"email": "not-an-email", "locationIds": [mine]}, "email"),
    ):
        response = await client.post(
            business.url("/managers"), json=body, headers=business.owner.headers
        )
        assert fields_of(assert_error(response, 400, "VALIDATION_ERROR")) == {field}, body
    await appoint(app, client, business, person, locationIds=[mine])
    again = await client.post(
        business.url("/managers"),
        json={"email": person.email, "locationIds": [mine]},
        headers=business.owner.headers,
    )
    assert_error(again, 409, "DUPLICATE_RESOURCE")
    # A membership id of another role, or of another business, is not a manager here.
    unknown = await client.put(
        business.url(f"/managers/{uuid.uuid4()}"),
        json={"locationIds": [mine]},
        headers=business.owner.headers,
    )
    assert_error(unknown, 404, "RESOURCE_NOT_FOUND")
    listed = await client.get(business.url("/managers"), headers=business.owner.headers)
    manager_id = listed.json()["data"][0]["id"]
    cross = await client.delete(other.url(f"/managers/{manager_id}"), headers=other.owner.headers)
    assert_error(cross, 404, "RESOURCE_NOT_FOUND")
