"""Slots over a range of days: a specialist's own, any public master's, a business's
(masters merged), and a master's as the business's staff see them.

Dates are days of the requested zone (23, 24 or 25 hours; API.md), else of the
master's zone. Each day lists every possible start of the service with its reason
when it cannot be booked (engine.py); replies.py writes the JSON. The public replies
are cached under keys made of everything they depend on (`_cached`), so a cached
reply is never stale; the master's and the staff's views are always computed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import uuid
import zlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bookwell.availability.replies import business_reply, master_reply
from bookwell.availability.repository import PublicScheduleRepository
from bookwell.errors import ErrorDetail, InsufficientPermissions, NotFound, ValidationFailed
from bookwell.kit.cache import Cache
from bookwell.kit.hours import check_timezone
from bookwell.kit.tenancy import Actor, BusinessAccess
from bookwell.models import Business, BusinessRole, Master, User
from bookwell.scheduling.engine import ServiceRules, Slot, Span, local_day, slots
from bookwell.scheduling.repository import MasterHours, ScheduleRepository
from bookwell.specialists.service import load_profile
from bookwell.staff.repository import MasterRepository, ServiceRepository

MAX_DAYS = 62
DEFAULT_DAYS = 7
# Dates further from today than this are refused (and stay far from datetime's limits).
MAX_YEARS_AWAY = 10
# Without a service: what a new 60-minute service gets (15-minute steps, no buffers).
DEFAULT_RULES = ServiceRules(duration=timedelta(minutes=60))
# Public replies: their keys change with every minute and every change of their
# inputs, so the time to live only bounds the memory they hold.
SLOTS_TTL_SECONDS = 60
SLOTS_CACHE_VERSION = "slots-v1"


# --- the requested days ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PeriodQuery:
    """startDate, endDate and timezone as the client sent them (types already checked)."""

    start_date: date | None = None
    end_date: date | None = None
    timezone: str | None = None


@dataclass(frozen=True, slots=True)
class Period:
    """Whole days of one zone."""

    zone: ZoneInfo
    first: date
    last: date

    @property
    def window(self) -> Span:
        return Span(local_day(self.first, self.zone).start, local_day(self.last, self.zone).end)

    def dates(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]


def check_date(value: date, field_name: str, now: datetime) -> date:
    """A date within MAX_YEARS_AWAY of today; ValidationFailed naming the field."""
    if abs((value - now.date()).days) > MAX_YEARS_AWAY * 366:
        raise ValidationFailed.on(
            field_name, f"must be within {MAX_YEARS_AWAY} years of today", "OUT_OF_RANGE"
        )
    return value


def zone_named(name: str, field_name: str = "timezone") -> ZoneInfo:
    try:
        return ZoneInfo(check_timezone(name))
    except ValueError as error:
        raise ValidationFailed.on(field_name, str(error), "INVALID_TIMEZONE") from error


def period_of(
    query: PeriodQuery,
    default_zone: str,
    now: datetime,
    *,
    max_days: int = MAX_DAYS,
    default_days: int = DEFAULT_DAYS,
) -> Period:
    """The days asked for: startDate (default today) to endDate (default a week on),
    at most `max_days`, in `timezone` (default the owner's zone)."""
    zone = zone_named(query.timezone or default_zone)
    first = check_date(query.start_date or now.astimezone(zone).date(), "startDate", now)
    last = check_date(query.end_date or first + timedelta(days=default_days - 1), "endDate", now)
    if last < first:
        raise ValidationFailed.on("endDate", "must not be before startDate", "OUT_OF_RANGE")
    if (last - first).days >= max_days:
        raise ValidationFailed.on(
            "endDate", f"at most {max_days} days from startDate, inclusive", "RANGE_TOO_LONG"
        )
    return Period(zone, first, last)


# --- computing -------------------------------------------------------------------


async def slots_of(
    session: AsyncSession,
    masters: Sequence[MasterHours],
    rules: ServiceRules,
    period: Period,
    now: datetime,
) -> list[tuple[uuid.UUID, list[Slot]]]:
    """Each master's slots of the service over the period (three queries in all)."""
    window = period.window
    schedules = await ScheduleRepository(session).schedules(masters, window, now)
    return [
        (
            hours.master_id,
            slots(
                schedules[hours.master_id].calendar,
                rules,
                window,
                booked=schedules[hours.master_id].booked,
                blocked=schedules[hours.master_id].blocked,
                now=now,
            ),
        )
        for hours in masters
    ]


def _service_missing() -> NotFound:
    return NotFound(
        "Service not found",
        details=[ErrorDetail("serviceId", "is not a service this master offers", "NOT_FOUND")],
    )


async def _rules_of_master(
    session: AsyncSession,
    business_id: uuid.UUID,
    master_id: uuid.UUID,
    service_id: uuid.UUID | None,
) -> tuple[ServiceRules, uuid.UUID | None]:
    """The rules of `service_id` (one the master delivers, active or not), else of the
    master's first active service, else DEFAULT_RULES."""
    services = ServiceRepository(session, business_id)
    if service_id is not None:
        service = await services.of_master(service_id, master_id)
        if service is None:
            raise _service_missing()
        return ServiceRules.of(service), service.id
    active = await services.all(master_id, active_only=True)
    if active:
        return ServiceRules.of(active[0]), active[0].id
    return DEFAULT_RULES, None


async def master_availability(
    session: AsyncSession,
    business: Business,
    master: Master,
    query: PeriodQuery,
    service_id: uuid.UUID | None,
    now: datetime,
) -> bytes:
    """A master's slots as the master or the business's staff see them."""
    period = period_of(query, master.timezone, now)
    rules, chosen = await _rules_of_master(session, business.id, master.id, service_id)
    [(_, found)] = await slots_of(session, [MasterHours.of(master, business)], rules, period, now)
    return master_reply(period.dates(), period.zone, found, rules, chosen)


async def own_availability(
    session: AsyncSession,
    user: User,
    query: PeriodQuery,
    service_id: uuid.UUID | None,
    now: datetime,
) -> bytes:
    """The signed-in specialist's slots (the master of /specialists/profile)."""
    specialist = await load_profile(session, user)
    return await master_availability(
        session, specialist.business, specialist.master, query, service_id, now
    )


# --- the public replies, cached --------------------------------------------------


async def _cached(
    session: AsyncSession,
    cache: Cache,
    masters: Sequence[MasterHours],
    period: Period,
    now: datetime,
    parts: tuple[Any, ...],
    build: Callable[[datetime], Awaitable[bytes]],
) -> bytes:
    """A public reply from the cache, or built and kept SLOTS_TTL_SECONDS.

    The key is everything the reply is made of: the masters' hours and zones, the
    request (`parts`), the fingerprint of their bookings, blocks and overrides (so
    any booking, cancellation, expiry, block or override gives a new key, whoever
    wrote it) and the current minute. Everything is read as of just after the minute
    began: slot starts, notice and horizon are whole minutes, so the reply reads the
    same all that minute (an unpaid booking whose deadline passes within the minute
    is free from the next one). Stored compressed (a month of slots is ~100 kB).
    """
    minute = now.replace(second=0, microsecond=0)
    moment = minute + timedelta(microseconds=1)
    fingerprint = await ScheduleRepository(session).fingerprint(
        [hours.master_id for hours in masters], period.window, moment
    )
    key_parts = (
        SLOTS_CACHE_VERSION,
        [dataclasses.asdict(hours) for hours in masters],
        period.zone.key,
        period.first,
        period.last,
        minute,
        fingerprint,
        *parts,
    )
    digest = hashlib.sha256(json.dumps(key_parts, default=str).encode()).hexdigest()
    key = f"slots:{digest}"
    stored = await cache.get(key)
    if stored is not None:
        return zlib.decompress(stored)
    body = await build(moment)
    await cache.set(key, zlib.compress(body, 1), SLOTS_TTL_SECONDS)
    return body


def _rules_key(rules: ServiceRules) -> list[int]:
    return [
        value // timedelta(minutes=1)
        for value in (
            rules.duration,
            rules.buffer_before,
            rules.buffer_after,
            rules.step,
            rules.min_notice,
        )
    ]


async def public_availability(
    session: AsyncSession,
    cache: Cache,
    master_id: uuid.UUID,
    service_id: uuid.UUID,
    query: PeriodQuery,
    now: datetime,
) -> bytes:
    """An active master's slots of one of their active services, for anyone."""
    found = await PublicScheduleRepository(session).offer(master_id, service_id)
    if found is None:
        raise NotFound("Specialist not found")
    hours, rules = found
    if rules is None:
        raise _service_missing()
    period = period_of(query, hours.timezone, now)

    async def build(moment: datetime) -> bytes:
        [(_, listed)] = await slots_of(session, [hours], rules, period, moment)
        return master_reply(period.dates(), period.zone, listed, rules, service_id)

    parts = ("specialist", str(service_id), _rules_key(rules))
    return await _cached(session, cache, [hours], period, now, parts, build)


async def business_availability(
    session: AsyncSession,
    cache: Cache,
    business: Business,
    service_id: uuid.UUID,
    master_id: uuid.UUID | None,
    day: date | None,
    timezone: str | None,
    now: datetime,
) -> bytes:
    """One day of a business's slots for a service: of one master, or of every master
    who delivers it merged (free when any of them is)."""
    repository = PublicScheduleRepository(session)
    rules = await repository.service_rules(business, service_id)
    if rules is None:
        raise NotFound(
            "Service not found",
            details=[ErrorDetail("serviceId", "is not an active service here", "NOT_FOUND")],
        )
    masters = await repository.masters_of_service(business, service_id)
    if master_id is not None:
        masters = [hours for hours in masters if hours.master_id == master_id]
        if not masters:
            raise NotFound(
                "Master not found",
                details=[ErrorDetail("masterId", "does not offer this service", "NOT_FOUND")],
            )
    query = PeriodQuery(start_date=day, end_date=day, timezone=timezone)
    period = period_of(query, business.timezone, now, default_days=1)

    async def build(moment: datetime) -> bytes:
        per_master = await slots_of(session, masters, rules, period, moment)
        return business_reply(period.dates(), period.zone, per_master, rules, service_id)

    parts = ("business", str(service_id), _rules_key(rules))
    return await _cached(session, cache, masters, period, now, parts, build)


# --- whose schedule ----------------------------------------------------------------


async def own_schedule(session: AsyncSession, user: User) -> tuple[BusinessAccess, Master]:
    """The signed-in specialist's master profile, and their access to its business as
    that master (for the audit log)."""
    specialist = await load_profile(session, user)
    access = BusinessAccess(
        business=specialist.business,
        actor=Actor(user=user),
        roles=frozenset({BusinessRole.MASTER}),
    )
    return access, specialist.master


def may_manage_schedule(access: BusinessAccess, master: Master) -> bool:
    """The owner (or the business's key, or a super admin), the master themselves, or
    a manager of every location of the master (any manager when the master has none),
    as staff/service.py decides for changes to a master."""
    if access.is_full or access.actor.user_id == master.user_id:
        return True
    if BusinessRole.MANAGER not in access.roles:
        return False
    return all(location.id in access.location_ids for location in master.locations)


async def staff_master(
    session: AsyncSession, access: BusinessAccess, master_id: uuid.UUID, *, manage: bool
) -> Master:
    """A master of the business; with `manage`, one whose blocks and overrides the
    caller may see and change."""
    master = await MasterRepository(session, access.business_id).get(master_id)
    if master is None:
        raise NotFound("Master not found")
    if manage and not may_manage_schedule(access, master):
        raise InsufficientPermissions(
            "Only the owner, a manager of the master's locations or the master may do this"
        )
    return master
