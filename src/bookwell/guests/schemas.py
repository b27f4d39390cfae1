"""Request and response bodies of guest verification (API.md "Seed 002" public routes)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, EmailStr, Field

from bookwell.guests.tokens import Contact
from bookwell.kit.fields import PhoneNumber
from bookwell.kit.schemas import CamelModel, RequestModel
from bookwell.models import Booking, BookingKind, BookingStatus, Channel


def _six_digits(value: str) -> str:
    # Only ASCII digits: str.isdigit() would let through e.g. Arabic-Indic digits.
    if len(value) != 6 or not all("0" <= c <= "9" for c in value):
        raise ValueError("must be the 6 digits from the message")
    return value


def _subdomain(value: str) -> str:
    # Anything else names no business; refusing it here keeps odd bytes from the query.
    if not value or not all(c.isascii() and (c.isalnum() or c == "-") for c in value):
        raise ValueError("must be a business subdomain: letters, digits and hyphens")
    return value.lower()


Subdomain = Annotated[str, Field(max_length=63), AfterValidator(_subdomain)]
OneTimeCode = Annotated[str, Field(max_length=16), AfterValidator(_six_digits)]
Phone = Annotated[PhoneNumber, Field(max_length=32)]


class VerifyIn(RequestModel):
    """Without `code`: send a code to `email` or `phone`. With `code`: check it."""

    business: Subdomain | None = Field(
        None,
        description="The business's subdomain; when left out, the one the Host names "
        "(`{subdomain}.BASE_DOMAIN`)",
    )
    email: EmailStr | None = Field(None, description="Exactly one of `email` and `phone`")
    phone: Phone | None = Field(
        None, description="International format, e.g. +14155550123 (kept as E.164)"
    )
    code: OneTimeCode | None = Field(None, description="The 6 digits received")


class CodeSentOut(CamelModel):
    sent: Literal[True] = True
    channel: Literal["email", "sms"]
    expires_at: datetime = Field(description="The code stops working at this time")


class ContactOut(CamelModel):
    """The verified contact: one of the two is set."""

    email: str | None
    phone: str | None

    @classmethod
    def of(cls, contact: Contact) -> ContactOut:
        return cls(email=contact.email, phone=contact.phone)


class ClientSessionOut(CamelModel):
    client_token: str = Field(description="Send it as `X-Client-Token` to the client routes")
    expires_at: datetime
    business_id: uuid.UUID
    contact: ContactOut


def channel_name(channel: Channel) -> Literal["email", "sms"]:
    return "sms" if channel is Channel.SMS else "email"


def _local(moment: datetime, timezone: str) -> datetime:
    try:
        return moment.astimezone(ZoneInfo(timezone))
    except (ValueError, KeyError):  # an unknown zone name: keep UTC
        return moment


class ClientBookingOut(CamelModel):
    id: uuid.UUID
    kind: BookingKind
    service_name: str
    master_id: uuid.UUID | None
    location_id: uuid.UUID | None
    starts_at: datetime = Field(description="With the offset of `timezone`")
    ends_at: datetime = Field(description="With the offset of `timezone`")
    timezone: str = Field(description="IANA zone the booking was made in")
    status: BookingStatus

    @classmethod
    def of(cls, booking: Booking) -> ClientBookingOut:
        return cls(
            id=booking.id,
            kind=booking.kind,
            service_name=booking.service_name,
            master_id=booking.master_id,
            location_id=booking.location_id,
            starts_at=_local(booking.starts_at, booking.timezone),
            ends_at=_local(booking.ends_at, booking.timezone),
            timezone=booking.timezone,
            status=booking.status,
        )
