"""Recurring blocks: the part of RFC 5545's RRULE that blocks accept, and its cheap
expansion.

dateutil expands any RRULE, but it iterates from DTSTART every time and walks on
(for seconds, up to the year 9999) through rules that never occur, such as
`FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30`. So a rule is accepted only when

- it uses FREQ (DAILY, WEEKLY, MONTHLY or YEARLY), INTERVAL, COUNT or UNTIL, WKST,
  BYDAY, BYMONTHDAY (MONTHLY and YEARLY) and BYMONTH (YEARLY): no DTSTART (the
  block's start is the first occurrence), no BYSETPOS, BYHOUR... (a block repeats
  at its own time of day);
- BYDAY is all plain weekdays (MO,WE) or all numbered ones (1MO,-1FR): dateutil
  reads a mix as both at once where RFC 5545 means either;
- the block's start is its first occurrence (RFC 5545 asks DTSTART to be
  "synchronized" with the rule), checked from the rule's parts before dateutil sees
  it, so every accepted rule occurs again within a bounded number of periods;
- UNTIL moves out of the rule into the block's `repeat_until`: dateutil refuses a
  UTC UNTIL next to the naive wall-clock start the expansion uses, and a column lets
  the loading query skip finished blocks.

Expansion jumps a DAILY or WEEKLY rule without COUNT to the last whole period
before the window, so a daily block made years ago costs as little as a new one.
"""

from __future__ import annotations

import calendar as gregorian
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr

FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
MAX_COUNT = 1000
MAX_INTERVAL = 1000
_PART_ORDER = ("FREQ", "INTERVAL", "COUNT", "WKST", "BYMONTH", "BYMONTHDAY", "BYDAY")
_BYDAY = re.compile(r"^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$")
_UNTIL = re.compile(r"^(\d{8})(T(\d{6})(Z?))?$")
_SECOND = timedelta(seconds=1)


class RuleError(ValueError):
    """A rule we do not accept; the message says why, for the client."""


@dataclass(frozen=True, slots=True)
class BlockRule:
    """An accepted rule: its text without UNTIL, and UNTIL as an exclusive UTC bound
    (no occurrence starts at or after it)."""

    text: str
    until: datetime | None


def _parts(text: str) -> dict[str, str]:
    body = text.strip()
    if body.upper().startswith("RRULE:"):
        body = body[len("RRULE:") :]
    if "\n" in body or "\r" in body or "DTSTART" in body.upper():
        raise RuleError(
            "give one RRULE line without DTSTART; the block's startDateTime is the first occurrence"
        )
    parts: dict[str, str] = {}
    for item in filter(None, body.split(";")):
        key, sign, value = item.partition("=")
        key = key.strip().upper()
        if not sign or not key or not value.strip():
            raise RuleError(f"{item!r} is not NAME=VALUE")
        if key in parts:
            raise RuleError(f"{key} is given twice")
        parts[key] = value.strip().upper()
    return parts


def _integer(parts: dict[str, str], key: str, low: int, high: int) -> int | None:
    if key not in parts:
        return None
    value = parts[key]
    if not re.fullmatch(r"[+-]?\d+", value) or not low <= int(value) <= high:
        raise RuleError(f"{key} must be a whole number from {low} to {high}")
    return int(value)


def _integers(parts: dict[str, str], key: str, bound: int, *, signed: bool) -> list[int]:
    if key not in parts:
        return []
    values = []
    for item in parts[key].split(","):
        number = int(item) if re.fullmatch(r"[+-]?\d+", item) else 0
        if not 1 <= (abs(number) if signed else number) <= bound:
            also = f" (or -1 to -{bound})" if signed else ""
            raise RuleError(f"{key} takes numbers from 1 to {bound}{also}")
        values.append(number)
    return values


def _weekdays(parts: dict[str, str], frequency: str) -> list[tuple[int | None, int]]:
    """BYDAY as (ordinal or None, weekday 0=Monday)."""
    if "BYDAY" not in parts:
        return []
    days = []
    for item in parts["BYDAY"].split(","):
        found = _BYDAY.match(item)
        if found is None:
            raise RuleError(f"BYDAY item {item!r} is not a weekday such as MO or 2TU")
        ordinal = int(found.group(1)) if found.group(1) else None
        if ordinal is not None:
            if frequency in ("DAILY", "WEEKLY"):
                raise RuleError(f"BYDAY={item}: a numbered weekday needs FREQ=MONTHLY or YEARLY")
            bound = 53 if frequency == "YEARLY" and "BYMONTH" not in parts else 5
            if not 1 <= abs(ordinal) <= bound:
                raise RuleError(f"BYDAY={item}: the number must be 1 to {bound} (or negative)")
        days.append((ordinal, WEEKDAY_CODES.index(found.group(2))))
    if len({ordinal is None for ordinal, _ in days}) > 1:
        # dateutil would require both kinds at once (RFC 5545 means either).
        raise RuleError("BYDAY mixes numbered (2MO) and plain (MO) weekdays; use one kind")
    return days


def _until(value: str, zone: ZoneInfo) -> datetime:
    found = _UNTIL.match(value)
    if found is None:
        raise RuleError("UNTIL must look like 20240630, 20240630T170000 or 20240630T170000Z")
    try:
        day = datetime.strptime(found.group(1), "%Y%m%d").date()
        if found.group(2) is None:
            # A date: occurrences on that date still happen.
            midnight = datetime.combine(day + timedelta(days=1), datetime.min.time())
            return midnight.replace(tzinfo=zone).astimezone(UTC)
        moment = datetime.strptime(found.group(1) + found.group(3), "%Y%m%d%H%M%S")
        aware = moment.replace(tzinfo=UTC if found.group(4) else zone)
        # UNTIL is inclusive; the stored bound is exclusive (RRULE times are whole seconds).
        return aware.astimezone(UTC) + _SECOND
    except (ValueError, OverflowError) as error:
        raise RuleError(f"UNTIL is not a usable date or time: {value}") from error


def _nth_in(day: date, first: date, last: date) -> tuple[int, int]:
    """Which weekday of its kind `day` is between `first` and `last`: from the start
    (1, 2, ...) and from the end (-1, -2, ...)."""
    return (day - first).days // 7 + 1, -((last - day).days // 7 + 1)


def _matches(day: date, parts: dict[str, str], frequency: str) -> bool:
    """Whether a date passes the rule's BY parts (all of them; any item of each)."""
    months = _integers(parts, "BYMONTH", 12, signed=False)
    if months and day.month not in months:
        return False
    month_days = _integers(parts, "BYMONTHDAY", 31, signed=True)
    length = gregorian.monthrange(day.year, day.month)[1]
    if month_days and day.day not in month_days and day.day - length - 1 not in month_days:
        return False
    weekdays = _weekdays(parts, frequency)
    if not weekdays:
        return True
    if frequency == "YEARLY" and not months:
        first, last = date(day.year, 1, 1), date(day.year, 12, 31)
    else:
        first, last = day.replace(day=1), day.replace(day=length)
    positions = _nth_in(day, first, last)
    return any(
        weekday == day.weekday() and (ordinal is None or ordinal in positions)
        for ordinal, weekday in weekdays
    )


def parse_rule(text: str, start_local: datetime, zone: ZoneInfo) -> BlockRule:
    """Check an RRULE for a block whose first occurrence starts at `start_local`
    (wall clock in `zone`); RuleError says what is wrong."""
    parts = _parts(text)
    frequency = parts.get("FREQ")
    if frequency not in FREQUENCIES:
        raise RuleError("FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY")
    allowed = {"FREQ", "INTERVAL", "COUNT", "UNTIL", "WKST", "BYDAY"}
    if frequency in ("MONTHLY", "YEARLY"):
        allowed.add("BYMONTHDAY")
    if frequency == "YEARLY":
        allowed.add("BYMONTH")
    unknown = sorted(set(parts) - allowed)
    if unknown:
        raise RuleError(f"{', '.join(unknown)} not supported with FREQ={frequency}")
    if "COUNT" in parts and "UNTIL" in parts:
        raise RuleError("give COUNT or UNTIL, not both")
    _integer(parts, "INTERVAL", 1, MAX_INTERVAL)
    _integer(parts, "COUNT", 1, MAX_COUNT)
    if "WKST" in parts and parts["WKST"] not in WEEKDAY_CODES:
        raise RuleError("WKST must be a weekday such as MO")
    if not _matches(start_local.date(), parts, frequency):
        raise RuleError(
            f"the block's start ({start_local:%A %Y-%m-%d}) must be the rule's first "
            "occurrence; change BYDAY, BYMONTHDAY or BYMONTH, or the start"
        )
    until = _until(parts.pop("UNTIL"), zone) if "UNTIL" in parts else None
    normalized = ";".join(f"{key}={parts[key]}" for key in _PART_ORDER if key in parts)
    try:
        first = next(iter(_compiled(normalized, start_local)), None)
    except ValueError as error:
        raise RuleError(f"not a valid RRULE: {error}") from error
    if first != start_local:  # our check and dateutil disagree: refuse, never loop
        raise RuleError("the block's start must be the rule's first occurrence")
    return BlockRule(text=normalized, until=until)


@lru_cache(maxsize=4096)
def _compiled(text: str, dtstart: datetime) -> rrule:
    recurrence = rrulestr(text, dtstart=dtstart)
    assert isinstance(recurrence, rrule)
    return recurrence


@lru_cache(maxsize=4096)
def _split(text: str, zone: ZoneInfo) -> tuple[str, dict[str, str], datetime | None]:
    """A stored rule as (text without UNTIL, its parts, UNTIL as an exclusive bound)."""
    parts = _parts(text)
    until = _until(parts.pop("UNTIL"), zone) if "UNTIL" in parts else None
    return ";".join(f"{key}={value}" for key, value in parts.items()), parts, until


def occurrences(
    text: str, start_local: datetime, zone: ZoneInfo, low: datetime, high: datetime
) -> tuple[list[datetime], datetime | None]:
    """The wall-clock starts of a rule between `low` and `high` (inclusive, naive, in
    `zone`), and the rule's own UNTIL as an exclusive UTC bound."""
    body, parts, until = _split(text, zone)
    frequency = parts.get("FREQ", "")
    interval = int(parts.get("INTERVAL", "1"))
    counted = "COUNT" in parts
    found: list[datetime] = []
    for index in range((low - _EPOCH) // _BUCKET, (high - _EPOCH) // _BUCKET + 1):
        found += (
            moment
            for moment in _in_bucket(body, frequency, interval, counted, start_local, index)
            if low <= moment <= high
        )
    return found, until


# Occurrences are kept per rule and per 64 days of wall-clock time: the windows asked
# for (a month or two, moving by a day) mostly fall in buckets already expanded.
_EPOCH = datetime(2000, 1, 1)
_BUCKET = timedelta(days=64)


@lru_cache(maxsize=4096)
def _in_bucket(
    body: str, frequency: str, interval: int, counted: bool, start_local: datetime, index: int
) -> tuple[datetime, ...]:
    begin = _EPOCH + index * _BUCKET
    end = begin + _BUCKET
    dtstart = start_local
    period = {"DAILY": timedelta(days=1), "WEEKLY": timedelta(days=7)}.get(frequency)
    if period is not None and not counted and begin > start_local:
        # Whole periods of the rule keep its phase: the occurrences from the moved
        # start on are exactly the original ones from there on.
        step = period * interval
        dtstart = start_local + (begin - start_local) // step * step
    return tuple(
        moment for moment in _compiled(body, dtstart).between(begin, end, inc=True) if moment < end
    )
