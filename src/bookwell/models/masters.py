"""Masters: the people who deliver services (seed 001's "specialists")."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bookwell.models.base import Base, IdMixin, TimestampMixin
from bookwell.models.businesses import Location

master_locations = Table(
    "master_locations",
    Base.metadata,
    Column("master_id", ForeignKey("masters.id", ondelete="CASCADE"), primary_key=True),
    Column("location_id", ForeignKey("locations.id", ondelete="CASCADE"), primary_key=True),
)


class Master(IdMixin, TimestampMixin, Base):
    """A user working as a master in one business, with the public profile."""

    __tablename__ = "masters"
    __table_args__ = (UniqueConstraint("business_id", "user_id"),)

    business_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("businesses.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    description: Mapped[str] = mapped_column(Text, default="")
    specialties: Mapped[list[str]] = mapped_column(JSON, default=list)
    experience_years: Mapped[int] = mapped_column(Integer, default=0)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    # Same shape as Business.opening_hours.
    working_hours: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Minor units of the business currency.
    base_rate: Mapped[int] = mapped_column(Integer, default=0)
    # None means "use the business's default deposit".
    deposit_amount: Mapped[int | None] = mapped_column(Integer)
    auto_confirm: Mapped[bool | None] = mapped_column()
    # Aggregates kept by the reviews and bookings services.
    rating: Mapped[Decimal] = mapped_column(Numeric(3, 2), default=Decimal("0"))
    total_reviews: Mapped[int] = mapped_column(Integer, default=0)
    total_bookings: Mapped[int] = mapped_column(Integer, default=0)
    is_verified: Mapped[bool] = mapped_column(default=False)
    is_active: Mapped[bool] = mapped_column(default=True, index=True)
    locations: Mapped[list[Location]] = relationship(secondary=master_locations, lazy="selectin")
