"""Property tests of what a slot may be: never over a booking's or a block's held time,
always inside the business's opening hours when available, and marked with the
reason when it is not."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from bookwell.scheduling.engine import (
    Calendar,
    Reason,
    ServiceRules,
    Slot,
    Span,
    instant,
    local_day,
    slots,
)
from tests.scheduling.factories import WEEKDAYS, rules
from tests.scheduling.strategies import zone_and_date, zones

examples = settings(max_examples=150, deadline=None)


@st.composite
def day_hours(draw: st.DrawFn, max_intervals: int = 3) -> list[dict[str, str]]:
    """Up to `max_intervals` sorted, disjoint intervals of one day (5-minute marks)."""
    marks = sorted(set(draw(st.lists(st.integers(0, 288), min_size=0, max_size=max_intervals * 2))))
    pairs = list(zip(marks[::2], marks[1::2], strict=False))

    def hhmm(mark: int) -> str:
        return f"{mark * 5 // 60:02d}:{mark * 5 % 60:02d}"

    return [{"start": hhmm(a), "end": hhmm(b)} for a, b in pairs if a < b]


@st.composite
def weeks(draw: st.DrawFn) -> dict[str, list[dict[str, str]]]:
    week = {day: draw(day_hours()) for day in WEEKDAYS}
    return {day: intervals for day, intervals in week.items() if intervals}


@st.composite
def spans_around(draw: st.DrawFn, window: Span, max_size: int = 6) -> list[Span]:
    """Spans of 5 minutes to 6 hours starting anywhere in the window (or just before)."""
    minutes = int((window.end - window.start) / timedelta(minutes=1))
    found = []
    for _ in range(draw(st.integers(0, max_size))):
        start = window.start + timedelta(minutes=draw(st.integers(-360, minutes)))
        found.append(Span(start, start + timedelta(minutes=5 * draw(st.integers(1, 72)))))
    return found


services = st.builds(
    lambda minutes, step, before, after: rules(
        minutes, step=step, buffer_before=before, buffer_after=after
    ),
    st.sampled_from([15, 30, 45, 60, 90]),
    st.sampled_from([5, 15, 20, 30, 60]),
    st.sampled_from([0, 5, 15]),
    st.sampled_from([0, 10, 30]),
)


def held(slot: Slot, service: ServiceRules) -> Span:
    return Span(slot.start - service.buffer_before, slot.end + service.buffer_after)


ALL_DAY = {day: [{"start": "00:00", "end": "24:00"}] for day in WEEKDAYS}


@examples
@given(st.data(), zone_and_date(), weeks(), services)
def test_available_slots_never_overlap_held_time(
    data: st.DataObject,
    where: tuple[ZoneInfo, date],
    week: dict[str, list[dict[str, str]]],
    service: ServiceRules,
) -> None:
    zone, day = where
    window = local_day(day, zone)
    booked = data.draw(spans_around(window))
    blocked = data.draw(spans_around(window))
    calendar = Calendar(zone, week, {}, zone, ALL_DAY)
    found = slots(calendar, service, window, booked=booked, blocked=blocked, now=window.start)
    for slot in found:
        keeps = held(slot, service)
        over_blocks = any(keeps.overlaps(span) for span in blocked)
        over_bookings = any(keeps.overlaps(span) for span in booked)
        if over_blocks:
            assert slot.reason is Reason.BLOCKED, slot
        elif over_bookings:
            assert slot.reason is Reason.BOOKED, slot
        else:
            assert slot.available, slot


def opening_spans(
    zone: ZoneInfo, week: dict[str, list[dict[str, str]]], around: Span
) -> list[Span]:
    """The business's opening intervals near `around`, merged where they touch."""
    spans: list[Span] = []
    day = around.start.astimezone(zone).date() - timedelta(days=2)
    while day <= around.end.astimezone(zone).date() + timedelta(days=2):
        for interval in week.get(WEEKDAYS[day.weekday()], []):
            start, end = instant(day, interval["start"], zone), instant(day, interval["end"], zone)
            if start < end:
                spans.append(Span(start, end))
        day += timedelta(days=1)
    merged: list[Span] = []
    for span in sorted(spans):
        if merged and span.start <= merged[-1].end:
            merged[-1] = Span(merged[-1].start, max(merged[-1].end, span.end))
        else:
            merged.append(span)
    return merged


@examples
@given(zone_and_date(), zones, weeks(), weeks(), services)
def test_available_slots_lie_inside_the_opening_hours(
    where: tuple[ZoneInfo, date],
    business_zone: ZoneInfo,
    week: dict[str, list[dict[str, str]]],
    opening: dict[str, list[dict[str, str]]],
    service: ServiceRules,
) -> None:
    zone, day = where
    window = local_day(day, zone)
    calendar = Calendar(zone, week, {}, business_zone, opening)
    found = slots(calendar, service, window, booked=[], blocked=[], now=window.start)
    open_spans = opening_spans(business_zone, opening, window)
    for slot in found:
        inside = any(span.contains(Span(slot.start, slot.end)) for span in open_spans)
        # Nothing else stands in the way here: open means available.
        assert slot.available == inside, (slot, open_spans)
        if not inside:
            assert slot.reason is Reason.OUTSIDE_HOURS


def test_a_slot_seen_after_it_started_is_too_soon() -> None:
    zone = ZoneInfo("UTC")
    day = date(2030, 1, 7)
    calendar = Calendar(zone, {"monday": [{"start": "09:00", "end": "12:00"}]}, {}, zone, ALL_DAY)
    now = datetime.combine(day, time(10, 30), tzinfo=UTC)
    found = slots(
        calendar, rules(60, step=60), local_day(day, zone), booked=[], blocked=[], now=now
    )
    assert [(s.start.hour, s.reason) for s in found] == [
        (9, Reason.TOO_SOON),
        (10, Reason.TOO_SOON),
        (11, None),
    ]
