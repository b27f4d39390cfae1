"""Profile bodies (seed 001 GET/PUT /users/profile)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

import pycountry
from pydantic import AfterValidator, Field, StringConstraints

from bookwell.kit.fields import Password, PersonName, PhoneNumber
from bookwell.kit.schemas import CamelModel, RequestModel
from bookwell.models import User

Language = Literal["en", "ru", "kk"]


def _iso_currency(value: str) -> str:
    code = value.upper()
    if len(code) != 3 or pycountry.currencies.get(alpha_3=code) is None:
        raise ValueError("must be an ISO 4217 currency code, e.g. USD, EUR, KZT, RUB")
    return code


Currency = Annotated[str, AfterValidator(_iso_currency)]


class NotificationFlags(CamelModel):
    email: bool
    push: bool
    telegram: bool


class Preferences(CamelModel):
    language: str
    currency: str
    notifications: NotificationFlags


class ProfileOut(CamelModel):
    id: uuid.UUID
    email: str | None
    email_verified: bool = Field(
        description="Whether the owner of `email` proved it (POST /auth/verify-email)"
    )
    first_name: str
    last_name: str
    phone_number: str | None
    avatar: str | None
    user_type: str
    loyalty_points: int
    total_bookings: int
    member_since: datetime
    telegram_id: str | None
    telegram_username: str | None
    preferences: Preferences

    @classmethod
    def of(cls, user: User) -> ProfileOut:
        return cls(
            id=user.id,
            email=user.email,
            email_verified=user.email_verified,
            first_name=user.first_name,
            last_name=user.last_name,
            phone_number=user.phone_number,
            avatar=user.avatar_url,
            user_type=user.user_type.value,
            loyalty_points=user.loyalty_points,
            total_bookings=user.total_bookings,
            member_since=user.created_at,
            telegram_id=str(user.telegram_id) if user.telegram_id is not None else None,
            telegram_username=user.telegram_username,
            preferences=Preferences(
                language=user.language,
                currency=user.currency,
                notifications=NotificationFlags(
                    email=user.notify_email, push=user.notify_push, telegram=user.notify_telegram
                ),
            ),
        )


class NotificationFlagsIn(RequestModel):
    email: bool | None = None
    push: bool | None = None
    telegram: bool | None = None


class PreferencesIn(RequestModel):
    language: Language | None = None
    currency: Currency | None = None
    notifications: NotificationFlagsIn | None = None


class ProfileIn(RequestModel):
    """Only the fields given are changed; `phoneNumber: null` clears the number."""

    first_name: PersonName | None = None
    last_name: PersonName | None = None
    phone_number: PhoneNumber | None = None
    preferences: PreferencesIn | None = None


class AvatarOut(CamelModel):
    avatar_url: str


class ChangePasswordIn(RequestModel):
    # Empty is reported as REQUIRED by the service, so no minimum length here.
    current_password: (
        Annotated[str, StringConstraints(strip_whitespace=False, max_length=1024)] | None
    ) = None
    new_password: Password
