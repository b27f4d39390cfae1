"""Guest verification helpers: ask for a code, read it from the outbox as the guest
would from their inbox, trade it for a client token; bookings put in the database
(no route creates them yet)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from bookwell.db import Database
from bookwell.models import Booking, BookingKind, BookingStatus, VerificationCode
from tests.factories import last_code

VERIFY = "/api/v1/public/client/verify"
BOOKINGS = "/api/v1/public/client/bookings"


async def codes_to(app: FastAPI, destination: str) -> list[VerificationCode]:
    database: Database = app.state.db
    async with database.session() as session:
        result = await session.execute(
            select(VerificationCode)
            .where(VerificationCode.destination == destination)
            .order_by(VerificationCode.created_at)
        )
        return list(result.scalars())


async def request_code(
    client: httpx.AsyncClient,
    subdomain: str,
    *,
    headers: dict[str, str] | None = None,
    **contact: str,
) -> dict[str, Any]:
    response = await client.post(VERIFY, json={"business": subdomain, **contact}, headers=headers)
    assert response.status_code == 202, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


async def verified_token(
    app: FastAPI, client: httpx.AsyncClient, subdomain: str, **contact: str
) -> str:
    """A client token for this contact (`email=` or `phone=` in E.164) at the business."""
    body = {"business": subdomain, **contact}
    sent = await client.post(VERIFY, json=body)
    assert sent.status_code == 202, sent.text
    code = await last_code(app, next(iter(contact.values())).lower())
    response = await client.post(VERIFY, json={**body, "code": code})
    assert response.status_code == 200, response.text
    token: str = response.json()["data"]["clientToken"]
    return token


async def add_booking(app: FastAPI, business_id: str, starts_at: datetime, **fields: Any) -> str:
    """A confirmed one-hour appointment of a guest (contact fields in `fields`)."""
    values: dict[str, Any] = {
        "kind": BookingKind.APPOINTMENT,
        "service_name": "Haircut",
        "status": BookingStatus.CONFIRMED,
        "currency": "EUR",
        "timezone": "Europe/Berlin",
        "contact_name": "Guest",
    }
    values.update(fields)
    ends_at = starts_at + timedelta(hours=1)
    database: Database = app.state.db
    async with database.session() as session:
        booking = Booking(
            id=uuid.uuid4(),
            business_id=uuid.UUID(business_id),
            starts_at=starts_at,
            ends_at=ends_at,
            busy_from=starts_at,
            busy_until=ends_at,
            **values,
        )
        session.add(booking)
    return str(booking.id)
