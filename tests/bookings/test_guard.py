"""The database's own guard against double booking (migration 20261122_0005):
exclusion constraints on PostgreSQL, triggers on SQLite. Every insert and update here
goes straight through SQL, past the booking rules, so only the guard stands between
them and an overlap."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Update, text, update
from sqlalchemy.exc import IntegrityError

from bookwell.models import Booking, BookingKind, BookingStatus
from tests.bookings.builders import Salon, monday_at, overlapping_pairs, put_booking, salon

ACTIVE = [BookingStatus.PENDING_PAYMENT, BookingStatus.PENDING, BookingStatus.CONFIRMED]
INACTIVE = [
    BookingStatus.CANCELLED,
    BookingStatus.EXPIRED,
    BookingStatus.COMPLETED,
    BookingStatus.NO_SHOW,
]


def dialect(app: FastAPI) -> str:
    name: str = app.state.db.dialect
    return name


def assert_guard_refused(
    app: FastAPI, error: pytest.ExceptionInfo[IntegrityError], which: str
) -> None:
    """The failure is the guard's, not some other constraint's."""
    message = str(error.value.orig)
    if dialect(app) == "postgresql":
        assert getattr(error.value.orig, "sqlstate", None) == "23P01", message
        assert which in message
    else:
        assert "booking_conflict" in message


@pytest.fixture
async def shop(app: FastAPI, client: httpx.AsyncClient) -> Salon:
    return await salon(app, client, masters=2)


async def test_the_guard_is_installed_at_head(app: FastAPI) -> None:
    async with app.state.db.engine.connect() as connection:
        if dialect(app) == "sqlite":
            rows = await connection.execute(
                text(
                    "SELECT name, sql FROM sqlite_master "
                    "WHERE type = 'trigger' AND tbl_name = 'bookings'"
                )
            )
            triggers: dict[str, str] = dict(rows.all())
            assert {"bookings_no_overlap_insert", "bookings_no_overlap_update"} <= set(triggers)
            for sql in (
                triggers["bookings_no_overlap_insert"],
                triggers["bookings_no_overlap_update"],
            ):
                assert "RAISE(ABORT, 'booking_conflict')" in sql
            assert (
                "BEFORE UPDATE OF status, master_id, kind, busy_from, busy_until"
                in (triggers["bookings_no_overlap_update"])
            )
            return
        rows = await connection.execute(
            text(
                "SELECT c.conname, c.contype::text, pg_get_constraintdef(c.oid) "
                "FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid "
                "WHERE t.relname = 'bookings' AND c.conname LIKE 'ex_bookings_%'"
            )
        )
        constraints = {name: (kind, definition) for name, kind, definition in rows}
        assert set(constraints) == {"ex_bookings_master_busy", "ex_bookings_inquiry_busy"}
        for kind, definition in constraints.values():
            assert kind == "x"  # an exclusion constraint
            assert definition.startswith("EXCLUDE USING gist")
            assert "tstzrange(busy_from, busy_until) WITH &&" in definition
            for status in ("pending_payment", "pending", "confirmed"):
                assert status in definition
            for status in ("cancelled", "expired", "completed", "no_show"):
                assert status not in definition
        assert "master_id WITH =" in constraints["ex_bookings_master_busy"][1]
        assert "business_id WITH =" in constraints["ex_bookings_inquiry_busy"][1]
        assert "'inquiry'" in constraints["ex_bookings_inquiry_busy"][1]
        extension = await connection.scalar(
            text("SELECT extname FROM pg_extension WHERE extname = 'btree_gist'")
        )
        assert extension == "btree_gist"


@pytest.mark.parametrize("status", ACTIVE)
async def test_an_overlapping_active_booking_is_refused(
    app: FastAPI, shop: Salon, status: BookingStatus
) -> None:
    master = shop.masters[0]
    await put_booking(app, shop.id, monday_at(10), master_id=master)

    for start, minutes in ((monday_at(10, 30), 60), (monday_at(9), 90), (monday_at(10, 15), 15)):
        with pytest.raises(IntegrityError) as error:
            await put_booking(app, shop.id, start, minutes, master_id=master, status=status)
        assert_guard_refused(app, error, "ex_bookings_master_busy")
    assert await overlapping_pairs(app) == []


async def test_buffers_count_and_touching_is_not_overlapping(app: FastAPI, shop: Salon) -> None:
    master = shop.masters[0]
    # 10:00-11:00 with 15 minutes after it: the master is busy until 11:15.
    await put_booking(app, shop.id, monday_at(10), master_id=master, after=15)

    with pytest.raises(IntegrityError) as error:
        await put_booking(app, shop.id, monday_at(11), master_id=master)
    assert_guard_refused(app, error, "ex_bookings_master_busy")
    # A buffer before the next one reaches back into the first as well.
    with pytest.raises(IntegrityError):
        await put_booking(app, shop.id, monday_at(11, 30), master_id=master, before=20)

    await put_booking(app, shop.id, monday_at(11, 15), master_id=master)  # touches: fine
    await put_booking(app, shop.id, monday_at(9), master_id=master)  # ends at 10:00: fine
    assert await overlapping_pairs(app) == []


@pytest.mark.parametrize("status", INACTIVE)
async def test_bookings_that_no_longer_hold_time_do_not_block(
    app: FastAPI, shop: Salon, status: BookingStatus
) -> None:
    master = shop.masters[0]
    await put_booking(app, shop.id, monday_at(10), master_id=master, status=status)
    await put_booking(app, shop.id, monday_at(10), master_id=master)
    # And a finished booking may be recorded over an active one.
    await put_booking(app, shop.id, monday_at(10, 30), master_id=master, status=status)
    assert await overlapping_pairs(app) == []


async def test_an_update_into_an_overlap_is_refused(app: FastAPI, shop: Salon) -> None:
    master, other = shop.masters
    await put_booking(app, shop.id, monday_at(10), master_id=master)
    cancelled = await put_booking(
        app, shop.id, monday_at(10), master_id=master, status=BookingStatus.CANCELLED
    )
    later = await put_booking(app, shop.id, monday_at(12), master_id=master)
    elsewhere = await put_booking(app, shop.id, monday_at(10), master_id=other)

    def change(booking_id: str, **values: Any) -> Update:
        return update(Booking).where(Booking.id == uuid.UUID(booking_id)).values(**values)

    refused = [
        change(cancelled, status=BookingStatus.CONFIRMED),  # revived over an active one
        change(later, busy_from=monday_at(10, 30), starts_at=monday_at(10, 30)),  # moved
        change(elsewhere, master_id=uuid.UUID(master)),  # given to the busy master
    ]
    for statement in refused:
        with pytest.raises(IntegrityError) as error:
            async with app.state.db.engine.begin() as connection:
                await connection.execute(statement)
        assert_guard_refused(app, error, "ex_bookings_master_busy")

    # Moving within its own time, or cancelling, is fine.
    async with app.state.db.engine.begin() as connection:
        await connection.execute(change(later, busy_until=monday_at(13) + timedelta(minutes=30)))
        await connection.execute(change(elsewhere, status=BookingStatus.CANCELLED))
    assert await overlapping_pairs(app) == []


async def test_different_masters_and_no_master_never_clash(app: FastAPI, shop: Salon) -> None:
    first, second = shop.masters
    await put_booking(app, shop.id, monday_at(10), master_id=first)
    await put_booking(app, shop.id, monday_at(10), master_id=second)
    # Appointments without a master (the master was removed) hold no one's time.
    await put_booking(app, shop.id, monday_at(10))
    await put_booking(app, shop.id, monday_at(10))
    assert await overlapping_pairs(app) == []


async def test_inquiries_overlap_per_business_only(
    app: FastAPI, client: httpx.AsyncClient, shop: Salon
) -> None:
    other = await salon(app, client, masters=0)
    inquiry = BookingKind.INQUIRY
    await put_booking(app, shop.id, monday_at(10), kind=inquiry, status=BookingStatus.PENDING)

    with pytest.raises(IntegrityError) as error:
        await put_booking(app, shop.id, monday_at(10, 30), kind=inquiry)
    assert_guard_refused(app, error, "ex_bookings_inquiry_busy")

    await put_booking(app, other.id, monday_at(10), kind=inquiry)  # another business
    await put_booking(app, shop.id, monday_at(10), master_id=shop.masters[0])  # an appointment
    await put_booking(app, shop.id, monday_at(10), kind=inquiry, status=BookingStatus.CANCELLED)
    await put_booking(app, shop.id, monday_at(11), kind=inquiry)  # touching
    assert await overlapping_pairs(app) == []
