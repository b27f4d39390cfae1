"""Changes to a master's schedule beyond the weekly hours: blocks (one-off or
recurring) and date overrides. Every change is audited in the business's log and
makes cached search results fresh (kit/cache.catalog_changed), since search shows
each offer's next free time."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bookwell.availability.repository import BlockRepository, OverrideRepository
from bookwell.availability.schemas import BlockIn, OverrideIn
from bookwell.availability.service import PeriodQuery, check_date, period_of
from bookwell.errors import ErrorDetail, NotFound, ValidationFailed
from bookwell.kit.audit import record_change, snapshot
from bookwell.kit.cache import Cache, catalog_changed
from bookwell.kit.tenancy import BusinessAccess
from bookwell.models import AvailabilityBlock, AvailabilityOverride, Master
from bookwell.scheduling.engine import instant
from bookwell.scheduling.recurrence import RuleError, parse_rule

MAX_BLOCK_LENGTH = timedelta(days=366)
MAX_OVERRIDE_DAYS = 366
WEEKLY = "FREQ=WEEKLY"
ENTITY_BLOCK = "availability_block"
ENTITY_OVERRIDE = "availability_override"


# --- blocks ----------------------------------------------------------------------


def _repeat_until(value: datetime | date, zone: ZoneInfo) -> datetime:
    """The exclusive bound: a date means through that day in `zone`."""
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return instant(value + timedelta(days=1), "00:00", zone)


def _block_fields(
    body: BlockIn, zone: ZoneInfo, now: datetime
) -> tuple[datetime, datetime, str | None, datetime | None]:
    """Start, end, rule and end of repetition of a new block, checked."""
    # RRULE times are whole seconds (dateutil drops the rest).
    start = body.start_date_time.replace(microsecond=0)
    end = body.end_date_time.replace(microsecond=0)
    check_date(start.date(), "startDateTime", now)
    if end <= start:
        raise ValidationFailed.on("endDateTime", "must be after startDateTime", "OUT_OF_RANGE")
    if end - start > MAX_BLOCK_LENGTH:
        raise ValidationFailed.on(
            "endDateTime", f"a block lasts at most {MAX_BLOCK_LENGTH.days} days", "OUT_OF_RANGE"
        )
    sent = body.model_fields_set
    if body.rrule is not None and "recurring" in sent and not body.recurring:
        raise ValidationFailed.on("recurring", "is false but an rrule is given", "CONFLICT")
    text = body.rrule if body.rrule is not None else (WEEKLY if body.recurring else None)
    if text is None:
        if body.repeat_until is not None:
            raise ValidationFailed.on(
                "repeatUntil", "applies only to recurring blocks", "NOT_RECURRING"
            )
        return start, end, None, None
    start_local = start.astimezone(zone).replace(tzinfo=None)
    try:
        rule = parse_rule(text, start_local, zone)
    except RuleError as error:
        raise ValidationFailed.on("rrule", str(error), "INVALID_RRULE") from error
    until = rule.until
    if body.repeat_until is not None:
        check_date(
            body.repeat_until
            if not isinstance(body.repeat_until, datetime)
            else body.repeat_until.date(),
            "repeatUntil",
            now,
        )
        given = _repeat_until(body.repeat_until, zone)
        until = given if until is None else min(until, given)
    if until is not None and until <= start:
        field_name = "repeatUntil" if body.repeat_until is not None else "rrule"
        raise ValidationFailed.on(field_name, "ends before the block's start", "OUT_OF_RANGE")
    return start, end, rule.text, until


async def add_block(
    session: AsyncSession,
    cache: Cache,
    access: BusinessAccess,
    master: Master,
    body: BlockIn,
    now: datetime,
) -> AvailabilityBlock:
    """A block of the master's time; a recurring one repeats in the master's zone."""
    start, end, rule, until = _block_fields(body, ZoneInfo(master.timezone), now)
    block = await BlockRepository(session, access.business_id).add(
        AvailabilityBlock(
            id=uuid.uuid4(),
            master_id=master.id,
            starts_at=start,
            ends_at=end,
            timezone=master.timezone,
            rrule=rule,
            repeat_until=until,
            reason=body.reason,
        )
    )
    await record_change(
        session,
        access,
        action="create",
        entity_type=ENTITY_BLOCK,
        entity_id=block.id,
        after=snapshot(block),
    )
    catalog_changed(session, cache)
    return block


async def remove_block(
    session: AsyncSession,
    cache: Cache,
    access: BusinessAccess,
    master: Master,
    block_id: uuid.UUID,
) -> None:
    blocks = BlockRepository(session, access.business_id)
    block = await blocks.of_master(master.id, block_id)
    if block is None:
        raise NotFound("Block not found")
    before = snapshot(block)
    await blocks.delete(block)
    await record_change(
        session,
        access,
        action="delete",
        entity_type=ENTITY_BLOCK,
        entity_id=block_id,
        before=before,
    )
    catalog_changed(session, cache)


async def list_blocks(
    session: AsyncSession,
    access: BusinessAccess,
    master: Master,
    include_past: bool,
    now: datetime,
) -> list[AvailabilityBlock]:
    """The master's blocks by start; without `include_past`, those that ended are left
    out."""
    return await BlockRepository(session, access.business_id).listed(
        master.id, None if include_past else now
    )


# --- date overrides --------------------------------------------------------------


async def set_override(
    session: AsyncSession,
    cache: Cache,
    access: BusinessAccess,
    master: Master,
    day: date,
    body: OverrideIn,
    now: datetime,
) -> AvailabilityOverride:
    """Other hours on one date of the master's zone (none: a day off), replacing any
    override of that date."""
    check_date(day, "date", now)
    overrides = OverrideRepository(session, access.business_id)
    row = await overrides.on(master.id, day)
    if row is None:
        row = AvailabilityOverride(
            id=uuid.uuid4(), master_id=master.id, day=day, hours=body.hours, reason=body.reason
        )
        if await overrides.add_unique(row):
            await record_change(
                session,
                access,
                action="create",
                entity_type=ENTITY_OVERRIDE,
                entity_id=row.id,
                after=snapshot(row),
            )
            catalog_changed(session, cache)
            return row
        # Another request made it meanwhile: replace that one.
        row = await overrides.on(master.id, day)
        if row is None:
            raise NotFound("Override not found")
    before = snapshot(row)
    row.hours = list(body.hours)
    row.reason = body.reason
    row.updated_at = now
    await session.flush()
    await record_change(
        session,
        access,
        action="update",
        entity_type=ENTITY_OVERRIDE,
        entity_id=row.id,
        before=before,
        after=snapshot(row),
    )
    catalog_changed(session, cache)
    return row


async def remove_override(
    session: AsyncSession,
    cache: Cache,
    access: BusinessAccess,
    master: Master,
    day: date,
) -> None:
    overrides = OverrideRepository(session, access.business_id)
    row = await overrides.on(master.id, day)
    if row is None:
        raise NotFound(
            "No override on this date",
            details=[ErrorDetail("date", "has no override", "NOT_FOUND")],
        )
    before = snapshot(row)
    await overrides.delete(row)
    await record_change(
        session,
        access,
        action="delete",
        entity_type=ENTITY_OVERRIDE,
        entity_id=row.id,
        before=before,
    )
    catalog_changed(session, cache)


async def list_overrides(
    session: AsyncSession,
    access: BusinessAccess,
    master: Master,
    query: PeriodQuery,
    now: datetime,
) -> list[AvailabilityOverride]:
    """Overrides from startDate (default today, in the master's zone) to endDate
    (default 90 days on), at most MAX_OVERRIDE_DAYS days."""
    period = period_of(query, master.timezone, now, max_days=MAX_OVERRIDE_DAYS, default_days=90)
    return await OverrideRepository(session, access.business_id).between(
        master.id, period.first, period.last
    )
