"""Request and response bodies of POST /public/booking (API.md "Seed 002" and
"Seed 003" public routes): one body, two shapes, told apart by `timeSlot`."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, EmailStr, Field, StringConstraints

from bookwell.errors import ErrorDetail, ValidationFailed
from bookwell.kit.fields import Instant, PhoneNumber
from bookwell.kit.money import to_major
from bookwell.kit.schemas import CamelModel, RequestModel
from bookwell.models import Booking, BookingKind, BookingStatus, Master, Service, User

ANY_MASTER = "any"


def _master_choice(value: str) -> str:
    if value.lower() == ANY_MASTER:
        return ANY_MASTER
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise ValueError('must be a master id or "any"') from None


Text200 = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class TimeSlotIn(RequestModel):
    start_time: Instant
    duration: int = Field(ge=15, le=480, description="Minutes, 15 to 480")


class PublicBookingIn(RequestModel):
    """An appointment (`serviceId`, `masterId`, `scheduledAt`, `notes`) or, with
    `timeSlot`, an inquiry (`company`, `inquiry`, `timeSlot`). Both carry the
    contact: `name`, and `email` or `phone` (an inquiry needs `email`)."""

    business: str | None = Field(
        None,
        max_length=63,
        description="The business's subdomain; when left out, the one the Host names "
        "(`{subdomain}.BASE_DOMAIN`)",
    )
    service_id: uuid.UUID | None = Field(None, description="Appointment: an active service")
    master_id: Annotated[str, AfterValidator(_master_choice)] | None = Field(
        None,
        max_length=36,
        description='Appointment: one of the service\'s masters, or "any" (the default)',
    )
    scheduled_at: Instant | None = Field(None, description="Appointment: the start")
    notes: str | None = Field(None, max_length=2000, description="Appointment: for the master")
    company: Text200 | None = Field(None, description="Inquiry: required")
    inquiry: str | None = Field(None, max_length=5000, description="Inquiry: what it is about")
    time_slot: TimeSlotIn | None = Field(None, description="Inquiry: the time asked for")
    name: Text200
    email: EmailStr | None = Field(None, description="Required for an inquiry")
    phone: Annotated[PhoneNumber, Field(max_length=32)] | None = Field(
        None, description="International format, e.g. +14155550123 (kept as E.164)"
    )


class BookedServiceOut(CamelModel):
    id: uuid.UUID
    name: str
    duration: int = Field(description="Minutes")


class BookedMasterOut(CamelModel):
    id: uuid.UUID
    first_name: str
    last_name: str
    avatar: str | None


class TimeSlotOut(CamelModel):
    start_time: datetime
    duration: int


class PublicBookingOut(CamelModel):
    id: uuid.UUID
    kind: BookingKind
    status: BookingStatus
    business_id: uuid.UUID
    location_id: uuid.UUID | None = Field(description="Set when the master works at one")
    scheduled_at: datetime = Field(description="The start, with the offset of `timezone`")
    ends_at: datetime
    duration: int = Field(description="Minutes")
    timezone: str = Field(description="The master's (appointment) or business's zone")
    time_slot: TimeSlotOut | None = Field(description="Inquiries: the seed 003 shape")
    service: BookedServiceOut | None
    master: BookedMasterOut | None
    name: str
    email: str | None
    phone: str | None
    company: str
    notes: str
    inquiry: str
    total_amount: int | float = Field(description="Major units of `currency`")
    deposit_amount: int | float = Field(description="Major units of `currency`")
    currency: str
    payment_deadline: datetime | None = Field(
        description="A booking with a deposit is released if unpaid by then"
    )
    created_at: datetime

    @classmethod
    def of(
        cls, booking: Booking, service: Service | None, master: Master | None, user: User | None
    ) -> PublicBookingOut:
        zone = ZoneInfo(booking.timezone)
        start = booking.starts_at.astimezone(zone)
        minutes = int((booking.ends_at - booking.starts_at).total_seconds() // 60)
        inquiry = booking.kind is BookingKind.INQUIRY
        return cls(
            id=booking.id,
            kind=booking.kind,
            status=booking.status,
            business_id=booking.business_id,
            location_id=booking.location_id,
            scheduled_at=start,
            ends_at=booking.ends_at.astimezone(zone),
            duration=minutes,
            timezone=booking.timezone,
            time_slot=TimeSlotOut(start_time=start, duration=minutes) if inquiry else None,
            service=(
                BookedServiceOut(id=service.id, name=service.name, duration=minutes)
                if service
                else None
            ),
            master=(
                BookedMasterOut(
                    id=master.id,
                    first_name=user.first_name,
                    last_name=user.last_name,
                    avatar=user.avatar_url,
                )
                if master and user
                else None
            ),
            name=booking.contact_name,
            email=booking.contact_email,
            phone=booking.contact_phone,
            company=booking.company,
            notes=booking.notes,
            inquiry=booking.inquiry,
            total_amount=to_major(booking.total_amount, booking.currency),
            deposit_amount=to_major(booking.deposit_amount, booking.currency),
            currency=booking.currency,
            payment_deadline=(
                booking.payment_deadline.astimezone(zone) if booking.payment_deadline else None
            ),
            created_at=booking.created_at,
        )


class PublicBookingCreatedOut(CamelModel):
    booking: PublicBookingOut


_APPOINTMENT_ONLY = {
    "service_id": "serviceId",
    "master_id": "masterId",
    "scheduled_at": "scheduledAt",
    "notes": "notes",
}
_INQUIRY_ONLY = {"company": "company", "inquiry": "inquiry"}


def shape(body: PublicBookingIn) -> Literal["appointment", "inquiry"]:
    """Which of the two shapes the body is; a 400 naming every field out of place."""
    problems: list[ErrorDetail] = []

    def misplaced(fields: dict[str, str], message: str) -> None:
        problems.extend(
            ErrorDetail(name, message, "NOT_ALLOWED")
            for attribute, name in fields.items()
            if getattr(body, attribute) is not None
        )

    def required(name: str, message: str) -> None:
        problems.append(ErrorDetail(name, message, "REQUIRED"))

    if body.time_slot is not None:
        misplaced(_APPOINTMENT_ONLY, "belongs to an appointment, not to an inquiry (timeSlot)")
        if body.company is None:
            required("company", "is required for an inquiry")
        if body.email is None:
            required("email", "is required for an inquiry")
    else:
        misplaced(_INQUIRY_ONLY, "belongs to an inquiry, which needs timeSlot")
        if body.service_id is None:
            required("serviceId", "is required (or send timeSlot for an inquiry)")
        if body.scheduled_at is None:
            required("scheduledAt", "is required for an appointment")
        if body.email is None and body.phone is None:
            problems += [
                ErrorDetail(name, "give email or phone", "ONE_OF_REQUIRED")
                for name in ("email", "phone")
            ]
    if problems:
        raise ValidationFailed(details=problems)
    return "inquiry" if body.time_slot is not None else "appointment"
