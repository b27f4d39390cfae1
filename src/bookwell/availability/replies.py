"""The JSON of slot replies (AvailabilityOut, BusinessAvailabilityOut in schemas.py),
written directly.

A month of 15-minute slots is about a thousand objects. Building them as Pydantic
models (or dicts for json.dumps) and formatting each time with its zone cost more
than computing the slots, so each date of the requested zone is formatted by a
`_DayClock`: when the zone's offset holds all that day (every day but a handful a
year), an instant's wall time is the day's first wall time plus the minutes since,
from a table. Every value written is a date, a time, a UUID, an enum value or an
IANA name, so nothing needs escaping; the tests read the replies back through the
schemas.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bookwell.scheduling.engine import Reason, ServiceRules, Slot, local_day

MINUTE = timedelta(minutes=1)
_TICK = timedelta(microseconds=1)
_HHMM = [f"{minute // 60:02d}:{minute % 60:02d}" for minute in range(24 * 60)]
# A merged slot nobody is free at reports the most telling reason of its masters.
_MERGED_REASONS = (
    Reason.BOOKED,
    Reason.BLOCKED,
    Reason.OUTSIDE_HOURS,
    Reason.TOO_FAR,
    Reason.TOO_SOON,
)


def _offset_text(offset: timedelta) -> str:
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(offset) // MINUTE
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


class _DayClock:
    """ISO 8601 text, with the zone's offset, of the instants of one date."""

    __slots__ = ("base", "end", "prefix", "start", "steady", "suffix", "zone")

    def __init__(self, day: date, zone: ZoneInfo) -> None:
        span = local_day(day, zone)
        self.start, self.end, self.zone = span.start, span.end, zone
        first = span.start.astimezone(zone)
        offsets = {
            first.utcoffset(),
            (span.start + (span.end - span.start) / 2).astimezone(zone).utcoffset(),
            (span.end - _TICK).astimezone(zone).utcoffset(),
        }
        offset = first.utcoffset()
        self.steady = len(offsets) == 1 and offset is not None and not offset % MINUTE
        self.prefix = f"{day.isoformat()}T"
        self.suffix = _offset_text(offset) if offset is not None else ""
        self.base = first.hour * 60 + first.minute

    def text(self, moment: datetime) -> str:
        if self.steady and self.start <= moment < self.end:
            minutes, rest = divmod(moment - self.start, MINUTE)
            if not rest:
                return f"{self.prefix}{_HHMM[self.base + minutes]}:00{self.suffix}"
        return moment.astimezone(self.zone).isoformat()


def _state(reason: Reason | None) -> str:
    if reason is None:
        return '"available":true'
    return f'"available":false,"reason":"{reason.value}"'


def _days(
    dates: Iterable[date],
    zone: ZoneInfo,
    items: Sequence[tuple[Slot, Reason | None, str]],
    duration: timedelta,
) -> str:
    """`availableSlots`: every date with its slots (`items` in order of start)."""
    length = duration // MINUTE
    days, at = [], 0
    for day in dates:
        clock = _DayClock(day, zone)
        listed = []
        while at < len(items) and items[at][0].start < clock.end:
            slot, reason, extra = items[at]
            at += 1
            if slot.start < clock.start:
                continue
            minutes, rest = divmod(slot.start - clock.start, MINUTE)
            minutes += clock.base
            if clock.steady and not rest and minutes + length < 24 * 60:
                # Most slots: both ends on this date, where the offset holds.
                start_time, end_time = _HHMM[minutes], _HHMM[minutes + length]
                starts = f"{clock.prefix}{start_time}:00{clock.suffix}"
                ends = f"{clock.prefix}{end_time}:00{clock.suffix}"
            else:
                starts, ends = clock.text(slot.start), clock.text(slot.end)
                start_time, end_time = starts[11:16], ends[11:16]
            listed.append(
                f'{{"startTime":"{start_time}","endTime":"{end_time}",'
                f'"startsAt":"{starts}","endsAt":"{ends}",{_STATES[reason]}{extra}}}'
            )
        days.append(f'{{"date":"{day.isoformat()}","slots":[{",".join(listed)}]}}')
    return "[" + ",".join(days) + "]"


_STATES = {reason: _state(reason) for reason in (None, *Reason)}


def _envelope(available: str, zone: ZoneInfo, rest: str) -> bytes:
    return (
        f'{{"success":true,"data":{{"availableSlots":{available},'
        f'"timezone":{json.dumps(zone.key)},{rest}}}}}'
    ).encode()


def _minutes(rules: ServiceRules) -> int:
    return rules.duration // MINUTE


def master_reply(
    dates: Sequence[date],
    zone: ZoneInfo,
    found: Sequence[Slot],
    rules: ServiceRules,
    service_id: uuid.UUID | None,
) -> bytes:
    """The envelope of AvailabilityOut for one master's slots (in order of start)."""
    service = f'"{service_id}"' if service_id else "null"
    return _envelope(
        _days(dates, zone, [(slot, slot.reason, "") for slot in found], rules.duration),
        zone,
        f'"serviceId":{service},"duration":{_minutes(rules)}',
    )


@dataclass(slots=True)
class Merged:
    """One start time of several masters: who is free, and why the others are not."""

    slot: Slot
    free: list[uuid.UUID] = field(default_factory=list)
    reasons: set[Reason] = field(default_factory=set)

    @property
    def reason(self) -> Reason | None:
        if self.free:
            return None
        return next(reason for reason in _MERGED_REASONS if reason in self.reasons)


def merge(per_master: Sequence[tuple[uuid.UUID, Sequence[Slot]]]) -> list[Merged]:
    """One slot per start time of any master: free when any master is free there."""
    by_start: dict[datetime, Merged] = {}
    for master_id, found in per_master:
        for slot in found:
            merged = by_start.get(slot.start)
            if merged is None:
                merged = by_start[slot.start] = Merged(slot)
            if slot.reason is None:
                merged.free.append(master_id)
            else:
                merged.reasons.add(slot.reason)
    return [by_start[start] for start in sorted(by_start)]


def _ids(ids: Iterable[uuid.UUID]) -> str:
    return "[" + ",".join(f'"{master_id}"' for master_id in ids) + "]"


def business_reply(
    dates: Sequence[date],
    zone: ZoneInfo,
    per_master: Sequence[tuple[uuid.UUID, Sequence[Slot]]],
    rules: ServiceRules,
    service_id: uuid.UUID,
) -> bytes:
    """The envelope of BusinessAvailabilityOut: the masters' slots merged."""
    items = [
        (merged.slot, merged.reason, f',"masterIds":{_ids(merged.free)}')
        for merged in merge(per_master)
    ]
    return _envelope(
        _days(dates, zone, items, rules.duration),
        zone,
        f'"serviceId":"{service_id}","duration":{_minutes(rules)},'
        f'"masterIds":{_ids(master_id for master_id, _ in per_master)}',
    )
