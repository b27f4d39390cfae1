"""next_available_starts: the first free start of each (service, master) of a search
page, with the same answer as the per-master rules and a fixed number of queries."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI
from sqlalchemy import event, select

from bookwell.db import Database
from bookwell.models import (
    AvailabilityBlock,
    AvailabilityOverride,
    Booking,
    BookingKind,
    BookingStatus,
    Business,
    Master,
    Service,
)
from bookwell.scheduling.engine import Span
from bookwell.scheduling.offers import next_available_starts
from bookwell.scheduling.repository import master_slots
from tests.catalog.builders import CatalogBuilder

# A Monday 09:00 UTC (the builder's masters work 09:00-17:00 on weekdays, UTC).
NOW = datetime(2031, 1, 6, 9, 0, tzinfo=UTC)


async def _offers(app: FastAPI, count: int) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """`count` offers of count/2 masters (two services each), each master's week made
    busy in its own way: bookings, a block, a day off."""
    builder = CatalogBuilder(app)
    offers = []
    database: Database = app.state.db
    for n in range(count // 2):
        business_id = await builder.business(f"Shop {n}")
        master_id = await builder.master(business_id)
        short = await builder.service(business_id, "Short", masters=[master_id], duration=30)
        long = await builder.service(business_id, "Long", masters=[master_id], duration=120)
        offers += [(short, master_id), (long, master_id)]
        async with database.session() as session:
            # Monday morning booked for n hours; Monday afternoon blocked on odd masters.
            for hour in range(n):
                start = NOW + timedelta(hours=hour)
                session.add(
                    _booking(business_id, master_id, short, start, start + timedelta(hours=1))
                )
            if n % 2:
                session.add(
                    AvailabilityBlock(
                        business_id=business_id,
                        master_id=master_id,
                        starts_at=NOW + timedelta(hours=4),
                        ends_at=NOW + timedelta(hours=8),
                        timezone="UTC",
                    )
                )
            if n % 3 == 0:
                session.add(
                    AvailabilityOverride(
                        business_id=business_id, master_id=master_id, day=NOW.date(), hours=[]
                    )
                )
    return offers


def _booking(
    business_id: uuid.UUID,
    master_id: uuid.UUID,
    service_id: uuid.UUID,
    start: datetime,
    end: datetime,
) -> Booking:
    return Booking(
        business_id=business_id,
        kind=BookingKind.APPOINTMENT,
        service_id=service_id,
        master_id=master_id,
        starts_at=start,
        ends_at=end,
        busy_from=start,
        busy_until=end,
        status=BookingStatus.CONFIRMED,
        currency="USD",
    )


async def test_the_first_free_start_of_each_offer_in_five_queries(app: FastAPI) -> None:
    offers = await _offers(app, 20)
    database: Database = app.state.db
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    event.listen(database.engine.sync_engine, "before_cursor_execute", count)
    try:
        async with database.session() as session:
            found = await next_available_starts(session, offers, NOW)
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", count)
    assert len(statements) == 5, statements
    assert set(found) == set(offers)

    # The same answers as the per-master rules: the first available slot.
    window = Span(NOW, NOW + timedelta(days=14))
    async with database.session() as session:
        for service_id, master_id in offers:
            master = await session.get(Master, master_id)
            service = await session.get(Service, service_id)
            assert master is not None
            assert service is not None
            business = await session.scalar(
                select(Business).where(Business.id == master.business_id)
            )
            assert business is not None
            listed = await master_slots(session, master, business, service, window, NOW)
            first = next((slot.start for slot in listed if slot.available), None)
            assert found[(service_id, master_id)] == first
    # Day off, bookings and blocks push some offers to the next day; none is empty.
    assert found[offers[0]] == NOW + timedelta(days=1)  # master 0: a day off on Monday
    assert found[offers[2]] == NOW + timedelta(hours=1)  # master 1: booked 09:00-10:00
    assert found[offers[3]] == NOW + timedelta(hours=1)  # 120 min fit before the 13:00 block


async def test_unknown_offers_have_no_start(app: FastAPI) -> None:
    [offer, _] = await _offers(app, 2)
    database: Database = app.state.db
    unknown = (uuid.uuid4(), offer[1])
    async with database.session() as session:
        assert await next_available_starts(session, [], NOW) == {}
        found = await next_available_starts(session, [offer, unknown], NOW)
    assert found == {offer: NOW + timedelta(days=1), unknown: None}
