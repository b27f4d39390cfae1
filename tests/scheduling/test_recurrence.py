"""Recurring blocks: which RRULEs are accepted, what UNTIL becomes, and that the fast
expansion finds exactly what dateutil finds from the first occurrence on."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr
from hypothesis import given, settings
from hypothesis import strategies as st

from bookwell.scheduling.recurrence import (
    WEEKDAY_CODES,
    RuleError,
    occurrences,
    parse_rule,
)

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY_TEN = datetime(2024, 3, 4, 10, 0)  # a Monday, wall clock


def test_a_plain_weekly_rule_is_kept_in_a_canonical_form() -> None:
    rule = parse_rule("rrule:byday=mo;freq=weekly;interval=2", MONDAY_TEN, BERLIN)
    assert rule.text == "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO"
    assert rule.until is None


@pytest.mark.parametrize(
    ("until", "expected"),
    [
        # A date: that whole day (Berlin midnight after it, CEST from 31 March).
        ("20240401", datetime(2024, 4, 1, 22, 0, tzinfo=UTC)),
        # A local time: inclusive, so the bound is a second later.
        ("20240401T100000", datetime(2024, 4, 1, 8, 0, 1, tzinfo=UTC)),
        ("20240401T080000Z", datetime(2024, 4, 1, 8, 0, 1, tzinfo=UTC)),
    ],
)
def test_until_becomes_an_exclusive_bound(until: str, expected: datetime) -> None:
    rule = parse_rule(f"FREQ=WEEKLY;UNTIL={until}", MONDAY_TEN, BERLIN)
    assert rule.text == "FREQ=WEEKLY"
    assert rule.until == expected


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("DTSTART:20240304T100000\nRRULE:FREQ=WEEKLY", "DTSTART"),
        ("FREQ=WEEKLY;DTSTART=20240304", "DTSTART"),
        ("FREQ=HOURLY", "FREQ must be"),
        ("FREQ=MINUTELY", "FREQ must be"),
        ("INTERVAL=2", "FREQ must be"),
        ("FREQ=WEEKLY;BYSETPOS=1", "BYSETPOS"),
        ("FREQ=WEEKLY;BYHOUR=9", "BYHOUR"),
        ("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30", "BYMONTH"),
        ("FREQ=WEEKLY;COUNT=3;UNTIL=20240601", "not both"),
        ("FREQ=WEEKLY;COUNT=0", "COUNT"),
        ("FREQ=WEEKLY;COUNT=100000", "COUNT"),
        ("FREQ=WEEKLY;INTERVAL=x", "INTERVAL"),
        ("FREQ=WEEKLY;BYDAY=TU", "first occurrence"),
        ("FREQ=WEEKLY;BYDAY=1MO", "MONTHLY or YEARLY"),
        ("FREQ=MONTHLY;BYDAY=2MO", "first occurrence"),  # 4 March is the first Monday
        ("FREQ=MONTHLY;BYMONTHDAY=5", "first occurrence"),
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "first occurrence"),  # never happens
        ("FREQ=WEEKLY;UNTIL=2024-06-01", "UNTIL must look like"),
        ("FREQ=WEEKLY;UNTIL=20240231", "UNTIL is not"),
        ("FREQ=WEEKLY;FREQ=DAILY", "twice"),
        ("FREQ=WEEKLY;WKST=XX", "WKST"),
        ("FREQ=WEEKLY;BYDAY=MO,FUNDAY", "BYDAY"),
    ],
)
def test_rules_we_do_not_accept_say_why(text: str, words: str) -> None:
    with pytest.raises(RuleError, match=words):
        parse_rule(text, MONDAY_TEN, BERLIN)


@pytest.mark.parametrize(
    "text",
    [
        "FREQ=DAILY",
        "FREQ=DAILY;INTERVAL=3;COUNT=10",
        "FREQ=WEEKLY;BYDAY=MO,WE,FR",
        "FREQ=MONTHLY;BYDAY=1MO",  # the first Monday of each month
        "FREQ=MONTHLY;BYDAY=-4MO",  # 4 March 2024 is also the fourth-last Monday
        "FREQ=MONTHLY;BYMONTHDAY=4",
        "FREQ=MONTHLY;BYMONTHDAY=-28",  # 4 March = 28th day from the end
        "FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=4",
        "FREQ=YEARLY;BYMONTH=3;BYDAY=1MO",
        "FREQ=YEARLY;BYDAY=10MO",  # the tenth Monday of 2024
    ],
)
def test_rules_whose_first_occurrence_is_the_start_are_accepted(text: str) -> None:
    rule = parse_rule(text, MONDAY_TEN, BERLIN)
    first = next(iter(rrulestr(rule.text, dtstart=MONDAY_TEN)))
    assert first == MONDAY_TEN


# --- any rule: refused at once, or its first occurrence is the start ------------------

_ORDINALS = st.one_of(st.none(), st.integers(-5, 5).filter(bool))


@st.composite
def rule_texts(draw: st.DrawFn) -> str:
    frequency = draw(st.sampled_from(["DAILY", "WEEKLY", "MONTHLY", "YEARLY"]))
    parts = [f"FREQ={frequency}"]
    if draw(st.booleans()):
        parts.append(f"INTERVAL={draw(st.integers(1, 12))}")
    if draw(st.booleans()):
        days = draw(st.lists(st.sampled_from(WEEKDAY_CODES), min_size=1, max_size=3, unique=True))
        numbered = [f"{draw(_ORDINALS) or ''}{day}" for day in days]
        parts.append("BYDAY=" + ",".join(numbered))
    if draw(st.booleans()):
        month_days = draw(st.lists(st.integers(-31, 31).filter(bool), min_size=1, max_size=2))
        parts.append("BYMONTHDAY=" + ",".join(map(str, month_days)))
    if draw(st.booleans()):
        months = draw(st.lists(st.integers(1, 12), min_size=1, max_size=2, unique=True))
        parts.append("BYMONTH=" + ",".join(map(str, months)))
    if draw(st.booleans()):
        parts.append(f"COUNT={draw(st.integers(1, 50))}")
    return ";".join(draw(st.permutations(parts)))


starts = st.datetimes(datetime(2000, 1, 1), datetime(2037, 12, 31)).map(
    lambda moment: moment.replace(second=0, microsecond=0)
)


@settings(max_examples=300, deadline=None)
@given(rule_texts(), starts)
def test_an_accepted_rule_starts_with_the_block(text: str, start: datetime) -> None:
    """Our reading of the BY parts agrees with dateutil's: a rule we accept has the
    block's start as its first occurrence (so expanding it never searches long)."""
    try:
        rule = parse_rule(text, start, BERLIN)
    except RuleError:
        return
    assert next(iter(rrulestr(rule.text, dtstart=start))) == start


def test_mixed_numbered_and_plain_weekdays_are_refused() -> None:
    # dateutil would look for Fridays that are also the last-but-four Saturday: none,
    # searched up to the year 9999.
    with pytest.raises(RuleError, match="mixes"):
        parse_rule("FREQ=YEARLY;INTERVAL=6;BYDAY=TU,-5SA,FR", datetime(2037, 3, 6, 18), BERLIN)


# --- the fast expansion ------------------------------------------------------------------


@st.composite
def repeating(draw: st.DrawFn) -> str:
    frequency = draw(st.sampled_from(["DAILY", "WEEKLY"]))
    parts = [f"FREQ={frequency}", f"INTERVAL={draw(st.integers(1, 10))}"]
    if draw(st.booleans()):
        days = draw(st.lists(st.sampled_from(WEEKDAY_CODES), min_size=1, max_size=4, unique=True))
        parts.append("BYDAY=" + ",".join(days))
    if draw(st.booleans()):
        parts.append(f"WKST={draw(st.sampled_from(WEEKDAY_CODES))}")
    if draw(st.booleans()):
        parts.append(f"UNTIL={draw(st.dates(date(2020, 1, 1), date(2040, 1, 1))):%Y%m%d}")
    return ";".join(parts)


@settings(max_examples=150, deadline=None)
@given(
    repeating(),
    starts,
    st.dates(date(2000, 1, 1), date(2045, 1, 1)),
    st.integers(1, 70),
)
def test_the_expansion_matches_dateutil_from_the_start(
    text: str, start: datetime, first_day: date, days: int
) -> None:
    low = datetime.combine(first_day, time(0))
    high = low + timedelta(days=days)
    found, until = occurrences(text, start, BERLIN, low, high)
    reference = rrulestr(text.split(";UNTIL=")[0], dtstart=start).between(low, high, inc=True)
    if until is not None:
        reference = [
            moment for moment in reference if moment.replace(tzinfo=BERLIN).astimezone(UTC) < until
        ]
        found = [
            moment for moment in found if moment.replace(tzinfo=BERLIN).astimezone(UTC) < until
        ]
    assert found == reference
