"""The authenticated bookings routes: book for yourself, list what you may see, read,
edit, cancel, confirm, complete, reschedule and change the status of a booking.

Placing and the status graph are `rules.py`'s; who may do what is `access.py`'s.
Here: the request-level checks around them (the service is offered by that master,
the customer's cancellation deadline, "not before it starts"), and moving a booking
in place, so that the database guard checks the new time in the same statement that
takes it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, false, func, or_, true
from sqlalchemy.ext.asyncio import AsyncSession

from bookwell.bookings import repository
from bookwell.bookings.access import (
    BookingAccess,
    booking_access,
    business_staff_condition,
    customer_condition,
    staff_condition,
)
from bookwell.bookings.repository import BookingRepository, ListedBooking, SpecialistRef
from bookwell.bookings.rules import (
    FINAL,
    TRANSITIONS,
    Appointment,
    Contact,
    Who,
    cancellation_deadline,
    check_inquiry_time,
    current_status,
    expire_overdue,
    guarded_flush,
    place_appointment,
    record,
    refuse,
    transition,
)
from bookwell.bookings.schemas import (
    BookingCreateIn,
    BookingUpdateIn,
    CompleteIn,
    ConfirmIn,
    StatusIn,
)
from bookwell.errors import (
    BusinessRuleViolation,
    CancellationNotAllowed,
    ErrorDetail,
    NotFound,
    ValidationFailed,
)
from bookwell.kit.pagination import PageRequest
from bookwell.kit.tenancy import Actor, BusinessAccess
from bookwell.models import (
    Booking,
    BookingKind,
    BookingStatus,
    BookingStatusChange,
    Business,
    BusinessStatus,
    Master,
    Service,
    User,
)
from bookwell.scheduling.engine import ServiceRules, Span
from bookwell.scheduling.repository import why_not

S = BookingStatus
View = Literal["customer", "staff"]


# --- creating --------------------------------------------------------------------


async def create_booking(
    session: AsyncSession, user: User, data: BookingCreateIn, now: datetime
) -> tuple[Booking, Business]:
    """Book `data.serviceId` with `data.specialistId` for the signed-in user."""
    offer = await repository.offer(session, data.service_id, data.specialist_id)
    if offer is None:
        raise NotFound(
            "Service not found",
            details=[ErrorDetail("serviceId", "no bookable service has this id", "NOT_FOUND")],
        )
    master = offer.master
    if master is None or not master.is_active or not offer.master_user_active:
        raise NotFound(
            "Specialist not found",
            details=[
                ErrorDetail("specialistId", "no active specialist of this business", "NOT_FOUND")
            ],
        )
    if not offer.offered:
        raise ValidationFailed.on(
            "specialistId", "does not offer this service", "SERVICE_NOT_OFFERED"
        )
    service = offer.service
    if data.duration is not None and data.duration != service.duration_minutes:
        raise ValidationFailed.on(
            "duration",
            f"must be the service's duration, {service.duration_minutes} minutes",
            "DURATION_MISMATCH",
        )
    contact = Contact(
        name=f"{user.first_name} {user.last_name}".strip(),
        email=user.email,
        phone=user.phone_number,
    )
    request = Appointment(
        business=offer.business,
        master=master,
        service=service,
        start=data.scheduled_at,
        contact=contact,
        customer=user,
        notes=data.notes,
        location_id=offer.only_location,
    )
    booking = await place_appointment(session, request, Who("user", user.id), now)
    return booking, offer.business


# --- listing -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Filters:
    """The list filters, dates already turned into instants."""

    status: BookingStatus | None = None
    starts_from: datetime | None = None
    starts_before: datetime | None = None
    email: str | None = None
    zone: ZoneInfo | None = None
    view: View | None = None

    def conditions(self, now: datetime) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        if self.status is not None:
            found.append(repository.status_is(self.status, now))
        if self.starts_from is not None:
            found.append(Booking.starts_at >= self.starts_from)
        if self.starts_before is not None:
            found.append(Booking.starts_at < self.starts_before)
        if self.email is not None:
            found.append(func.lower(Booking.contact_email) == self.email.lower())
        return found


async def list_bookings(
    session: AsyncSession, actor: Actor, filters: Filters, page: PageRequest, now: datetime
) -> tuple[list[ListedBooking], int]:
    """The bookings the actor may see: as customer, as staff, or (by default) both.
    An API key sees its business's."""
    conditions = filters.conditions(now)
    if actor.api_key is not None and actor.user is None:
        business_id = actor.api_key.business_id
        if business_id is None or filters.view == "customer":
            return [], 0
        return await BookingRepository(session, business_id).page(true(), conditions, page)
    as_customer, as_staff = customer_condition(actor), staff_condition(actor)
    if filters.view == "customer":
        visible, as_staff = as_customer, false()
    elif filters.view == "staff":
        visible = as_staff
    else:
        visible = or_(as_customer, as_staff)
    return await repository.page_of(session, visible, as_staff, conditions, page)


async def list_business_bookings(
    session: AsyncSession,
    access: BusinessAccess,
    filters: Filters,
    page: PageRequest,
    now: datetime,
) -> tuple[list[ListedBooking], int]:
    """The business's bookings: all for the owner and API key, a manager's locations
    (and bookings without one), a master's own."""
    return await BookingRepository(session, access.business_id).page(
        business_staff_condition(access), filters.conditions(now), page
    )


# --- reading ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Details:
    access: BookingAccess
    specialist: SpecialistRef | None
    history: list[BookingStatusChange]


async def booking_details(session: AsyncSession, actor: Actor, booking_id: uuid.UUID) -> Details:
    access = await booking_access(session, actor, booking_id)
    return Details(
        access=access,
        specialist=await repository.specialist_of(session, access.booking.master_id),
        history=await repository.history(session, booking_id),
    )


# --- changing --------------------------------------------------------------------


def _touch(booking: Booking, now: datetime) -> None:
    booking.version += 1
    booking.updated_at = now


def _require_open(booking: Booking, now: datetime, what: str) -> None:
    status = current_status(booking, now)
    if status in FINAL:
        raise BusinessRuleViolation(
            f"A {status.value} booking cannot be {what}",
            details=[ErrorDetail("status", f"is {status.value}", "BOOKING_CLOSED")],
        )


def _require_started(booking: Booking, now: datetime, to: BookingStatus) -> None:
    if now < booking.starts_at:
        start = booking.starts_at.isoformat().replace("+00:00", "Z")
        raise BusinessRuleViolation(
            f"The booking cannot be {to.value} before it starts ({start})",
            details=[ErrorDetail("status", "not before the start", "NOT_STARTED")],
        )


def _customer_deadline(access: BookingAccess, now: datetime, action: str, field: str) -> None:
    """Customers change a booking only until the cancellation deadline; staff always."""
    if access.is_staff:
        return
    deadline = cancellation_deadline(access.booking, access.business)
    if now <= deadline:
        return
    shown = deadline.isoformat().replace("+00:00", "Z")
    message = f"Customers may {action} until {shown}; contact the business"
    detail = [ErrorDetail(field, f"the deadline was {shown}", "DEADLINE_PASSED")]
    if action == "cancel":
        raise CancellationNotAllowed(message, details=detail)
    raise BusinessRuleViolation(message, details=detail)


def _as_booked(service: Service, booking: Booking) -> Service:
    """The service's rules with the length the booking was made for (a moved booking
    keeps its length even if the service's has changed since); never saved."""
    return Service(
        duration_minutes=(booking.ends_at - booking.starts_at) // timedelta(minutes=1),
        buffer_before_minutes=service.buffer_before_minutes,
        buffer_after_minutes=service.buffer_after_minutes,
        min_notice_minutes=service.min_notice_minutes,
        slot_step_minutes=service.slot_step_minutes,
    )


async def _appointment_span(
    session: AsyncSession,
    access: BookingAccess,
    start: datetime,
    now: datetime,
    field: str,
) -> tuple[Span, timedelta]:
    booking, business = access.booking, access.business
    master = await session.get(Master, booking.master_id) if booking.master_id else None
    service = await session.get(Service, booking.service_id) if booking.service_id else None
    if (
        master is None
        or service is None
        or not master.is_active
        or business.status is not BusinessStatus.ACTIVE
    ):
        raise BusinessRuleViolation(
            "The specialist or the service of this booking is no longer available",
            details=[ErrorDetail(field, "the booking cannot be moved", "UNAVAILABLE")],
        )
    booked = _as_booked(service, booking)
    reason = await why_not(session, master, business, booked, start, now, ignore_booking=booking.id)
    if reason is not None:
        raise refuse(reason, field)
    held = ServiceRules.of(booked).held(start)
    # An overdue unpaid booking there no longer counts; the database guard must agree.
    await expire_overdue(session, now, master_id=master.id, span=held)
    return held, booking.ends_at - booking.starts_at


async def _move(
    session: AsyncSession,
    access: BookingAccess,
    start: datetime,
    reason: str,
    now: datetime,
    *,
    field: str,
    minutes: int | None = None,
) -> None:
    """Move the booking to `start` with the checks of a new booking (its own time
    left out), in place: the database guard checks the new time as it is written,
    and on any refusal nothing changes."""
    booking = access.booking
    status = current_status(booking, now)
    if status in FINAL:
        raise BusinessRuleViolation(
            f"A {status.value} booking cannot be rescheduled",
            details=[ErrorDetail("status", f"is {status.value}", "INVALID_TRANSITION")],
        )
    _customer_deadline(access, now, "reschedule", field)
    if booking.kind is BookingKind.INQUIRY:
        length = timedelta(minutes=minutes) if minutes else booking.ends_at - booking.starts_at
        held = Span(start, start + length)
        await check_inquiry_time(session, access.business, held, now, ignore_booking=booking.id)
    else:
        booked_minutes = (booking.ends_at - booking.starts_at) // timedelta(minutes=1)
        if minutes is not None and minutes != booked_minutes:
            raise ValidationFailed.on(
                "timeSlot.duration",
                f"an appointment keeps its length, {booked_minutes} minutes",
                "DURATION_MISMATCH",
            )
        held, length = await _appointment_span(session, access, start, now, field)
    moved_from = booking.starts_at
    booking.starts_at, booking.ends_at = start, start + length
    booking.busy_from, booking.busy_until = held.start, held.end
    _touch(booking, now)
    note = f"rescheduled from {_utc(moved_from)} to {_utc(start)}"
    record(
        session, booking, booking.status, access.who, now, f"{note}: {reason}" if reason else note
    )
    await guarded_flush(session, field)


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


async def reschedule_booking(
    session: AsyncSession,
    actor: Actor,
    booking_id: uuid.UUID,
    start: datetime,
    reason: str,
    now: datetime,
) -> BookingAccess:
    """POST /bookings/{id}/reschedule: customers until the cancellation deadline,
    staff at any time; 409 when the new time is taken (the old one is kept)."""
    access = await booking_access(session, actor, booking_id, for_update=True)
    await _move(session, access, start, reason, now, field="newScheduledAt")
    return access


async def update_booking(
    session: AsyncSession,
    actor: Actor,
    booking_id: uuid.UUID,
    data: BookingUpdateIn,
    now: datetime,
) -> BookingAccess:
    """PUT /bookings/{id}: the fields given; a new time is a reschedule."""
    access = await booking_access(session, actor, booking_id, for_update=True)
    booking = access.booking
    given = data.model_fields_set
    for name in given:
        if getattr(data, name) is None:
            raise ValidationFailed.on(_camel(name), "cannot be null", "REQUIRED")
    if "scheduled_at" in given and "time_slot" in given:
        raise ValidationFailed.on("timeSlot", "send either scheduledAt or timeSlot", "CONFLICT")
    if given & {"meeting_link", "preparation_notes"}:
        access.require_staff()
    if "inquiry" in given and booking.kind is not BookingKind.INQUIRY:
        raise BusinessRuleViolation(
            "Only an inquiry has an inquiry text",
            details=[ErrorDetail("inquiry", "this booking is not an inquiry", "NOT_AN_INQUIRY")],
        )
    _require_open(booking, now, "changed")
    if data.scheduled_at is not None:
        await _move(session, access, data.scheduled_at, data.reason or "", now, field="scheduledAt")
    elif data.time_slot is not None:
        await _move(
            session,
            access,
            data.time_slot.start_time,
            data.reason or "",
            now,
            field="timeSlot.startTime",
            minutes=data.time_slot.duration,
        )
    if data.notes is not None:
        booking.notes = data.notes
    if data.inquiry is not None:
        booking.inquiry = data.inquiry
    if data.meeting_link is not None:
        booking.meeting_link = data.meeting_link
    if data.preparation_notes is not None:
        booking.preparation_notes = data.preparation_notes
    moved = data.scheduled_at is not None or data.time_slot is not None
    if not moved and given - {"reason"}:  # a move has counted the change already
        _touch(booking, now)
    return access


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


async def cancel_booking(
    session: AsyncSession, actor: Actor, booking_id: uuid.UUID, reason: str, now: datetime
) -> BookingAccess:
    """Customers until the cancellation deadline (else 422 CANCELLATION_NOT_ALLOWED),
    staff at any time; the reason is kept on the booking and in its history."""
    access = await booking_access(session, actor, booking_id, for_update=True, cancel=True)
    booking = access.booking
    if S.CANCELLED in TRANSITIONS.get(current_status(booking, now), frozenset()):
        _customer_deadline(access, now, "cancel", "bookingId")
    transition(session, booking, S.CANCELLED, access.who, now, reason)
    booking.cancellation_reason = reason
    return access


async def confirm_booking(
    session: AsyncSession,
    actor: Actor,
    booking_id: uuid.UUID,
    data: ConfirmIn,
    now: datetime,
) -> BookingAccess:
    """Staff confirm a pending booking, optionally with a meeting link and notes."""
    access = await booking_access(session, actor, booking_id, for_update=True)
    access.require_staff()
    booking = access.booking
    transition(session, booking, S.CONFIRMED, access.who, now)
    if data.meeting_link is not None:
        booking.meeting_link = data.meeting_link
    if data.preparation_notes is not None:
        booking.preparation_notes = data.preparation_notes
    return access


async def _complete(
    session: AsyncSession, access: BookingAccess, now: datetime, reason: str = ""
) -> None:
    booking = access.booking
    _require_started(booking, now, S.COMPLETED)
    transition(session, booking, S.COMPLETED, access.who, now, reason)
    await repository.count_completion(session, booking.master_id, booking.customer_id)


async def complete_booking(
    session: AsyncSession,
    actor: Actor,
    booking_id: uuid.UUID,
    data: CompleteIn,
    now: datetime,
) -> BookingAccess:
    """Staff mark a confirmed booking completed, once it has started."""
    access = await booking_access(session, actor, booking_id, for_update=True)
    access.require_staff()
    await _complete(session, access, now)
    access.booking.completion_notes = data.completion_notes
    access.booking.deliverables = list(data.deliverables)
    return access


async def change_status(
    session: AsyncSession, actor: Actor, booking_id: uuid.UUID, data: StatusIn, now: datetime
) -> BookingAccess:
    """PATCH /bookings/{id} (seed 003): staff or the business's API key move the booking
    along the status graph; `completed` and `no_show` not before the start."""
    access = await booking_access(session, actor, booking_id, for_update=True)
    access.require_staff()
    booking = access.booking
    to = BookingStatus(data.status)
    if to is S.COMPLETED:
        await _complete(session, access, now, data.reason)
        return access
    if to is S.NO_SHOW:
        _require_started(booking, now, to)
    transition(session, booking, to, access.who, now, data.reason)
    if to is S.CANCELLED:
        booking.cancellation_reason = data.reason
    return access
