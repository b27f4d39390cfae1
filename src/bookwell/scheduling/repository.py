"""Loads what the scheduling rules need for one master and a window of time: the
calendar (hours, overrides, opening hours), the held spans of active bookings and
the blocks, expanded. Every query names the master; callers resolve the master
through the tenant rules first."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    and_,
    bindparam,
    func,
    literal,
    or_,
    select,
    union_all,
)
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
    Hours,
    Reason,
    ServiceRules,
    Slot,
    Span,
    Week,
    check,
    expand_block,
    slots,
)


def still_holds(now: datetime | BindParameter[datetime]) -> ColumnElement[bool]:
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


# The statements of the hot path, built once: building a statement costs more than
# running it. Parameters: ids (master ids), start/end (the window), now, first/last
# (dates), ignore (a booking id).
_IDS: BindParameter[list[uuid.UUID]] = bindparam("ids", expanding=True)
_START: BindParameter[datetime] = bindparam("start")
_END: BindParameter[datetime] = bindparam("end")
_NOW: BindParameter[datetime] = bindparam("now")
_OVERRIDES = select(
    AvailabilityOverride.master_id, AvailabilityOverride.day, AvailabilityOverride.hours
).where(
    AvailabilityOverride.master_id.in_(_IDS),
    AvailabilityOverride.day.between(bindparam("first"), bindparam("last")),
)
_HELD_THERE = (
    Booking.master_id.in_(_IDS),
    Booking.busy_from < _END,
    Booking.busy_until > _START,
    still_holds(_NOW),
)
_BOOKED = select(Booking.master_id, Booking.busy_from, Booking.busy_until).where(*_HELD_THERE)
_BOOKED_BUT_ONE = _BOOKED.where(Booking.id != bindparam("ignore"))
_BLOCKED = select(
    AvailabilityBlock.master_id,
    AvailabilityBlock.starts_at,
    AvailabilityBlock.ends_at,
    AvailabilityBlock.timezone,
    AvailabilityBlock.rrule,
    AvailabilityBlock.repeat_until,
).where(
    AvailabilityBlock.master_id.in_(_IDS),
    AvailabilityBlock.starts_at < _END,
    or_(
        and_(AvailabilityBlock.rrule.is_(None), AvailabilityBlock.ends_at > _START),
        and_(
            AvailabilityBlock.rrule.is_not(None),
            or_(
                AvailabilityBlock.repeat_until.is_(None),
                AvailabilityBlock.repeat_until > _START,
            ),
        ),
    ),
)
_FINGERPRINT = union_all(
    select(literal("bookings"), func.count(), func.max(Booking.updated_at)).where(*_HELD_THERE),
    select(literal("blocks"), func.count(), func.max(AvailabilityBlock.updated_at)).where(
        AvailabilityBlock.master_id.in_(_IDS)
    ),
    select(literal("overrides"), func.count(), func.max(AvailabilityOverride.updated_at)).where(
        AvailabilityOverride.master_id.in_(_IDS)
    ),
)


@dataclass(frozen=True, slots=True)
class MasterSchedule:
    """Everything the rules need about one master around a window."""

    calendar: Calendar
    booked: list[Span]
    blocked: list[Span]


@dataclass(frozen=True, slots=True)
class MasterHours:
    """The columns of a master and its business that shape the master's calendar."""

    master_id: uuid.UUID
    timezone: str
    working_hours: Week
    business_timezone: str
    opening_hours: Week
    horizon_days: int

    @classmethod
    def of(cls, master: Master, business: Business) -> MasterHours:
        return cls(
            master_id=master.id,
            timezone=master.timezone,
            working_hours=master.working_hours,
            business_timezone=business.timezone,
            opening_hours=business.opening_hours,
            horizon_days=business.booking_horizon_days,
        )


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
        found = await self.schedules(
            [MasterHours.of(master, business)], window, now, ignore_booking=ignore_booking
        )
        return found[master.id]

    async def schedules(
        self,
        masters: Sequence[MasterHours],
        window: Span,
        now: datetime,
        *,
        ignore_booking: uuid.UUID | None = None,
    ) -> dict[uuid.UUID, MasterSchedule]:
        """The schedules of several masters around one window, in three queries
        (overrides, bookings, blocks) whatever their number."""
        # A day either side: zone offsets and buffers reach past the window's edges.
        padded = Span(window.start - DAY, window.end + DAY)
        ids = [hours.master_id for hours in masters]
        overrides = await self._overrides(ids, padded)
        booked = await self._booked(ids, padded, now, ignore_booking)
        blocked = await self._blocked(ids, padded)
        return {
            hours.master_id: MasterSchedule(
                calendar=Calendar(
                    zone=ZoneInfo(hours.timezone),
                    week=hours.working_hours,
                    overrides=overrides.get(hours.master_id, {}),
                    business_zone=ZoneInfo(hours.business_timezone),
                    opening_hours=hours.opening_hours,
                    horizon=timedelta(days=hours.horizon_days),
                ),
                booked=booked.get(hours.master_id, []),
                blocked=blocked.get(hours.master_id, []),
            )
            for hours in masters
        }

    async def fingerprint(
        self, master_ids: Sequence[uuid.UUID], window: Span, now: datetime
    ) -> list[tuple[str, int, str]]:
        """What the schedules around `window` were made of, in one cheap statement:
        how many bookings hold time there, blocks and overrides the masters have, and
        when any of them last changed. Any write to them (or a booking's payment
        deadline passing) changes it; it keys cached slot replies."""
        padded = Span(window.start - DAY, window.end + DAY)
        rows = await self.session.execute(
            _FINGERPRINT,
            {"ids": list(master_ids), "start": padded.start, "end": padded.end, "now": now},
        )
        return [(str(kind), int(count), str(changed)) for kind, count, changed in rows]

    async def _overrides(
        self, master_ids: list[uuid.UUID], window: Span
    ) -> dict[uuid.UUID, dict[date, Hours]]:
        # Local dates of any zone lie within a day of the UTC date.
        first = window.start.date() - DAY
        last = window.end.date() + DAY
        rows = await self.session.execute(
            _OVERRIDES, {"ids": master_ids, "first": first, "last": last}
        )
        found: dict[uuid.UUID, dict[date, Hours]] = defaultdict(dict)
        for master_id, day, hours in rows:
            found[master_id][day] = hours
        return found

    async def _booked(
        self,
        master_ids: list[uuid.UUID],
        window: Span,
        now: datetime,
        ignore_booking: uuid.UUID | None,
    ) -> dict[uuid.UUID, list[Span]]:
        values = {"ids": master_ids, "start": window.start, "end": window.end, "now": now}
        statement = _BOOKED
        if ignore_booking is not None:
            statement, values["ignore"] = _BOOKED_BUT_ONE, ignore_booking
        found: dict[uuid.UUID, list[Span]] = defaultdict(list)
        for master_id, start, end in await self.session.execute(statement, values):
            if master_id is not None:  # always, by the query
                found[master_id].append(Span(start, end))
        return found

    async def _blocked(
        self, master_ids: list[uuid.UUID], window: Span
    ) -> dict[uuid.UUID, list[Span]]:
        rows = await self.session.execute(
            _BLOCKED, {"ids": master_ids, "start": window.start, "end": window.end}
        )
        found: dict[uuid.UUID, list[Span]] = defaultdict(list)
        for master_id, starts_at, ends_at, zone, rule, until in rows:
            found[master_id] += expand_block(
                Span(starts_at, ends_at), ZoneInfo(zone), rule, until, window
            )
        return found


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
