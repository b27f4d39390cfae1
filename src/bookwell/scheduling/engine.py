"""The scheduling rules, as pure functions over instants: no database, no clock.

Everything here works on aware UTC datetimes. Wall-clock rules (weekly hours, date
overrides, recurring blocks) are turned into instants with `instant()`, which follows
RFC 5545 (3.3.5) for the two awkward cases of a DST change:

- a local time that occurs twice (clocks go back) means its first occurrence;
- a local time that does not exist (clocks go forward) is read with the offset before
  the gap, so 02:30 on the spring-forward night in New York is 03:30 EDT.

Python's zoneinfo with `fold=0` does exactly that, so the rule is one line; the
property tests in tests/scheduling pin it down over many zones and dates.

A slot is one possible start for a service. Starts step through each working
interval in wall-clock time, from its beginning every `step` (09:00, 09:45, 10:30
...), and the service must fit in the working time (intervals that touch,
09:00–13:00 and 13:00–17:00, are one). Across a DST change a start keeps its wall
time: a wall time that occurs twice gives two starts, one inside the gap moves
forward by RFC 5545's rule. The time a booking holds is the service with its buffers
around it; that held time must not overlap another booking's held time or a block.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from bookwell.kit.hours import WEEKDAYS
from bookwell.scheduling.recurrence import occurrences

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

    def intervals(self, window: Span) -> list[Interval]:
        """The master's working intervals that touch `window`, as given (wall clock)."""
        if self.week:
            return _intervals(self.zone, window, self._hours_on)
        # A master without hours of their own works the business's hours, in the
        # business's zone; a date override still replaces one of the master's days.
        business = [
            interval
            for interval in _intervals(self.business_zone, window, self._opening_on)
            if interval.span.start.astimezone(self.zone).date() not in self.overrides
        ]
        return business + _intervals(self.zone, window, lambda day: self.overrides.get(day, ()))

    def open(self, window: Span) -> list[Span]:
        """The business's opening intervals that touch `window`."""
        return [i.span for i in _intervals(self.business_zone, window, self._opening_on)]

    def _opening_on(self, day: date) -> Hours:
        return _weekly(self.opening_hours, day)

    def _hours_on(self, day: date) -> Hours:
        if day in self.overrides:
            return self.overrides[day]
        return _weekly(self.week, day)


class Slot(NamedTuple):
    """One possible start (a tuple: a month of slots is made on every request)."""

    start: datetime
    end: datetime
    reason: Reason | None

    @property
    def available(self) -> bool:
        return self.reason is None


@dataclass(frozen=True, slots=True)
class Interval:
    """One working interval of one day: its wall-clock ends (naive, in `zone`) and
    the instants they mean."""

    zone: ZoneInfo
    start_wall: datetime
    end_wall: datetime
    span: Span


def _wall(day: date, wall: str) -> datetime:
    """`day` at "HH:MM" as a naive wall-clock datetime ("24:00" = next midnight)."""
    hours, minutes = (int(part) for part in wall.split(":"))
    if hours == 24:
        day, hours = day + DAY, 0
    return datetime.combine(day, time(hours, minutes))


def _utc(wall: datetime, zone: ZoneInfo) -> datetime:
    return wall.replace(tzinfo=zone).astimezone(UTC)  # fold=0: RFC 5545


def instant(day: date, wall: str, zone: ZoneInfo) -> datetime:
    """The UTC instant of wall-clock `wall` ("HH:MM", "24:00" = next midnight) on
    `day` in `zone`, by RFC 5545's rule for repeated and missing local times."""
    return _utc(_wall(day, wall), zone)


def _instants(wall: datetime, zone: ZoneInfo) -> tuple[datetime, ...]:
    """Every instant showing `wall` in `zone`: two when clocks go back; in a gap, the
    one RFC 5545 moves it to."""
    first = _utc(wall, zone)
    second = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    # fold=1 reads a repeated time with the later offset (a later instant), and a
    # missing one with the offset after the gap (an earlier one).
    return (first, second) if second > first else (first,)


def local_day(day: date, zone: ZoneInfo) -> Span:
    """The instants of one calendar day in `zone`: 24 hours, or 23 or 25 when the
    clocks change that day (23.5 or 24.5 where they move by half an hour)."""
    return Span(instant(day, "00:00", zone), instant(day + DAY, "00:00", zone))


def _weekly(week: Week, day: date) -> Hours:
    return week.get(WEEKDAYS[day.weekday()], ())


def _intervals(zone: ZoneInfo, window: Span, hours_on: Any) -> list[Interval]:
    first = window.start.astimezone(zone).date() - DAY
    last = window.end.astimezone(zone).date() + DAY
    found: list[Interval] = []
    day = first
    while day <= last:
        for hours in hours_on(day):
            start, end = _wall(day, hours["start"]), _wall(day, hours["end"])
            span = Span(_utc(start, zone), _utc(end, zone))
            if span.start < span.end and span.overlaps(window):
                found.append(Interval(zone, start, end, span))
        day += DAY
    found.sort(key=lambda interval: interval.span)
    return found


def _merged(spans: Iterable[Span]) -> list[Span]:
    merged: list[Span] = []
    for span in sorted(spans):
        if merged and span.start <= merged[-1].end:
            if span.end > merged[-1].end:
                merged[-1] = Span(merged[-1].start, span.end)
        else:
            merged.append(span)
    return merged


class _Timeline:
    """Sorted, merged spans: "is this span inside one?" in O(log n)."""

    __slots__ = ("ends", "starts")

    def __init__(self, spans: Iterable[Span]) -> None:
        merged = _merged(spans)
        self.starts = [span.start for span in merged]
        self.ends = [span.end for span in merged]

    def contains(self, start: datetime, end: datetime) -> bool:
        """Whether [start, end) lies inside one span."""
        index = bisect.bisect_right(self.ends, start)
        return index < len(self.ends) and self.starts[index] <= start and end <= self.ends[index]

    def span_at(self, moment: datetime) -> Span | None:
        """The span holding `moment`, if any."""
        index = bisect.bisect_right(self.ends, moment)
        if index < len(self.ends) and self.starts[index] <= moment:
            return Span(self.starts[index], self.ends[index])
        return None


def _grid(interval: Interval, step: timedelta, window: Span) -> Iterator[datetime]:
    """The instants of the wall times start, start + step, ... before the interval's
    end, within `window`."""
    span = interval.span
    if span.end - span.start == interval.end_wall - interval.start_wall:
        # No clock change inside: stepping the instants steps the wall clock.
        start = span.start
        if start < window.start:
            start += -(-(window.start - start) // step) * step
        end = min(span.end, window.end)
        while start < end:
            yield start
            start += step
        return
    wall = interval.start_wall
    while wall < interval.end_wall:
        for moment in _instants(wall, interval.zone):
            if window.start <= moment < window.end:
                yield moment
        wall += step


def _starts(intervals: Sequence[Interval], rules: ServiceRules, window: Span) -> list[datetime]:
    """Every start in `window` whose service fits in the working time, in order."""
    working = _Timeline(interval.span for interval in intervals)
    duration = rules.duration
    found: list[datetime] = []
    for interval in intervals:
        # The working time this interval belongs to (touching intervals are one).
        held = working.span_at(interval.span.start)
        if held is None:
            continue
        latest = held.end - duration
        found += [
            start for start in _grid(interval, rules.step, window) if held.start <= start <= latest
        ]
    # Intervals are sorted and their grids increase, except across a DST change or
    # where intervals overlap: keep each start once, in order.
    return sorted(set(found))


def _classified(
    calendar: Calendar,
    rules: ServiceRules,
    window: Span,
    booked: Iterable[Span],
    blocked: Iterable[Span],
    now: datetime,
) -> Iterator[Slot]:
    """The slots of `window` in order of start, each with its reason (None: free).

    The hot loop of every slot request (a month is ~1,000 starts): the starts only
    increase, so each timeline is walked once by a cursor, inline."""
    padded = Span(window.start - DAY, window.end + DAY)
    opening = _Timeline(calendar.open(padded))
    taken = _Timeline(booked)
    closed = _Timeline(blocked)
    open_starts, open_ends, open_at = opening.starts, opening.ends, 0
    taken_starts, taken_ends, taken_at = taken.starts, taken.ends, 0
    closed_starts, closed_ends, closed_at = closed.starts, closed.ends, 0
    open_count, taken_count, closed_count = len(open_ends), len(taken_ends), len(closed_ends)
    earliest = now + rules.min_notice
    latest = now + calendar.horizon
    duration, before, after = rules.duration, rules.buffer_before, rules.buffer_after
    for start in _starts(calendar.intervals(padded), rules, window):
        end = start + duration
        reason: Reason | None = None
        if start < earliest:
            reason = Reason.TOO_SOON
        elif start > latest:
            reason = Reason.TOO_FAR
        else:
            # The opening interval that may hold the slot: the first ending after it starts.
            while open_at < open_count and open_ends[open_at] <= start:
                open_at += 1
            if open_at == open_count or open_starts[open_at] > start or open_ends[open_at] < end:
                reason = Reason.OUTSIDE_HOURS
            else:
                held_from, held_until = start - before, end + after
                while closed_at < closed_count and closed_ends[closed_at] <= held_from:
                    closed_at += 1
                if closed_at < closed_count and closed_starts[closed_at] < held_until:
                    reason = Reason.BLOCKED
                else:
                    while taken_at < taken_count and taken_ends[taken_at] <= held_from:
                        taken_at += 1
                    if taken_at < taken_count and taken_starts[taken_at] < held_until:
                        reason = Reason.BOOKED
        yield Slot(start, end, reason)


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
    return list(_classified(calendar, rules, window, booked, blocked, now))


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
    for slot in _classified(calendar, rules, window, booked, blocked, now):
        if slot.start == start:
            return slot.reason
    return Reason.TOO_SOON if start < now + rules.min_notice else Reason.OUTSIDE_HOURS


def fits_opening(calendar: Calendar, span: Span) -> bool:
    """Whether `span` lies inside one of the business's opening intervals (inquiries
    are booked on the business calendar, without a grid)."""
    padded = Span(span.start - DAY, span.end + DAY)
    return _Timeline(calendar.open(padded)).contains(span.start, span.end)


def expand_block(
    first: Span, zone: ZoneInfo, rule: str | None, until: datetime | None, window: Span
) -> list[Span]:
    """The occurrences of a block that overlap `window`. A recurring block repeats its
    first occurrence's wall-clock start and length in `zone` (so 14:00–16:00 stays
    14:00–16:00 local across DST), by an RFC 5545 RRULE (see recurrence.py); no
    occurrence starts at or after `until`."""
    if rule is None:
        return [first] if first.overlaps(window) else []
    start_local = first.start.astimezone(zone).replace(tzinfo=None)
    length = first.end.astimezone(zone).replace(tzinfo=None) - start_local
    # Wall times, searched a day wider than the window either side (zone offsets).
    low = window.start.astimezone(zone).replace(tzinfo=None) - length - DAY
    high = window.end.astimezone(zone).replace(tzinfo=None) + DAY
    starts, rule_until = occurrences(rule, start_local, zone, low, high)
    if rule_until is not None and (until is None or rule_until < until):
        until = rule_until
    spans = []
    for local in starts:
        span = Span(
            local.replace(tzinfo=zone).astimezone(UTC),
            (local + length).replace(tzinfo=zone).astimezone(UTC),
        )
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
    """The first bookable start in `window`, if any. Stops at the first free slot and
    skips the starts before the minimum notice."""
    earliest = max(window.start, now + rules.min_notice)
    if earliest >= window.end:
        return None
    window = Span(earliest, window.end)
    for slot in _classified(calendar, rules, window, booked, blocked, now):
        if slot.available:
            return slot.start
    return None
