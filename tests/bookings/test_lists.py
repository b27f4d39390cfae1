"""GET /bookings and GET /businesses/{businessId}/bookings: each caller sees what
access.py allows, in lists and one by one alike; filters and pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from fastapi import FastAPI

from bookwell.models import BusinessRole
from tests.bookings.factories import (
    BOOKINGS,
    Specialist,
    booked,
    pass_payment_deadline,
    specialist,
    weekday_at,
)
from tests.businesses.factories import (
    Tenant,
    active_business,
    add_location,
    add_master,
    add_member,
    add_service,
)
from tests.factories import assert_error, fields_of, register

ZONE = "Europe/Berlin"


@dataclass
class World:
    tenant: Tenant
    people: dict[str, dict[str, str]]
    # Booking ids by who booked them with whom.
    bookings: dict[str, str]
    masters: dict[str, str]


async def _world(app: FastAPI, client: httpx.AsyncClient) -> World:
    """A business with two locations: master one at the first, master two at the
    second, master three at none; a manager of the first location; two customers."""
    tenant = await active_business(app, client, timezone=ZONE)
    first = str((await add_location(client, tenant))["id"])
    second = str((await add_location(client, tenant))["id"])
    accounts = {name: await register(client) for name in ("one", "two", "three", "manager")}
    masters = {
        "one": await add_master(app, tenant.id, accounts["one"].id, [first]),
        "two": await add_master(app, tenant.id, accounts["two"].id, [second]),
        "three": await add_master(app, tenant.id, accounts["three"].id),
    }
    await add_member(app, tenant.id, accounts["manager"].id, BusinessRole.MANAGER, [first])
    service = await add_service(app, tenant.id, masters.values(), price=4000)
    ann, bob = await register(client), await register(client)
    key = await client.post(
        f"/api/v1/businesses/{tenant.id}/api-keys", json={"name": "k"}, headers=tenant.owner.headers
    )
    bookings = {}
    for label, customer, master, hour in (
        ("ann-one", ann, "one", 10),
        ("ann-two", ann, "two", 10),
        ("ann-three", ann, "three", 10),
        ("bob-one", bob, "one", 12),
    ):
        who = Specialist(accounts[master], masters[master], service, tenant.id)
        bookings[label] = (await booked(client, customer, who, weekday_at(hour, zone=ZONE)))["id"]
    people = {name: account.headers for name, account in accounts.items()}
    people |= {
        "owner": tenant.owner.headers,
        "key": {"X-API-Key": key.json()["data"]["key"]},
        "ann": ann.headers,
        "bob": bob.headers,
        "stranger": (await register(client)).headers,
    }
    return World(tenant, people, bookings, masters)


async def _ids(
    client: httpx.AsyncClient, path: str, headers: dict[str, str], **params: Any
) -> set[str]:
    response = await client.get(path, params=params, headers=headers)
    assert response.status_code == 200, response.text
    return {booking["id"] for booking in response.json()["data"]["bookings"]}


async def test_each_caller_sees_what_they_may_in_lists_and_one_by_one(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    world = await _world(app, client)
    b = world.bookings
    everything = set(b.values())
    expected = {
        "owner": everything,
        "key": everything,
        # The first location's bookings, and those at no location.
        "manager": {b["ann-one"], b["bob-one"], b["ann-three"]},
        "one": {b["ann-one"], b["bob-one"]},
        "two": {b["ann-two"]},
        "three": {b["ann-three"]},
        "ann": {b["ann-one"], b["ann-two"], b["ann-three"]},
        "bob": {b["bob-one"]},
        "stranger": set(),
    }
    business_list = f"/api/v1/businesses/{world.tenant.id}/bookings"
    for name, headers in world.people.items():
        seen = await _ids(client, BOOKINGS, headers)
        assert seen == expected[name], name
        for booking_id in everything:
            one = await client.get(f"{BOOKINGS}/{booking_id}", headers=headers)
            assert one.status_code == (200 if booking_id in seen else 404), (name, one.text)
        staff_side = await client.get(business_list, headers=headers)
        if name in {"ann", "bob", "stranger"}:
            assert_error(staff_side, 404, "RESOURCE_NOT_FOUND")
        else:
            assert {x["id"] for x in staff_side.json()["data"]["bookings"]} == seen, name


async def test_the_list_in_the_seed_shape_shows_the_customer_to_staff_only(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    world = await _world(app, client)
    mine = await client.get(BOOKINGS, params={"limit": 1}, headers=world.people["bob"])
    data = mine.json()["data"]
    assert data["pagination"] == {
        "currentPage": 1,
        "totalPages": 1,
        "totalItems": 1,
        "hasNext": False,
        "hasPrev": False,
    }
    item = data["bookings"][0]
    assert set(item) >= {
        "id",
        "service",
        "specialist",
        "customer",
        "status",
        "scheduledAt",
        "endsAt",
        "totalAmount",
        "depositPaid",
        "canCancel",
        "cancellationDeadline",
        "meetingLink",
        "createdAt",
    }
    assert item["service"]["duration"] == 60
    assert item["specialist"]["id"] == world.masters["one"]
    assert item["specialist"]["businessName"] == world.tenant.business["name"]
    assert item["customer"] is None
    assert (item["totalAmount"], item["currency"], item["depositPaid"]) == (40, "EUR", False)
    assert datetime.fromisoformat(item["scheduledAt"]) == weekday_at(12, zone=ZONE)

    seen_by_master = await client.get(BOOKINGS, headers=world.people["one"])
    customers = [x["customer"] for x in seen_by_master.json()["data"]["bookings"]]
    assert all(c is not None and c["email"] for c in customers)


async def test_someone_on_both_sides_narrows_with_as(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    host = await specialist(app, client)
    elsewhere = await specialist(app, client)
    customer = await register(client)
    served = await booked(client, customer, host, weekday_at(10))
    own = await booked(client, host.account, elsewhere, weekday_at(10))

    assert await _ids(client, BOOKINGS, host.headers) == {served["id"], own["id"]}
    assert await _ids(client, BOOKINGS, host.headers, **{"as": "customer"}) == {own["id"]}
    assert await _ids(client, BOOKINGS, host.headers, **{"as": "staff"}) == {served["id"]}
    rows = (await client.get(BOOKINGS, headers=host.headers)).json()["data"]["bookings"]
    by_id = {row["id"]: row for row in rows}
    assert by_id[served["id"]]["customer"] is not None
    assert by_id[own["id"]]["customer"] is None
    bad = await client.get(BOOKINGS, params={"as": "admin"}, headers=host.headers)
    assert_error(bad, 400, "VALIDATION_ERROR")


async def test_filters_status_dates_email_and_pages(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    host = await specialist(app, client, timezone=ZONE, deposit=5)
    ann, bob = await register(client), await register(client)
    late_day = weekday_at(16, zone=ZONE)
    next_day = weekday_at(10, zone=ZONE, days=(late_day.date() - datetime.now(UTC).date()).days + 1)
    first = await booked(client, ann, host, late_day)
    second = await booked(client, bob, host, next_day)
    third = await booked(client, ann, host, next_day + timedelta(hours=2))
    await pass_payment_deadline(app, third["id"])
    headers = host.headers

    assert await _ids(client, BOOKINGS, headers, status="expired") == {third["id"]}
    assert await _ids(client, BOOKINGS, headers, status="pending_payment") == {
        first["id"],
        second["id"],
    }
    assert await _ids(client, BOOKINGS, headers, email=ann.email.upper()) == {
        first["id"],
        third["id"],
    }
    day_one = late_day.astimezone(UTC).date().isoformat()
    assert await _ids(client, BOOKINGS, headers, startDate=day_one, endDate=day_one) == {
        first["id"]
    }
    assert await _ids(client, BOOKINGS, headers, dateFrom=next_day.date().isoformat()) == {
        second["id"],
        third["id"],
    }
    # 16:00 in Berlin is already the next day on Kiritimati (UTC+14).
    far_east = "Pacific/Kiritimati"
    local = late_day.astimezone(ZoneInfo(far_east)).date()
    assert local == late_day.date() + timedelta(days=1)
    assert (
        await _ids(client, BOOKINGS, headers, startDate=day_one, endDate=day_one, timezone=far_east)
        == set()
    )
    east = await client.get(
        BOOKINGS,
        params={"dateFrom": local.isoformat(), "dateTo": local.isoformat(), "timezone": far_east},
        headers=headers,
    )
    shown = east.json()["data"]["bookings"]
    assert shown[0]["id"] == first["id"]
    assert datetime.fromisoformat(shown[0]["scheduledAt"]).utcoffset() == timedelta(hours=14)

    page_two = await client.get(BOOKINGS, params={"limit": 2, "page": 2}, headers=headers)
    assert [row["id"] for row in page_two.json()["data"]["bookings"]] == [third["id"]]
    assert page_two.json()["data"]["pagination"]["hasPrev"] is True
    beyond = await client.get(BOOKINGS, params={"page": 9}, headers=headers)
    assert beyond.json()["data"]["bookings"] == []

    for params, field in (
        ({"startDate": "2027-02-30"}, "startDate"),
        ({"startDate": "2027-03-02", "endDate": "2027-03-01"}, "endDate"),
        ({"startDate": "2027-03-01", "dateFrom": "2027-03-02"}, "dateFrom"),
        ({"endDate": "9999-12-31"}, "endDate"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"status": "lost"}, "status"),
        ({"limit": 101}, "limit"),
        ({"email": "a\x00b@example.com"}, "email"),
    ):
        response = await client.get(BOOKINGS, params=params, headers=headers)
        assert field in fields_of(assert_error(response, 400, "VALIDATION_ERROR")), params


async def test_an_api_key_lists_its_business_only(app: FastAPI, client: httpx.AsyncClient) -> None:
    host = await specialist(app, client)
    other = await specialist(app, client)
    customer = await register(client)
    mine = await booked(client, customer, host, weekday_at(10))
    await booked(client, customer, other, weekday_at(10))
    key = await client.post(
        f"/api/v1/businesses/{host.business_id}/api-keys", json={"name": "k"}, headers=host.headers
    )
    headers = {"Authorization": f"ApiKey {key.json()['data']['key']}"}
    assert await _ids(client, BOOKINGS, headers) == {mine["id"]}
    assert await _ids(client, BOOKINGS, headers, **{"as": "customer"}) == set()
    assert_error(await client.get(BOOKINGS), 401, "AUTHENTICATION_REQUIRED")
