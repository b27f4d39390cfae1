"""Hypothesis strategies for the time rules: IANA zones, and dates on which their
clocks change as often as ordinary ones."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from hypothesis import strategies as st

ZONES = sorted(available_timezones())
# Zones whose clocks change by whole hours (some at midnight: Santiago, Havana, Beirut).
WHOLE_HOUR_DST = (
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "America/Santiago",
    "America/Havana",
    "America/Sao_Paulo",
    "Asia/Beirut",
    "Asia/Tehran",
    "Africa/Cairo",
    "Europe/Berlin",
    "Europe/London",
    "Europe/Chisinau",
    "Australia/Sydney",
    "Pacific/Auckland",
)


@lru_cache(maxsize=4096)
def changes_in(zone: ZoneInfo, year: int) -> tuple[date, ...]:
    """The local dates of `year` on which the zone's UTC offset changes."""
    found = []
    day = date(year, 1, 1)
    while day.year == year:
        noon = datetime.combine(day, time(12), tzinfo=zone)
        before = datetime.combine(day - timedelta(days=1), time(12), tzinfo=zone)
        if noon.utcoffset() != before.utcoffset():
            found.append(day)
        day += timedelta(days=1)
    return tuple(found)


zones = st.sampled_from(ZONES).map(ZoneInfo)
ordinary_dates = st.dates(date(2000, 1, 1), date(2037, 12, 31))
walls = st.times().map(lambda t: t.replace(second=0, microsecond=0))


@st.composite
def zone_and_date(draw: st.DrawFn, names: tuple[str, ...] | None = None) -> tuple[ZoneInfo, date]:
    """A zone and a date, half the time a date its clocks change (or the day after)."""
    zone = ZoneInfo(draw(st.sampled_from(names))) if names else draw(zones)
    if draw(st.booleans()):
        year = draw(st.integers(2000, 2037))
        changes = changes_in(zone, year)
        if changes:
            return zone, draw(st.sampled_from(changes)) - timedelta(days=draw(st.integers(0, 1)))
    return zone, draw(ordinary_dates)
