"""Money: integers in minor units in storage; major units (150, 12.5) on catalog objects."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from babel.numbers import get_currency_precision


def precision(currency: str) -> int:
    """Digits after the point for the currency (USD 2, JPY 0, KWD 3)."""
    return int(get_currency_precision(currency))


def to_minor(amount: Decimal | int | float | str, currency: str) -> int:
    """Major units to minor units; refuses more decimals than the currency has."""
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        raise ValueError("must be a number") from None
    scaled = value.scaleb(precision(currency))
    if scaled != scaled.to_integral_value():
        raise ValueError(f"has more than {precision(currency)} decimals for {currency}")
    return int(scaled)


def to_major(amount: int, currency: str) -> int | float:
    """Minor units to a JSON number in major units: 15000 USD -> 150, 1250 -> 12.5."""
    value = Decimal(amount).scaleb(-precision(currency))
    return int(value) if value == value.to_integral_value() else float(value)
