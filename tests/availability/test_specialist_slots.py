"""GET /specialists/availability (own) and /specialists/{id}/availability (public):
the seed's `availableSlots` shape, ranges and zones, reasons, who may see what."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import update

from bookwell.availability.schemas import AvailabilityOut
from bookwell.db import Database
from bookwell.kit.schemas import Envelope
from bookwell.models import Business, BusinessStatus, Master
from tests.availability.factories import (
    OWN,
    book,
    next_dst_change,
    own_service,
    slots_of,
    specialist,
    upcoming,
)
from tests.factories import assert_error, fields_of, register


def public(master_id: str) -> str:
    return f"/api/v1/specialists/{master_id}/availability"


async def test_the_seed_shape_with_a_booked_slot(app: FastAPI, client: httpx.AsyncClient) -> None:
    account, master_id = await specialist(client, timezone="America/New_York")
    service_id = await own_service(client, account, duration=60, slotStep=60)
    friday = upcoming(4)
    new_york = ZoneInfo("America/New_York")
    await book(app, master_id, service_id, datetime.combine(friday, time(10), tzinfo=new_york))

    response = await client.get(
        OWN,
        params={"startDate": str(friday), "endDate": str(friday), "timezone": "America/New_York"},
        headers=account.headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    Envelope[AvailabilityOut].model_validate(body)  # the documented schema
    assert body["success"] is True
    data = body["data"]
    assert (data["timezone"], data["serviceId"], data["duration"]) == (
        "America/New_York",
        service_id,
        60,
    )
    assert [entry["date"] for entry in data["availableSlots"]] == [str(friday)]
    found = slots_of(body, friday)
    assert [slot["startTime"] for slot in found] == [f"{h:02d}:00" for h in range(9, 17)]
    assert found[0] == {
        "startTime": "09:00",
        "endTime": "10:00",
        "startsAt": f"{friday}T09:00:00{found[0]['startsAt'][-6:]}",
        "endsAt": f"{friday}T10:00:00{found[0]['startsAt'][-6:]}",
        "available": True,
    }
    assert found[1]["available"] is False
    assert found[1]["reason"] == "booked"
    assert "reason" not in found[0]


async def test_the_public_route_shows_the_same_slots(client: httpx.AsyncClient) -> None:
    account, master_id = await specialist(client)
    service_id = await own_service(client, account, duration=30)
    monday = upcoming(0)
    params = {"startDate": str(monday), "endDate": str(monday + timedelta(days=6))}
    own = await client.get(OWN, params=params, headers=account.headers)
    seen = await client.get(public(master_id), params={**params, "serviceId": service_id})
    assert seen.status_code == 200, seen.text
    assert seen.json() == own.json()
    days = seen.json()["data"]["availableSlots"]
    assert len(days) == 7  # every date, weekend ones empty
    assert [len(day["slots"]) for day in days] == [31, 31, 31, 31, 31, 0, 0]  # 09:00 ... 16:30


async def test_without_a_service_the_first_active_one_else_sixty_minutes(
    client: httpx.AsyncClient,
) -> None:
    account, _ = await specialist(client)
    monday = upcoming(0)
    params = {"startDate": str(monday), "endDate": str(monday)}
    bare = (await client.get(OWN, params=params, headers=account.headers)).json()["data"]
    assert (bare["serviceId"], bare["duration"]) == (None, 60)
    assert len(bare["availableSlots"][0]["slots"]) == 29  # 09:00 ... 16:00 every 15 min

    await own_service(client, account, name="Hidden", duration=20, isActive=False)
    first = await own_service(client, account, name="First", duration=90)
    await own_service(client, account, name="Second", duration=30)
    chosen = (await client.get(OWN, params=params, headers=account.headers)).json()["data"]
    assert (chosen["serviceId"], chosen["duration"]) == (first, 90)


async def test_dates_are_days_of_the_requested_zone(client: httpx.AsyncClient) -> None:
    # Working 09:00-17:00 UTC = 18:00-02:00 in Tokyo: a UTC Monday spans two Tokyo dates.
    account, master_id = await specialist(
        client, hours={"monday": {"start": "09:00", "end": "17:00"}}
    )
    service_id = await own_service(client, account, duration=60, slotStep=60)
    monday = upcoming(0)
    tuesday = monday + timedelta(days=1)
    tokyo = await client.get(
        public(master_id),
        params={
            "serviceId": service_id,
            "startDate": str(monday),
            "endDate": str(tuesday),
            "timezone": "Asia/Tokyo",
        },
    )
    assert tokyo.status_code == 200, tokyo.text
    assert [s["startTime"] for s in slots_of(tokyo.json(), monday)] == [
        "18:00", "19:00", "20:00", "21:00", "22:00", "23:00",
    ]  # fmt: skip
    assert [s["startTime"] for s in slots_of(tokyo.json(), tuesday)] == ["00:00", "01:00"]
    utc = await client.get(
        public(master_id),
        params={"serviceId": service_id, "startDate": str(monday), "endDate": str(monday)},
    )
    instants = {datetime.fromisoformat(s["startsAt"]) for s in slots_of(utc.json(), monday)}
    shown = {
        datetime.fromisoformat(s["startsAt"])
        for day in (monday, tuesday)
        for s in slots_of(tokyo.json(), day)
    }
    assert instants == shown
    assert slots_of(tokyo.json(), monday)[0]["startsAt"].endswith("+09:00")


async def test_hh_mm_repeats_when_clocks_go_back_but_starts_at_does_not(
    client: httpx.AsyncClient,
) -> None:
    change = next_dst_change("America/New_York", 11)
    weekday = change.strftime("%A").lower()
    account, _ = await specialist(
        client,
        timezone="America/New_York",
        hours={weekday: {"start": "00:00", "end": "04:00"}},
    )
    await own_service(client, account, duration=30, slotStep=30)
    response = await client.get(
        OWN, params={"startDate": str(change), "endDate": str(change)}, headers=account.headers
    )
    found = slots_of(response.json(), change)
    times = [slot["startTime"] for slot in found]
    # Four wall-clock hours are five real ones: 01:00 and 01:30 come twice.
    assert times == [
        "00:00", "00:30", "01:00", "01:30", "01:00", "01:30",
        "02:00", "02:30", "03:00", "03:30",
    ]  # fmt: skip
    assert len({slot["startsAt"] for slot in found}) == len(found)
    assert found[2]["startsAt"].endswith("-04:00")
    assert found[4]["startsAt"].endswith("-05:00")


async def test_a_day_of_23_hours_in_the_spring(client: httpx.AsyncClient) -> None:
    change = next_dst_change("Europe/Berlin", 3)
    weekday = change.strftime("%A").lower()
    account, _ = await specialist(
        client, timezone="Europe/Berlin", hours={weekday: {"start": "01:00", "end": "05:00"}}
    )
    await own_service(client, account, duration=60, slotStep=60)
    response = await client.get(
        OWN, params={"startDate": str(change), "endDate": str(change)}, headers=account.headers
    )
    # 02:00 does not exist: the hours are three real hours, 01:00 (CET) to 05:00 (CEST).
    assert [s["startTime"] for s in slots_of(response.json(), change)] == [
        "01:00",
        "03:00",
        "04:00",
    ]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"startDate": "2024-13-01"}, "startDate"),
        ({"endDate": "tomorrow"}, "endDate"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"timezone": "EST5EDT-x"}, "timezone"),
        ({"startDate": "2030-03-10", "endDate": "2030-03-09"}, "endDate"),
        ({"startDate": "2030-03-01", "endDate": "2030-05-02"}, "endDate"),
        ({"startDate": "1999-01-01", "endDate": "1999-01-02"}, "startDate"),
        ({"serviceId": "not-a-uuid"}, "serviceId"),
    ],
)
async def test_bad_dates_zones_and_ranges_are_400_naming_the_field(
    client: httpx.AsyncClient, params: dict[str, str], field: str
) -> None:
    account, _ = await specialist(client)
    response = await client.get(OWN, params=params, headers=account.headers)
    error = assert_error(response, 400, "VALIDATION_ERROR")
    assert fields_of(error) == {field}


async def test_sixty_two_days_is_the_longest_range(client: httpx.AsyncClient) -> None:
    account, _ = await specialist(client)
    first = upcoming(0)
    params = {"startDate": str(first), "endDate": str(first + timedelta(days=61))}
    response = await client.get(OWN, params=params, headers=account.headers)
    assert response.status_code == 200, response.text
    assert len(response.json()["data"]["availableSlots"]) == 62


async def test_the_own_route_needs_a_specialist(client: httpx.AsyncClient) -> None:
    assert_error(await client.get(OWN), 401, "AUTHENTICATION_REQUIRED")
    customer = await register(client)
    assert_error(await client.get(OWN, headers=customer.headers), 403, "INSUFFICIENT_PERMISSIONS")


async def _hide(app: FastAPI, master_id: str, what: str) -> None:
    database: Database = app.state.db
    async with database.session() as session:
        master = await session.get(Master, uuid.UUID(master_id))
        assert master is not None
        if what == "master":
            master.is_active = False
        else:
            await session.execute(
                update(Business)
                .where(Business.id == master.business_id)
                .values(status=BusinessStatus.SUSPENDED)
            )


@pytest.mark.parametrize("what", ["master", "business"])
async def test_inactive_masters_and_businesses_are_404_to_the_public(
    app: FastAPI, client: httpx.AsyncClient, what: str
) -> None:
    account, master_id = await specialist(client)
    service_id = await own_service(client, account)
    assert (
        await client.get(public(master_id), params={"serviceId": service_id})
    ).status_code == 200
    await _hide(app, master_id, what)
    response = await client.get(public(master_id), params={"serviceId": service_id})
    assert_error(response, 404, "RESOURCE_NOT_FOUND")


async def test_the_public_route_takes_only_active_services_of_that_master(
    client: httpx.AsyncClient,
) -> None:
    account, master_id = await specialist(client)
    hidden = await own_service(client, account, isActive=False)
    other, _ = await specialist(client)
    others = await own_service(client, other)
    for service_id in (hidden, others, str(uuid.uuid4())):
        response = await client.get(public(master_id), params={"serviceId": service_id})
        error = assert_error(response, 404, "RESOURCE_NOT_FOUND")
        assert fields_of(error) == {"serviceId"}
    missing = await client.get(public(master_id))
    assert fields_of(assert_error(missing, 400, "VALIDATION_ERROR")) == {"serviceId"}
    unknown = await client.get(public(str(uuid.uuid4())), params={"serviceId": others})
    assert_error(unknown, 404, "RESOURCE_NOT_FOUND")
