"""The scheduling rules, as pure functions over instants: no database, no clock.

Everything here works on aware UTC datetimes. Wall-clock rules (weekly hours, date
overrides, recurring blocks) are turned into instants with `instant()`, which follows
RFC 5545 (3.3.5) for the two awkward cases of a DST change:

- a local time that occurs twice (clocks go back) means its first occurrence;
- a local time that does not exist (clocks go forward) is read with the offset before
  the gap, so 02:30 on the spring-forward night in New York is 03:30 EDT.

Python's zoneinfo with `fold=0` does exactly that, so the rule is one line; the
property tests in tests/scheduling pin it down over many zones and dates.

A slot is one possible start for a service: starts step through each working
interval (from its beginning, every `step`) while the service still fits before the
interval ends. The time a booking holds is the service with its buffers around it;
that held time must not overlap another booking's held time or a block.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr

from bookwell.kit.hours import WEEKDAYS

DAY = timedelta(days=1)

# Weekly hours as stored: {"monday": [{"start": "09:00", "end": "13:00"}, ...]}.
Week = Mapping[str, Sequence[Mapping[str, str]]]
Hours = Sequence[Mapping[str, str]]


class Reason(StrEnum):
    """Why a slot cannot be booked (the seed's `reason`)."""

    BOOKED = "booked"
    BLOCKED = "blocked"
    OUTSIDE_HOURS = "outside_hours"
    TOO_SOON = "too_soon"
    TOO_FAR = "too_far"


@dataclass(frozen=True, slots=True, order=True)
class Span:
    """A half-open interval of instants [start, end)."""

    start: datetime
    end: datetime

    def overlaps(self, other: Span) -> bool:
        return self.start < other.end and other.start < self.end

    def contains(self, other: Span) -> bool:
        return self.start <= other.start and other.end <= self.end


@dataclass(frozen=True, slots=True)
class ServiceRules:
    duration: timedelta
    buffer_before: timedelta = timedelta(0)
    buffer_after: timedelta = timedelta(0)
    step: timedelta = timedelta(minutes=15)
    min_notice: timedelta = timedelta(0)

    @classmethod
    def of(cls, service: Any) -> ServiceRules:
        """From a `bookwell.models.Service` (or anything with its minute fields)."""
        return cls(
            duration=timedelta(minutes=service.duration_minutes),
            buffer_before=timedelta(minutes=service.buffer_before_minutes),
            buffer_after=timedelta(minutes=service.buffer_after_minutes),
            step=timedelta(minutes=service.slot_step_minutes or 15),
            min_notice=timedelta(minutes=service.min_notice_minutes),
        )

    def held(self, start: datetime) -> Span:
        """The time a booking starting at `start` keeps off the calendar."""
        return Span(start - self.buffer_before, start + self.duration + self.buffer_after)


@dataclass(frozen=True, slots=True)
class Calendar:
    """One master's working time: weekly hours and date overrides in the master's
    zone, bounded by the business's opening hours in the business's zone."""

    zone: ZoneInfo
    week: Week
    overrides: Mapping[date, Hours]
    business_zone: ZoneInfo
    opening_hours: Week
    horizon: timedelta = timedelta(days=365)

    def working(self, window: Span) -> list[Span]:
        """The master's working intervals that touch `window`."""
        return _spans(self.zone, window, self._hours_on)

    def open(self, window: Span) -> list[Span]:
        """The business's opening intervals that touch `window`."""
        return _spans(self.business_zone, window, lambda day: _weekly(self.opening_hours, day))

    def _hours_on(self, day: date) -> Hours:
        if day in self.overrides:
            return self.overrides[day]
        # A master without hours of their own works the business's hours.
        return _weekly(self.week if self.week else self.opening_hours, day)


@dataclass(frozen=True, slots=True)
class Slot:
    start: datetime
    end: datetime
    reason: Reason | None

    @property
    def available(self) -> bool:
        return self.reason is None


def instant(day: date, wall: str, zone: ZoneInfo) -> datetime:
    """The UTC instant of wall-clock `wall` ("HH:MM", "24:00" = next midnight) on
    `day` in `zone`, by RFC 5545's rule for repeated and missing local times."""
    hours, minutes = (int(part) for part in wall.split(":"))
    if hours == 24:
        day, hours = day + DAY, 0
    local = datetime.combine(day, time(hours, minutes), tzinfo=zone)  # fold=0
    return local.astimezone(UTC)


def local_day(day: date, zone: ZoneInfo) -> Span:
    """The instants of one calendar day in `zone` (23 or 25 hours across DST)."""
    return Span(instant(day, "00:00", zone), instant(day + DAY, "00:00", zone))


def _weekly(week: Week, day: date) -> Hours:
    return week.get(WEEKDAYS[day.weekday()], ())


def _spans(zone: ZoneInfo, window: Span, hours_on: Any) -> list[Span]:
    first = window.start.astimezone(zone).date() - DAY
    last = window.end.astimezone(zone).date() + DAY
    spans: list[Span] = []
    day = first
    while day <= last:
        for interval in hours_on(day):
            span = Span(instant(day, interval["start"], zone), instant(day, interval["end"], zone))
            if span.start < span.end and span.overlaps(window):
                spans.append(span)
        day += DAY
    spans.sort()
    return spans


class _Timeline:
    """Sorted, merged spans: "does this span overlap any?" and "is it inside one?",
    each in O(log n)."""

    def __init__(self, spans: Iterable[Span]) -> None:
        merged: list[Span] = []
        for span in sorted(spans):
            if merged and span.start <= merged[-1].end:
                if span.end > merged[-1].end:
                    merged[-1] = Span(merged[-1].start, span.end)
            else:
                merged.append(span)
        self._spans = merged
        self._ends = [span.end for span in merged]

    def _first_ending_after(self, moment: datetime) -> Span | None:
        index = bisect.bisect_right(self._ends, moment)
        return self._spans[index] if index < len(self._spans) else None

    def overlaps(self, span: Span) -> bool:
        candidate = self._first_ending_after(span.start)
        return candidate is not None and candidate.start < span.end

    def contains(self, span: Span) -> bool:
        candidate = self._first_ending_after(span.start)
        return candidate is not None and candidate.contains(span)


def _starts(working: Sequence[Span], rules: ServiceRules, window: Span) -> Iterator[datetime]:
    for span in working:
        start = span.start
        if start < window.start:
            # Keep the interval's grid: the first step at or after the window start.
            steps = -(-(window.start - start) // rules.step)
            start += steps * rules.step
        while start + rules.duration <= span.end and start < window.end:
            yield start
            start += rules.step


def slots(
    calendar: Calendar,
    rules: ServiceRules,
    window: Span,
    *,
    booked: Iterable[Span],
    blocked: Iterable[Span],
    now: datetime,
) -> list[Slot]:
    """Every possible start in `window` (by the master's hours), each available or
    with the reason it is not. `booked` are the held spans of active bookings."""
    padded = Span(window.start - DAY, window.end + DAY)
    opening = _Timeline(calendar.open(padded))
    booked_spans = _Timeline(booked)
    blocked_spans = _Timeline(blocked)
    earliest = now + rules.min_notice
    latest = now + calendar.horizon
    result: list[Slot] = []
    seen: set[datetime] = set()
    for start in _starts(calendar.working(padded), rules, window):
        if start in seen:  # overlapping override intervals cannot repeat a start
            continue
        seen.add(start)
        end = start + rules.duration
        held = rules.held(start)
        reason: Reason | None = None
        if start < earliest:
            reason = Reason.TOO_SOON
        elif start > latest:
            reason = Reason.TOO_FAR
        elif not opening.contains(Span(start, end)):
            reason = Reason.OUTSIDE_HOURS
        elif blocked_spans.overlaps(held):
            reason = Reason.BLOCKED
        elif booked_spans.overlaps(held):
            reason = Reason.BOOKED
        result.append(Slot(start, end, reason))
    result.sort(key=lambda slot: slot.start)
    return result


def check(
    calendar: Calendar,
    rules: ServiceRules,
    start: datetime,
    *,
    booked: Iterable[Span],
    blocked: Iterable[Span],
    now: datetime,
) -> Reason | None:
    """None when a booking may start at `start`; else why not. A start between two
    slots of the grid is outside the hours."""
    window = Span(start, start + timedelta(microseconds=1))
    for slot in slots(calendar, rules, window, booked=booked, blocked=blocked, now=now):
        if slot.start == start:
            return slot.reason
    return Reason.TOO_SOON if start < now + rules.min_notice else Reason.OUTSIDE_HOURS


def fits_opening(calendar: Calendar, span: Span) -> bool:
    """Whether `span` lies inside one of the business's opening intervals (inquiries
    are booked on the business calendar, without a grid)."""
    padded = Span(span.start - DAY, span.end + DAY)
    return _Timeline(calendar.open(padded)).contains(span)


def expand_block(
    first: Span, zone: ZoneInfo, rule: str | None, until: datetime | None, window: Span
) -> list[Span]:
    """The occurrences of a block that overlap `window`. A recurring block repeats its
    first occurrence's wall-clock start and length in `zone` (so 14:00–16:00 stays
    14:00–16:00 local across DST), by an RFC 5545 RRULE."""
    if rule is None:
        return [first] if first.overlaps(window) else []
    start_local = first.start.astimezone(zone).replace(tzinfo=None)
    length = first.end.astimezone(zone).replace(tzinfo=None) - start_local
    recurrence = rrulestr(rule, dtstart=start_local)
    # Wall times, searched a day wider than the window either side (zone offsets).
    low = window.start.astimezone(zone).replace(tzinfo=None) - length - DAY
    high = window.end.astimezone(zone).replace(tzinfo=None) + DAY
    spans = []
    for local in recurrence.between(low, high, inc=True):
        start = local.replace(tzinfo=zone).astimezone(UTC)
        end = (local + length).replace(tzinfo=zone).astimezone(UTC)
        span = Span(start, end)
        if span.overlaps(window) and (until is None or span.start < until):
            spans.append(span)
    return spans


def next_available(
    calendar: Calendar,
    rules: ServiceRules,
    window: Span,
    *,
    booked: Iterable[Span],
    blocked: Iterable[Span],
    now: datetime,
) -> datetime | None:
    """The first bookable start in `window`, if any."""
    for slot in slots(calendar, rules, window, booked=booked, blocked=blocked, now=now):
        if slot.available:
            return slot.start
    return None
