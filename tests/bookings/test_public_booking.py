"""POST /public/booking: guests book appointments (seed 002) and send inquiries
(seed 003) on a business's public page."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, update

import bookwell.bookings.public as public_booking
import bookwell.bookings.rules as rules
from bookwell.kit.clock import utcnow
from bookwell.models import (
    BookingStatus,
    BookingStatusChange,
    Business,
    BusinessStatus,
    Channel,
    master_locations,
)
from tests.bookings.builders import (
    PUBLIC_BOOKING,
    appointment,
    bookings_of,
    iso,
    monday_at,
    outbox,
    overlapping_pairs,
    put_booking,
    salon,
)
from tests.businesses.factories import add_location
from tests.conftest import AppFactory, client_for
from tests.factories import assert_error, fields_of, register


async def book(client: httpx.AsyncClient, body: dict[str, Any], **headers: str) -> httpx.Response:
    return await client.post(PUBLIC_BOOKING, json=body, headers=headers)


def inquiry(
    subdomain: str | None, start: Any, duration: int = 30, **overrides: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "business": subdomain,
        "name": "Ivan Petrov",
        "company": "Acme LLP",
        "email": "ivan@acme.example",
        "phone": "+77011234567",
        "inquiry": "A demo for our team",
        "timeSlot": {"startTime": iso(start), "duration": duration},
    }
    body.update(overrides)
    return {key: value for key, value in body.items() if value is not None}


# --- appointments --------------------------------------------------------------


async def test_a_guest_books_a_named_master_and_both_sides_are_told(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    shop = await salon(app, client, timezone="Asia/Almaty", buffer_after_minutes=15)
    start = monday_at(10, zone="Asia/Almaty")
    body = appointment(
        shop, start, masterId=shop.masters[0], email="Guest@Example.com", notes="Short please"
    )

    response = await book(client, body)

    assert response.status_code == 201, response.text
    booking = response.json()["data"]["booking"]
    assert booking["kind"] == "appointment"
    assert booking["status"] == "pending"  # no deposit, no auto-confirm
    assert booking["scheduledAt"] == start.isoformat()  # "...T10:00:00+05:00"
    assert booking["scheduledAt"].endswith("+05:00")
    assert booking["endsAt"] == (start + timedelta(minutes=60)).isoformat()
    assert booking["duration"] == 60
    assert booking["timezone"] == "Asia/Almaty"
    assert booking["service"] == {"id": shop.service, "name": "Haircut", "duration": 60}
    assert booking["master"]["id"] == shop.masters[0]
    assert booking["master"]["firstName"] == "Ana"
    assert (booking["totalAmount"], booking["depositAmount"]) == (50, 0)
    assert booking["currency"] == "EUR"
    assert booking["paymentDeadline"] is None
    assert booking["timeSlot"] is None
    assert (booking["name"], booking["email"], booking["notes"]) == (
        "Guest Person",
        "Guest@example.com",
        "Short please",
    )

    [row] = await bookings_of(app, shop.id)
    assert str(row.id) == booking["id"]
    assert row.customer_id is None
    assert row.busy_until - row.ends_at == timedelta(minutes=15)  # the service's buffer
    async with app.state.db.session() as session:
        history = (await session.scalars(select(BookingStatusChange))).all()
    assert [(h.from_status, h.to_status, h.actor_type) for h in history] == [
        (None, "pending", "guest")
    ]

    [to_client] = await outbox(app, "Guest@example.com")
    assert to_client.channel is Channel.EMAIL
    assert to_client.business_id == uuid.UUID(shop.id)
    assert "Haircut" in to_client.body
    assert "will confirm it shortly" in to_client.body
    assert "10:00 (Asia/Almaty)" in to_client.body
    [to_owner] = await outbox(app, shop.tenant.owner.email)
    assert to_owner.subject.startswith("New booking: Haircut")
    assert "Guest@example.com" in to_owner.body
    assert "Short please" in to_owner.body


async def test_a_deposit_makes_the_booking_wait_for_payment(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    shop = await salon(app, client, business={"deposit_amount": 1250})
    before = utcnow()

    response = await book(client, appointment(shop, monday_at(9), email="pay@example.com"))

    assert response.status_code == 201, response.text
    booking = response.json()["data"]["booking"]
    assert booking["status"] == "pending_payment"
    assert (booking["totalAmount"], booking["depositAmount"]) == (50, 12.5)
    deadline = booking["paymentDeadline"]
    assert deadline is not None
    [row] = await bookings_of(app, shop.id)
    assert row.payment_deadline is not None
    assert (
        before + timedelta(minutes=15) <= row.payment_deadline <= utcnow() + timedelta(minutes=15)
    )
    [email] = await outbox(app, "pay@example.com")
    assert "pay the deposit of €12.50" in email.body


async def test_auto_confirming_business_confirms_at_once(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    shop = await salon(app, client, business={"auto_confirm": True})
    response = await book(client, appointment(shop, monday_at(9), email="yes@example.com"))
    assert response.status_code == 201, response.text
    assert response.json()["data"]["booking"]["status"] == "confirmed"
    [email] = await outbox(app, "yes@example.com")
    assert "Your booking is confirmed." in email.body


async def test_taken_time_is_a_conflict_and_other_refusals_name_the_reason(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    shop = await salon(app, client)
    master = shop.masters[0]
    first = await book(client, appointment(shop, monday_at(10), masterId=master))
    assert first.status_code == 201, first.text

    # 10:30 overlaps 10:00-11:00.
    taken = await book(client, appointment(shop, monday_at(10, 30), masterId=master))
    error = assert_error(taken, 409, "BOOKING_CONFLICT")
    assert fields_of(error) == {"scheduledAt"}

    evening = await book(client, appointment(shop, monday_at(18), masterId=master))
    assert assert_error(evening, 422, "BUSINESS_RULE_VIOLATION")["details"][0]["code"] == (
        "OUTSIDE_HOURS"
    )
    past = await book(client, appointment(shop, monday_at(10) - timedelta(days=14)))
    assert assert_error(past, 422, "BUSINESS_RULE_VIOLATION")["details"][0]["code"] == "TOO_SOON"
    assert len(await bookings_of(app, shop.id)) == 1


async def test_a_signed_in_customer_gets_the_booking_on_their_account(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    shop = await salon(app, client)
    customer = await register(client)
    response = await book(
        client, appointment(shop, monday_at(11), email=customer.email), **customer.headers
    )
    assert response.status_code == 201, response.text
    [row] = await bookings_of(app, shop.id)
    assert str(row.customer_id) == customer.id


async def test_the_masters_only_location_is_where_the_appointment_is(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    shop = await salon(app, client)
    location = await add_location(client, shop.tenant)
    async with app.state.db.session() as session:
        await session.execute(
            master_locations.insert().values(
                master_id=uuid.UUID(shop.masters[0]), location_id=uuid.UUID(location["id"])
            )
        )
    response = await book(client, appointment(shop, monday_at(12)))
    assert response.status_code == 201, response.text
    assert response.json()["data"]["booking"]["locationId"] == location["id"]
    [row] = await bookings_of(app, shop.id)
    assert str(row.location_id) == location["id"]


# --- any master ----------------------------------------------------------------


async def test_any_master_spreads_a_day_evenly(app: FastAPI, client: httpx.AsyncClient) -> None:
    shop = await salon(app, client, masters=3)
    chosen: Counter[str] = Counter()
    for hour in range(9, 15):  # six bookings, "any" and left out alike
        master = "any" if hour % 2 else None
        response = await book(client, appointment(shop, monday_at(hour), masterId=master))
        assert response.status_code == 201, response.text
        chosen[response.json()["data"]["booking"]["master"]["id"]] += 1

    # Fewest bookings that day first: after six bookings, two each.
    assert chosen == dict.fromkeys(shop.masters, 2)


async def test_any_master_counts_the_business_day_only(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    shop = await salon(app, client, masters=2)
    busy, idle = shop.masters
    # Busy has three bookings next week and one cancelled today; the day is even.
    for hour in (9, 10, 11):
        await put_booking(app, shop.id, monday_at(hour, weeks=1), master_id=busy)
    await put_booking(app, shop.id, monday_at(15), master_id=busy, status=BookingStatus.CANCELLED)
    await put_booking(app, shop.id, monday_at(16), master_id=idle)

    response = await book(client, appointment(shop, monday_at(9)))

    assert response.status_code == 201, response.text
    assert response.json()["data"]["booking"]["master"]["id"] == busy


async def test_any_master_passes_over_a_master_who_is_not_free(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    shop = await salon(app, client, masters=2)
    least, most = shop.masters
    await put_booking(app, shop.id, monday_at(10), master_id=least)
    for hour in (12, 13):
        await put_booking(app, shop.id, monday_at(hour), master_id=most)

    response = await book(client, appointment(shop, monday_at(10)))

    assert response.status_code == 201, response.text
    assert response.json()["data"]["booking"]["master"]["id"] == most


async def test_any_master_falls_over_to_the_next_when_the_database_refuses(
    app: FastAPI, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A lost race: the check said free (forced here), the guard refused the insert;
    the next master is tried in the same transaction."""
    shop = await salon(app, client, masters=2)
    least, most = shop.masters
    await put_booking(app, shop.id, monday_at(10), master_id=least)
    for hour in (12, 13):
        await put_booking(app, shop.id, monday_at(hour), master_id=most)

    async def always_free(*args: Any, **kwargs: Any) -> None:
        return None

    monkeypatch.setattr(rules, "why_not", always_free)
    response = await book(client, appointment(shop, monday_at(10), email="race@example.com"))

    assert response.status_code == 201, response.text
    assert response.json()["data"]["booking"]["master"]["id"] == most
    assert await overlapping_pairs(app) == []
    assert len(await bookings_of(app, shop.id)) == 4
    # The email of the booking that won, once.
    assert len(await outbox(app, "race@example.com")) == 1

    # Both refuse now: a conflict, nothing written.
    again = await book(client, appointment(shop, monday_at(10), email="late@example.com"))
    error = assert_error(again, 409, "BOOKING_CONFLICT")
    assert error["message"] == "No master of this service is free at this time"
    assert len(await bookings_of(app, shop.id)) == 4
    assert await outbox(app, "late@example.com") == []


async def test_any_master_reports_why_nobody_can_take_it(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    shop = await salon(app, client, masters=2)
    sunday = monday_at(10) - timedelta(days=1)
    response = await book(client, appointment(shop, sunday))
    assert assert_error(response, 422, "BUSINESS_RULE_VIOLATION")["details"][0]["code"] == (
        "OUTSIDE_HOURS"
    )

    lonely = await salon(app, client, masters=0)
    response = await book(client, appointment(lonely, monday_at(10)))
    error = assert_error(response, 422, "BUSINESS_RULE_VIOLATION")
    assert error["details"][0] == {
        "field": "serviceId",
        "message": "has no active master",
        "code": "NO_MASTER",
    }


# --- inquiries -----------------------------------------------------------------


async def test_an_inquiry_books_the_business_calendar(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    shop = await salon(app, client, timezone="Europe/Berlin", business={"auto_confirm": True})
    start = monday_at(14, zone="Europe/Berlin")

    response = await book(client, inquiry(shop.subdomain, start, 45), **{"Accept-Language": "ru"})

    assert response.status_code == 201, response.text
    booking = response.json()["data"]["booking"]
    assert booking["kind"] == "inquiry"
    assert booking["status"] == "pending"
    assert booking["timeSlot"] == {"startTime": start.isoformat(), "duration": 45}
    assert booking["scheduledAt"] == start.isoformat()
    assert booking["duration"] == 45
    assert (booking["service"], booking["master"]) == (None, None)
    assert (booking["company"], booking["inquiry"]) == ("Acme LLP", "A demo for our team")
    assert booking["phone"] == "+77011234567"
    assert booking["totalAmount"] == 0

    [to_client] = await outbox(app, "ivan@acme.example")
    assert to_client.subject.endswith("мы получили вашу заявку")
    assert "Компания: Acme LLP" in to_client.body
    [to_owner] = await outbox(app, shop.tenant.owner.email)
    assert "A demo for our team" in to_owner.body

    # Another inquiry of this business may not overlap; another business's may.
    overlapping = inquiry(shop.subdomain, start + timedelta(minutes=30), 30, email="b@x.example")
    assert_error(await book(client, overlapping), 409, "BOOKING_CONFLICT")
    adjacent = inquiry(shop.subdomain, start + timedelta(minutes=45), 30, email="c@x.example")
    assert (await book(client, adjacent)).status_code == 201
    other = await salon(app, client, timezone="Europe/Berlin")
    assert (await book(client, inquiry(other.subdomain, start))).status_code == 201


async def test_an_inquiry_must_fit_the_opening_hours(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    shop = await salon(app, client)
    late = await book(client, inquiry(shop.subdomain, monday_at(16, 30), 60))
    assert assert_error(late, 422, "BUSINESS_RULE_VIOLATION")["details"][0]["code"] == (
        "OUTSIDE_HOURS"
    )
    past = await book(client, inquiry(shop.subdomain, utcnow() - timedelta(hours=1)))
    assert fields_of(assert_error(past, 400, "VALIDATION_ERROR")) == {"timeSlot.startTime"}


# --- which business ------------------------------------------------------------


async def test_the_business_comes_from_the_body_or_the_host(
    app_factory: AppFactory,
) -> None:
    app = await app_factory(base_domain="bookwell.test")
    async with client_for(app) as client:
        shop = await salon(app, client)
        other = await salon(app, client)
        host = {"Host": f"{shop.subdomain}.bookwell.test"}

        by_host = await book(client, appointment(shop, monday_at(9), business=None), **host)
        assert by_host.status_code == 201, by_host.text
        assert by_host.json()["data"]["booking"]["businessId"] == shop.id

        mismatch = appointment(other, monday_at(10), business=other.subdomain)
        error = assert_error(await book(client, mismatch, **host), 400, "VALIDATION_ERROR")
        assert error["details"][0]["code"] == "HOST_MISMATCH"

        nowhere = await book(client, appointment(shop, monday_at(11), business=None))
        assert fields_of(assert_error(nowhere, 400, "VALIDATION_ERROR")) == {"business"}

        unknown = await book(client, appointment(shop, monday_at(11), business="no-such-place"))
        assert_error(unknown, 404, "RESOURCE_NOT_FOUND")


async def test_only_active_businesses_take_bookings(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    shop = await salon(app, client)
    async with app.state.db.session() as session:
        await session.execute(
            update(Business)
            .where(Business.id == uuid.UUID(shop.id))
            .values(status=BusinessStatus.SUSPENDED)
        )
    response = await book(client, appointment(shop, monday_at(9)))
    assert_error(response, 404, "RESOURCE_NOT_FOUND")
    assert await bookings_of(app, shop.id) == []


# --- bad input -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "fields", "code"),
    [
        ({"scheduledAt": "2030-01-07T10:00:00"}, {"scheduledAt"}, "TIMEZONE_AWARE"),
        ({"name": ""}, {"name"}, "TOO_SHORT"),
        ({"name": None}, {"name"}, "REQUIRED"),
        ({"email": None}, {"email", "phone"}, "ONE_OF_REQUIRED"),
        ({"email": "not-an-email"}, {"email"}, "INVALID"),
        ({"phone": "12345"}, {"phone"}, "INVALID"),
        ({"masterId": "someone"}, {"masterId"}, "INVALID"),
        ({"serviceId": None}, {"serviceId"}, "REQUIRED"),
        ({"company": "Acme"}, {"company"}, "NOT_ALLOWED"),
        ({"colour": "red"}, {"colour"}, "UNKNOWN_FIELD"),
        ({"notes": "x" * 2001}, {"notes"}, "TOO_LONG"),
    ],
)
async def test_a_bad_appointment_is_a_400_naming_the_field(
    app: FastAPI,
    client: httpx.AsyncClient,
    overrides: dict[str, Any],
    fields: set[str],
    code: str,
) -> None:
    shop = await salon(app, client)
    body = appointment(shop, monday_at(10))
    body.update(overrides)
    body = {key: value for key, value in body.items() if value is not None}
    error = assert_error(await book(client, body), 400, "VALIDATION_ERROR")
    assert fields_of(error) == fields
    assert {detail["code"] for detail in error["details"]} == {code}
    assert await bookings_of(app, shop.id) == []


@pytest.mark.parametrize(
    ("overrides", "fields"),
    [
        (
            {"timeSlot": {"startTime": "2030-01-07T10:00:00+00:00", "duration": 10}},
            {"timeSlot.duration"},
        ),
        (
            {"timeSlot": {"startTime": "2030-01-07T10:00:00+00:00", "duration": 481}},
            {"timeSlot.duration"},
        ),
        (
            {"timeSlot": {"startTime": "2030-01-07T10:00:00", "duration": 30}},
            {"timeSlot.startTime"},
        ),
        ({"timeSlot": {"duration": 30}}, {"timeSlot.startTime"}),
        ({"company": None}, {"company"}),
        ({"email": None}, {"email"}),
        ({"serviceId": str(uuid.uuid4()), "notes": "hi"}, {"serviceId", "notes"}),
    ],
)
async def test_a_bad_inquiry_is_a_400_naming_the_field(
    app: FastAPI, client: httpx.AsyncClient, overrides: dict[str, Any], fields: set[str]
) -> None:
    shop = await salon(app, client)
    body = inquiry(shop.subdomain, monday_at(10))
    body.update(overrides)
    body = {key: value for key, value in body.items() if value is not None}
    assert fields_of(assert_error(await book(client, body), 400, "VALIDATION_ERROR")) == fields


async def test_the_service_and_master_must_belong_to_the_business(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    shop = await salon(app, client, masters=2)
    other = await salon(app, client)
    foreign_service = appointment(shop, monday_at(10), serviceId=other.service)
    error = assert_error(await book(client, foreign_service), 400, "VALIDATION_ERROR")
    assert error["details"][0]["code"] == "UNKNOWN_SERVICE"

    foreign_master = appointment(shop, monday_at(10), masterId=other.masters[0])
    error = assert_error(await book(client, foreign_master), 400, "VALIDATION_ERROR")
    assert (error["details"][0]["field"], error["details"][0]["code"]) == (
        "masterId",
        "UNKNOWN_MASTER",
    )
    assert await bookings_of(app, shop.id) == []


# --- messages ------------------------------------------------------------------


async def test_messages_follow_the_language_and_the_contact(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    shop = await salon(app, client, business={"contact_email": "desk@salon.example"})
    kk = appointment(shop, monday_at(9), email="kk@example.com")
    response = await book(client, kk, **{"Accept-Language": "kk, ru;q=0.5"})
    assert response.status_code == 201, response.text
    [email] = await outbox(app, "kk@example.com")
    assert "жазылу" in email.subject
    assert "дүйсенбі" in email.body  # Monday, in Kazakh

    phone_only = appointment(shop, monday_at(11), email=None, phone="+7 701 555 0101")
    response = await book(client, phone_only, **{"Accept-Language": "ru"})
    assert response.status_code == 201, response.text
    [sms] = await outbox(app, "+77015550101")
    assert sms.channel is Channel.SMS
    assert sms.subject == ""
    assert sms.body.startswith(f"{shop.tenant.business['name']}: Haircut")
    assert "Номер" in sms.body

    # The business's contact email, not the owner, hears of new bookings.
    assert len(await outbox(app, "desk@salon.example")) == 2
    assert await outbox(app, shop.tenant.owner.email) == []


async def test_a_message_that_cannot_be_written_never_costs_the_booking(
    app: FastAPI, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop = await salon(app, client)

    def broken(*args: Any) -> tuple[str, str]:
        raise RuntimeError("template error")

    monkeypatch.setattr(public_booking, "client_email", broken)
    response = await book(client, appointment(shop, monday_at(9), email="lost@example.com"))
    assert response.status_code == 201, response.text
    assert len(await bookings_of(app, shop.id)) == 1
    assert await outbox(app, "lost@example.com") == []


async def test_messages_are_rolled_back_with_a_refused_booking(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    shop = await salon(app, client)
    await put_booking(app, shop.id, monday_at(9), master_id=shop.masters[0])
    response = await book(client, appointment(shop, monday_at(9), email="no@example.com"))
    assert_error(response, 409, "BOOKING_CONFLICT")
    assert await outbox(app, "no@example.com") == []
    assert await outbox(app, shop.tenant.owner.email) == []


# --- limits and docs -----------------------------------------------------------


async def test_guests_are_rate_limited_per_ip(app_factory: AppFactory) -> None:
    app = await app_factory(rate_limit_user_bookings="2 per minute")
    async with client_for(app) as client:
        shop = await salon(app, client)
        for hour in (9, 10):
            assert (await book(client, appointment(shop, monday_at(hour)))).status_code == 201
        refused = await book(client, appointment(shop, monday_at(11)))
        assert_error(refused, 429, "RATE_LIMIT_EXCEEDED")
        assert int(refused.headers["Retry-After"]) >= 1
        assert len(await bookings_of(app, shop.id)) == 2


async def test_the_route_is_documented(client: httpx.AsyncClient) -> None:
    document = (await client.get("/api/docs")).json()
    operation = document["paths"]["/api/v1/public/booking"]["post"]
    assert {"201", "400", "404", "409", "422", "429"} <= set(operation["responses"])
    schema = document["components"]["schemas"]["PublicBookingIn"]
    assert {"serviceId", "masterId", "scheduledAt", "timeSlot", "company"} <= set(
        schema["properties"]
    )
    assert schema["required"] == ["name"]


def test_the_fairest_master_order_is_random_among_equals() -> None:
    """The tie-break itself: the least loaded come first, in varying order."""
    staff = [
        public_booking.Staff(master=SimpleNamespace(id=n), user=SimpleNamespace())  # type: ignore[arg-type]
        for n in range(4)
    ]
    load = {3: 1}
    orders = [
        [one.master.id for one in public_booking._fairest_first(staff, load)] for _ in range(200)
    ]
    assert all(order[-1] == 3 for order in orders)
    assert {order[0] for order in orders} == {0, 1, 2}
