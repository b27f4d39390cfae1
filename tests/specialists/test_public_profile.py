"""GET /api/v1/specialists/{specialistId}: the public profile."""

from __future__ import annotations

import uuid

import httpx
from fastapi import FastAPI
from sqlalchemy import update

from bookwell.db import Database
from bookwell.models import Business, BusinessStatus, Master, User
from tests.factories import Account, assert_error, register

SERVICES = "/api/v1/specialists/services"


async def published(client: httpx.AsyncClient) -> tuple[Account, str]:
    """A specialist with a profile, an active and an inactive service; their master id."""
    account = await register(
        client, userType="specialist", verified=True, firstName="Jane", lastName="Roe"
    )
    response = await client.put(
        "/api/v1/specialists/profile",
        json={
            "description": "Coach",
            "specialties": ["coaching"],
            "experience": 4,
            "baseRate": 80,
            "availability": {
                "timezone": "Europe/Berlin",
                "workingHours": {"monday": {"start": "10:00", "end": "18:00"}},
            },
        },
        headers=account.headers,
    )
    assert response.status_code == 200, response.text
    for name, active in (("Visible", True), ("Hidden", False)):
        created = await client.post(
            SERVICES,
            json={"name": name, "duration": 45, "price": 60, "isActive": active},
            headers=account.headers,
        )
        assert created.status_code == 201, created.text
    master_id: str = response.json()["data"]["id"]
    return account, master_id


async def test_public_profile_shows_active_services(client: httpx.AsyncClient) -> None:
    _, master_id = await published(client)
    response = await client.get(f"/api/v1/specialists/{master_id}")
    assert response.status_code == 200, response.text
    profile = response.json()["data"]
    assert profile["id"] == master_id
    assert (profile["firstName"], profile["lastName"], profile["avatar"]) == ("Jane", "Roe", None)
    assert profile["businessName"] == "Jane Roe"
    assert (profile["description"], profile["specialties"], profile["experience"]) == (
        "Coach",
        ["coaching"],
        4,
    )
    assert (profile["rating"], profile["totalReviews"], profile["isVerified"]) == (0, 0, False)
    assert profile["availability"] == {
        "timezone": "Europe/Berlin",
        "workingHours": {"monday": {"start": "10:00", "end": "18:00"}},
    }
    assert profile["pricing"] == {"baseRate": 80, "currency": "USD", "depositAmount": 0}
    assert [(s["name"], s["duration"], s["price"], s["category"]) for s in profile["services"]] == [
        ("Visible", 45, 60, None)
    ]
    # Private figures stay private.
    assert "revenue" not in profile
    assert "totalBookings" not in profile


async def _set(app: FastAPI, statement: object) -> None:
    database: Database = app.state.db
    async with database.session() as session:
        await session.execute(statement)  # type: ignore[call-overload]


async def test_hidden_when_business_not_active(app: FastAPI, client: httpx.AsyncClient) -> None:
    _, master_id = await published(client)
    master_uuid = uuid.UUID(master_id)
    database: Database = app.state.db
    async with database.session() as session:
        master = await session.get(Master, master_uuid)
        assert master is not None
        business_id = master.business_id
    for status in (BusinessStatus.PENDING, BusinessStatus.SUSPENDED, BusinessStatus.REJECTED):
        await _set(app, update(Business).where(Business.id == business_id).values(status=status))
        response = await client.get(f"/api/v1/specialists/{master_id}")
        assert_error(response, 404, "RESOURCE_NOT_FOUND")
    await _set(
        app,
        update(Business).where(Business.id == business_id).values(status=BusinessStatus.ACTIVE),
    )
    assert (await client.get(f"/api/v1/specialists/{master_id}")).status_code == 200


async def test_hidden_when_master_or_user_inactive(app: FastAPI, client: httpx.AsyncClient) -> None:
    account, master_id = await published(client)
    url = f"/api/v1/specialists/{master_id}"
    master_uuid = uuid.UUID(master_id)
    await _set(app, update(Master).where(Master.id == master_uuid).values(is_active=False))
    assert_error(await client.get(url), 404, "RESOURCE_NOT_FOUND")
    await _set(app, update(Master).where(Master.id == master_uuid).values(is_active=True))
    assert (await client.get(url)).status_code == 200
    user_uuid = uuid.UUID(account.id)
    await _set(app, update(User).where(User.id == user_uuid).values(is_active=False))
    assert_error(await client.get(url), 404, "RESOURCE_NOT_FOUND")


async def test_unknown_ids(client: httpx.AsyncClient) -> None:
    assert_error(await client.get(f"/api/v1/specialists/{uuid.uuid4()}"), 404, "RESOURCE_NOT_FOUND")
    assert_error(await client.get("/api/v1/specialists/nobody"), 404, "RESOURCE_NOT_FOUND")
