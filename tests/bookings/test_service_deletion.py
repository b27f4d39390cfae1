"""Deleting a service that still has bookings to come deactivates it instead, on both
routes that delete services (the specialist's own and the business's)."""

from __future__ import annotations

import uuid

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from bookwell.models import AuditEntry, Booking, Service
from tests.bookings.factories import booked, move_into_past, specialist, weekday_at
from tests.factories import register


async def service_row(app: FastAPI, service_id: str) -> Service | None:
    async with app.state.db.session() as session:
        return await session.get(Service, uuid.UUID(service_id))


async def test_a_specialist_service_with_a_booking_to_come_is_deactivated(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    host = await specialist(app, client)
    customer = await register(client)
    booking = await booked(client, customer, host, weekday_at(10))
    url = f"/api/v1/specialists/services/{host.service_id}"

    kept = await client.delete(url, headers=host.headers)

    assert kept.status_code == 200, kept.text
    assert "deactivated" in kept.json()["data"]["message"]
    row = await service_row(app, host.service_id)
    assert row is not None
    assert row.is_active is False
    shown = await client.get(f"/api/v1/bookings/{booking['id']}", headers=customer.headers)
    assert shown.json()["data"]["booking"]["serviceId"] == host.service_id
    async with app.state.db.session() as session:
        actions = (
            await session.scalars(
                select(AuditEntry.action).where(AuditEntry.entity_id == host.service_id)
            )
        ).all()
    assert "deactivate" in actions

    # Once the booking is in the past (or cancelled), deleting deletes.
    await move_into_past(app, booking["id"])
    gone = await client.delete(url, headers=host.headers)
    assert gone.json()["data"]["message"] == "Service deleted"
    assert await service_row(app, host.service_id) is None
    async with app.state.db.session() as session:
        past = await session.get(Booking, uuid.UUID(booking["id"]))
        assert past is not None
        assert (past.service_id, past.service_name) == (None, "Strategy session")


async def test_a_business_service_with_a_booking_to_come_is_deactivated(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    host = await specialist(app, client)
    customer = await register(client)
    booking = await booked(client, customer, host, weekday_at(10))
    url = f"/api/v1/businesses/{host.business_id}/services/{host.service_id}"

    kept = await client.delete(url, headers=host.headers)
    assert kept.status_code == 200, kept.text
    row = await service_row(app, host.service_id)
    assert row is not None
    assert row.is_active is False

    await client.delete(f"/api/v1/bookings/{booking['id']}", headers=customer.headers)
    gone = await client.delete(url, headers=host.headers)
    assert gone.json()["data"]["message"] == "Service deleted"
    assert await service_row(app, host.service_id) is None
