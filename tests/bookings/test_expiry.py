"""Unpaid bookings past their deadline: free at once, marked expired by the sweeper."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, time, timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from bookwell.bookings.expiry import sweep
from bookwell.bookings.rules import Appointment, Contact, Who, place_appointment
from bookwell.errors import BookingConflict
from bookwell.kit.clock import utcnow
from bookwell.models import Booking, BookingStatus, BookingStatusChange, Business, Master, Service
from tests.conftest import AppFactory, client_for
from tests.factories import Account, register


def next_monday_at(hour: int) -> datetime:
    """A Monday at least two days ahead, `hour`:00 UTC (inside the default hours)."""
    day = (utcnow() + timedelta(days=2)).date()
    day += timedelta(days=(7 - day.weekday()) % 7)
    return datetime.combine(day, time(hour), tzinfo=UTC)


async def specialist_with_deposit(client: httpx.AsyncClient) -> Account:
    account = await register(client, userType="specialist", verified=True)
    profile = {"availability": {"timezone": "UTC"}, "pricing": {"depositAmount": 10}}
    response = await client.put(
        "/api/v1/specialists/profile", json=profile, headers=account.headers
    )
    assert response.status_code == 200, response.text
    service = {"name": "Consultation", "duration": 60, "price": 100}
    response = await client.post(
        "/api/v1/specialists/services", json=service, headers=account.headers
    )
    assert response.status_code == 201, response.text
    return account


async def book(app: FastAPI, owner: Account, start: datetime, now: datetime) -> Booking:
    async with app.state.db.session() as session:
        master = await session.scalar(select(Master).where(Master.user_id == uuid.UUID(owner.id)))
        assert master is not None
        business = await session.get(Business, master.business_id)
        service = await session.scalar(select(Service).where(Service.business_id == business.id))
        assert business is not None
        assert service is not None
        request = Appointment(
            business, master, service, start, Contact(name="Guest", email="g@example.com")
        )
        return await place_appointment(session, request, Who("guest"), now)


async def test_an_overdue_unpaid_booking_frees_its_slot_before_the_sweeper(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    owner = await specialist_with_deposit(client)
    start = next_monday_at(10)
    first = await book(app, owner, start, now=utcnow() - timedelta(hours=1))
    assert first.status is BookingStatus.PENDING_PAYMENT
    assert first.payment_deadline is not None
    assert first.payment_deadline < utcnow()

    second = await book(app, owner, start, now=utcnow())
    assert second.status is BookingStatus.PENDING_PAYMENT

    async with app.state.db.session() as session:
        stored = await session.get(Booking, first.id)
        assert stored is not None
        assert stored.status is BookingStatus.EXPIRED
        history = (
            await session.scalars(
                select(BookingStatusChange).where(BookingStatusChange.booking_id == first.id)
            )
        ).all()
    assert [(h.from_status, h.to_status, h.actor_type) for h in history] == [
        (None, "pending_payment", "guest"),
        ("pending_payment", "expired", "system"),
    ]


async def test_a_booking_within_its_deadline_still_holds_the_slot(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    owner = await specialist_with_deposit(client)
    start = next_monday_at(11)
    await book(app, owner, start, now=utcnow())
    with pytest.raises(BookingConflict):
        await book(app, owner, start, now=utcnow())


async def test_the_sweeper_expires_only_overdue_unpaid_bookings(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    owner = await specialist_with_deposit(client)
    overdue = await book(app, owner, next_monday_at(9), now=utcnow() - timedelta(hours=1))
    current = await book(app, owner, next_monday_at(13), now=utcnow())

    assert await sweep(app.state.db) == 1
    assert await sweep(app.state.db) == 0

    async with app.state.db.session() as session:
        statuses = {
            row.id: row.status
            for row in await session.scalars(
                select(Booking).where(Booking.id.in_([overdue.id, current.id]))
            )
        }
    assert statuses == {
        overdue.id: BookingStatus.EXPIRED,
        current.id: BookingStatus.PENDING_PAYMENT,
    }


async def test_the_api_process_sweeps_on_its_own(app_factory: AppFactory) -> None:
    app = await app_factory(expiry_sweep_seconds=0.05)
    async with client_for(app) as client:
        owner = await specialist_with_deposit(client)
    overdue = await book(app, owner, next_monday_at(15), now=utcnow() - timedelta(hours=1))
    for _ in range(100):
        async with app.state.db.session() as session:
            stored = await session.get(Booking, overdue.id)
            assert stored is not None
            if stored.status is BookingStatus.EXPIRED:
                return
        await asyncio.sleep(0.05)
    raise AssertionError("the background sweeper did not expire the overdue booking")
