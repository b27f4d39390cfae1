"""GET and PUT /api/v1/specialists/profile."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, update

from bookwell.db import Database
from bookwell.kit.cache import CATALOG, Cache
from bookwell.models import AuditEntry, Business, Master, Membership, User, UserType
from tests.businesses.factories import active_business, add_master
from tests.factories import Account, assert_error, fields_of, register

PROFILE = "/api/v1/specialists/profile"


async def specialist(client: httpx.AsyncClient, **overrides: Any) -> Account:
    return await register(client, userType="specialist", verified=True, **overrides)


async def updated(client: httpx.AsyncClient, account: Account, body: Any) -> dict[str, Any]:
    response = await client.put(PROFILE, json=body, headers=account.headers)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


async def refused(client: httpx.AsyncClient, account: Account, body: Any) -> dict[str, Any]:
    response = await client.put(PROFILE, json=body, headers=account.headers)
    return assert_error(response, 400, "VALIDATION_ERROR")


async def solo_business(app: FastAPI, account: Account) -> Business:
    database: Database = app.state.db
    async with database.session() as session:
        result = await session.execute(
            select(Business)
            .join(Membership, Membership.business_id == Business.id)
            .where(Membership.user_id == uuid.UUID(account.id))
        )
        return result.scalars().first()  # type: ignore[return-value]


async def test_get_returns_the_seed_shape(client: httpx.AsyncClient) -> None:
    account = await specialist(client, firstName="John", lastName="Doe")
    response = await client.get(PROFILE, headers=account.headers)
    assert response.status_code == 200, response.text
    profile = response.json()["data"]
    assert set(profile) == {
        "id",
        "userId",
        "businessName",
        "description",
        "specialties",
        "experience",
        "rating",
        "totalReviews",
        "totalBookings",
        "isVerified",
        "availability",
        "pricing",
        "revenue",
    }
    uuid.UUID(profile["id"])
    assert profile["userId"] == account.id
    assert profile["businessName"] == "John Doe"
    assert profile["specialties"] == []
    assert (profile["rating"], profile["totalReviews"], profile["totalBookings"]) == (0, 0, 0)
    assert profile["isVerified"] is False
    assert profile["availability"]["timezone"] == "UTC"
    assert profile["availability"]["workingHours"]["monday"] == {"start": "09:00", "end": "17:00"}
    assert "saturday" not in profile["availability"]["workingHours"]
    assert profile["pricing"] == {"baseRate": 0, "currency": "USD", "depositAmount": 0}
    assert profile["revenue"] == {"thisMonth": 0, "lastMonth": 0, "total": 0}


async def test_requires_a_specialist(client: httpx.AsyncClient) -> None:
    assert_error(await client.get(PROFILE), 401, "AUTHENTICATION_REQUIRED")
    customer = await register(client)
    assert_error(
        await client.get(PROFILE, headers=customer.headers), 403, "INSUFFICIENT_PERMISSIONS"
    )
    assert_error(
        await client.put(PROFILE, json={"description": "x"}, headers=customer.headers),
        403,
        "INSUFFICIENT_PERMISSIONS",
    )


async def test_put_updates_every_field(app: FastAPI, client: httpx.AsyncClient) -> None:
    account = await specialist(client)
    cache: Cache = app.state.cache
    version = await cache.version(CATALOG)
    body = {
        "businessName": "John's Advanced Consulting",
        "description": "Expert business consultant",
        "specialties": ["business", "marketing", "strategy"],
        "experience": 7,
        "baseRate": 120.5,
        "pricing": {"depositAmount": 20},
        "availability": {
            "timezone": "America/New_York",
            "workingHours": {
                "monday": [{"start": "13:00", "end": "17:00"}, {"start": "09:00", "end": "12:00"}],
                "saturday": {"start": "10:00", "end": "14:00"},
            },
        },
    }
    profile = await updated(client, account, body)
    assert profile["businessName"] == "John's Advanced Consulting"
    assert profile["description"] == "Expert business consultant"
    assert profile["specialties"] == ["business", "marketing", "strategy"]
    assert profile["experience"] == 7
    assert profile["pricing"] == {"baseRate": 120.5, "currency": "USD", "depositAmount": 20}
    assert profile["availability"] == {
        "timezone": "America/New_York",
        "workingHours": {
            # Sorted; several intervals (a break) stay a list, one is an object.
            "monday": [{"start": "09:00", "end": "12:00"}, {"start": "13:00", "end": "17:00"}],
            "saturday": {"start": "10:00", "end": "14:00"},
        },
    }
    again = await client.get(PROFILE, headers=account.headers)
    assert again.json()["data"] == profile
    business = await solo_business(app, account)
    assert business.name == "John's Advanced Consulting"
    assert business.timezone == "America/New_York"
    assert set(business.opening_hours) == {"monday", "saturday"}
    assert await cache.version(CATALOG) > version
    database: Database = app.state.db
    async with database.session() as session:
        master = (
            await session.execute(select(Master).where(Master.user_id == uuid.UUID(account.id)))
        ).scalar_one()
        assert master.base_rate == 12050
        assert master.deposit_amount == 2000
        actions = (
            await session.execute(
                select(AuditEntry.entity_type).where(
                    AuditEntry.business_id == business.id, AuditEntry.action == "update"
                )
            )
        ).scalars()
        assert set(actions) == {"business", "master"}


async def test_only_the_fields_given_change(client: httpx.AsyncClient) -> None:
    account = await specialist(client)
    await updated(client, account, {"description": "First", "specialties": ["a"]})
    profile = await updated(client, account, {"experience": 3})
    assert (profile["description"], profile["specialties"], profile["experience"]) == (
        "First",
        ["a"],
        3,
    )


async def test_deposit_falls_back_to_the_business_default(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    account = await specialist(client)
    business = await solo_business(app, account)
    database: Database = app.state.db
    async with database.session() as session:
        row = await session.get(Business, business.id)
        assert row is not None
        row.deposit_amount = 500
    profile = (await client.get(PROFILE, headers=account.headers)).json()["data"]
    assert profile["pricing"]["depositAmount"] == 5
    # Zero is the master's own choice (no deposit), not "use the default".
    profile = await updated(client, account, {"pricing": {"depositAmount": 0}})
    assert profile["pricing"]["depositAmount"] == 0


async def test_base_rate_inside_pricing(client: httpx.AsyncClient) -> None:
    account = await specialist(client)
    profile = await updated(client, account, {"pricing": {"baseRate": 99.99}})
    assert profile["pricing"]["baseRate"] == 99.99
    same = await updated(client, account, {"baseRate": 80, "pricing": {"baseRate": 80}})
    assert same["pricing"]["baseRate"] == 80
    error = await refused(client, account, {"baseRate": 80, "pricing": {"baseRate": 90}})
    assert fields_of(error) == {"baseRate"}


async def test_currency_change_follows_the_business_rule(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    account = await specialist(client)
    await updated(client, account, {"baseRate": 150, "pricing": {"depositAmount": 10}})
    # No services yet: the numbers are kept in the new currency.
    profile = await updated(client, account, {"pricing": {"currency": "jpy"}})
    assert profile["pricing"] == {"baseRate": 150, "currency": "JPY", "depositAmount": 10}
    assert (await solo_business(app, account)).currency == "JPY"
    # Back to USD: 12.5 fits; to JPY again it does not unless replaced in the same request.
    await updated(client, account, {"pricing": {"currency": "USD", "baseRate": 12.5}})
    error = await refused(client, account, {"pricing": {"currency": "JPY"}})
    assert fields_of(error) == {"pricing.currency"}
    assert error["details"][0]["code"] == "INVALID_AMOUNT"
    assert "base rate" in error["details"][0]["message"]
    replaced = await updated(client, account, {"pricing": {"currency": "JPY", "baseRate": 1500}})
    assert replaced["pricing"]["baseRate"] == 1500

    service = await client.post(
        "/api/v1/specialists/services",
        json={"name": "Session", "duration": 60, "price": 150},
        headers=account.headers,
    )
    assert service.status_code == 201, service.text
    # With a service, the currency is fixed, exactly as for PUT /businesses/{businessId}.
    locked = await client.put(
        PROFILE, json={"pricing": {"currency": "EUR"}}, headers=account.headers
    )
    error = assert_error(locked, 422, "BUSINESS_RULE_VIOLATION")
    assert [(d["field"], d["code"]) for d in error["details"]] == [("pricing.currency", "LOCKED")]
    assert (await solo_business(app, account)).currency == "JPY"
    # Naming the current currency is no change and is accepted.
    same = await updated(client, account, {"pricing": {"currency": "JPY"}})
    assert same["pricing"]["currency"] == "JPY"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"businessName": ""}, "businessName"),
        ({"businessName": "x" * 201}, "businessName"),
        ({"businessName": None}, "businessName"),
        ({"description": "x" * 5001}, "description"),
        ({"specialties": ["x"] * 21}, "specialties"),
        ({"specialties": [""]}, "specialties.0"),
        ({"specialties": ["x" * 51]}, "specialties.0"),
        ({"specialties": "business"}, "specialties"),
        ({"experience": -1}, "experience"),
        ({"experience": 81}, "experience"),
        ({"experience": "five"}, "experience"),
        ({"baseRate": -1}, "baseRate"),
        ({"baseRate": 10.005}, "baseRate"),
        ({"baseRate": "lots"}, "baseRate"),
        ({"pricing": {"baseRate": 1.001}}, "pricing.baseRate"),
        ({"pricing": {"currency": "XXY"}}, "pricing.currency"),
        ({"pricing": {"currency": None}}, "pricing.currency"),
        ({"pricing": {"depositAmount": -5}}, "pricing.depositAmount"),
        ({"pricing": {"depositAmount": 0.001}}, "pricing.depositAmount"),
        ({"pricing": {"depositAmount": 1e12}}, "pricing.depositAmount"),
        ({"availability": {"timezone": "Mars/Olympus"}}, "availability.timezone"),
        ({"availability": {"timezone": None}}, "availability.timezone"),
        ({"availability": {"workingHours": []}}, "availability.workingHours"),
        ({"rating": 5}, "rating"),
        ({"pricing": {"discount": 5}}, "pricing.discount"),
    ],
)
async def test_bad_values_are_400_naming_the_field(
    client: httpx.AsyncClient, body: dict[str, Any], field: str
) -> None:
    account = await specialist(client)
    error = await refused(client, account, body)
    assert fields_of(error) == {field}


@pytest.mark.parametrize(
    ("hours", "words"),
    [
        ({"funday": {"start": "09:00", "end": "17:00"}}, ["funday"]),
        ({"monday": {"start": "9:00", "end": "17:00"}}, ["monday", "9:00"]),
        ({"tuesday": {"start": "09:00", "end": "25:00"}}, ["tuesday", "25:00"]),
        ({"wednesday": {"start": "17:00", "end": "09:00"}}, ["wednesday", "before"]),
        ({"thursday": {"start": "10:00", "end": "10:00"}}, ["thursday"]),
        (
            {
                "friday": [
                    {"start": "09:00", "end": "13:00"},
                    {"start": "12:30", "end": "17:00"},
                ]
            },
            ["friday: 09:00\u201313:00 overlaps 12:30\u201317:00"],
        ),
        ({"saturday": {"start": "09:00"}}, ["saturday"]),
        ({"sunday": "09:00-17:00"}, ["sunday"]),
    ],
)
async def test_bad_working_hours_name_the_day(
    client: httpx.AsyncClient, hours: dict[str, Any], words: list[str]
) -> None:
    account = await specialist(client)
    error = await refused(client, account, {"availability": {"workingHours": hours}})
    assert fields_of(error) == {"availability.workingHours"}
    message = error["details"][0]["message"]
    for word in words:
        assert word in message


async def test_adjacent_intervals_and_closed_days(client: httpx.AsyncClient) -> None:
    account = await specialist(client)
    hours = {
        "monday": [{"start": "09:00", "end": "12:00"}, {"start": "12:00", "end": "24:00"}],
        "sunday": [],
    }
    profile = await updated(client, account, {"availability": {"workingHours": hours}})
    assert profile["availability"]["workingHours"] == {"monday": hours["monday"]}


async def test_a_refused_update_changes_nothing(client: httpx.AsyncClient) -> None:
    account = await specialist(client)
    before = (await client.get(PROFILE, headers=account.headers)).json()["data"]
    await refused(client, account, {"businessName": "New name", "experience": 99})
    await refused(client, account, {"description": "Changed", "pricing": {"baseRate": 1.234}})
    assert (await client.get(PROFILE, headers=account.headers)).json()["data"] == before


async def _make_specialist_type(app: FastAPI, account: Account) -> None:
    """As the demo data has them: userType specialist, no one-person business."""
    database: Database = app.state.db
    async with database.session() as session:
        await session.execute(
            update(User)
            .where(User.id == uuid.UUID(account.id))
            .values(user_type=UserType.SPECIALIST)
        )


async def test_a_master_without_a_one_person_business_has_a_profile(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    first = await active_business(app, client, name="First Salon")
    second = await active_business(app, client, name="Second Salon")
    account = await register(client)
    await _make_specialist_type(app, account)
    oldest = await add_master(app, first.id, account.id, description="Colorist")
    await add_master(app, second.id, account.id)

    profile = await client.get(PROFILE, headers=account.headers)
    assert profile.status_code == 200, profile.text
    data = profile.json()["data"]
    assert (data["id"], data["businessName"], data["description"]) == (
        oldest,
        "First Salon",
        "Colorist",
    )
    hours = {"monday": {"start": "10:00", "end": "14:00"}}
    changed = await updated(
        client, account, {"description": "Cuts", "availability": {"workingHours": hours}}
    )
    assert (changed["id"], changed["description"]) == (oldest, "Cuts")
    assert changed["availability"]["workingHours"] == hours
    # The master's own hours change; the business keeps its opening hours.
    business = await client.get(f"/api/v1/businesses/{first.id}", headers=first.owner.headers)
    assert business.json()["data"]["openingHours"]["monday"] == {"start": "09:00", "end": "17:00"}
    for body, field in (
        ({"businessName": "Mine now"}, "businessName"),
        ({"pricing": {"currency": "JPY"}}, "pricing.currency"),
    ):
        refused = await client.put(PROFILE, json=body, headers=account.headers)
        error = assert_error(refused, 403, "INSUFFICIENT_PERMISSIONS")
        assert fields_of(error) == {field}
    business = await client.get(f"/api/v1/businesses/{first.id}", headers=first.owner.headers)
    assert (business.json()["data"]["name"], business.json()["data"]["currency"]) == (
        "First Salon",
        "EUR",
    )


async def test_the_one_person_business_is_preferred(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    other = await active_business(app, client, name="Older Salon")
    account = await specialist(client, firstName="Solo", lastName="Person")
    # Older than the one-person business's master row, yet not the one shown.
    await add_master(app, other.id, account.id, created_at=datetime(2020, 1, 1, tzinfo=UTC))
    data = (await client.get(PROFILE, headers=account.headers)).json()["data"]
    assert data["businessName"] == "Solo Person"
