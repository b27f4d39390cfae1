"""Bookings as iCalendar: the file of one booking and the private feed of a user."""

from __future__ import annotations

from datetime import UTC, timedelta

import httpx
from fastapi import FastAPI
from icalendar import Calendar

from tests.bookings.factories import BOOKINGS, booked, move_into_past, specialist, weekday_at
from tests.factories import assert_error, register

FEED = "/api/v1/users/calendar-feed"


def events_of(response: httpx.Response) -> list[Calendar]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    return list(calendar.walk("VEVENT"))


async def test_a_booking_file_has_a_stable_uid_utc_times_and_the_status(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    host = await specialist(app, client, timezone="America/New_York")
    customer = await register(client)
    start = weekday_at(9, zone="America/New_York")
    booking = await booked(client, customer, host, start)
    url = f"{BOOKINGS}/{booking['id']}/ics"

    first = await client.get(url, headers=customer.headers)
    (event,) = events_of(first)
    assert str(event["uid"]) == f"{booking['id']}@bookwell"
    assert event.decoded("dtstart") == start.astimezone(UTC)
    assert event.decoded("dtend") == start.astimezone(UTC) + timedelta(hours=1)
    assert f"DTSTART:{start.astimezone(UTC):%Y%m%dT%H%M%S}Z" in first.text
    assert str(event["summary"]) == "Strategy session"
    assert str(event["status"]) == "TENTATIVE"
    assert "METHOD:PUBLISH" in first.text
    assert "attachment" in first.headers["content-disposition"]

    await client.post(f"{BOOKINGS}/{booking['id']}/cancel", headers=customer.headers)
    cancelled = await client.get(url, headers=host.headers)
    (gone,) = events_of(cancelled)
    assert str(gone["uid"]) == str(event["uid"])
    assert str(gone["status"]) == "CANCELLED"
    assert "METHOD:CANCEL" in cancelled.text
    assert int(gone["sequence"]) > int(event["sequence"])

    stranger = await register(client)
    assert_error(await client.get(url, headers=stranger.headers), 404, "RESOURCE_NOT_FOUND")
    assert_error(await client.get(url), 401, "AUTHENTICATION_REQUIRED")


async def test_a_private_feed_lists_bookings_as_customer_and_as_master_until_revoked(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    host = await specialist(app, client)
    elsewhere = await specialist(app, client)
    customer = await register(client)
    served = await booked(client, customer, host, weekday_at(10))
    own = await booked(client, host.account, elsewhere, weekday_at(12))
    old = await booked(client, customer, host, weekday_at(14))
    await move_into_past(app, old["id"], hours=24 * 40)
    unrelated = await booked(client, customer, elsewhere, weekday_at(15))

    opened = await client.post(FEED, headers=host.headers)
    assert opened.status_code == 201, opened.text
    url = opened.json()["data"]["url"]
    assert url.startswith("http://testserver/api/v1/calendar/cal_")
    assert url.endswith(".ics")
    path = url.removeprefix("http://testserver")

    uids = {str(event["uid"]) for event in events_of(await client.get(path))}
    assert uids == {f"{served['id']}@bookwell", f"{own['id']}@bookwell"}
    assert f"{unrelated['id']}@bookwell" not in uids

    replaced = await client.post(FEED, headers=host.headers)
    assert_error(await client.get(path), 404, "RESOURCE_NOT_FOUND")
    new_path = replaced.json()["data"]["url"].removeprefix("http://testserver")
    assert len(events_of(await client.get(new_path))) == 2

    revoked = await client.delete(FEED, headers=host.headers)
    assert revoked.json()["data"] == {"revoked": 1}
    assert_error(await client.get(new_path), 404, "RESOURCE_NOT_FOUND")
    assert (await client.delete(FEED, headers=host.headers)).json()["data"] == {"revoked": 0}
    assert_error(await client.get("/api/v1/calendar/cal_unknown.ics"), 404, "RESOURCE_NOT_FOUND")
    assert_error(await client.post(FEED), 401, "AUTHENTICATION_REQUIRED")
