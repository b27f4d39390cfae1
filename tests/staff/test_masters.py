"""/api/v1/businesses/{businessId}/masters: masters are invited by email and become
masters only by accepting (tests/staff/test_invitations.py: the invitation itself)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from bookwell.db import Database
from bookwell.models import BusinessRole, Master, Membership, User
from tests.factories import Account, assert_error, fields_of, register
from tests.staff.factories import (
    Shop,
    hire,
    location,
    member,
    shop,
)


def staff_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "email": f"master-{uuid.uuid4().hex[:8]}@example.com",
        "firstName": "Mia",
        "lastName": "Stone",
    }
    body.update(overrides)
    return body


async def add(
    app: FastAPI,
    client: httpx.AsyncClient,
    business: Shop,
    headers: dict[str, str],
    **overrides: Any,
) -> dict[str, Any]:
    """A master who accepted the invitation these headers sent."""
    return await hire(app, client, business, headers=headers, **staff_body(**overrides))


async def login(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    return await client.post("/api/v1/auth/login", json={"email": email, "password": password})


async def test_a_person_may_be_a_master_of_several_businesses(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    first, second = await shop(app, client), await shop(app, client)
    person = await register(client)
    linked = await hire(app, client, first, person=person)
    assert linked["userId"] == person.id
    # Names come from the account, not from the invitation.
    assert linked["lastName"] == person.body["user"]["lastName"]

    duplicate = await client.post(
        first.url("/masters"), json=staff_body(email=person.email), headers=first.owner.headers
    )
    assert_error(duplicate, 409, "DUPLICATE_RESOURCE")

    other = await hire(app, client, second, person=person)
    assert other["userId"] == person.id
    assert other["id"] != linked["id"]

    database: Database = app.state.db
    async with database.session() as session:
        roles = (
            await session.execute(
                select(Membership.business_id, Membership.role).where(
                    Membership.user_id == uuid.UUID(person.id)
                )
            )
        ).all()
        assert sorted((str(b), r) for b, r in roles) == sorted(
            [(first.id, BusinessRole.MASTER), (second.id, BusinessRole.MASTER)]
        )
    # The master sees only themselves.
    mine = (await client.get(first.url("/masters"), headers=person.headers)).json()["data"]
    assert [m["id"] for m in mine] == [linked["id"]]


async def test_owner_sees_every_master(app: FastAPI, client: httpx.AsyncClient) -> None:
    business = await shop(app, client)
    one = await add(app, client, business, business.owner.headers, firstName="Ann")
    two = await add(app, client, business, business.owner.headers, firstName="Bob")
    listed = await client.get(business.url("/masters"), headers=business.owner.headers)
    assert [m["id"] for m in listed.json()["data"]] == [one["id"], two["id"]]


async def test_location_rules_for_managers(app: FastAPI, client: httpx.AsyncClient) -> None:
    business = await shop(app, client)
    here, there = await location(app, business.id), await location(app, business.id)
    manager = await register(client)
    await member(app, business.id, manager.id, BusinessRole.MANAGER, [there])

    refused = await client.post(
        business.url("/masters"), json=staff_body(locationIds=[here]), headers=manager.headers
    )
    assert_error(refused, 403, "INSUFFICIENT_PERMISSIONS")
    mixed = await client.post(
        business.url("/masters"),
        json=staff_body(locationIds=[here, there]),
        headers=manager.headers,
    )
    assert_error(mixed, 403, "INSUFFICIENT_PERMISSIONS")
    mine = await add(app, client, business, manager.headers, locationIds=[there])
    assert mine["locationIds"] == [there]
    # Managers see every master of the business.
    listed = (await client.get(business.url("/masters"), headers=manager.headers)).json()["data"]
    assert [m["id"] for m in listed] == [mine["id"]]

    # A master of the other location is out of this manager's reach.
    theirs = await add(app, client, business, business.owner.headers, locationIds=[here])
    url = business.url(f"/masters/{theirs['id']}")
    put = await client.put(url, json={"description": "x"}, headers=manager.headers)
    assert_error(put, 403, "INSUFFICIENT_PERMISSIONS")
    assert_error(await client.delete(url, headers=manager.headers), 403, "INSUFFICIENT_PERMISSIONS")
    # Nor may the manager move their own master to that location.
    move = await client.put(
        business.url(f"/masters/{mine['id']}"),
        json={"locationIds": [here]},
        headers=manager.headers,
    )
    assert_error(move, 403, "INSUFFICIENT_PERMISSIONS")


async def test_masters_and_outsiders_cannot_add(app: FastAPI, client: httpx.AsyncClient) -> None:
    business = await shop(app, client)
    master_account = await register(client)
    await hire(app, client, business, person=master_account)
    as_master = await client.post(
        business.url("/masters"), json=staff_body(), headers=master_account.headers
    )
    assert_error(as_master, 403, "INSUFFICIENT_PERMISSIONS")

    outsider = await register(client)
    for response in (
        await client.get(business.url("/masters"), headers=outsider.headers),
        await client.post(business.url("/masters"), json=staff_body(), headers=outsider.headers),
    ):
        assert_error(response, 404, "RESOURCE_NOT_FOUND")
    assert_error(await client.get(business.url("/masters")), 401, "AUTHENTICATION_REQUIRED")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"firstName": ""}, "firstName"),
        ({"lastName": "x" * 101}, "lastName"),
        ({"phoneNumber": "123"}, "phoneNumber"),
        ({"locationIds": ["nope"]}, "locationIds.0"),
        ({"locationIds": [str(uuid.uuid4())]}, "locationIds"),
        ({"specialties": ["x"] * 21}, "specialties"),
        ({"role": "owner"}, "role"),
    ],
)
async def test_bad_master_fields(
    app: FastAPI, client: httpx.AsyncClient, overrides: dict[str, Any], field: str
) -> None:
    business = await shop(app, client)
    response = await client.post(
        business.url("/masters"), json=staff_body(**overrides), headers=business.owner.headers
    )
    assert fields_of(assert_error(response, 400, "VALIDATION_ERROR")) == {field}


async def test_location_of_another_business_is_400(app: FastAPI, client: httpx.AsyncClient) -> None:
    business, other = await shop(app, client), await shop(app, client)
    foreign = await location(app, other.id)
    response = await client.post(
        business.url("/masters"),
        json=staff_body(locationIds=[foreign]),
        headers=business.owner.headers,
    )
    assert fields_of(assert_error(response, 400, "VALIDATION_ERROR")) == {"locationIds"}


async def test_update_master(app: FastAPI, client: httpx.AsyncClient) -> None:
    business = await shop(app, client)
    branch = await location(app, business.id)
    master = await add(app, client, business, business.owner.headers)
    url = business.url(f"/masters/{master['id']}")
    body = {
        "description": "Senior stylist",
        "specialties": ["balayage"],
        "experience": 12,
        "locationIds": [branch],
        "isActive": False,
        "timezone": "Asia/Almaty",
        "workingHours": {
            "tuesday": [{"start": "09:00", "end": "12:00"}, {"start": "13:00", "end": "18:00"}]
        },
    }
    response = await client.put(url, json=body, headers=business.owner.headers)
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert (data["description"], data["specialties"], data["experience"]) == (
        "Senior stylist",
        ["balayage"],
        12,
    )
    assert data["locationIds"] == [branch]
    assert data["isActive"] is False
    assert data["timezone"] == "Asia/Almaty"
    assert data["workingHours"] == body["workingHours"]
    database: Database = app.state.db
    async with database.session() as session:
        membership = (
            await session.execute(
                select(Membership).where(
                    Membership.user_id == uuid.UUID(master["userId"]),
                    Membership.role == BusinessRole.MASTER,
                )
            )
        ).scalar_one()
        assert [loc.id for loc in membership.locations] == [uuid.UUID(branch)]

    for bad, field in (
        ({"workingHours": {"monday": {"start": "18:00", "end": "09:00"}}}, "workingHours"),
        ({"workingHours": {"someday": {"start": "09:00", "end": "10:00"}}}, "workingHours"),
        ({"timezone": "Nowhere/City"}, "timezone"),
        ({"experience": 81}, "experience"),
        ({"isActive": None}, "isActive"),
        ({"locationIds": [str(uuid.uuid4())]}, "locationIds"),
    ):
        refused = await client.put(url, json=bad, headers=business.owner.headers)
        assert fields_of(assert_error(refused, 400, "VALIDATION_ERROR")) == {field}, bad
    missing = business.url(f"/masters/{uuid.uuid4()}")
    assert_error(
        await client.put(missing, json={"description": "x"}, headers=business.owner.headers),
        404,
        "RESOURCE_NOT_FOUND",
    )


async def test_remove_master_keeps_the_user(app: FastAPI, client: httpx.AsyncClient) -> None:
    business = await shop(app, client)
    person = await register(client)
    master = await hire(app, client, business, person=person)
    url = business.url(f"/masters/{master['id']}")
    removed = await client.delete(url, headers=business.owner.headers)
    assert removed.status_code == 200, removed.text
    database: Database = app.state.db
    async with database.session() as session:
        assert await session.get(Master, uuid.UUID(master["id"])) is None
        memberships = (
            await session.execute(
                select(Membership).where(Membership.user_id == uuid.UUID(person.id))
            )
        ).first()
        assert memberships is None
        assert await session.get(User, uuid.UUID(person.id)) is not None
    assert (await login(client, person.email, person.password)).status_code == 200
    # No longer staff: the business is hidden from them.
    gone = await client.get(business.url("/masters"), headers=person.headers)
    assert_error(gone, 404, "RESOURCE_NOT_FOUND")
    assert_error(
        await client.delete(url, headers=business.owner.headers), 404, "RESOURCE_NOT_FOUND"
    )


async def test_solo_specialist_cannot_be_removed(app: FastAPI, client: httpx.AsyncClient) -> None:
    account: Account = await register(client, userType="specialist", verified=True)
    profile = (await client.get("/api/v1/specialists/profile", headers=account.headers)).json()
    database: Database = app.state.db
    async with database.session() as session:
        master = await session.get(Master, uuid.UUID(profile["data"]["id"]))
        assert master is not None
        business_id = master.business_id
    url = f"/api/v1/businesses/{business_id}/masters/{master.id}"
    assert_error(await client.delete(url, headers=account.headers), 422, "BUSINESS_RULE_VIOLATION")
