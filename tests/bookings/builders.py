"""Builders for the booking tests: a bookable business (owner and business through the
API, masters and services in the database, as tests/businesses/factories.py does),
times on its calendar, bookings put straight into the database, and the overlap check
the race tests rely on."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from fastapi import FastAPI
from sqlalchemy import and_, insert, select, update
from sqlalchemy.orm import aliased

from bookwell.auth.tokens import issue_access_token
from bookwell.db import Database
from bookwell.kit.clock import utcnow
from bookwell.models import (
    ACTIVE_STATUSES,
    AuthSession,
    Booking,
    BookingKind,
    BookingStatus,
    Business,
    Master,
    OutboxMessage,
    User,
)
from tests.businesses.factories import Tenant, active_business, add_master, add_service

PUBLIC_BOOKING = "/api/v1/public/booking"
_counter = itertools.count(1)


@dataclass
class Salon:
    tenant: Tenant
    masters: list[str]
    service: str
    timezone: str
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return self.tenant.id

    @property
    def subdomain(self) -> str:
        return self.tenant.subdomain


async def master_user(app: FastAPI, first_name: str) -> str:
    """A user for a master, made in the database (no password hashing: fast)."""
    database: Database = app.state.db
    n = next(_counter)
    async with database.session() as session:
        user = User(
            id=uuid.uuid4(),
            email=f"master{n}-{uuid.uuid4().hex[:6]}@example.com",
            first_name=first_name,
            last_name=f"Master{n}",
        )
        session.add(user)
    return str(user.id)


async def salon(
    app: FastAPI,
    client: httpx.AsyncClient,
    *,
    masters: int = 1,
    timezone: str = "UTC",
    business: dict[str, Any] | None = None,
    **service: Any,
) -> Salon:
    """An active business in `timezone` (open Monday to Friday 09:00-17:00 there),
    `masters` masters in the same zone working those hours, and one 60-minute service
    (price 50.00) they all deliver. `business` sets columns of the business."""
    tenant = await active_business(app, client, timezone=timezone)
    if business:
        async with app.state.db.session() as session:
            await session.execute(
                update(Business).where(Business.id == uuid.UUID(tenant.id)).values(**business)
            )
    names = ("Ana", "Ben", "Cai", "Dana", "Eli", "Fay", "Gus", "Hal")
    master_ids = [
        await add_master(
            app, tenant.id, await master_user(app, names[i % len(names)]), timezone=timezone
        )
        for i in range(masters)
    ]
    values: dict[str, Any] = {"name": "Haircut", "duration_minutes": 60, "price": 5000}
    values.update(service)
    service_id = await add_service(app, tenant.id, master_ids, **values)
    return Salon(tenant=tenant, masters=master_ids, service=service_id, timezone=timezone)


def monday_at(hour: int, minute: int = 0, zone: str = "UTC", weeks: int = 0) -> datetime:
    """A Monday at least two days ahead (plus `weeks`), at this wall time in `zone`."""
    day = (utcnow() + timedelta(days=2)).date()
    day += timedelta(days=(7 - day.weekday()) % 7 + 7 * weeks)
    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(zone))


def iso(moment: datetime) -> str:
    return moment.isoformat()


def appointment(salon: Salon, start: datetime, **overrides: Any) -> dict[str, Any]:
    """A public appointment body for the salon's service."""
    body: dict[str, Any] = {
        "business": salon.subdomain,
        "serviceId": salon.service,
        "scheduledAt": iso(start),
        "name": "Guest Person",
        "email": f"guest{next(_counter)}@example.com",
    }
    body.update(overrides)
    return {key: value for key, value in body.items() if value is not None}


async def put_booking(
    app: FastAPI,
    business_id: str,
    start: datetime,
    minutes: int = 60,
    *,
    master_id: str | None = None,
    kind: BookingKind = BookingKind.APPOINTMENT,
    status: BookingStatus = BookingStatus.CONFIRMED,
    before: int = 0,
    after: int = 0,
) -> str:
    """A booking inserted straight through SQL (no rules): `before`/`after` are the
    buffer minutes around it."""
    booking_id = uuid.uuid4()
    start = start.astimezone(UTC)
    end = start + timedelta(minutes=minutes)
    async with app.state.db.engine.begin() as connection:
        await connection.execute(
            insert(Booking).values(
                id=booking_id,
                business_id=uuid.UUID(business_id),
                kind=kind,
                master_id=uuid.UUID(master_id) if master_id else None,
                contact_name="Someone",
                starts_at=start,
                ends_at=end,
                busy_from=start - timedelta(minutes=before),
                busy_until=end + timedelta(minutes=after),
                status=status,
                currency="EUR",
                created_at=utcnow(),
                updated_at=utcnow(),
            )
        )
    return str(booking_id)


async def bookings_of(app: FastAPI, business_id: str) -> list[Booking]:
    async with app.state.db.session() as session:
        result = await session.scalars(
            select(Booking)
            .where(Booking.business_id == uuid.UUID(business_id))
            .order_by(Booking.starts_at, Booking.created_at)
        )
        return list(result)


async def overlapping_pairs(app: FastAPI) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """Pairs of active bookings that hold overlapping time of one master (or, for
    inquiries, of one business): what the guard exists to prevent. Every race test
    ends with this being empty; the control tests show it is not when unguarded."""
    a, b = aliased(Booking), aliased(Booking)
    same_calendar = (a.master_id == b.master_id) | and_(
        a.kind == BookingKind.INQUIRY,
        b.kind == BookingKind.INQUIRY,
        a.business_id == b.business_id,
    )
    async with app.state.db.session() as session:
        rows = await session.execute(
            select(a.id, b.id).where(
                a.id < b.id,
                same_calendar,
                a.status.in_(ACTIVE_STATUSES),
                b.status.in_(ACTIVE_STATUSES),
                a.busy_from < b.busy_until,
                b.busy_from < a.busy_until,
            )
        )
        return [(first, second) for first, second in rows]


async def outbox(app: FastAPI, recipient: str) -> list[OutboxMessage]:
    """Messages businesses sent to this recipient (the platform's own, such as the
    code that verifies an account's email, left out)."""
    async with app.state.db.session() as session:
        result = await session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.recipient == recipient, OutboxMessage.business_id.is_not(None))
            .order_by(OutboxMessage.created_at)
        )
        return list(result)


async def master_name(app: FastAPI, master_id: str) -> str:
    async with app.state.db.session() as session:
        user = await session.scalar(
            select(User)
            .join(Master, Master.user_id == User.id)
            .where(Master.id == uuid.UUID(master_id))
        )
        assert user is not None
        return user.first_name


async def customers(app: FastAPI, count: int) -> list[dict[str, str]]:
    """Headers of `count` signed-in customers, made in the database (a sign-in session
    each and an access token for it): many clients without hashing passwords."""
    sessions = []
    async with app.state.db.session() as session:
        for n in range(count):
            user = User(
                id=uuid.uuid4(),
                email=f"customer{n}-{uuid.uuid4().hex[:8]}@example.com",
                first_name="Client",
                last_name=str(n),
            )
            session.add(user)
            await session.flush()
            signed_in = AuthSession(id=uuid.uuid4(), user_id=user.id, platform="web")
            session.add(signed_in)
            sessions.append((user.id, signed_in.id))
    settings = app.state.settings
    return [
        {"Authorization": f"Bearer {issue_access_token(settings, user_id, session_id)}"}
        for user_id, session_id in sessions
    ]
