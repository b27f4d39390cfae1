"""Specialists with hours and services (through the API), bookings (through the
booking rules), and dates far enough ahead to be bookable."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from bookwell.bookings.rules import Appointment, Contact, Who, place_appointment
from bookwell.db import Database
from bookwell.kit.clock import utcnow
from bookwell.models import Business, Master, Service
from tests.factories import Account, register

OWN = "/api/v1/specialists/availability"


def upcoming(weekday: int, weeks: int = 2) -> date:
    """The date of `weekday` (0 = Monday) at least `weeks` weeks from today."""
    day = utcnow().date() + timedelta(weeks=weeks)
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def next_dst_change(zone: str, month: int) -> date:
    """The next date of `month` on which `zone`'s clocks change, at least 2 weeks on."""
    tz = ZoneInfo(zone)
    day = upcoming(0)
    while True:
        before = datetime(day.year, day.month, day.day, tzinfo=tz) - timedelta(hours=12)
        after = datetime(day.year, day.month, day.day, 12, tzinfo=tz)
        if day.month == month and before.utcoffset() != after.utcoffset():
            return day
        day += timedelta(days=1)


async def specialist(
    client: httpx.AsyncClient,
    *,
    timezone: str = "UTC",
    hours: dict[str, Any] | None = None,
) -> tuple[Account, str]:
    """A specialist (a one-person business) with these hours in `timezone`; their
    master id. Default hours: Monday to Friday, 09:00-17:00."""
    account = await register(client, userType="specialist", verified=True)
    availability: dict[str, Any] = {"timezone": timezone}
    if hours is not None:
        availability["workingHours"] = hours
    response = await client.put(
        "/api/v1/specialists/profile",
        json={"availability": availability},
        headers=account.headers,
    )
    assert response.status_code == 200, response.text
    return account, str(response.json()["data"]["id"])


async def own_service(client: httpx.AsyncClient, account: Account, **fields: Any) -> str:
    body: dict[str, Any] = {"name": "Consultation", "duration": 60, "price": 100}
    body.update(fields)
    response = await client.post("/api/v1/specialists/services", json=body, headers=account.headers)
    assert response.status_code == 201, response.text
    return str(response.json()["data"]["id"])


async def book(app: FastAPI, master_id: str, service_id: str, start: datetime) -> None:
    """A booking of the service with the master at `start`, placed by the rules."""
    database: Database = app.state.db
    async with database.session() as session:
        master = await session.get(Master, uuid.UUID(master_id))
        service = await session.get(Service, uuid.UUID(service_id))
        assert master is not None
        assert service is not None
        business = await session.scalar(select(Business).where(Business.id == master.business_id))
        assert business is not None
        request = Appointment(
            business, master, service, start, Contact(name="Guest", email="guest@example.com")
        )
        await place_appointment(session, request, Who("guest"), utcnow())


def slots_of(body: dict[str, Any], day: date) -> list[dict[str, Any]]:
    """The slots listed under `day` in an availability reply."""
    [entry] = [
        entry for entry in body["data"]["availableSlots"] if entry["date"] == day.isoformat()
    ]
    found: list[dict[str, Any]] = entry["slots"]
    return found


def at_utc(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)
