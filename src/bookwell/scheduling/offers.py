"""`nextAvailable` for a page of search hits: the first bookable start of each
(service, master) offer, with every load batched over the whole page."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bookwell.models import Business, Master, Service
from bookwell.scheduling.engine import ServiceRules, Span, next_available
from bookwell.scheduling.repository import MasterHours, ScheduleRepository

Offer = tuple[uuid.UUID, uuid.UUID]  # (service_id, master_id)


async def next_available_starts(
    session: AsyncSession,
    offers: Sequence[Offer],
    now: datetime,
    days: int = 14,
) -> dict[Offer, datetime | None]:
    """For each (service_id, master_id), the first start from `now` within `days` at
    which the service may be booked with the master (None: none, or an unknown id).

    Five queries whatever the number of offers: services, masters with their
    businesses, then overrides, bookings and blocks of all the masters at once. The
    slots of each offer are walked only up to its first free one.
    """
    if not offers:
        return {}
    service_ids = {service_id for service_id, _ in offers}
    master_ids = {master_id for _, master_id in offers}
    services = {
        row.id: ServiceRules.of(row)
        for row in await session.execute(
            select(
                Service.id,
                Service.duration_minutes,
                Service.buffer_before_minutes,
                Service.buffer_after_minutes,
                Service.slot_step_minutes,
                Service.min_notice_minutes,
            ).where(Service.id.in_(service_ids))
        )
    }
    masters = [
        MasterHours(*row)
        for row in await session.execute(
            select(
                Master.id,
                Master.timezone,
                Master.working_hours,
                Business.timezone,
                Business.opening_hours,
                Business.booking_horizon_days,
            )
            .join(Business, Business.id == Master.business_id)
            .where(Master.id.in_(master_ids))
        )
    ]
    window = Span(now, now + timedelta(days=days))
    schedules = await ScheduleRepository(session).schedules(masters, window, now)
    found: dict[Offer, datetime | None] = {}
    for service_id, master_id in offers:
        rules = services.get(service_id)
        schedule = schedules.get(master_id)
        found[(service_id, master_id)] = (
            next_available(
                schedule.calendar,
                rules,
                window,
                booked=schedule.booked,
                blocked=schedule.blocked,
                now=now,
            )
            if rules is not None and schedule is not None
            else None
        )
    return found
