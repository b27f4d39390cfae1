"""One booking: read it, change it, cancel, confirm, complete, reschedule, set its
status; each for the people allowed, 404 for everyone else."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

import bookwell.bookings.service as booking_service
from bookwell.bookings.rules import Contact, Who, place_inquiry
from bookwell.models import BookingStatusChange, Business, Master, User
from bookwell.scheduling.engine import Span
from tests.bookings.factories import (
    BOOKINGS,
    Specialist,
    booked,
    move_into_past,
    set_columns,
    specialist,
    stored,
    utc,
    weekday_at,
)
from tests.factories import assert_error, register


async def api_key(client: httpx.AsyncClient, host: Specialist) -> dict[str, str]:
    response = await client.post(
        f"/api/v1/businesses/{host.business_id}/api-keys",
        json={"name": "CRM"},
        headers=host.headers,
    )
    assert response.status_code == 201, response.text
    return {"X-API-Key": response.json()["data"]["key"]}


def url(booking: dict[str, Any], action: str = "") -> str:
    return f"{BOOKINGS}/{booking['id']}{action}"


async def test_a_booking_is_shown_with_its_history_to_its_customer_and_staff_only(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    host = await specialist(app, client, price=99.5)
    customer = await register(client, firstName="Jane", lastName="Doe")
    booking = await booked(client, customer, host, weekday_at(10), notes="Bring slides")

    mine = await client.get(url(booking), headers=customer.headers)
    assert mine.status_code == 200, mine.text
    shown = mine.json()["data"]["booking"]
    assert shown["service"] == {"id": host.service_id, "name": "Strategy session", "duration": 60}
    assert shown["specialist"]["id"] == host.master_id
    assert shown["specialist"]["lastName"] == host.account.body["user"]["lastName"]
    assert shown["customer"] is None  # the contact block is for staff
    assert shown["totalAmount"] == 99.5
    assert shown["canCancel"] is True
    deadline = datetime.fromisoformat(shown["cancellationDeadline"])
    assert deadline == datetime.fromisoformat(shown["scheduledAt"]) - timedelta(hours=24)
    assert [(h["from"], h["to"], h["actorType"]) for h in shown["history"]] == [
        (None, "pending", "user")
    ]

    as_staff = await client.get(url(booking), headers=host.headers)
    assert as_staff.json()["data"]["booking"]["customer"] == {
        "id": customer.id,
        "name": "Jane Doe",
        "email": customer.email,
        "phone": "+14155550100",
    }
    by_key = await client.get(url(booking), headers=await api_key(client, host))
    assert by_key.status_code == 200, by_key.text

    stranger = await register(client)
    other_host = await specialist(app, client)
    for outsider in (stranger.headers, other_host.headers, await api_key(client, other_host)):
        assert_error(await client.get(url(booking), headers=outsider), 404, "RESOURCE_NOT_FOUND")
        for method, action in (("PUT", ""), ("DELETE", ""), ("POST", "/cancel"), ("PATCH", "")):
            body = {"status": "cancelled"} if method == "PATCH" else {}
            response = await client.request(
                method, url(booking, action), json=body, headers=outsider
            )
            assert_error(response, 404, "RESOURCE_NOT_FOUND")
    assert_error(await client.get(url(booking)), 401, "AUTHENTICATION_REQUIRED")
    unknown = {"id": str(uuid.uuid4())}
    assert_error(
        await client.get(url(unknown), headers=customer.headers), 404, "RESOURCE_NOT_FOUND"
    )


async def test_customers_cancel_until_the_deadline_and_staff_at_any_time(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    host = await specialist(app, client)
    customer, next_customer = await register(client), await register(client)
    start = weekday_at(10)
    early = await booked(client, customer, host, start)

    cancelled = await client.post(
        url(early, "/cancel"), json={"reason": "Plans changed"}, headers=customer.headers
    )
    assert cancelled.status_code == 200, cancelled.text
    shown = cancelled.json()["data"]["booking"]
    assert (shown["status"], shown["cancellationReason"]) == ("cancelled", "Plans changed")
    assert shown["canCancel"] is False
    again = await client.delete(url(early), headers=customer.headers)
    assert_error(again, 422, "BUSINESS_RULE_VIOLATION")
    # The time is free again.
    late = await booked(client, next_customer, host, start)

    # A week's notice: the deadline of this booking has passed.
    await set_columns(app, Business, host.business_id, cancellation_notice_hours=24 * 7)
    shown_late = await client.get(url(late), headers=next_customer.headers)
    assert shown_late.json()["data"]["booking"]["canCancel"] is False
    refused = await client.delete(url(late), headers=next_customer.headers)
    assert_error(refused, 422, "CANCELLATION_NOT_ALLOWED")
    assert (await stored(app, late["id"])).status.value == "pending"

    by_staff = await client.delete(
        url(late), params={"reason": "Specialist ill"}, headers=host.headers
    )
    assert by_staff.status_code == 200, by_staff.text
    assert by_staff.json()["data"]["booking"]["cancellationReason"] == "Specialist ill"
    history = (await client.get(url(late), headers=host.headers)).json()["data"]["booking"]
    assert [(h["from"], h["to"], h["reason"]) for h in history["history"]] == [
        (None, "pending", ""),
        ("pending", "cancelled", "Specialist ill"),
    ]


async def test_staff_confirm_with_meeting_details_and_no_notifications_yet(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    host = await specialist(app, client)
    paying = await specialist(app, client, deposit=10)
    customer = await register(client)
    booking = await booked(client, customer, host, weekday_at(10))
    unpaid = await booked(client, customer, paying, weekday_at(10))

    assert_error(
        await client.post(url(booking, "/confirm"), headers=customer.headers),
        403,
        "INSUFFICIENT_PERMISSIONS",
    )
    bad_link = await client.post(
        url(booking, "/confirm"), json={"meetingLink": "javascript:alert(1)"}, headers=host.headers
    )
    assert_error(bad_link, 400, "VALIDATION_ERROR")
    confirmed = await client.post(
        url(booking, "/confirm"),
        json={"meetingLink": "https://meet.example.com/x", "preparationNotes": "Bring numbers"},
        headers=host.headers,
    )
    assert confirmed.status_code == 200, confirmed.text
    data = confirmed.json()["data"]
    assert data["notificationsSent"] == []
    assert data["booking"]["status"] == "confirmed"
    assert data["booking"]["meetingLink"] == "https://meet.example.com/x"
    assert data["booking"]["preparationNotes"] == "Bring numbers"

    twice = await client.post(url(booking, "/confirm"), headers=host.headers)
    assert_error(twice, 422, "BUSINESS_RULE_VIOLATION")
    not_paid = await client.post(url(unpaid, "/confirm"), headers=paying.headers)
    assert_error(not_paid, 422, "BUSINESS_RULE_VIOLATION")


async def test_completing_waits_for_the_start_and_counts_the_session(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    host = await specialist(app, client, auto_confirm=True)
    customer = await register(client)
    booking = await booked(client, customer, host, weekday_at(10))
    assert booking["status"] == "confirmed"

    early = await client.post(url(booking, "/complete"), headers=host.headers)
    assert_error(early, 422, "BUSINESS_RULE_VIOLATION")
    await move_into_past(app, booking["id"])
    assert_error(
        await client.post(url(booking, "/complete"), headers=customer.headers),
        403,
        "INSUFFICIENT_PERMISSIONS",
    )
    done = await client.post(
        url(booking, "/complete"),
        json={"completionNotes": "Went well", "deliverables": ["Roadmap", "Action items"]},
        headers=host.headers,
    )

    assert done.status_code == 200, done.text
    shown = done.json()["data"]["booking"]
    assert shown["status"] == "completed"
    assert (shown["completionNotes"], shown["deliverables"]) == (
        "Went well",
        ["Roadmap", "Action items"],
    )
    async with app.state.db.session() as session:
        master = await session.get(Master, uuid.UUID(host.master_id))
        person = await session.get(User, uuid.UUID(customer.id))
        assert master is not None
        assert person is not None
        assert (master.total_bookings, person.total_bookings) == (1, 1)
    assert_error(
        await client.post(url(booking, "/complete"), headers=host.headers),
        422,
        "BUSINESS_RULE_VIOLATION",
    )


async def test_status_changes_follow_the_graph_for_staff_and_api_keys(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    host = await specialist(app, client)
    customer = await register(client)
    key = await api_key(client, host)
    booking = await booked(client, customer, host, weekday_at(10))

    async def patch(body: dict[str, Any], headers: dict[str, str]) -> httpx.Response:
        return await client.patch(url(booking), json=body, headers=headers)

    assert_error(
        await patch({"status": "confirmed"}, customer.headers), 403, "INSUFFICIENT_PERMISSIONS"
    )
    assert_error(await patch({"status": "expired"}, key), 400, "VALIDATION_ERROR")
    assert_error(await patch({"status": "completed"}, key), 422, "BUSINESS_RULE_VIOLATION")
    confirmed = await patch({"status": "confirmed"}, key)
    assert confirmed.status_code == 200, confirmed.text
    backwards = assert_error(
        await patch({"status": "pending"}, key), 422, "BUSINESS_RULE_VIOLATION"
    )
    assert backwards["details"][0]["code"] == "INVALID_TRANSITION"
    too_early = assert_error(
        await patch({"status": "no_show"}, key), 422, "BUSINESS_RULE_VIOLATION"
    )
    assert too_early["details"][0]["code"] == "NOT_STARTED"

    await move_into_past(app, booking["id"])
    no_show = await patch({"status": "no_show", "reason": "Did not come"}, host.headers)
    assert no_show.status_code == 200, no_show.text
    assert no_show.json()["data"]["booking"]["status"] == "no_show"
    async with app.state.db.session() as session:
        history = (
            await session.scalars(
                select(BookingStatusChange)
                .where(BookingStatusChange.booking_id == uuid.UUID(booking["id"]))
                .order_by(BookingStatusChange.changed_at)
            )
        ).all()
    assert [(h.to_status, h.actor_type) for h in history] == [
        ("pending", "user"),
        ("confirmed", "api_key"),
        ("no_show", "user"),
    ]
    assert history[-1].reason == "Did not come"


async def test_a_reschedule_moves_the_booking_and_frees_the_old_time(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    host = await specialist(app, client, timezone="Europe/Berlin")
    customer, other = await register(client), await register(client)
    old, new = weekday_at(10, zone="Europe/Berlin"), weekday_at(15, zone="Europe/Berlin")
    booking = await booked(client, customer, host, old)

    moved = await client.post(
        url(booking, "/reschedule"),
        json={"newScheduledAt": new.isoformat(), "reason": "Customer request"},
        headers=customer.headers,
    )

    assert moved.status_code == 200, moved.text
    shown = moved.json()["data"]["booking"]
    assert shown["scheduledAt"] == new.isoformat()
    assert datetime.fromisoformat(shown["endsAt"]) == new + timedelta(hours=1)
    assert shown["version"] == booking["version"] + 1
    row = await stored(app, booking["id"])
    assert (row.busy_from, row.busy_until) == (new, new + timedelta(hours=1))
    last = (await client.get(url(booking), headers=customer.headers)).json()["data"]["booking"]
    entry = last["history"][-1]
    assert (entry["from"], entry["to"]) == ("pending", "pending")
    assert entry["reason"] == f"rescheduled from {utc(old)} to {utc(new)}: Customer request"
    await booked(client, other, host, old)  # the old time is free


async def test_a_reschedule_onto_a_taken_time_changes_nothing(
    app: FastAPI, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    host = await specialist(app, client)
    customer, other = await register(client), await register(client)
    mine = await booked(client, customer, host, weekday_at(10))
    await booked(client, other, host, weekday_at(13))
    before = await stored(app, mine["id"])

    taken = await client.post(
        url(mine, "/reschedule"),
        json={"newScheduledAt": weekday_at(13, 30).isoformat()},
        headers=customer.headers,
    )
    error = assert_error(taken, 409, "BOOKING_CONFLICT")
    assert error["details"][0]["field"] == "newScheduledAt"

    # Had the check missed it (a booking committed in between), the database guard
    # refuses the moved row itself.
    async def looks_free(*args: Any, **kwargs: Any) -> None:
        return None

    monkeypatch.setattr(booking_service, "why_not", looks_free)
    raced = await client.post(
        url(mine, "/reschedule"),
        json={"newScheduledAt": weekday_at(13).isoformat()},
        headers=host.headers,
    )
    assert_error(raced, 409, "BOOKING_CONFLICT")

    after = await stored(app, mine["id"])
    assert (after.starts_at, after.busy_from, after.busy_until, after.version) == (
        before.starts_at,
        before.busy_from,
        before.busy_until,
        before.version,
    )
    shown = (await client.get(url(mine), headers=customer.headers)).json()["data"]["booking"]
    assert len(shown["history"]) == 1


async def test_reschedule_rules(app: FastAPI, client: httpx.AsyncClient) -> None:
    host = await specialist(app, client)
    customer = await register(client)
    booking = await booked(client, customer, host, weekday_at(10))

    async def reschedule(to: datetime, headers: dict[str, str]) -> httpx.Response:
        return await client.post(
            url(booking, "/reschedule"), json={"newScheduledAt": to.isoformat()}, headers=headers
        )

    # Overlapping its own current time is fine: it is left out of the check.
    overlapping = await reschedule(weekday_at(10, 30), customer.headers)
    assert overlapping.status_code == 200, overlapping.text
    outside = assert_error(
        await reschedule(weekday_at(19), customer.headers), 422, "BUSINESS_RULE_VIOLATION"
    )
    assert outside["details"][0] == {
        "field": "newScheduledAt",
        "message": "this time is not one of the specialist's available start times",
        "code": "OUTSIDE_HOURS",
    }
    naive = await client.post(
        url(booking, "/reschedule"),
        json={"newScheduledAt": "2030-01-01T10:00:00"},
        headers=customer.headers,
    )
    assert_error(naive, 400, "VALIDATION_ERROR")

    await set_columns(app, Business, host.business_id, cancellation_notice_hours=24 * 7)
    late = assert_error(
        await reschedule(weekday_at(11), customer.headers), 422, "BUSINESS_RULE_VIOLATION"
    )
    assert late["details"][0]["code"] == "DEADLINE_PASSED"
    by_staff = await reschedule(weekday_at(11), host.headers)
    assert by_staff.status_code == 200, by_staff.text

    await client.delete(url(booking), headers=host.headers)
    closed = assert_error(
        await reschedule(weekday_at(12), host.headers), 422, "BUSINESS_RULE_VIOLATION"
    )
    assert closed["details"][0]["code"] == "INVALID_TRANSITION"


async def test_put_changes_the_fields_given(app: FastAPI, client: httpx.AsyncClient) -> None:
    host = await specialist(app, client)
    customer = await register(client)
    booking = await booked(client, customer, host, weekday_at(10), notes="first")

    async def put(body: dict[str, Any], headers: dict[str, str]) -> httpx.Response:
        return await client.put(url(booking), json=body, headers=headers)

    noted = await put({"notes": "second"}, customer.headers)
    assert noted.status_code == 200, noted.text
    assert noted.json()["data"]["booking"]["notes"] == "second"
    assert_error(
        await put({"meetingLink": "https://meet.example.com/a"}, customer.headers),
        403,
        "INSUFFICIENT_PERMISSIONS",
    )
    linked = await put({"meetingLink": "https://meet.example.com/a"}, host.headers)
    assert linked.json()["data"]["booking"]["meetingLink"] == "https://meet.example.com/a"
    assert linked.json()["data"]["booking"]["notes"] == "second"
    assert_error(await put({"inquiry": "?"}, host.headers), 422, "BUSINESS_RULE_VIOLATION")
    assert_error(await put({"notes": None}, host.headers), 400, "VALIDATION_ERROR")
    both = {
        "scheduledAt": weekday_at(11).isoformat(),
        "timeSlot": {"startTime": weekday_at(11).isoformat()},
    }
    assert_error(await put(both, customer.headers), 400, "VALIDATION_ERROR")
    longer = {"timeSlot": {"startTime": weekday_at(11).isoformat(), "duration": 90}}
    assert_error(await put(longer, customer.headers), 400, "VALIDATION_ERROR")

    moved = await put(
        {"scheduledAt": weekday_at(14).isoformat(), "reason": "Later"}, customer.headers
    )
    assert moved.status_code == 200, moved.text
    assert datetime.fromisoformat(moved.json()["data"]["booking"]["scheduledAt"]) == weekday_at(14)
    slot = await put(
        {"timeSlot": {"startTime": weekday_at(15).isoformat(), "duration": 60}}, host.headers
    )
    assert slot.status_code == 200, slot.text
    assert (await stored(app, booking["id"])).starts_at == weekday_at(15).astimezone(UTC)

    await client.delete(url(booking), headers=customer.headers)
    assert_error(await put({"notes": "third"}, customer.headers), 422, "BUSINESS_RULE_VIOLATION")


async def test_an_api_key_edits_and_moves_an_inquiry(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    host = await specialist(app, client)
    key = await api_key(client, host)
    ids = []
    async with app.state.db.session() as session:
        business = await session.get(Business, uuid.UUID(host.business_id))
        assert business is not None
        for hour in (10, 12):
            start = weekday_at(hour)
            row = await place_inquiry(
                session,
                business,
                Span(start, start + timedelta(minutes=30)),
                Contact(name="Ivan", email="ivan@acme.example", company="Acme"),
                "A demo",
                Who("guest"),
                datetime.now(UTC),
            )
            ids.append(str(row.id))
    inquiry = {"id": ids[0]}

    edited = await client.put(
        url(inquiry),
        json={
            "inquiry": "A demo for six",
            "timeSlot": {"startTime": weekday_at(14).isoformat(), "duration": 45},
        },
        headers=key,
    )
    assert edited.status_code == 200, edited.text
    shown = edited.json()["data"]["booking"]
    assert (shown["kind"], shown["inquiry"], shown["duration"]) == ("inquiry", "A demo for six", 45)
    assert datetime.fromisoformat(shown["scheduledAt"]) == weekday_at(14)

    onto_other = await client.put(
        url(inquiry), json={"timeSlot": {"startTime": weekday_at(12, 15).isoformat()}}, headers=key
    )
    assert_error(onto_other, 409, "BOOKING_CONFLICT")
    listed = await client.get(BOOKINGS, params={"email": "IVAN@acme.example"}, headers=key)
    assert {b["id"] for b in listed.json()["data"]["bookings"]} == set(ids)
    assert all(
        b["service"] is None and b["specialist"] is None for b in listed.json()["data"]["bookings"]
    )
