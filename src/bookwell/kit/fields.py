"""Field types with clear validation messages, shared by the domains' schemas."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, AwareDatetime, Field, StringConstraints

_E164 = re.compile(r"^\+[1-9]\d{6,14}$")

# Every date and time the API accepts lies in these years: far enough for any booking
# or report, near enough that adding a duration, a buffer or an offset never leaves
# the range of Python's datetime (year 1 to 9999).
MIN_YEAR, MAX_YEAR = 1970, 2999


def _phone(value: str) -> str:
    compact = re.sub(r"[\s\-().]", "", value)
    if not _E164.match(compact):
        raise ValueError("must be an international phone number, e.g. +14155550123")
    return compact


def within_years(value: date) -> date:
    """The validator behind Instant and Day (a datetime is a date too)."""
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValueError(f"must be between the years {MIN_YEAR} and {MAX_YEAR}")
    return value


def _in_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def _web_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ValueError("must be an http(s) URL")
    return value


PhoneNumber = Annotated[str, AfterValidator(_phone)]
# Passwords are taken exactly as typed: spaces at either end are part of them.
Password = Annotated[str, StringConstraints(strip_whitespace=False, min_length=1, max_length=1024)]
PersonName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
WebUrl = Annotated[str, StringConstraints(max_length=1024), AfterValidator(_web_url)]

# The only types for a point in time or a calendar date in a request (body, query or
# path); tests/test_request_types.py fails on any other.
Instant = Annotated[
    AwareDatetime,
    AfterValidator(within_years),
    AfterValidator(_in_utc),
    Field(description="ISO 8601 with an offset or Z, e.g. 2027-03-15T10:00:00Z"),
]
Day = Annotated[date, AfterValidator(within_years)]
