"""Weekly hours: `{"monday": {"start": "09:00", "end": "17:00"}}` as in seed 001, or a
list of intervals per day for breaks. Stored as lists; a missing day is closed."""

from __future__ import annotations

import itertools
import re
from typing import Any
from zoneinfo import available_timezones

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")


def _minutes(value: str) -> int:
    hours, minutes = value.split(":")
    return int(hours) * 60 + int(minutes)


def normalize_week(raw: Any) -> dict[str, list[dict[str, str]]]:
    """Check weekly hours and return them as sorted lists of intervals per day.

    Raises ValueError with a message naming the day when something is wrong.
    """
    if not isinstance(raw, dict):
        raise ValueError("must be an object keyed by weekday (monday ... sunday)")
    week: dict[str, list[dict[str, str]]] = {}
    for day, value in raw.items():
        if day not in WEEKDAYS:
            raise ValueError(f"unknown weekday {day!r}; use monday ... sunday")
        intervals = value if isinstance(value, list) else [value]
        checked = []
        for interval in intervals:
            if not isinstance(interval, dict) or set(interval) != {"start", "end"}:
                raise ValueError(f'{day}: each interval is {{"start": "HH:MM", "end": "HH:MM"}}')
            start, end = interval["start"], interval["end"]
            if not (isinstance(start, str) and _HHMM.match(start)):
                raise ValueError(f"{day}: start {start!r} is not HH:MM")
            if not (isinstance(end, str) and _HHMM.match(end)):
                raise ValueError(f"{day}: end {end!r} is not HH:MM")
            if _minutes(start) >= _minutes(end):
                raise ValueError(f"{day}: start {start} must be before end {end}")
            checked.append({"start": start, "end": end})
        checked.sort(key=lambda i: _minutes(i["start"]))
        for earlier, later in itertools.pairwise(checked):
            if _minutes(later["start"]) < _minutes(earlier["end"]):
                raise ValueError(
                    f"{day}: {earlier['start']}–{earlier['end']} overlaps "
                    f"{later['start']}–{later['end']}"
                )
        if checked:
            week[day] = checked
    return week


def week_for_display(week: dict[str, Any]) -> dict[str, Any]:
    """Seed 001's shape: one interval as an object, several (breaks) as a list."""
    return {
        day: intervals[0] if len(intervals) == 1 else intervals
        for day, intervals in week.items()
        if intervals
    }


_ZONES = frozenset(available_timezones())


def check_timezone(name: str) -> str:
    """An IANA zone name (e.g. Europe/Moscow); ValueError otherwise."""
    if name not in _ZONES:
        raise ValueError(f"{name!r} is not an IANA time zone, e.g. Asia/Almaty")
    return name
