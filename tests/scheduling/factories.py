"""Calendars and times for the pure scheduling rules: no database."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bookwell.scheduling.engine import (
    Calendar,
    Hours,
    ServiceRules,
    Slot,
    Span,
    Week,
    local_day,
    slots,
)

UTC_ZONE = ZoneInfo("UTC")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# A Monday far from any DST change in the northern hemisphere.
MONDAY = date(2030, 1, 7)


def hours(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    return [{"start": start, "end": end} for start, end in pairs]


def every_day(*pairs: tuple[str, str]) -> dict[str, list[dict[str, str]]]:
    return {day: hours(*pairs) for day in WEEKDAYS}


def calendar(
    week: Week | None = None,
    *,
    zone: str = "UTC",
    business_zone: str | None = None,
    opening: Week | None = None,
    overrides: dict[date, Hours] | None = None,
    horizon_days: int = 365,
) -> Calendar:
    """A master's calendar; by default open every day 00:00-24:00 for the business, so
    only the master's own hours shape the slots."""
    return Calendar(
        zone=ZoneInfo(zone),
        week=every_day(("09:00", "17:00")) if week is None else week,
        overrides=overrides or {},
        business_zone=ZoneInfo(business_zone or zone),
        opening_hours=every_day(("00:00", "24:00")) if opening is None else opening,
        horizon=timedelta(days=horizon_days),
    )


def rules(minutes: int = 60, **fields: Any) -> ServiceRules:
    values: dict[str, Any] = {"duration": timedelta(minutes=minutes)}
    for name in ("buffer_before", "buffer_after", "step", "min_notice"):
        if name in fields:
            values[name] = timedelta(minutes=fields.pop(name))
    assert not fields, fields
    return ServiceRules(**values)


def at(day: date, wall: str, zone: str = "UTC") -> datetime:
    """The instant of a wall time that exists exactly once."""
    hour, minute = map(int, wall.split(":"))
    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(zone)).astimezone(UTC)


def span(day: date, start: str, end: str, zone: str = "UTC") -> Span:
    return Span(at(day, start, zone), at(day, end, zone))


def day_slots(
    cal: Calendar,
    service: ServiceRules,
    day: date,
    *,
    zone: str | None = None,
    booked: list[Span] | None = None,
    blocked: list[Span] | None = None,
    now: datetime | None = None,
) -> list[Slot]:
    """The slots of one day of `zone` (default the master's), seen a day before (so
    neither too soon nor too far) unless `now` is given."""
    window = local_day(day, ZoneInfo(zone) if zone else cal.zone)
    seen = now or window.start - timedelta(days=1)
    return slots(cal, service, window, booked=booked or [], blocked=blocked or [], now=seen)


def walls(found: list[Slot], zone: str = "UTC") -> list[str]:
    """Slot starts as HH:MM in `zone`."""
    return [slot.start.astimezone(ZoneInfo(zone)).strftime("%H:%M") for slot in found]


def free(found: list[Slot], zone: str = "UTC") -> list[str]:
    return walls([slot for slot in found if slot.available], zone)


def reasons(found: list[Slot], zone: str = "UTC") -> dict[str, str | None]:
    return {
        slot.start.astimezone(ZoneInfo(zone)).strftime("%H:%M"): (
            slot.reason.value if slot.reason else None
        )
        for slot in found
    }
