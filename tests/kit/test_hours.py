"""Weekly hours rules that are clearer tested directly than through a route."""

from __future__ import annotations

import pytest

from bookwell.kit.hours import normalize_week


def test_overlapping_intervals_are_named_as_times() -> None:
    with pytest.raises(ValueError, match="overlaps") as refused:
        normalize_week(
            {"monday": [{"start": "11:00", "end": "13:00"}, {"start": "09:00", "end": "12:00"}]}
        )
    assert str(refused.value) == "monday: 09:00\u201312:00 overlaps 11:00\u201313:00"


def test_touching_intervals_are_sorted_and_kept() -> None:
    week = normalize_week(
        {"friday": [{"start": "13:00", "end": "18:00"}, {"start": "09:00", "end": "13:00"}]}
    )
    assert week == {
        "friday": [{"start": "09:00", "end": "13:00"}, {"start": "13:00", "end": "18:00"}]
    }
