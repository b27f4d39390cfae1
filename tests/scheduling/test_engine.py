"""The scheduling rules by example: hours with breaks, buffers, notice, horizon,
overrides, business hours, blocks and the grid."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bookwell.scheduling.engine import (
    Reason,
    Span,
    check,
    expand_block,
    local_day,
    next_available,
)
from tests.scheduling.factories import (
    MONDAY,
    at,
    calendar,
    day_slots,
    hours,
    reasons,
    rules,
    span,
    walls,
)

TUESDAY = MONDAY + timedelta(days=1)
SATURDAY = MONDAY + timedelta(days=5)


# --- working hours -------------------------------------------------------------------


def test_a_break_splits_the_day_and_no_slot_crosses_it() -> None:
    cal = calendar({"monday": hours(("09:00", "12:00"), ("13:00", "17:00"))})
    found = day_slots(cal, rules(60, step=30), MONDAY)
    assert walls(found) == [
        "09:00", "09:30", "10:00", "10:30", "11:00",
        "13:00", "13:30", "14:00", "14:30", "15:00", "15:30", "16:00",
    ]  # fmt: skip
    assert all(slot.available for slot in found)
    assert all(slot.end - slot.start == timedelta(minutes=60) for slot in found)


def test_intervals_that_touch_are_one_working_time() -> None:
    cal = calendar({"monday": hours(("09:00", "13:00"), ("13:00", "15:00"))})
    found = walls(day_slots(cal, rules(60, step=30), MONDAY))
    assert "12:30" in found  # 12:30-13:30 runs on into the second interval
    assert found[-1] == "14:00"


def test_a_day_without_hours_has_no_slots() -> None:
    cal = calendar({"monday": hours(("09:00", "17:00"))})
    assert day_slots(cal, rules(), TUESDAY) == []


def test_a_service_longer_than_the_interval_has_no_slot() -> None:
    cal = calendar({"monday": hours(("09:00", "10:00"))})
    assert day_slots(cal, rules(90), MONDAY) == []
    assert walls(day_slots(cal, rules(60), MONDAY)) == ["09:00"]


def test_hours_to_midnight_and_from_midnight_run_on_overnight() -> None:
    cal = calendar(
        {"monday": hours(("20:00", "24:00")), "tuesday": hours(("00:00", "02:00"))},
    )
    window = Span(at(MONDAY, "20:00"), at(TUESDAY, "02:00"))
    service = rules(120, step=60)
    found = day_slots(cal, service, MONDAY) + day_slots(cal, service, TUESDAY)
    assert [slot.start for slot in found] == [
        at(MONDAY, "20:00"),
        at(MONDAY, "21:00"),
        at(MONDAY, "22:00"),
        at(MONDAY, "23:00"),
        at(TUESDAY, "00:00"),
    ]
    assert found[-1].end == window.end


# --- the grid ------------------------------------------------------------------------


def test_starts_step_from_the_beginning_of_each_interval() -> None:
    cal = calendar({"monday": hours(("09:10", "10:30"), ("14:05", "15:00"))})
    assert walls(day_slots(cal, rules(30, step=20), MONDAY)) == [
        "09:10", "09:30", "09:50",
        "14:05", "14:25",
    ]  # fmt: skip


def test_a_window_starting_inside_an_interval_keeps_its_grid() -> None:
    cal = calendar({"monday": hours(("09:10", "12:00"))})
    window = Span(at(MONDAY, "09:30"), at(MONDAY, "10:30"))
    found = next_available(
        cal, rules(30, step=15), window, booked=[], blocked=[], now=at(MONDAY, "00:00")
    )
    assert found == at(MONDAY, "09:40")


def test_check_refuses_a_start_between_grid_points() -> None:
    cal = calendar({"monday": hours(("09:00", "17:00"))})
    service = rules(60, step=30)
    now = at(MONDAY, "00:00")
    assert check(cal, service, at(MONDAY, "10:30"), booked=[], blocked=[], now=now) is None
    assert (
        check(cal, service, at(MONDAY, "10:15"), booked=[], blocked=[], now=now)
        is Reason.OUTSIDE_HOURS
    )
    assert (
        check(cal, service, at(MONDAY, "16:30"), booked=[], blocked=[], now=now)
        is Reason.OUTSIDE_HOURS
    )


# --- buffers, notice, horizon ---------------------------------------------------------


def test_buffers_keep_a_gap_around_other_bookings() -> None:
    cal = calendar({"monday": hours(("09:00", "17:00"))})
    service = rules(60, step=15, buffer_before=10, buffer_after=15)
    booked = [span(MONDAY, "12:00", "13:00")]
    found = reasons(day_slots(cal, service, MONDAY, booked=booked))
    # Held 10:35-12:00 touches the booking: free; held 10:50-12:15 overlaps it.
    assert found["10:45"] is None
    assert found["11:00"] == "booked"
    assert found["13:00"] == "booked"  # held from 12:50
    assert found["13:15"] is None  # held from 13:05
    # Buffers may reach outside the working hours; the service itself may not.
    assert found["09:00"] is None
    assert "16:15" not in found


def test_min_notice_makes_early_slots_too_soon() -> None:
    cal = calendar({"monday": hours(("09:00", "17:00"))})
    now = at(MONDAY, "09:10")
    found = reasons(day_slots(cal, rules(60, step=15, min_notice=120), MONDAY, now=now))
    assert found["09:00"] == "too_soon"  # already past
    assert found["11:00"] == "too_soon"  # 110 minutes away
    assert found["11:15"] is None  # 125 minutes away


def test_slots_past_the_horizon_are_too_far() -> None:
    cal = calendar({"monday": hours(("09:00", "17:00"))}, horizon_days=7)
    now = at(MONDAY - timedelta(days=7), "10:00")
    found = reasons(day_slots(cal, rules(60, step=60), MONDAY, now=now))
    assert found["09:00"] is None
    assert found["10:00"] is None  # exactly 7 days ahead
    assert found["11:00"] == "too_far"


def test_reasons_come_in_order_too_soon_before_blocked_before_booked() -> None:
    cal = calendar({"monday": hours(("09:00", "17:00"))})
    both = [span(MONDAY, "09:00", "12:00")]
    found = reasons(
        day_slots(
            cal, rules(60, step=60), MONDAY, booked=both, blocked=both, now=at(MONDAY, "09:30")
        )
    )
    assert found["09:00"] == "too_soon"
    assert found["10:00"] == "blocked"
    assert found["12:00"] is None


# --- date overrides -------------------------------------------------------------------


def test_an_override_replaces_the_hours_of_that_date_only() -> None:
    week = {"monday": hours(("09:00", "17:00")), "tuesday": hours(("09:00", "17:00"))}
    cal = calendar(week, overrides={MONDAY: hours(("10:00", "12:00"))})
    assert walls(day_slots(cal, rules(60, step=30), MONDAY)) == ["10:00", "10:30", "11:00"]
    assert walls(day_slots(cal, rules(60, step=60), TUESDAY))[0] == "09:00"


def test_an_override_without_hours_is_a_day_off() -> None:
    cal = calendar({"monday": hours(("09:00", "17:00"))}, overrides={MONDAY: []})
    assert day_slots(cal, rules(), MONDAY) == []


def test_an_override_opens_a_day_off_within_business_hours() -> None:
    cal = calendar(
        {"monday": hours(("09:00", "17:00"))},
        opening={"saturday": hours(("10:00", "14:00"))},
        overrides={SATURDAY: hours(("09:00", "13:00"))},
    )
    assert reasons(day_slots(cal, rules(60, step=60), SATURDAY)) == {
        "09:00": "outside_hours",
        "10:00": None,
        "11:00": None,
        "12:00": None,
    }


# --- business hours -------------------------------------------------------------------


def test_business_hours_bound_the_master_hours() -> None:
    cal = calendar(
        {"monday": hours(("08:00", "20:00"))}, opening={"monday": hours(("09:00", "17:00"))}
    )
    found = reasons(day_slots(cal, rules(60, step=30), MONDAY))
    assert found["08:00"] == "outside_hours"
    assert found["08:30"] == "outside_hours"
    assert found["09:00"] is None
    assert found["16:00"] is None
    assert found["16:30"] == "outside_hours"  # would end at 17:30
    assert found["19:00"] == "outside_hours"


def test_business_hours_apply_in_the_business_zone() -> None:
    # Master in London 09:00-17:00, business in Berlin (an hour ahead) open 09:00-17:00.
    cal = calendar(
        {"monday": hours(("09:00", "17:00"))},
        zone="Europe/London",
        business_zone="Europe/Berlin",
        opening={"monday": hours(("09:00", "17:00"))},
    )
    found = reasons(day_slots(cal, rules(60, step=60), MONDAY), "Europe/London")
    assert found["09:00"] is None
    assert found["15:00"] is None  # 16:00-17:00 in Berlin
    assert found["16:00"] == "outside_hours"  # 17:00-18:00 in Berlin


def test_a_master_without_own_hours_works_the_business_hours_in_its_zone() -> None:
    # The master's zone is UTC, the business's Asia/Almaty (UTC+5, no DST).
    cal = calendar(
        {},
        zone="UTC",
        business_zone="Asia/Almaty",
        opening={"monday": hours(("09:00", "12:00"))},
    )
    found = day_slots(cal, rules(60, step=60), MONDAY, zone="Asia/Almaty")
    assert walls(found, "Asia/Almaty") == ["09:00", "10:00", "11:00"]
    assert all(slot.available for slot in found)


def test_a_master_without_own_hours_still_takes_a_day_off() -> None:
    cal = calendar({}, opening={"monday": hours(("09:00", "12:00"))}, overrides={MONDAY: []})
    assert day_slots(cal, rules(), MONDAY) == []


# --- blocks ----------------------------------------------------------------------------


def test_a_one_off_block_blocks_the_slots_it_overlaps() -> None:
    cal = calendar({"monday": hours(("09:00", "13:00"))})
    blocked = expand_block(
        span(MONDAY, "10:30", "11:00"), ZoneInfo("UTC"), None, None, local_day(MONDAY, cal.zone)
    )
    found = reasons(day_slots(cal, rules(60, step=30), MONDAY, blocked=blocked))
    assert found == {
        "09:00": None,
        "09:30": None,  # ends as the block starts
        "10:00": "blocked",
        "10:30": "blocked",
        "11:00": None,
        "11:30": None,
        "12:00": None,
    }


def _mondays(count: int) -> list[date]:
    return [MONDAY + timedelta(weeks=n) for n in range(count)]


def _expanded(rule: str, until: datetime | None = None, zone: str = "UTC") -> list[Span]:
    first = span(MONDAY, "12:00", "13:00", zone)
    window = Span(at(MONDAY, "00:00"), at(MONDAY + timedelta(weeks=6), "00:00"))
    return expand_block(first, ZoneInfo(zone), rule, until, window)


def test_a_weekly_block_with_count_stops_after_that_many() -> None:
    assert _expanded("FREQ=WEEKLY;COUNT=3") == [span(day, "12:00", "13:00") for day in _mondays(3)]


def test_a_block_with_until_includes_the_until_date() -> None:
    until_third = (MONDAY + timedelta(weeks=2)).strftime("%Y%m%d")
    assert _expanded(f"FREQ=WEEKLY;UNTIL={until_third}") == [
        span(day, "12:00", "13:00") for day in _mondays(3)
    ]
    # A UTC UNTIL is inclusive to the second.
    exact = at(MONDAY + timedelta(weeks=1), "12:00").strftime("%Y%m%dT%H%M%SZ")
    assert _expanded(f"FREQ=WEEKLY;UNTIL={exact}") == [
        span(day, "12:00", "13:00") for day in _mondays(2)
    ]


def test_repeat_until_cuts_a_rule_short() -> None:
    until = at(MONDAY + timedelta(weeks=1), "12:00")
    assert _expanded("FREQ=DAILY;BYDAY=MO", until=until) == [span(MONDAY, "12:00", "13:00")]


def test_a_daily_block_on_weekdays_skips_the_weekend() -> None:
    found = _expanded("FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR")
    assert len(found) == 30
    assert {s.start.weekday() for s in found} == {0, 1, 2, 3, 4}


def test_a_recurring_block_keeps_its_wall_time_across_dst() -> None:
    # Made on a Monday in February in New York: 12:00 EST = 17:00Z.
    first = Span(datetime(2024, 2, 26, 17, tzinfo=UTC), datetime(2024, 2, 26, 18, tzinfo=UTC))
    zone = ZoneInfo("America/New_York")
    window = Span(datetime(2024, 3, 4, tzinfo=UTC), datetime(2024, 3, 19, tzinfo=UTC))
    found = expand_block(first, zone, "FREQ=WEEKLY", None, window)
    assert [s.start for s in found] == [
        datetime(2024, 3, 4, 17, tzinfo=UTC),  # EST
        datetime(2024, 3, 11, 16, tzinfo=UTC),  # EDT: still 12:00 local
        datetime(2024, 3, 18, 16, tzinfo=UTC),
    ]
    assert all(s.start.astimezone(zone).hour == 12 for s in found)


def test_a_recurring_block_blocks_slots_every_week() -> None:
    cal = calendar({"monday": hours(("09:00", "17:00"))})
    for day in _mondays(3):
        blocked = _expanded("FREQ=WEEKLY")
        found = reasons(day_slots(cal, rules(60, step=60), day, blocked=blocked))
        assert found["11:00"] is None
        assert found["12:00"] == "blocked"
        assert found["13:00"] is None


# --- next available --------------------------------------------------------------------


def test_next_available_skips_booked_and_too_soon_slots() -> None:
    cal = calendar({"monday": hours(("09:00", "12:00")), "tuesday": hours(("09:00", "12:00"))})
    service = rules(60, step=60, min_notice=60)
    window = Span(at(MONDAY, "00:00"), at(MONDAY + timedelta(days=7), "00:00"))
    now = at(MONDAY, "08:30")
    booked = [span(MONDAY, "10:00", "12:00")]
    # 09:00 is 30 minutes away (too soon); 10:00 and 11:00 are booked.
    found = next_available(cal, service, window, booked=booked, blocked=[], now=now)
    assert found == at(TUESDAY, "09:00")
    full = [span(MONDAY, "09:00", "12:00"), span(TUESDAY, "09:00", "12:00")]
    assert next_available(cal, service, window, booked=full, blocked=[], now=now) is None
