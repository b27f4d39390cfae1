"""The booking rules every route shares: placing an appointment or an inquiry, the
status graph, expiry of unpaid bookings, who may cancel until when.

Placing a booking checks the slot with the scheduling rules first (a clear reason
when it is not bookable), then inserts. The insert is guarded by the database (an
exclusion constraint on PostgreSQL, a trigger on SQLite, see migration
20261122_0005): when two requests pass the check at the same moment, one insert
wins and the other becomes 409 BOOKING_CONFLICT. Amounts come from the service and
the business or master, never from the client.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bookwell.errors import BookingConflict, BusinessRuleViolation, ErrorDetail, ValidationFailed
from bookwell.kit.cache import availability_changed
from bookwell.kit.tenancy import Actor
from bookwell.models import (
    Booking,
    BookingKind,
    BookingStatus,
    BookingStatusChange,
    Business,
    Master,
    Service,
    User,
)
from bookwell.scheduling.engine import Calendar, Reason, ServiceRules, Span, fits_opening
from bookwell.scheduling.repository import still_holds, why_not

S = BookingStatus

# API.md "Booking statuses"; unpaid bookings also expire.
TRANSITIONS: dict[BookingStatus, frozenset[BookingStatus]] = {
    S.PENDING_PAYMENT: frozenset({S.PENDING, S.CANCELLED, S.EXPIRED}),
    S.PENDING: frozenset({S.CONFIRMED, S.CANCELLED}),
    S.CONFIRMED: frozenset({S.COMPLETED, S.CANCELLED, S.NO_SHOW}),
}
FINAL = frozenset({S.COMPLETED, S.CANCELLED, S.NO_SHOW, S.EXPIRED})

_REFUSALS = {
    Reason.BOOKED: "is already booked",
    Reason.BLOCKED: "is blocked by the specialist",
    Reason.OUTSIDE_HOURS: "is not one of the specialist's available start times",
    Reason.TOO_SOON: "is in the past or sooner than the service's minimum notice",
    Reason.TOO_FAR: "is beyond the business's booking horizon",
}


@dataclass(frozen=True, slots=True)
class Who:
    """Who made a change, as kept in the status history."""

    kind: str  # "user", "api_key", "guest" or "system"
    id: uuid.UUID | None = None

    @classmethod
    def of(cls, actor: Actor) -> Who:
        if actor.user is not None:
            return cls("user", actor.user.id)
        if actor.api_key is not None:
            return cls("api_key", actor.api_key.id)
        return cls("guest")


SYSTEM = Who("system")


@dataclass(frozen=True, slots=True)
class Contact:
    name: str = ""
    email: str | None = None
    phone: str | None = None
    company: str = ""


@dataclass(slots=True)
class Appointment:
    """What a client asks for; everything else comes from the catalog."""

    business: Business
    master: Master
    service: Service
    start: datetime
    contact: Contact
    customer: User | None = None
    notes: str = ""
    location_id: uuid.UUID | None = None


def refuse(reason: Reason, field_name: str) -> BookingConflict | BusinessRuleViolation:
    """The error for a start the rules turn down: taken time is a conflict (409), the
    rest break a rule (422); both name the field."""
    detail = [ErrorDetail(field_name, f"this time {_REFUSALS[reason]}", reason.value.upper())]
    if reason is Reason.BOOKED:
        return BookingConflict(details=detail)
    return BusinessRuleViolation("The time cannot be booked", details=detail)


def _is_overlap(error: IntegrityError) -> bool:
    original = error.orig
    return (
        getattr(original, "sqlstate", None) == "23P01"  # exclusion_violation (asyncpg)
        or "ex_bookings_" in str(original)
        or "booking_conflict" in str(original)  # the SQLite trigger
    )


def deposit_for(business: Business, master: Master | None, total: int) -> int:
    deposit = business.deposit_amount
    if master is not None and master.deposit_amount is not None:
        deposit = master.deposit_amount
    return max(0, min(deposit, total))


def auto_confirms(business: Business, master: Master | None) -> bool:
    if master is not None and master.auto_confirm is not None:
        return master.auto_confirm
    return business.auto_confirm


def record(
    session: AsyncSession,
    booking: Booking,
    old: BookingStatus | None,
    who: Who,
    now: datetime,
    reason: str = "",
) -> None:
    """Keep one transition in the history. Every booking write passes here, so this is
    also where cached answers showing free time are marked stale."""
    availability_changed(session)
    session.add(
        BookingStatusChange(
            booking_id=booking.id,
            from_status=old.value if old else None,
            to_status=booking.status.value,
            actor_type=who.kind,
            actor_id=who.id,
            reason=reason[:500],
            changed_at=now,
        )
    )


async def guarded_flush(session: AsyncSession, field_name: str = "scheduledAt") -> None:
    """Flush the pending writes; an overlap refused by the database guard (a booking
    placed or moved onto time another request just took) becomes 409."""
    try:
        await session.flush()
    except IntegrityError as error:
        if _is_overlap(error):
            raise BookingConflict(
                details=[ErrorDetail(field_name, "this time was just booked", "BOOKED")]
            ) from error
        raise


async def _insert(session: AsyncSession, booking: Booking, who: Who, now: datetime) -> Booking:
    session.add(booking)
    record(session, booking, None, who, now)
    await guarded_flush(session)
    return booking


async def expire_overdue(
    session: AsyncSession, now: datetime, *, master_id: uuid.UUID, span: Span
) -> None:
    """Mark unpaid bookings past their deadline that hold any of `span` as expired, so
    the database guard no longer counts them (they already do not count as booked)."""
    overdue = (
        await session.scalars(
            update(Booking)
            .where(
                Booking.master_id == master_id,
                Booking.status == S.PENDING_PAYMENT,
                Booking.payment_deadline <= now,
                Booking.busy_from < span.end,
                Booking.busy_until > span.start,
            )
            .values(status=S.EXPIRED, version=Booking.version + 1, updated_at=now)
            .returning(Booking)
            .execution_options(synchronize_session=False)
        )
    ).all()
    for booking in overdue:
        record(session, booking, S.PENDING_PAYMENT, SYSTEM, now, "payment deadline passed")


async def place_appointment(
    session: AsyncSession, request: Appointment, who: Who, now: datetime
) -> Booking:
    """Book `request.service` with `request.master` at `request.start`."""
    business, master, service = request.business, request.master, request.service
    reason = await why_not(session, master, business, service, request.start, now)
    if reason is not None:
        raise refuse(reason, "scheduledAt")
    rules = ServiceRules.of(service)
    held = rules.held(request.start)
    total = service.price
    deposit = deposit_for(business, master, total)
    if deposit > 0:
        status = S.PENDING_PAYMENT
    else:
        status = S.CONFIRMED if auto_confirms(business, master) else S.PENDING
    await expire_overdue(session, now, master_id=master.id, span=held)
    booking = Booking(
        id=uuid.uuid4(),
        business_id=business.id,
        kind=BookingKind.APPOINTMENT,
        service_id=service.id,
        service_name=service.name,
        master_id=master.id,
        location_id=request.location_id,
        customer_id=request.customer.id if request.customer else None,
        contact_name=request.contact.name,
        contact_email=request.contact.email,
        contact_phone=request.contact.phone,
        company=request.contact.company,
        starts_at=request.start,
        ends_at=request.start + rules.duration,
        busy_from=held.start,
        busy_until=held.end,
        timezone=master.timezone,
        status=status,
        currency=business.currency,
        total_amount=total,
        deposit_amount=deposit,
        payment_deadline=(
            now + timedelta(minutes=business.payment_window_minutes) if deposit > 0 else None
        ),
        notes=request.notes,
        created_at=now,
        updated_at=now,
    )
    return await _insert(session, booking, who, now)


def business_calendar(business: Business) -> Calendar:
    zone = ZoneInfo(business.timezone)
    return Calendar(
        zone=zone,
        week=business.opening_hours,
        overrides={},
        business_zone=zone,
        opening_hours=business.opening_hours,
        horizon=timedelta(days=business.booking_horizon_days),
    )


async def check_inquiry_time(
    session: AsyncSession,
    business: Business,
    span: Span,
    now: datetime,
    *,
    ignore_booking: uuid.UUID | None = None,
) -> None:
    """Refuse `span` for an inquiry unless it is in the future, within the horizon,
    inside the opening hours and free of other active inquiries of the business
    (`ignore_booking`: the inquiry being moved)."""
    if span.start < now:
        raise ValidationFailed.on("timeSlot.startTime", "must be in the future", "IN_THE_PAST")
    if span.start > now + timedelta(days=business.booking_horizon_days):
        raise refuse(Reason.TOO_FAR, "timeSlot.startTime")
    if not fits_opening(business_calendar(business), span):
        raise BusinessRuleViolation(
            "The time is outside the business's opening hours",
            details=[ErrorDetail("timeSlot", "must lie inside the opening hours", "OUTSIDE_HOURS")],
        )
    statement = (
        select(Booking.id)
        .where(
            Booking.business_id == business.id,
            Booking.kind == BookingKind.INQUIRY,
            Booking.busy_from < span.end,
            Booking.busy_until > span.start,
            still_holds(now),
        )
        .limit(1)
    )
    if ignore_booking is not None:
        statement = statement.where(Booking.id != ignore_booking)
    if await session.scalar(statement) is not None:
        raise refuse(Reason.BOOKED, "timeSlot.startTime")


async def place_inquiry(
    session: AsyncSession,
    business: Business,
    span: Span,
    contact: Contact,
    inquiry: str,
    who: Who,
    now: datetime,
) -> Booking:
    """Seed 003: a call on the business calendar, inside opening hours, overlapping no
    other active inquiry of the business."""
    await check_inquiry_time(session, business, span, now)
    booking = Booking(
        id=uuid.uuid4(),
        business_id=business.id,
        kind=BookingKind.INQUIRY,
        contact_name=contact.name,
        contact_email=contact.email,
        contact_phone=contact.phone,
        company=contact.company,
        inquiry=inquiry,
        starts_at=span.start,
        ends_at=span.end,
        busy_from=span.start,
        busy_until=span.end,
        timezone=business.timezone,
        status=S.PENDING,
        currency=business.currency,
        created_at=now,
        updated_at=now,
    )
    return await _insert(session, booking, who, now)


def current_status(booking: Booking, now: datetime) -> BookingStatus:
    """The status as of `now`: an unpaid booking past its deadline reads as expired
    even before the sweeper has marked it."""
    if (
        booking.status is S.PENDING_PAYMENT
        and booking.payment_deadline is not None
        and booking.payment_deadline <= now
    ):
        return S.EXPIRED
    return booking.status


def transition(
    session: AsyncSession,
    booking: Booking,
    to: BookingStatus,
    who: Who,
    now: datetime,
    reason: str = "",
) -> BookingStatus:
    """Move `booking` to `to` along the status graph (422 otherwise); returns the old
    status. An overdue unpaid booking is expired first."""
    expired_first = current_status(booking, now) is not booking.status
    if expired_first:
        transition(session, booking, S.EXPIRED, SYSTEM, now, "payment deadline passed")
    old = booking.status
    if to not in TRANSITIONS.get(old, frozenset()):
        raise BusinessRuleViolation(
            f"A {old.value} booking cannot become {to.value}",
            details=[ErrorDetail("status", f"not allowed from {old.value}", "INVALID_TRANSITION")],
            keep_changes=expired_first,
        )
    booking.status = to
    booking.version += 1
    booking.updated_at = now
    record(session, booking, old, who, now, reason)
    return old


def cancellation_deadline(booking: Booking, business: Business) -> datetime:
    """Customers may cancel until this instant; staff at any time."""
    return booking.starts_at - timedelta(hours=business.cancellation_notice_hours)
