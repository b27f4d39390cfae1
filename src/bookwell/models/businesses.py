"""Businesses (tenants), their locations, and who works there in which role."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    Enum,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bookwell.kit.clock import utcnow
from bookwell.models.base import Base, IdMixin, TimestampMixin


def _values(enum: type[StrEnum]) -> list[str]:
    return [member.value for member in enum]


class BusinessStatus(StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    REJECTED = "rejected"
    SUSPENDED = "suspended"


class BusinessRole(StrEnum):
    OWNER = "owner"
    MANAGER = "manager"
    MASTER = "master"


def default_opening_hours() -> dict[str, Any]:
    """Monday to Friday, 09:00-17:00 in the business's zone."""
    day = [{"start": "09:00", "end": "17:00"}]
    return {d: list(day) for d in ("monday", "tuesday", "wednesday", "thursday", "friday")}


class Business(IdMixin, TimestampMixin, Base):
    __tablename__ = "businesses"

    name: Mapped[str] = mapped_column(String(200))
    subdomain: Mapped[str] = mapped_column(String(63), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[BusinessStatus] = mapped_column(
        Enum(BusinessStatus, native_enum=False, length=16, values_callable=_values),
        default=BusinessStatus.PENDING,
        index=True,
    )
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    # {"monday": [{"start": "09:00", "end": "17:00"}, ...], ...}; a missing day is closed.
    opening_hours: Mapped[dict[str, Any]] = mapped_column(JSON, default=default_opening_hours)
    # Customers may cancel up to this many hours before the start.
    cancellation_notice_hours: Mapped[int] = mapped_column(Integer, default=24)
    # Default deposit per booking, in minor units of the currency.
    deposit_amount: Mapped[int] = mapped_column(Integer, default=0)
    auto_confirm: Mapped[bool] = mapped_column(default=False)
    # How far ahead customers may book, and how long a booking waits for its deposit.
    booking_horizon_days: Mapped[int] = mapped_column(Integer, default=365, server_default="365")
    payment_window_minutes: Mapped[int] = mapped_column(Integer, default=15, server_default="15")
    # A one-person business created for a specialist who registered alone.
    is_solo: Mapped[bool] = mapped_column(default=False)
    contact_email: Mapped[str | None] = mapped_column(String(320))
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    trial_ends_at: Mapped[datetime | None] = mapped_column()
    decided_at: Mapped[datetime | None] = mapped_column()
    rejection_reason: Mapped[str | None] = mapped_column(String(500))


class Location(IdMixin, TimestampMixin, Base):
    __tablename__ = "locations"

    business_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("businesses.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(500), default="")
    timezone: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(String(20))
    is_active: Mapped[bool] = mapped_column(default=True)


membership_locations = Table(
    "membership_locations",
    Base.metadata,
    Column("membership_id", ForeignKey("memberships.id", ondelete="CASCADE"), primary_key=True),
    Column("location_id", ForeignKey("locations.id", ondelete="CASCADE"), primary_key=True),
)


class Membership(IdMixin, Base):
    """A user's role in one business; a manager or master is tied to locations."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("business_id", "user_id", "role"),)

    business_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("businesses.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[BusinessRole] = mapped_column(
        Enum(BusinessRole, native_enum=False, length=16, values_callable=_values)
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    locations: Mapped[list[Location]] = relationship(
        secondary=membership_locations, lazy="selectin"
    )
