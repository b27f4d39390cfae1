"""Bodies of the bookings routes (seed 001 "Booking Management Endpoints", seed 003).

Money: `totalAmount` and `depositAmount` of a booking are in major units of its
`currency`, as prices on catalog objects are (150 = 150.00 USD); `paymentIntent.amount`
is in minor units with a lower-case currency, as on the payment endpoints (200 =
2.00 USD). Times: instants in ISO 8601, shown with the offset of the booking's
`timezone` (the master's zone when booked; lists take a `timezone` parameter).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from pydantic import Field, StringConstraints

from bookwell.bookings.repository import SpecialistRef
from bookwell.bookings.rules import TRANSITIONS, cancellation_deadline, current_status
from bookwell.kit.fields import Instant, WebUrl
from bookwell.kit.money import to_major
from bookwell.kit.pagination import Pagination
from bookwell.kit.schemas import CamelModel, RequestModel
from bookwell.models import (
    Booking,
    BookingKind,
    BookingStatus,
    BookingStatusChange,
    Business,
)

Notes = Annotated[str, StringConstraints(max_length=2000)]
Reason = Annotated[str, StringConstraints(max_length=500)]
InquiryText = Annotated[str, StringConstraints(max_length=5000)]
MeetingLink = WebUrl
Deliverable = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


# --- requests --------------------------------------------------------------------


class BookingCreateIn(RequestModel):
    """Book a service with a specialist for yourself. Amounts come from the service,
    the business and the specialist, never from the request."""

    service_id: uuid.UUID
    specialist_id: uuid.UUID = Field(description="The master (GET /specialists/{specialistId})")
    scheduled_at: Instant
    duration: int | None = Field(
        None, ge=1, le=1440, description="Minutes; when sent, must equal the service's"
    )
    notes: Notes = ""
    payment_method_id: str | None = Field(
        None, max_length=255, description="Accepted for the payments feature; not used yet"
    )


class TimeSlotIn(RequestModel):
    """Seed 003's time slot: a start and a length in minutes."""

    start_time: Instant
    duration: int | None = Field(
        None,
        ge=5,
        le=720,
        description="Minutes; an inquiry may change its length, an appointment keeps its own",
    )


class BookingUpdateIn(RequestModel):
    """Only the fields given change. `scheduledAt` or `timeSlot` moves the booking
    (the checks of POST /bookings/{bookingId}/reschedule). `meetingLink` and
    `preparationNotes` are for staff; `inquiry` only for inquiries."""

    notes: Notes | None = None
    inquiry: InquiryText | None = None
    scheduled_at: Instant | None = None
    time_slot: TimeSlotIn | None = None
    reason: Reason | None = Field(None, description="Why it is moved (kept in the history)")
    meeting_link: MeetingLink | None = None
    preparation_notes: Notes | None = None


class CancelIn(RequestModel):
    reason: Reason = ""


class ConfirmIn(RequestModel):
    meeting_link: MeetingLink | None = None
    preparation_notes: Notes | None = None


class CompleteIn(RequestModel):
    completion_notes: Notes = ""
    deliverables: list[Deliverable] = Field(default_factory=list, max_length=50)


class RescheduleIn(RequestModel):
    new_scheduled_at: Instant
    reason: Reason = ""


class StatusIn(RequestModel):
    """Seed 003's status change; `completed` and `no_show` only once it has started."""

    status: Literal["pending", "confirmed", "cancelled", "completed", "no_show"]
    reason: Reason = ""


# --- responses -------------------------------------------------------------------


def _shown(moment: datetime, zone: tzinfo) -> datetime:
    return moment.astimezone(zone)


def can_cancel(booking: Booking, business: Business, now: datetime, *, staff: bool) -> bool:
    """Whether the viewer may cancel now: staff while the status allows it, the
    customer until the cancellation deadline."""
    allowed = BookingStatus.CANCELLED in TRANSITIONS.get(current_status(booking, now), frozenset())
    return allowed and (staff or now <= cancellation_deadline(booking, business))


def _minutes(booking: Booking) -> int:
    return (booking.ends_at - booking.starts_at) // timedelta(minutes=1)


class ServiceRefOut(CamelModel):
    id: uuid.UUID | None = Field(description="null once the service was deleted")
    name: str
    duration: int = Field(description="Minutes booked")


class SpecialistRefOut(CamelModel):
    id: uuid.UUID
    business_name: str
    first_name: str
    last_name: str
    avatar: str | None

    @classmethod
    def of(cls, ref: SpecialistRef, business: Business) -> SpecialistRefOut:
        return cls(
            id=ref.master_id,
            business_name=business.name,
            first_name=ref.first_name,
            last_name=ref.last_name,
            avatar=ref.avatar,
        )


class CustomerRefOut(CamelModel):
    """The customer's contact, shown to staff only."""

    id: uuid.UUID | None = Field(description="null for a guest")
    name: str
    email: str | None
    phone: str | None

    @classmethod
    def of(cls, booking: Booking) -> CustomerRefOut:
        return cls(
            id=booking.customer_id,
            name=booking.contact_name,
            email=booking.contact_email,
            phone=booking.contact_phone,
        )


def _service_ref(booking: Booking) -> ServiceRefOut | None:
    if booking.kind is BookingKind.INQUIRY:
        return None
    return ServiceRefOut(
        id=booking.service_id, name=booking.service_name, duration=_minutes(booking)
    )


class BookingOut(CamelModel):
    """A booking. `status` is as of now: an unpaid booking past its `paymentDeadline`
    reads `expired`. `canCancel` is for the caller (customers until
    `cancellationDeadline`, staff while the status allows it)."""

    id: uuid.UUID
    kind: BookingKind
    business_id: uuid.UUID
    service_id: uuid.UUID | None
    customer_id: uuid.UUID | None
    specialist_id: uuid.UUID | None = Field(description="The master")
    location_id: uuid.UUID | None
    status: BookingStatus
    scheduled_at: datetime
    ends_at: datetime
    duration: int = Field(description="Minutes")
    timezone: str = Field(description="IANA zone of the specialist (or business) when booked")
    total_amount: int | float = Field(description="Major units of `currency`")
    deposit_amount: int | float = Field(description="Major units of `currency`; 0: none")
    currency: str
    deposit_paid: bool
    payment_deadline: datetime | None = Field(
        description="An unpaid deposit after this instant expires the booking"
    )
    notes: str
    inquiry: str
    company: str
    meeting_link: str | None
    preparation_notes: str
    completion_notes: str
    deliverables: list[str]
    cancellation_reason: str
    can_cancel: bool
    cancellation_deadline: datetime
    created_at: datetime
    updated_at: datetime
    version: int

    @classmethod
    def fields_of(
        cls, booking: Booking, business: Business, now: datetime, *, staff: bool, zone: tzinfo
    ) -> dict[str, object]:
        currency = booking.currency
        return {
            "id": booking.id,
            "kind": booking.kind,
            "business_id": booking.business_id,
            "service_id": booking.service_id,
            "customer_id": booking.customer_id,
            "specialist_id": booking.master_id,
            "location_id": booking.location_id,
            "status": current_status(booking, now),
            "scheduled_at": _shown(booking.starts_at, zone),
            "ends_at": _shown(booking.ends_at, zone),
            "duration": _minutes(booking),
            "timezone": booking.timezone,
            "total_amount": to_major(booking.total_amount, currency),
            "deposit_amount": to_major(booking.deposit_amount, currency),
            "currency": currency,
            "deposit_paid": booking.deposit_paid,
            "payment_deadline": booking.payment_deadline,
            "notes": booking.notes,
            "inquiry": booking.inquiry,
            "company": booking.company,
            "meeting_link": booking.meeting_link,
            "preparation_notes": booking.preparation_notes,
            "completion_notes": booking.completion_notes,
            "deliverables": list(booking.deliverables or []),
            "cancellation_reason": booking.cancellation_reason,
            "can_cancel": can_cancel(booking, business, now, staff=staff),
            "cancellation_deadline": cancellation_deadline(booking, business),
            "created_at": booking.created_at,
            "updated_at": booking.updated_at,
            "version": booking.version,
        }

    @classmethod
    def of(
        cls,
        booking: Booking,
        business: Business,
        now: datetime,
        *,
        staff: bool,
        zone: tzinfo | None = None,
    ) -> BookingOut:
        return cls.model_validate(
            cls.fields_of(booking, business, now, staff=staff, zone=zone or _zone(booking))
        )


def _zone(booking: Booking) -> tzinfo:
    try:
        return ZoneInfo(booking.timezone)
    except (ValueError, KeyError):
        return UTC


class PaymentIntentOut(CamelModel):
    """What to pay before `booking.paymentDeadline`. `amount` is in minor units of
    `currency` (lower-case, as payment providers write it): 200 = 2.00 USD.
    `clientSecret` stays null until a payment provider creates the intent; pay with
    POST /payments/process-deposit."""

    amount: int
    currency: str
    client_secret: str | None = None


class BookingCreatedOut(CamelModel):
    booking: BookingOut
    payment_intent: PaymentIntentOut | None = Field(
        description=(
            "null when nothing is due now (no deposit: the booking is `pending`, or "
            "`confirmed` where the specialist confirms automatically); with a deposit "
            "the booking is `pending_payment` until it is paid"
        )
    )


class HistoryEntryOut(CamelModel):
    from_status: BookingStatus | None = Field(alias="from", description="null at creation")
    to: BookingStatus
    actor_type: str = Field(description="user, api_key, guest or system (expiry)")
    at: datetime
    reason: str

    @classmethod
    def of(cls, change: BookingStatusChange) -> HistoryEntryOut:
        return cls.model_validate(
            {
                "from": change.from_status,
                "to": change.to_status,
                "actor_type": change.actor_type,
                "at": change.changed_at,
                "reason": change.reason,
            }
        )


class BookingDetailOut(BookingOut):
    """A booking with what it is about and its status history (reschedules appear
    with `from` = `to` and the move in `reason`). `customer` is shown to staff."""

    service: ServiceRefOut | None
    specialist: SpecialistRefOut | None
    customer: CustomerRefOut | None
    history: list[HistoryEntryOut]

    @classmethod
    def detailed(
        cls,
        booking: Booking,
        business: Business,
        now: datetime,
        *,
        staff: bool,
        specialist: SpecialistRef | None,
        history: list[BookingStatusChange],
    ) -> BookingDetailOut:
        fields = cls.fields_of(booking, business, now, staff=staff, zone=_zone(booking))
        return cls.model_validate(
            {
                **fields,
                "service": _service_ref(booking),
                "specialist": SpecialistRefOut.of(specialist, business) if specialist else None,
                "customer": CustomerRefOut.of(booking) if staff else None,
                "history": [HistoryEntryOut.of(change) for change in history],
            }
        )


class BookingData(CamelModel):
    booking: BookingOut


class BookingDetailData(CamelModel):
    booking: BookingDetailOut


class ConfirmedOut(CamelModel):
    booking: BookingOut
    notifications_sent: list[str] = Field(
        description="Channels notified; empty until the notifications feature sends them"
    )


class BookingListItemOut(CamelModel):
    id: uuid.UUID
    kind: BookingKind
    business_id: uuid.UUID
    service: ServiceRefOut | None = Field(description="null for an inquiry")
    specialist: SpecialistRefOut | None = Field(description="null for an inquiry")
    customer: CustomerRefOut | None = Field(description="Shown to staff only")
    status: BookingStatus
    scheduled_at: datetime
    ends_at: datetime
    timezone: str
    total_amount: int | float = Field(description="Major units of `currency`")
    deposit_amount: int | float = Field(description="Major units of `currency`")
    currency: str
    deposit_paid: bool
    can_cancel: bool
    cancellation_deadline: datetime
    meeting_link: str | None
    created_at: datetime

    @classmethod
    def of(
        cls,
        booking: Booking,
        business: Business,
        now: datetime,
        *,
        staff: bool,
        specialist: SpecialistRef | None,
        zone: tzinfo | None,
    ) -> BookingListItemOut:
        shown_in = zone or _zone(booking)
        return cls(
            id=booking.id,
            kind=booking.kind,
            business_id=booking.business_id,
            service=_service_ref(booking),
            specialist=SpecialistRefOut.of(specialist, business) if specialist else None,
            customer=CustomerRefOut.of(booking) if staff else None,
            status=current_status(booking, now),
            scheduled_at=_shown(booking.starts_at, shown_in),
            ends_at=_shown(booking.ends_at, shown_in),
            timezone=booking.timezone,
            total_amount=to_major(booking.total_amount, booking.currency),
            deposit_amount=to_major(booking.deposit_amount, booking.currency),
            currency=booking.currency,
            deposit_paid=booking.deposit_paid,
            can_cancel=can_cancel(booking, business, now, staff=staff),
            cancellation_deadline=cancellation_deadline(booking, business),
            meeting_link=booking.meeting_link,
            created_at=booking.created_at,
        )


class BookingListOut(CamelModel):
    bookings: list[BookingListItemOut]
    pagination: Pagination


class CalendarFeedOut(CamelModel):
    url: str = Field(
        description="Private iCalendar address; shown once. Anyone with it can read the "
        "calendar: revoke it with DELETE /users/calendar-feed"
    )


class FeedRevokedOut(CamelModel):
    revoked: int = Field(description="How many feed addresses stopped working")
