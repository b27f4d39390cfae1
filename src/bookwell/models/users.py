"""People who sign in: customers, specialists and super admins."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Enum, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from bookwell.models.base import Base, IdMixin, TimestampMixin


class UserType(StrEnum):
    CUSTOMER = "customer"
    SPECIALIST = "specialist"
    SUPER_ADMIN = "super_admin"


class User(IdMixin, TimestampMixin, Base):
    __tablename__ = "users"

    # Nullable: a user who signed in with Telegram alone has no email or password.
    email: Mapped[str | None] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    # When the owner of `email` proved it (a code, an invitation link, the operator).
    email_verified_at: Mapped[datetime | None] = mapped_column()
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100), default="")
    phone_number: Mapped[str | None] = mapped_column(String(20))
    user_type: Mapped[UserType] = mapped_column(
        Enum(
            UserType, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]
        ),
        default=UserType.CUSTOMER,
        index=True,
    )
    telegram_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    telegram_username: Mapped[str | None] = mapped_column(String(64))
    avatar_url: Mapped[str | None] = mapped_column(String(1024))
    avatar_key: Mapped[str | None] = mapped_column(String(512))
    language: Mapped[str] = mapped_column(String(2), default="en")
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    notify_email: Mapped[bool] = mapped_column(default=True)
    notify_push: Mapped[bool] = mapped_column(default=True)
    notify_telegram: Mapped[bool] = mapped_column(default=True)
    # Running totals kept by the loyalty ledger and the bookings service.
    loyalty_points: Mapped[int] = mapped_column(Integer, default=0)
    total_bookings: Mapped[int] = mapped_column(Integer, default=0)
    is_active: Mapped[bool] = mapped_column(default=True)
    last_login_at: Mapped[datetime | None] = mapped_column()

    @property
    def email_verified(self) -> bool:
        return self.email is not None and self.email_verified_at is not None

    @property
    def profile_complete(self) -> bool:
        return bool(self.email and self.first_name and self.last_name and self.phone_number)
