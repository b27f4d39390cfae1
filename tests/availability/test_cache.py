"""Public slot replies are cached, and never stale: every change of what they are made
of (bookings, blocks, overrides, hours, the service) gives a fresh reply at once,
whoever made the change and without anyone invalidating anything."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import event, update

from bookwell.db import Database
from bookwell.models import Booking, BookingStatus, Service
from tests.availability.factories import at_utc, book, own_service, slots_of, specialist, upcoming
from tests.factories import Account


@contextmanager
def counted(app: FastAPI) -> Iterator[list[str]]:
    """The SQL statements sent while inside."""
    database: Database = app.state.db
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    event.listen(database.engine.sync_engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", record)


class Page:
    """One public slot page, read again after each change."""

    def __init__(self, client: httpx.AsyncClient, master_id: str, service_id: str) -> None:
        self.client, self.day = client, upcoming(0)
        self.url = f"/api/v1/specialists/{master_id}/availability"
        self.params = {
            "serviceId": service_id,
            "startDate": str(self.day),
            "endDate": str(self.day),
        }

    async def reasons(self) -> dict[str, str | None]:
        response = await self.client.get(self.url, params=self.params)
        assert response.status_code == 200, response.text
        return {s["startTime"]: s.get("reason") for s in slots_of(response.json(), self.day)}


async def setup(client: httpx.AsyncClient) -> tuple[Account, str, str, Page]:
    account, master_id = await specialist(client)
    service_id = await own_service(client, account, duration=60, slotStep=60)
    return account, master_id, service_id, Page(client, master_id, service_id)


async def test_a_repeated_request_is_answered_from_the_cache(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    _, _, _, page = await setup(client)
    with counted(app) as first:
        before = await page.reasons()
    with counted(app) as again:
        assert await page.reasons() == before
    # The lookup and the fingerprint; not the overrides, bookings and blocks.
    assert len(again) == 2, again
    assert len(first) > len(again)


async def test_bookings_made_and_cancelled_elsewhere_show_at_once(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    _, master_id, service_id, page = await setup(client)
    assert (await page.reasons())["10:00"] is None
    await book(app, master_id, service_id, at_utc(page.day, 10))
    assert (await page.reasons())["10:00"] == "booked"

    database: Database = app.state.db
    async with database.session() as session:
        await session.execute(
            update(Booking)
            .where(Booking.master_id == uuid.UUID(master_id))
            .values(status=BookingStatus.CANCELLED)
        )
    assert (await page.reasons())["10:00"] is None


async def test_blocks_overrides_hours_and_the_service_show_at_once(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    account, _, service_id, page = await setup(client)
    day = page.day
    assert list(await page.reasons()) == [f"{h:02d}:00" for h in range(9, 17)]

    block = await client.post(
        "/api/v1/specialists/availability/block",
        json={"startDateTime": f"{day}T09:00:00Z", "endDateTime": f"{day}T10:00:00Z"},
        headers=account.headers,
    )
    assert block.status_code == 201, block.text
    assert (await page.reasons())["09:00"] == "blocked"
    await client.delete(
        f"/api/v1/specialists/availability/block/{block.json()['data']['id']}",
        headers=account.headers,
    )
    assert (await page.reasons())["09:00"] is None

    await client.put(
        f"/api/v1/specialists/availability/overrides/{day}",
        json={"hours": [{"start": "12:00", "end": "14:00"}]},
        headers=account.headers,
    )
    assert list(await page.reasons()) == ["12:00", "13:00"]
    await client.delete(
        f"/api/v1/specialists/availability/overrides/{day}", headers=account.headers
    )

    await client.put(
        "/api/v1/specialists/profile",
        json={
            "availability": {
                "workingHours": {day.strftime("%A").lower(): {"start": "08:00", "end": "10:00"}}
            }
        },
        headers=account.headers,
    )
    assert list(await page.reasons()) == ["08:00", "09:00"]

    database: Database = app.state.db
    async with database.session() as session:
        await session.execute(
            update(Service).where(Service.id == uuid.UUID(service_id)).values(duration_minutes=120)
        )
    assert list(await page.reasons()) == ["08:00"]
