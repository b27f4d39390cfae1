"""Bookings (appointments, inquiries, later tickets), their status history, and the
records that make booking requests safe to retry and easy to follow."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Enum,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from bookwell.kit.clock import utcnow
from bookwell.models.base import Base, IdMixin, TimestampMixin


def _values(enum: type[StrEnum]) -> list[str]:
    return [member.value for member in enum]


class BookingKind(StrEnum):
    APPOINTMENT = "appointment"  # a service with a master
    INQUIRY = "inquiry"  # seed 003: a call on the business calendar
    TICKET = "ticket"  # seated events


class BookingStatus(StrEnum):
    PENDING_PAYMENT = "pending_payment"
    PENDING = "pending"
    CONFIRMED = "confirmed"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"
    EXPIRED = "expired"


# Statuses that hold the master's (or, for inquiries, the business's) time. The
# PostgreSQL exclusion constraints of migration 20261122_0005 repeat this list.
ACTIVE_STATUSES = (BookingStatus.PENDING_PAYMENT, BookingStatus.PENDING, BookingStatus.CONFIRMED)


class Booking(IdMixin, TimestampMixin, Base):
    __tablename__ = "bookings"
    __table_args__ = (
        Index("ix_bookings_master_id_busy_from", "master_id", "busy_from"),
        Index("ix_bookings_business_id_starts_at", "business_id", "starts_at"),
        Index("ix_bookings_customer_id_starts_at", "customer_id", "starts_at"),
    )

    business_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("businesses.id", ondelete="CASCADE"))
    kind: Mapped[BookingKind] = mapped_column(
        Enum(BookingKind, native_enum=False, length=20, values_callable=_values)
    )
    service_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("services.id", ondelete="SET NULL"), index=True
    )
    # Kept when the service is renamed or deleted.
    service_name: Mapped[str] = mapped_column(String(200), default="")
    master_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("masters.id", ondelete="SET NULL")
    )
    location_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("locations.id", ondelete="SET NULL")
    )
    # A signed-in customer, or a guest known by the contact fields below.
    customer_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    contact_name: Mapped[str] = mapped_column(String(200), default="")
    contact_email: Mapped[str | None] = mapped_column(String(320), index=True)
    contact_phone: Mapped[str | None] = mapped_column(String(20), index=True)
    company: Mapped[str] = mapped_column(String(200), default="")

    starts_at: Mapped[datetime] = mapped_column()
    ends_at: Mapped[datetime] = mapped_column()
    # The time held on the calendar: the booking with the service's buffers around it.
    busy_from: Mapped[datetime] = mapped_column()
    busy_until: Mapped[datetime] = mapped_column()
    # The master's (or business's) zone when booked: how the booking reads locally.
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")

    status: Mapped[BookingStatus] = mapped_column(
        Enum(BookingStatus, native_enum=False, length=20, values_callable=_values), index=True
    )
    # Minor units of `currency`; computed from the service and the business, never sent.
    currency: Mapped[str] = mapped_column(String(3))
    total_amount: Mapped[int] = mapped_column(Integer, default=0)
    deposit_amount: Mapped[int] = mapped_column(Integer, default=0)
    deposit_paid: Mapped[bool] = mapped_column(default=False)
    payment_deadline: Mapped[datetime | None] = mapped_column()

    notes: Mapped[str] = mapped_column(Text, default="")
    inquiry: Mapped[str] = mapped_column(Text, default="")
    meeting_link: Mapped[str | None] = mapped_column(String(1024))
    preparation_notes: Mapped[str] = mapped_column(Text, default="")
    completion_notes: Mapped[str] = mapped_column(Text, default="")
    deliverables: Mapped[list[str]] = mapped_column(JSON, default=list)
    cancellation_reason: Mapped[str] = mapped_column(String(500), default="")
    # Bumped on every change; optimistic locking for clients that send it back.
    version: Mapped[int] = mapped_column(Integer, default=1)


class BookingStatusChange(IdMixin, Base):
    """One transition of a booking: who moved it, when, from what to what, and why."""

    __tablename__ = "booking_status_history"

    booking_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("bookings.id", ondelete="CASCADE"), index=True
    )
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    # "user", "api_key", "guest" or "system" (expiry); the id of the user or key.
    actor_type: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[uuid.UUID | None] = mapped_column()
    reason: Mapped[str] = mapped_column(String(500), default="")
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)


class IdempotencyRecord(Base):
    """The first response to a request sent with an Idempotency-Key, kept 24 h."""

    __tablename__ = "idempotency_records"
    __table_args__ = (PrimaryKeyConstraint("scope", "key"),)

    # Who sent it ("user:<id>", "api_key:<id>", "guest:<contact>") and on which route.
    scope: Mapped[str] = mapped_column(String(200))
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    # None while the first request is still running.
    status_code: Mapped[int | None] = mapped_column(Integer)
    response: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class VerificationCode(IdMixin, Base):
    """A one-time code sent to a guest's phone or email (seed 002 client verification)."""

    __tablename__ = "verification_codes"
    __table_args__ = (Index("ix_verification_codes_destination", "destination", "created_at"),)

    business_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("businesses.id", ondelete="CASCADE")
    )
    channel: Mapped[str] = mapped_column(String(10))  # "email" or "sms"
    destination: Mapped[str] = mapped_column(String(320))
    code_hash: Mapped[str] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    verified_at: Mapped[datetime | None] = mapped_column()


class CalendarFeed(IdMixin, Base):
    """A private iCalendar feed URL of one user (the token is stored hashed)."""

    __tablename__ = "calendar_feeds"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column()
