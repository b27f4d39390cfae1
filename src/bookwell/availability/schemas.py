"""Bodies and replies of the availability routes: slots (seed 001's `availableSlots`),
blocks and date overrides."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, StringConstraints, WithJsonSchema

from bookwell.kit.fields import Day, Instant
from bookwell.kit.hours import normalize_week
from bookwell.kit.schemas import CamelModel, RequestModel
from bookwell.models import AvailabilityBlock, AvailabilityOverride
from bookwell.scheduling.engine import Reason

# --- slots -------------------------------------------------------------------


class SlotOut(CamelModel):
    start_time: str = Field(
        description="Wall clock HH:MM in the requested zone", examples=["09:00"]
    )
    end_time: str = Field(description="Wall clock HH:MM in the requested zone", examples=["10:00"])
    starts_at: datetime = Field(
        description="The start with the requested zone's offset (HH:MM repeats on the night "
        "clocks go back; this does not)",
        examples=["2024-03-15T09:00:00-04:00"],
    )
    ends_at: datetime = Field(examples=["2024-03-15T10:00:00-04:00"])
    available: bool
    reason: Reason | None = Field(
        default=None, description="Why the slot cannot be booked; absent when available"
    )


class DaySlotsOut(CamelModel):
    date: date
    slots: list[SlotOut]


class AvailabilityOut(CamelModel):
    available_slots: list[DaySlotsOut] = Field(
        description="Every date of the range in the requested zone, in order; a day "
        "without working hours has no slots"
    )
    timezone: str = Field(description="The zone of dates and HH:MM times")
    service_id: uuid.UUID | None = Field(
        description="The service the slots are for; null: a 60-minute default"
    )
    duration: int = Field(description="Minutes per slot")


class BusinessSlotOut(SlotOut):
    master_ids: list[uuid.UUID] = Field(description="The masters free at this time")


class BusinessDaySlotsOut(CamelModel):
    date: date
    slots: list[BusinessSlotOut]


class BusinessAvailabilityOut(CamelModel):
    available_slots: list[BusinessDaySlotsOut]
    timezone: str
    service_id: uuid.UUID
    duration: int
    master_ids: list[uuid.UUID] = Field(description="The masters whose slots are merged")


# --- blocks ------------------------------------------------------------------


def _instant_or_date(value: Any) -> Any:
    """`2024-06-30` (a date) or an ISO 8601 time with an offset."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        moment = datetime.fromisoformat(text)
    except ValueError as error:
        raise ValueError("must be a date (2024-06-30) or a time with an offset") from error
    if moment.tzinfo is None:
        raise ValueError("must carry an offset or Z, e.g. 2024-06-30T17:00:00Z")
    return moment.astimezone(UTC)


Reason500 = Annotated[str, StringConstraints(max_length=500)]


class BlockIn(RequestModel):
    start_date_time: Instant = Field(
        description="The first (or only) blocked span starts here; with an offset or Z",
        examples=["2024-03-15T14:00:00Z"],
    )
    end_date_time: Instant = Field(examples=["2024-03-15T16:00:00Z"])
    reason: Reason500 = ""
    recurring: bool = Field(
        default=False,
        description="Repeat the span; without `rrule` every week (FREQ=WEEKLY)",
    )
    rrule: Annotated[str, StringConstraints(max_length=500)] | None = Field(
        default=None,
        description=(
            "RFC 5545 RRULE, repeated at the span's wall-clock time in the specialist's "
            "zone: FREQ=DAILY|WEEKLY|MONTHLY|YEARLY with INTERVAL, COUNT (up to 1000) or "
            "UNTIL, BYDAY, BYMONTHDAY, BYMONTH, WKST. No DTSTART: the span is the first "
            "occurrence, so it must match the rule."
        ),
        examples=["FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20240630"],
    )
    repeat_until: Annotated[Instant | Day | None, BeforeValidator(_instant_or_date)] = Field(
        default=None,
        description=(
            "End of the repetition: a date (the last day with an occurrence, in the "
            "specialist's zone) or a time with an offset (no occurrence starts at or after it)"
        ),
        examples=["2024-06-30"],
    )


class BlockOut(CamelModel):
    id: uuid.UUID
    master_id: uuid.UUID
    start_date_time: datetime
    end_date_time: datetime
    timezone: str = Field(description="The zone recurring blocks repeat in (the master's)")
    reason: str
    recurring: bool
    rrule: str | None = Field(description="Without UNTIL, which is kept as repeatUntil")
    repeat_until: datetime | None = Field(description="No occurrence starts at or after it")
    created_at: datetime

    @classmethod
    def of(cls, block: AvailabilityBlock) -> BlockOut:
        return cls(
            id=block.id,
            master_id=block.master_id,
            start_date_time=block.starts_at,
            end_date_time=block.ends_at,
            timezone=block.timezone,
            reason=block.reason,
            recurring=block.rrule is not None,
            rrule=block.rrule,
            repeat_until=block.repeat_until,
            created_at=block.created_at,
        )


# --- date overrides ----------------------------------------------------------


def _day_hours(value: Any) -> Any:
    """The intervals of one day by the weekly-hours rules (kit/hours.py)."""
    if not isinstance(value, list):
        raise ValueError('must be a list of {"start": "HH:MM", "end": "HH:MM"}; [] is a day off')
    if not value:
        return []
    try:
        return normalize_week({"monday": value}).get("monday", [])
    except ValueError as error:
        raise ValueError(str(error).removeprefix("monday: ")) from error


DayHours = Annotated[
    list[dict[str, str]],
    BeforeValidator(_day_hours),
    WithJsonSchema(
        {
            "type": "array",
            "description": "Intervals in the specialist's zone, not overlapping; [] is a day off",
            "items": {
                "type": "object",
                "properties": {
                    "start": {"type": "string", "example": "10:00"},
                    "end": {"type": "string", "example": "14:00"},
                },
                "required": ["start", "end"],
            },
        }
    ),
]


class OverrideIn(RequestModel):
    hours: DayHours
    reason: Reason500 = ""


class OverrideOut(CamelModel):
    date: date
    hours: list[dict[str, str]]
    day_off: bool
    reason: str

    @classmethod
    def of(cls, row: AvailabilityOverride) -> OverrideOut:
        return cls(date=row.day, hours=row.hours, day_off=not row.hours, reason=row.reason)
