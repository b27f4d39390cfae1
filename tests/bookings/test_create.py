"""POST /api/v1/bookings: a signed-in user books a service with a specialist."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import httpx
from fastapi import FastAPI

from bookwell.kit.clock import utcnow
from bookwell.models import BookingStatus, Business, Master, Service
from tests.bookings.factories import (
    BOOKINGS,
    around_dst_start,
    book,
    booked,
    booking_body,
    pass_payment_deadline,
    set_columns,
    specialist,
    stored,
    weekday_at,
)
from tests.factories import assert_error, fields_of, register


async def test_a_booking_with_a_deposit_waits_for_payment_in_the_seed_shape(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    host = await specialist(app, client, deposit=2, price=150, timezone="Europe/Berlin")
    customer = await register(client, firstName="Jane", lastName="Doe")
    start = weekday_at(10, zone="Europe/Berlin")

    response = await book(
        client, customer, host, start, duration=60, notes="Marketing", paymentMethodId="pm_1"
    )

    assert response.status_code == 201, response.text
    data = response.json()["data"]
    booking = data["booking"]
    assert booking["serviceId"] == host.service_id
    assert booking["specialistId"] == host.master_id
    assert booking["customerId"] == customer.id
    assert booking["status"] == "pending_payment"
    assert booking["scheduledAt"] == start.isoformat()  # with the specialist's offset
    assert booking["timezone"] == "Europe/Berlin"
    assert booking["duration"] == 60
    assert datetime.fromisoformat(booking["endsAt"]) == start + timedelta(hours=1)
    assert (booking["totalAmount"], booking["depositAmount"]) == (150, 2)
    assert booking["currency"] == "USD"
    assert booking["notes"] == "Marketing"
    deadline = datetime.fromisoformat(booking["paymentDeadline"])
    assert utcnow() < deadline <= utcnow() + timedelta(minutes=15)
    assert data["paymentIntent"] == {"amount": 200, "currency": "usd", "clientSecret": None}
    row = await stored(app, booking["id"])
    assert (row.contact_name, row.contact_email) == ("Jane Doe", customer.email)
    assert row.starts_at == start.astimezone(UTC)


async def test_without_a_deposit_it_is_pending_or_confirmed_by_the_specialist_setting(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    customer = await register(client)
    manual = await specialist(app, client)
    automatic = await specialist(app, client, auto_confirm=True)

    first = await book(client, customer, manual, weekday_at(10))
    second = await book(client, customer, automatic, weekday_at(10))

    assert first.status_code == 201, first.text
    assert first.json()["data"]["booking"]["status"] == "pending"
    assert first.json()["data"]["booking"]["paymentDeadline"] is None
    assert first.json()["data"]["paymentIntent"] is None
    assert second.json()["data"]["booking"]["status"] == "confirmed"
    assert second.json()["data"]["paymentIntent"] is None


async def test_any_kind_of_user_books_for_themselves(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    host = await specialist(app, client)
    other_specialist = await register(client, userType="specialist", verified=True)
    response = await book(client, other_specialist, host, weekday_at(11))
    assert response.status_code == 201, response.text
    assert response.json()["data"]["booking"]["customerId"] == other_specialist.id


async def test_a_taken_time_is_409_and_other_refusals_are_422(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    host = await specialist(app, client, minimumNotice=120)
    first, second = await register(client), await register(client)
    start = weekday_at(10)
    await booked(client, first, host, start)

    taken = await book(client, second, host, start + timedelta(minutes=30))
    error = assert_error(taken, 409, "BOOKING_CONFLICT")
    assert error["details"][0]["field"] == "scheduledAt"

    evening = assert_error(
        await book(client, second, host, weekday_at(20)), 422, "BUSINESS_RULE_VIOLATION"
    )
    assert evening["details"][0]["code"] == "OUTSIDE_HOURS"
    off_grid = assert_error(
        await book(client, second, host, weekday_at(12, 7)), 422, "BUSINESS_RULE_VIOLATION"
    )
    assert off_grid["details"][0]["code"] == "OUTSIDE_HOURS"
    soon = utcnow().replace(second=0, microsecond=0) + timedelta(minutes=30)
    too_soon = assert_error(await book(client, second, host, soon), 422, "BUSINESS_RULE_VIOLATION")
    assert too_soon["details"][0]["code"] == "TOO_SOON"


async def test_bad_bodies_are_400_naming_the_field(app: FastAPI, client: httpx.AsyncClient) -> None:
    host = await specialist(app, client, duration=60)
    customer = await register(client)
    start = weekday_at(10)
    naive = booking_body(host, start, scheduledAt=start.replace(tzinfo=None).isoformat())
    cases = [
        (naive, "scheduledAt"),
        (booking_body(host, start, duration=45), "duration"),
        (booking_body(host, start, scheduledAt="next tuesday"), "scheduledAt"),
        (booking_body(host, start, scheduledAt="0001-01-01T00:00:00+05:00"), "scheduledAt"),
        (booking_body(host, start, serviceId="not-a-uuid"), "serviceId"),
        (booking_body(host, start, surprise=True), "surprise"),
        (booking_body(host, start, notes="x" * 2001), "notes"),
        (booking_body(host, start, notes="a\x00b"), "notes"),
        ({"serviceId": host.service_id, "scheduledAt": start.isoformat()}, "specialistId"),
    ]
    for body, field in cases:
        response = await client.post(BOOKINGS, json=body, headers=customer.headers)
        error = assert_error(response, 400, "VALIDATION_ERROR")
        assert field in fields_of(error), (body, error)


async def test_only_an_active_service_of_an_active_business_with_its_active_master(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    host = await specialist(app, client)
    elsewhere = await specialist(app, client)
    customer = await register(client)
    start = weekday_at(10)

    unknown = await book(client, customer, host, start, serviceId=str(uuid.uuid4()))
    assert "serviceId" in fields_of(assert_error(unknown, 404, "RESOURCE_NOT_FOUND"))
    stranger = await book(client, customer, host, start, specialistId=elsewhere.master_id)
    assert "specialistId" in fields_of(assert_error(stranger, 404, "RESOURCE_NOT_FOUND"))

    # A master of the same business who does not deliver the service.
    colleague = await register(client)
    async with app.state.db.session() as session:
        other = Master(
            business_id=uuid.UUID(host.business_id), user_id=uuid.UUID(colleague.id), locations=[]
        )
        session.add(other)
    not_offered = await book(client, customer, host, start, specialistId=str(other.id))
    assert "specialistId" in fields_of(assert_error(not_offered, 400, "VALIDATION_ERROR"))

    await set_columns(app, Master, host.master_id, is_active=False)
    assert_error(await book(client, customer, host, start), 404, "RESOURCE_NOT_FOUND")
    await set_columns(app, Master, host.master_id, is_active=True)
    await set_columns(app, Service, host.service_id, is_active=False)
    assert_error(await book(client, customer, host, start), 404, "RESOURCE_NOT_FOUND")
    await set_columns(app, Service, host.service_id, is_active=True)
    await set_columns(app, Business, host.business_id, status="suspended")
    assert_error(await book(client, customer, host, start), 404, "RESOURCE_NOT_FOUND")


async def test_signing_in_is_required(app: FastAPI, client: httpx.AsyncClient) -> None:
    host = await specialist(app, client)
    response = await client.post(BOOKINGS, json=booking_body(host, weekday_at(10)))
    assert_error(response, 401, "AUTHENTICATION_REQUIRED")


async def test_an_overdue_unpaid_booking_does_not_block_and_reads_as_expired(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    host = await specialist(app, client, deposit=10)
    first, second = await register(client), await register(client)
    start = weekday_at(14)
    unpaid = await booked(client, first, host, start)
    await pass_payment_deadline(app, unpaid["id"])

    again = await booked(client, second, host, start)

    assert again["status"] == "pending_payment"
    shown = await client.get(f"{BOOKINGS}/{unpaid['id']}", headers=first.headers)
    assert shown.json()["data"]["booking"]["status"] == "expired"
    assert shown.json()["data"]["booking"]["canCancel"] is False
    listed = await client.get(BOOKINGS, headers=first.headers)
    assert [b["status"] for b in listed.json()["data"]["bookings"]] == ["expired"]
    assert (await stored(app, unpaid["id"])).status is BookingStatus.EXPIRED


async def test_nine_in_new_york_is_14z_before_and_13z_after_the_change_to_summer_time(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    zone = "America/New_York"
    host = await specialist(app, client, timezone=zone, business={"booking_horizon_days": 400})
    customer = await register(client)
    friday, monday = around_dst_start(zone)
    before = datetime.combine(friday, time(9), tzinfo=ZoneInfo(zone))
    after = datetime.combine(monday, time(9), tzinfo=ZoneInfo(zone))

    # The same instants written in other zones book the same times.
    winter = await booked(client, customer, host, before.astimezone(ZoneInfo("Asia/Tokyo")))
    summer = await booked(client, customer, host, after.astimezone(UTC))

    assert (await stored(app, winter["id"])).starts_at == datetime.combine(
        friday, time(14), tzinfo=UTC
    )
    assert (await stored(app, summer["id"])).starts_at == datetime.combine(
        monday, time(13), tzinfo=UTC
    )
    assert winter["scheduledAt"] == f"{friday.isoformat()}T09:00:00-05:00"
    assert summer["scheduledAt"] == f"{monday.isoformat()}T09:00:00-04:00"

    listed = await client.get(BOOKINGS, headers=customer.headers)
    assert [b["scheduledAt"] for b in listed.json()["data"]["bookings"]] == [
        winter["scheduledAt"],
        summer["scheduledAt"],
    ]
    in_tokyo = await client.get(
        BOOKINGS, params={"timezone": "Asia/Tokyo"}, headers=customer.headers
    )
    shown = [datetime.fromisoformat(b["scheduledAt"]) for b in in_tokyo.json()["data"]["bookings"]]
    assert shown == [before, after]  # the same instants
    assert {moment.utcoffset() for moment in shown} == {timedelta(hours=9)}
