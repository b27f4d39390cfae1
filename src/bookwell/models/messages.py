"""Outgoing messages and one-time tokens.

Every email, SMS or Telegram message is first written to the outbox in the same
transaction as the change that causes it; a sender delivers it afterwards (offline
by default: the outbox itself is where operators and tests read it).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from bookwell.kit.clock import utcnow
from bookwell.models.base import Base, IdMixin
from bookwell.models.businesses import BusinessRole


class Channel(StrEnum):
    EMAIL = "email"
    SMS = "sms"
    TELEGRAM = "telegram"


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class OutboxMessage(IdMixin, Base):
    __tablename__ = "outbox_messages"

    business_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("businesses.id", ondelete="SET NULL"), index=True
    )
    channel: Mapped[Channel] = mapped_column(
        Enum(Channel, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e])
    )
    recipient: Mapped[str] = mapped_column(String(320), index=True)
    subject: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[DeliveryStatus] = mapped_column(
        Enum(
            DeliveryStatus,
            native_enum=False,
            length=16,
            values_callable=lambda e: [m.value for m in e],
        ),
        default=DeliveryStatus.PENDING,
        index=True,
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column()


class InvitationStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"
    # A pending invitation past `expires_at` is shown as expired; it is stored so only
    # when a new invitation to the same email and role replaces it.
    EXPIRED = "expired"


def _values(enum: type[StrEnum]) -> list[str]:
    return [member.value for member in enum]


class Invitation(IdMixin, Base):
    """An offer of a role (master or manager) in a business to whoever owns `email`.

    Nothing is linked to any account until the owner of the email accepts: signed in
    with that email verified, or through the emailed link (token, stored hashed
    only), which creates their account. What the inviter chose (locations,
    description, specialties, names for a new account) waits in `details`."""

    __tablename__ = "staff_invitations"
    __table_args__ = (
        # One pending invitation per email and role in a business (409 otherwise).
        Index(
            "uq_staff_invitations_pending",
            "business_id",
            "email",
            "role",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
    )

    business_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("businesses.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(320), index=True)
    role: Mapped[BusinessRole] = mapped_column(
        Enum(BusinessRole, native_enum=False, length=16, values_callable=_values)
    )
    status: Mapped[InvitationStatus] = mapped_column(
        Enum(InvitationStatus, native_enum=False, length=16, values_callable=_values),
        default=InvitationStatus.PENDING,
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    invited_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    responded_at: Mapped[datetime | None] = mapped_column()
