"""The sweeper: unpaid bookings past their payment deadline become `expired`.

The rules never wait for it (an overdue booking already counts as free and reads as
expired), so it only makes the stored status, the history and the lists agree. In the
embedded mode the API process runs it every `EXPIRY_SWEEP_SECONDS`; `bookwell
expire-bookings` runs it once (cron, or a worker when scaled). Several sweepers at
once are safe: each booking is moved by one conditional UPDATE.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

import structlog
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bookwell.bookings.rules import SYSTEM, record
from bookwell.db import Database
from bookwell.kit.clock import utcnow
from bookwell.models import Booking, BookingStatus

log = structlog.get_logger(__name__)

BATCH = 500


async def expire_unpaid(session: AsyncSession, now: datetime) -> int:
    """Expire up to BATCH overdue unpaid bookings; returns how many."""
    overdue = (
        await session.scalars(
            update(Booking)
            .where(
                Booking.id.in_(
                    select(Booking.id)
                    .where(
                        Booking.status == BookingStatus.PENDING_PAYMENT,
                        Booking.payment_deadline <= now,
                    )
                    .limit(BATCH)
                    .scalar_subquery()
                ),
                Booking.status == BookingStatus.PENDING_PAYMENT,
            )
            .values(status=BookingStatus.EXPIRED, version=Booking.version + 1, updated_at=now)
            .returning(Booking)
            .execution_options(synchronize_session=False)
        )
    ).all()
    for booking in overdue:
        record(
            session, booking, BookingStatus.PENDING_PAYMENT, SYSTEM, now, "payment deadline passed"
        )
    return len(overdue)


async def sweep(database: Database) -> int:
    """Expire every overdue unpaid booking, a batch per transaction."""
    total = 0
    while True:
        async with database.session() as session:
            count = await expire_unpaid(session, utcnow())
        total += count
        if count < BATCH:
            return total


async def sweep_forever(database: Database, every_seconds: float) -> None:
    """The embedded mode's loop; errors are logged and the loop goes on."""
    while True:
        try:
            expired = await sweep(database)
            if expired:
                log.info("bookings_expired", count=expired)
        except Exception:
            log.exception("expiry_sweep_failed")
        await asyncio.sleep(every_seconds)
