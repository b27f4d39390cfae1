"""Loads what the scheduling rules need for one master and a window of time: the
calendar (hours, overrides, opening hours), the held spans of active bookings and
the blocks, expanded. Every query names the master; callers resolve the master
through the tenant rules first."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bookwell.models import (
    ACTIVE_STATUSES,
    AvailabilityBlock,
    AvailabilityOverride,
    Booking,
    BookingStatus,
    Business,
    Master,
    Service,
)
from bookwell.scheduling.engine import (
    DAY,
    Calendar,
    Reason,
    ServiceRules,
    Slot,
    Span,
    check,
    expand_block,
    slots,
)


def still_holds(now: datetime) -> ColumnElement[bool]:
    """SQL: the booking holds its time at `now` (an active status, and not an unpaid
    booking past its payment deadline, which counts as expired before any sweeper
    marks it)."""
    return and_(
        Booking.status.in_(ACTIVE_STATUSES),
        or_(
            Booking.status != BookingStatus.PENDING_PAYMENT,
            Booking.payment_deadline.is_(None),
            Booking.payment_deadline > now,
        ),
    )


@dataclass(frozen=True, slots=True)
class MasterSchedule:
    """Everything the rules need about one master around a window."""

    calendar: Calendar
    booked: list[Span]
    blocked: list[Span]


class ScheduleRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def schedule(
        self,
        master: Master,
        business: Business,
        window: Span,
        now: datetime,
        *,
        ignore_booking: uuid.UUID | None = None,
    ) -> MasterSchedule:
        # A day either side: zone offsets and buffers reach past the window's edges.
        padded = Span(window.start - DAY, window.end + DAY)
        zone = ZoneInfo(master.timezone)
        return MasterSchedule(
            calendar=Calendar(
                zone=zone,
                week=master.working_hours,
                overrides=await self._overrides(master.id, padded, zone),
                business_zone=ZoneInfo(business.timezone),
                opening_hours=business.opening_hours,
                horizon=timedelta(days=business.booking_horizon_days),
            ),
            booked=await self._booked(master.id, padded, now, ignore_booking),
            blocked=await self._blocked(master.id, padded),
        )

    async def _overrides(
        self, master_id: uuid.UUID, window: Span, zone: ZoneInfo
    ) -> dict[date, list[dict[str, str]]]:
        first = window.start.astimezone(zone).date() - DAY
        last = window.end.astimezone(zone).date() + DAY
        rows = await self.session.scalars(
            select(AvailabilityOverride).where(
                AvailabilityOverride.master_id == master_id,
                AvailabilityOverride.day.between(first, last),
            )
        )
        return {row.day: row.hours for row in rows}

    async def _booked(
        self,
        master_id: uuid.UUID,
        window: Span,
        now: datetime,
        ignore_booking: uuid.UUID | None,
    ) -> list[Span]:
        statement = select(Booking.busy_from, Booking.busy_until).where(
            Booking.master_id == master_id,
            Booking.busy_from < window.end,
            Booking.busy_until > window.start,
            still_holds(now),
        )
        if ignore_booking is not None:
            statement = statement.where(Booking.id != ignore_booking)
        rows = await self.session.execute(statement)
        return [Span(start, end) for start, end in rows]

    async def _blocked(self, master_id: uuid.UUID, window: Span) -> list[Span]:
        block = AvailabilityBlock
        one_off = and_(block.rrule.is_(None), block.ends_at > window.start)
        recurring = and_(
            block.rrule.is_not(None),
            or_(block.repeat_until.is_(None), block.repeat_until > window.start),
        )
        rows = await self.session.scalars(
            select(block).where(
                block.master_id == master_id,
                block.starts_at < window.end,
                or_(one_off, recurring),
            )
        )
        spans: list[Span] = []
        for row in rows:
            spans += expand_block(
                Span(row.starts_at, row.ends_at),
                ZoneInfo(row.timezone),
                row.rrule,
                row.repeat_until,
                window,
            )
        return spans


async def master_slots(
    session: AsyncSession,
    master: Master,
    business: Business,
    service: Service,
    window: Span,
    now: datetime,
) -> list[Slot]:
    """Every possible start of `service` with `master` in `window`."""
    schedule = await ScheduleRepository(session).schedule(master, business, window, now)
    return slots(
        schedule.calendar,
        ServiceRules.of(service),
        window,
        booked=schedule.booked,
        blocked=schedule.blocked,
        now=now,
    )


async def why_not(
    session: AsyncSession,
    master: Master,
    business: Business,
    service: Service,
    start: datetime,
    now: datetime,
    *,
    ignore_booking: uuid.UUID | None = None,
) -> Reason | None:
    """None when `service` with `master` may start at `start`; else the reason.
    `ignore_booking` leaves one booking out (the one being rescheduled)."""
    rules = ServiceRules.of(service)
    window = rules.held(start)
    schedule = await ScheduleRepository(session).schedule(
        master, business, window, now, ignore_booking=ignore_booking
    )
    return check(
        schedule.calendar,
        rules,
        start,
        booked=schedule.booked,
        blocked=schedule.blocked,
        now=now,
    )
