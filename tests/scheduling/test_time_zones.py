"""Property tests of the time rules over many IANA zones and dates.

The reference for "which instant does this wall time mean" is a brute-force scan of
the zone (every UTC minute within 15 hours, converted to wall time), not zoneinfo's
`fold`, so a wrong reading of RFC 5545 in the engine shows up here.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bookwell.availability.replies import master_reply
from bookwell.scheduling.engine import Calendar, Span, instant, local_day, slots
from tests.scheduling.factories import every_day, rules
from tests.scheduling.strategies import WHOLE_HOUR_DST, walls, zone_and_date, zones

MINUTE = timedelta(minutes=1)
SCAN = timedelta(hours=15)

examples = settings(max_examples=150, deadline=None)


def _wall(moment: datetime, zone: ZoneInfo) -> datetime:
    return moment.astimezone(zone).replace(tzinfo=None)


def scanned_instant(local: datetime, zone: ZoneInfo) -> datetime:
    """RFC 5545's instant of the wall time `local`, by scanning UTC minutes: the first
    instant that shows it; if none does (a gap), `local` read with the offset in force
    just before the clocks jumped over it."""
    moment = (local - SCAN).replace(tzinfo=UTC)
    end = (local + SCAN).replace(tzinfo=UTC)
    previous = _wall(moment - MINUTE, zone)
    jumped_from: timedelta | None = None
    while moment <= end:
        wall = _wall(moment, zone)
        if wall == local:
            return moment
        if previous < local < wall and jumped_from is None:
            jumped_from = (moment - MINUTE).astimezone(zone).utcoffset()
        previous = wall
        moment += MINUTE
    assert jumped_from is not None, f"{local} neither shown nor skipped in {zone}"
    return (local - jumped_from).replace(tzinfo=UTC)


# --- one wall time -> one instant ----------------------------------------------------


@examples
@given(zone_and_date(), walls)
def test_instant_is_the_first_occurrence_or_moved_over_the_gap(
    where: tuple[ZoneInfo, date], wall: time
) -> None:
    zone, day = where
    expected = scanned_instant(datetime.combine(day, wall), zone)
    assert instant(day, wall.strftime("%H:%M"), zone) == expected


def test_new_york_nine_o_clock_before_and_after_the_march_change() -> None:
    zone = ZoneInfo("America/New_York")
    assert instant(date(2024, 3, 8), "09:00", zone) == datetime(2024, 3, 8, 14, tzinfo=UTC)
    assert instant(date(2024, 3, 11), "09:00", zone) == datetime(2024, 3, 11, 13, tzinfo=UTC)


def test_new_york_repeated_and_missing_times() -> None:
    zone = ZoneInfo("America/New_York")
    # 01:30 happens twice on 3 November 2024: the first (EDT, UTC-4).
    assert instant(date(2024, 11, 3), "01:30", zone) == datetime(2024, 11, 3, 5, 30, tzinfo=UTC)
    # 02:30 does not happen on 10 March 2024: read as EST, so 07:30Z = 03:30 EDT.
    moved = instant(date(2024, 3, 10), "02:30", zone)
    assert moved == datetime(2024, 3, 10, 7, 30, tzinfo=UTC)
    assert moved.astimezone(zone).strftime("%H:%M %Z") == "03:30 EDT"


# --- one date -> one day of instants ---------------------------------------------------


@examples
@given(zone_and_date())
def test_local_day_holds_exactly_the_instants_of_that_date(where: tuple[ZoneInfo, date]) -> None:
    zone, day = where
    span = local_day(day, zone)
    tick = timedelta(microseconds=1)
    assert span.start.astimezone(zone).date() == day
    assert (span.start - tick).astimezone(zone).date() < day
    assert (span.end - tick).astimezone(zone).date() == day
    assert span.end.astimezone(zone).date() > day
    assert local_day(day + timedelta(days=1), zone).start == span.end


@examples
@given(zone_and_date(WHOLE_HOUR_DST))
def test_local_day_is_23_24_or_25_hours(where: tuple[ZoneInfo, date]) -> None:
    zone, day = where
    span = local_day(day, zone)
    hours = (span.end - span.start) / timedelta(hours=1)
    assert hours in (23, 24, 25)
    # The hours the clocks skip or repeat during the day, by the offsets in force just
    # before it starts and just before it ends (a change at midnight belongs to the
    # day that begins then).
    tick = timedelta(microseconds=1)
    before, after = (
        (moment - tick).astimezone(zone).utcoffset() for moment in (span.start, span.end)
    )
    assert before is not None
    assert after is not None
    assert hours == 24 + (before - after) / timedelta(hours=1)


# --- slots keep their promised wall times ------------------------------------------------

steps = st.sampled_from([5, 10, 15, 20, 25, 30, 45, 60, 90])
durations = st.sampled_from([15, 30, 45, 60, 90, 120])


@st.composite
def working_day(draw: st.DrawFn) -> tuple[str, str]:
    start = draw(st.integers(0, 23 * 12)) * 5
    end = draw(st.integers(start // 5 + 1, 24 * 12)) * 5
    return f"{start // 60:02d}:{start % 60:02d}", f"{end // 60:02d}:{end % 60:02d}"


def _promised(day: date, hours: tuple[str, str], step: int) -> list[datetime]:
    """The wall times the hours promise on `day`: start, start + step, ... < end."""
    start = datetime.combine(day, time.fromisoformat(hours[0]))
    end = _end_of(day, hours)
    found, wall = [], start
    while wall < end:
        found.append(wall)
        wall += timedelta(minutes=step)
    return found


def _end_of(day: date, hours: tuple[str, str]) -> datetime:
    end_hour, end_minute = map(int, hours[1].split(":"))
    return datetime.combine(day, time(0)) + timedelta(hours=end_hour, minutes=end_minute)


def occurrences(wall: datetime, zone: ZoneInfo) -> list[datetime]:
    """Every instant showing `wall` (none in a gap, two when clocks go back): the wall
    time read with each offset the zone uses within 15 hours of it."""
    probe = wall.replace(tzinfo=UTC)
    offsets = {(probe + timedelta(hours=h)).astimezone(zone).utcoffset() for h in range(-15, 16)}
    found = {(wall - offset).replace(tzinfo=UTC) for offset in offsets if offset is not None}
    return sorted(moment for moment in found if _wall(moment, zone) == wall)


@examples
@given(zone_and_date(), working_day(), steps, durations)
def test_every_slot_starts_at_a_promised_wall_time(
    where: tuple[ZoneInfo, date], hours: tuple[str, str], step: int, minutes: int
) -> None:
    zone, day = where
    calendar = Calendar(
        zone=zone,
        week=every_day(hours),
        overrides={},
        business_zone=zone,
        opening_hours=every_day(("00:00", "24:00")),
    )
    duration = timedelta(minutes=minutes)
    window = local_day(day, zone)
    found = slots(
        calendar, rules(minutes, step=step), window, booked=[], blocked=[], now=window.start
    )
    starts = [slot.start for slot in found]
    assert starts == sorted(set(starts))
    assert all(slot.end - slot.start == duration for slot in found)

    promised = _promised(day, hours, step)
    for start in starts:
        wall = _wall(start, zone)
        if wall not in promised:
            # Only a promised wall time inside a gap may show another time: the
            # instant RFC 5545 moves it to.
            moved = [w for w in promised if not occurrences(w, zone)]
            assert any(scanned_instant(w, zone) == start for w in moved), (
                f"{start} shows {wall}, not a promised time"
            )

    # Each promised time that happens, each time it happens, is offered when the
    # service fits between the start of the hours and their end.
    opens = scanned_instant(promised[0], zone)
    closes = scanned_instant(_end_of(day, hours), zone)
    for wall in promised:
        for moment in occurrences(wall, zone):
            if opens <= moment and moment + duration <= closes:
                assert moment in starts, f"{wall} ({moment}) is not offered"


# --- one slot, any display zone ----------------------------------------------------------


@examples
@given(zone_and_date(), zones, zones)
def test_a_slot_is_the_same_instant_in_every_display_zone(
    where: tuple[ZoneInfo, date], first: ZoneInfo, second: ZoneInfo
) -> None:
    zone, day = where
    calendar = Calendar(
        zone=zone,
        week=every_day(("08:00", "18:00")),
        overrides={},
        business_zone=zone,
        opening_hours=every_day(("00:00", "24:00")),
    )
    service = rules(60, step=30)
    window = Span(local_day(day, zone).start, local_day(day + timedelta(days=1), zone).end)
    found = slots(calendar, service, window, booked=[], blocked=[], now=window.start)

    def shown(display: ZoneInfo) -> dict[datetime, tuple[str, str]]:
        # Every display date that any of the slots falls on.
        dates = sorted({slot.start.astimezone(display).date() for slot in found})
        assume(dates)
        every = [dates[0] + timedelta(days=n) for n in range((dates[-1] - dates[0]).days + 1)]
        body = json.loads(master_reply(every, display, found, service, None))["data"]
        listed = {}
        for entry in body["availableSlots"]:
            for item in entry["slots"]:
                starts = datetime.fromisoformat(item["startsAt"])
                assert item["startsAt"].startswith(entry["date"])
                assert item["startTime"] == starts.strftime("%H:%M")
                assert starts.utcoffset() == starts.astimezone(display).utcoffset()
                assert datetime.fromisoformat(item["endsAt"]) - starts == timedelta(hours=1)
                listed[starts.astimezone(UTC)] = (item["startTime"], entry["date"])
        return listed

    seen_first, seen_second = shown(first), shown(second)
    assert set(seen_first) == set(seen_second) == {slot.start for slot in found}
