"""Money: integers in minor units in storage; major units (150, 12.5) on catalog objects."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated

from babel.numbers import get_currency_precision
from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

from bookwell.errors import ValidationFailed

# Amounts are stored in INTEGER columns (32-bit signed on PostgreSQL).
MAX_MINOR_UNITS = 2**31 - 1
# A coarse bound on input, before the currency is known; `to_minor` checks the real one.
MAX_MAJOR_UNITS = Decimal(1_000_000_000)
AMOUNT_ERROR = "INVALID_AMOUNT"


def precision(currency: str) -> int:
    """Digits after the point for the currency (USD 2, JPY 0, KWD 3)."""
    return int(get_currency_precision(currency))


def to_minor(amount: Decimal | int | float | str, currency: str) -> int:
    """Major units to minor units; refuses more decimals than the currency has and
    amounts whose minor units do not fit the 32-bit integer columns."""
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        raise ValueError("must be a number") from None
    if not value.is_finite():
        raise ValueError("must be a number")
    # Checked before scaling too, so a huge exponent never reaches scaleb.
    if abs(value) > MAX_MINOR_UNITS:
        raise ValueError("is too large")
    scaled = value.scaleb(precision(currency))
    if scaled != scaled.to_integral_value():
        raise ValueError(f"has more than {precision(currency)} decimals for {currency}")
    if abs(scaled) > MAX_MINOR_UNITS:
        raise ValueError("is too large")
    return int(scaled)


def minor_units(amount: Decimal, currency: str, field: str) -> int:
    """`to_minor` for a request field: a 400 naming the field, code INVALID_AMOUNT."""
    try:
        return to_minor(amount, currency)
    except ValueError as exc:
        raise ValidationFailed.on(field, str(exc), AMOUNT_ERROR) from None


def to_major(amount: int, currency: str) -> int | float:
    """Minor units to a JSON number in major units: 15000 USD -> 150, 1250 -> 12.5."""
    value = Decimal(amount).scaleb(-precision(currency))
    return int(value) if value == value.to_integral_value() else float(value)


def _amount_in_range(value: Decimal) -> Decimal:
    if value < 0:
        raise PydanticCustomError("invalid_amount", "must not be negative")
    if value > MAX_MAJOR_UNITS:
        raise PydanticCustomError("invalid_amount", "is too large")
    return value


# An amount in a request body, in major units of the business currency; its decimals
# and its size in minor units are checked by the service, which knows the currency.
Amount = Annotated[
    Decimal,
    Field(allow_inf_nan=False, json_schema_extra={"minimum": 0, "maximum": 1_000_000_000}),
    AfterValidator(_amount_in_range),
]
