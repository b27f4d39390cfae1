"""Availability beyond the weekly hours: date overrides and blocks (one-off or recurring)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bookwell.models.base import Base, IdMixin, TimestampMixin


class AvailabilityOverride(IdMixin, TimestampMixin, Base):
    """Other hours on one local date of the master's zone; no intervals is a day off."""

    __tablename__ = "availability_overrides"
    __table_args__ = (UniqueConstraint("master_id", "day"),)

    business_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("businesses.id", ondelete="CASCADE"), index=True
    )
    master_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("masters.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    # [{"start": "HH:MM", "end": "HH:MM"}, ...] in the master's zone, sorted, disjoint.
    hours: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    reason: Mapped[str] = mapped_column(String(500), default="")


class AvailabilityBlock(IdMixin, TimestampMixin, Base):
    """Time a master cannot be booked. `starts_at`/`ends_at` are the first occurrence;
    with `rrule` (RFC 5545, expanded in `timezone` so it keeps its wall-clock time
    across DST) it repeats until `repeat_until` (None: for ever)."""

    __tablename__ = "availability_blocks"
    __table_args__ = (
        Index("ix_availability_blocks_master_id_starts_at", "master_id", "starts_at"),
    )

    business_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("businesses.id", ondelete="CASCADE"), index=True
    )
    master_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("masters.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column()
    ends_at: Mapped[datetime] = mapped_column()
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    rrule: Mapped[str | None] = mapped_column(Text)
    repeat_until: Mapped[datetime | None] = mapped_column()
    reason: Mapped[str] = mapped_column(String(500), default="")
