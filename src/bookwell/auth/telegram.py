"""Checks of Telegram's own signatures: the Login Widget and Mini App initData.

Login Widget: secret = SHA256(bot_token); the hash is HMAC-SHA256 over the received
fields sorted by name as `key=value` lines.
Mini App: secret = HMAC-SHA256(key="WebAppData", msg=bot_token); the hash is
HMAC-SHA256 over every initData field but `hash`, sorted, as `key=value` lines.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qsl

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
    ValidationError,
    field_validator,
)

from bookwell.errors import AuthenticationRequired, ErrorDetail, ValidationFailed
from bookwell.kit.fields import WebUrl
from bookwell.kit.text import refuse_control_characters

# Clocks differ a little; an auth_date further ahead than this is refused.
_FUTURE_SKEW_SECONDS = 300


# Telegram user ids fit in 52 bits today and are promised to fit in 64; the database
# keeps them as a signed 64-bit integer.
TELEGRAM_ID_MAX = 2**63 - 1


class _SignedUser(BaseModel):
    """The person in signed Telegram data. A valid signature proves who sent it, not
    that every field has the type Telegram documents, so each is checked."""

    model_config = ConfigDict(extra="ignore")

    id: StrictInt = Field(gt=0, le=TELEGRAM_ID_MAX)
    first_name: StrictStr = Field("", max_length=256)
    last_name: StrictStr | None = Field(None, max_length=256)
    username: StrictStr | None = Field(None, max_length=64)
    photo_url: WebUrl | None = None
    language_code: StrictStr | None = Field(None, max_length=35)

    _printable = field_validator("*")(refuse_control_characters)


def _signed_user(raw: object, field: str) -> _SignedUser:
    try:
        return _SignedUser.model_validate(raw)
    except ValidationError as exc:
        details = [
            ErrorDetail(
                ".".join([field, *(str(part) for part in error["loc"])]),
                str(error["msg"]).removeprefix("Value error, "),
                "INVALID",
            )
            for error in exc.errors()
        ]
        raise ValidationFailed("The signed Telegram data is not valid", details=details) from None


@dataclass(frozen=True, slots=True)
class TelegramIdentity:
    telegram_id: int
    first_name: str
    last_name: str | None
    username: str | None
    photo_url: str | None
    language_code: str | None
    auth_date: int


def _data_check_string(fields: Mapping[str, str]) -> str:
    return "\n".join(f"{key}={fields[key]}" for key in sorted(fields))


def _signature_matches(secret: bytes, fields: Mapping[str, str], received: str) -> bool:
    expected = hmac.new(secret, _data_check_string(fields).encode(), hashlib.sha256).hexdigest()
    # Bytes, not str: compare_digest raises TypeError on a non-ASCII str (a 500).
    return hmac.compare_digest(expected.encode(), received.lower().encode())


def _check_fresh(auth_date: int, *, now: datetime, max_age_seconds: int | None) -> None:
    if max_age_seconds is None:
        return
    age = now.timestamp() - auth_date
    if age > max_age_seconds:
        raise AuthenticationRequired("The Telegram authorization has expired; sign in again")
    if age < -_FUTURE_SKEW_SECONDS:
        raise AuthenticationRequired("The Telegram authorization date is in the future")


def verify_login_widget(
    fields: Mapping[str, str | int],
    received_hash: str,
    *,
    bot_token: str,
    now: datetime,
    max_age_seconds: int | None,
) -> TelegramIdentity:
    """Check a Login Widget payload given with Telegram's own field names."""
    signed = {key: str(value) for key, value in fields.items() if value is not None}
    secret = hashlib.sha256(bot_token.encode()).digest()
    if not _signature_matches(secret, signed, received_hash):
        raise AuthenticationRequired("The Telegram signature is not valid")
    auth_date = int(signed["auth_date"])
    _check_fresh(auth_date, now=now, max_age_seconds=max_age_seconds)
    # The fields were type-checked by the request schema (TelegramIn).
    return TelegramIdentity(
        telegram_id=int(signed["id"]),
        first_name=signed.get("first_name", ""),
        last_name=signed.get("last_name"),
        username=signed.get("username"),
        photo_url=signed.get("photo_url"),
        language_code=None,
        auth_date=auth_date,
    )


def verify_init_data(
    init_data: str, *, bot_token: str, now: datetime, max_age_seconds: int | None
) -> TelegramIdentity:
    """Check a Mini App `initData` query string and read the user in it."""
    pairs = parse_qsl(init_data, keep_blank_values=True, strict_parsing=False)
    fields = dict(pairs)
    if len(fields) != len(pairs):
        raise ValidationFailed.on("initData", "initData repeats a field", "INVALID")
    received_hash = fields.pop("hash", None)
    if not received_hash:
        raise AuthenticationRequired("initData carries no hash")
    secret = hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()
    if not _signature_matches(secret, fields, received_hash):
        raise AuthenticationRequired("The Telegram signature is not valid")
    try:
        auth_date = int(fields["auth_date"])
        raw_user = json.loads(fields["user"])
    except (KeyError, ValueError, TypeError):
        raise ValidationFailed.on(
            "initData", "initData lacks auth_date or a user with an id", "INVALID"
        ) from None
    _check_fresh(auth_date, now=now, max_age_seconds=max_age_seconds)
    user = _signed_user(raw_user, "initData.user")
    return TelegramIdentity(
        telegram_id=user.id,
        first_name=user.first_name,
        last_name=user.last_name,
        username=user.username,
        photo_url=user.photo_url,
        language_code=user.language_code,
        auth_date=auth_date,
    )
