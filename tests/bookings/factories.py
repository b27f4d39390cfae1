"""Factories for the authenticated bookings routes: bookable specialists (seed 001's
one-person business, made through the API) and businesses with staff (through
tests/bookings/builders.py), customers booking through POST /bookings, and the few
things only the database can do to a booking (its time in the past, a deadline
passed)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from fastapi import FastAPI
from sqlalchemy import select, update

from bookwell.kit.clock import utcnow
from bookwell.models import Booking, Business, Master
from tests.factories import Account, register

BOOKINGS = "/api/v1/bookings"


@dataclass
class Specialist:
    account: Account
    master_id: str
    service_id: str
    business_id: str

    @property
    def headers(self) -> dict[str, str]:
        return self.account.headers


async def specialist(
    app: FastAPI,
    client: httpx.AsyncClient,
    *,
    timezone: str = "UTC",
    deposit: float = 0,
    price: float = 150,
    duration: int = 60,
    auto_confirm: bool | None = None,
    business: dict[str, Any] | None = None,
    **service: Any,
) -> Specialist:
    """A specialist who registered alone (their one-person business, open Monday to
    Friday 09:00-17:00 in `timezone`), with one service; `deposit` and `price` in
    major units. `business` sets columns of the business."""
    account = await register(client, userType="specialist", verified=True)
    profile = {"availability": {"timezone": timezone}, "pricing": {"depositAmount": deposit}}
    response = await client.put(
        "/api/v1/specialists/profile", json=profile, headers=account.headers
    )
    assert response.status_code == 200, response.text
    master_id = response.json()["data"]["id"]
    body = {"name": "Strategy session", "duration": duration, "price": price, **service}
    response = await client.post("/api/v1/specialists/services", json=body, headers=account.headers)
    assert response.status_code == 201, response.text
    service_id = response.json()["data"]["id"]
    async with app.state.db.session() as session:
        master = await session.get(Master, uuid.UUID(master_id))
        assert master is not None
        if auto_confirm is not None:
            master.auto_confirm = auto_confirm
        if business:
            await session.execute(
                update(Business).where(Business.id == master.business_id).values(**business)
            )
        business_id = str(master.business_id)
    return Specialist(account, master_id, service_id, business_id)


def weekday_at(hour: int, minute: int = 0, *, zone: str = "UTC", days: int = 2) -> datetime:
    """The first Monday to Friday at least `days` days ahead, at this wall time."""
    day = (utcnow() + timedelta(days=days)).date()
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(zone))


def around_dst_start(zone: str = "America/New_York") -> tuple[date, date]:
    """The Friday before and the Monday after the next March change to summer time in
    the US (second Sunday of March), both at least two days ahead."""
    today = utcnow().date()
    year = today.year
    while True:
        first = date(year, 3, 1)
        second_sunday = first + timedelta(days=(6 - first.weekday()) % 7 + 7)
        friday, monday = second_sunday - timedelta(days=2), second_sunday + timedelta(days=1)
        if friday >= today + timedelta(days=2):
            return friday, monday
        year += 1


def booking_body(who: Specialist, start: datetime, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "serviceId": who.service_id,
        "specialistId": who.master_id,
        "scheduledAt": start.isoformat(),
    }
    body.update(overrides)
    return {key: value for key, value in body.items() if value is not None}


async def book(
    client: httpx.AsyncClient,
    customer: Account,
    who: Specialist,
    start: datetime,
    *,
    headers: dict[str, str] | None = None,
    **overrides: Any,
) -> httpx.Response:
    return await client.post(
        BOOKINGS,
        json=booking_body(who, start, **overrides),
        headers={**customer.headers, **(headers or {})},
    )


async def booked(
    client: httpx.AsyncClient, customer: Account, who: Specialist, start: datetime, **kw: Any
) -> dict[str, Any]:
    """A booking made through POST /bookings (its JSON)."""
    response = await book(client, customer, who, start, **kw)
    assert response.status_code == 201, response.text
    booking: dict[str, Any] = response.json()["data"]["booking"]
    return booking


async def stored(app: FastAPI, booking_id: str) -> Booking:
    async with app.state.db.session() as session:
        row = await session.get(Booking, uuid.UUID(booking_id))
        assert row is not None
        return row


async def move_into_past(app: FastAPI, booking_id: str, hours: float = 2) -> None:
    """Shift a booking so that it started `hours` ago (complete / no-show are allowed
    only then); its length and buffers stay."""
    async with app.state.db.session() as session:
        row = await session.get(Booking, uuid.UUID(booking_id))
        assert row is not None
        shift = utcnow() - timedelta(hours=hours) - row.starts_at
        row.starts_at += shift
        row.ends_at += shift
        row.busy_from += shift
        row.busy_until += shift


async def pass_payment_deadline(app: FastAPI, booking_id: str) -> None:
    async with app.state.db.session() as session:
        await session.execute(
            update(Booking)
            .where(Booking.id == uuid.UUID(booking_id))
            .values(payment_deadline=utcnow() - timedelta(minutes=1))
        )


async def set_columns(app: FastAPI, model: Any, row_id: str, **values: Any) -> None:
    async with app.state.db.session() as session:
        await session.execute(update(model).where(model.id == uuid.UUID(row_id)).values(**values))


async def count_bookings(app: FastAPI, master_id: str) -> int:
    async with app.state.db.session() as session:
        rows = await session.scalars(
            select(Booking.id).where(Booking.master_id == uuid.UUID(master_id))
        )
        return len(rows.all())


def utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
