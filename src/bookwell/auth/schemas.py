"""Auth request and response bodies (seed 001 shapes)."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    ConfigDict,
    EmailStr,
    Field,
    field_validator,
    model_validator,
)

from bookwell.auth.telegram import TELEGRAM_ID_MAX
from bookwell.guests.schemas import OneTimeCode
from bookwell.kit.fields import Password, PersonName, PhoneNumber, WebUrl
from bookwell.kit.hours import check_timezone
from bookwell.kit.schemas import CamelModel, RequestModel
from bookwell.models import User


class Platform(StrEnum):
    WEB = "web"
    TELEGRAM_BOT = "telegram_bot"
    TELEGRAM_MINI_APP = "telegram_mini_app"


def _optional_timezone(value: str | None) -> str | None:
    return check_timezone(value) if value is not None else None


class RegisterIn(RequestModel):
    email: EmailStr
    password: Password
    first_name: PersonName
    last_name: PersonName
    phone_number: PhoneNumber | None = None
    user_type: Literal["customer", "specialist"] = "customer"
    timezone: Annotated[
        str | None,
        Field(
            max_length=64,
            description="IANA zone of a specialist's one-person business (default UTC); "
            "not used for customers",
        ),
        AfterValidator(_optional_timezone),
    ] = None
    telegram_id: str | None = None
    platform: Platform = Platform.WEB

    @field_validator("telegram_id")
    @classmethod
    def _telegram_needs_proof(cls, value: str | None) -> str | None:
        if value is not None:
            raise ValueError(
                "a Telegram account is linked only with Telegram's signature: sign in, "
                "then POST /auth/telegram with the Login Widget or Mini App data"
            )
        return value


class LoginIn(RequestModel):
    email: EmailStr
    password: Password
    platform: Platform = Platform.WEB


_HEX_HASH = re.compile(r"^[0-9a-fA-F]{64}$")


class TelegramIn(RequestModel):
    """Either the Login Widget fields (seed 001) or a Mini App's `initData`."""

    # The signature covers the exact strings Telegram sent: never trim them.
    model_config = ConfigDict(**{**RequestModel.model_config, "str_strip_whitespace": False})

    init_data: str | None = Field(None, max_length=4096)
    telegram_id: int | None = Field(None, gt=0, le=TELEGRAM_ID_MAX)
    first_name: str | None = Field(None, max_length=256)
    last_name: str | None = Field(None, max_length=256)
    username: str | None = Field(None, max_length=64)
    photo_url: WebUrl | None = None
    auth_date: int | None = Field(None, gt=0)
    hash: str | None = None
    platform: Platform | None = None

    @model_validator(mode="after")
    def _one_shape(self) -> TelegramIn:
        if self.init_data is not None:
            return self
        missing = [
            name
            for name, value in (
                ("telegramId", self.telegram_id),
                ("firstName", self.first_name),
                ("authDate", self.auth_date),
                ("hash", self.hash),
            )
            if value is None
        ]
        if missing:
            raise ValueError(
                "give either initData (Mini App) or the Login Widget fields; missing: "
                + ", ".join(missing)
            )
        if self.hash is not None and not _HEX_HASH.match(self.hash):
            raise ValueError("hash must be 64 hexadecimal characters")
        return self

    def widget_fields(self) -> dict[str, str | int]:
        """The signed fields under Telegram's own names (what the hash covers)."""
        fields: dict[str, str | int | None] = {
            "id": self.telegram_id,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "username": self.username,
            "photo_url": self.photo_url,
            "auth_date": self.auth_date,
        }
        return {key: value for key, value in fields.items() if value is not None}


class RefreshIn(RequestModel):
    refresh_token: str = Field(min_length=1, max_length=512)


class LogoutIn(RequestModel):
    refresh_token: str | None = Field(None, max_length=512)


class UserOut(CamelModel):
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
    profile_complete: bool
    loyalty_points: int
    telegram_id: str | None
    telegram_username: str | None
    created_at: datetime

    @classmethod
    def of(cls, user: User) -> UserOut:
        return cls(
            id=user.id,
            email=user.email,
            email_verified=user.email_verified,
            first_name=user.first_name,
            last_name=user.last_name,
            phone_number=user.phone_number,
            avatar=user.avatar_url,
            user_type=user.user_type.value,
            profile_complete=user.profile_complete,
            loyalty_points=user.loyalty_points,
            telegram_id=str(user.telegram_id) if user.telegram_id is not None else None,
            telegram_username=user.telegram_username,
            created_at=user.created_at,
        )


class TokensOut(CamelModel):
    access_token: str
    refresh_token: str
    expires_in: int


class AuthOut(CamelModel):
    user: UserOut
    tokens: TokensOut


class TelegramAuthOut(AuthOut):
    is_new_user: bool


class MeOut(CamelModel):
    user: UserOut


class VerifyEmailIn(RequestModel):
    code: OneTimeCode = Field(description="The 6 digits sent to the account's email")


class EmailCodeSentOut(CamelModel):
    sent: Literal[True] = True
    expires_at: datetime = Field(description="The code stops working at this time")
