"""Queries of the availability routes: a master's blocks and date overrides (scoped to
the business), and the one-statement lookups behind the public slot pages."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import BindParameter, and_, bindparam, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bookwell.kit.tenancy import TenantRepository
from bookwell.models import (
    AvailabilityBlock,
    AvailabilityOverride,
    Business,
    BusinessStatus,
    Master,
    Service,
    User,
    service_masters,
)
from bookwell.scheduling.engine import ServiceRules
from bookwell.scheduling.repository import MasterHours


class BlockRepository(TenantRepository[AvailabilityBlock]):
    model = AvailabilityBlock

    async def of_master(
        self, master_id: uuid.UUID, block_id: uuid.UUID
    ) -> AvailabilityBlock | None:
        result = await self.session.execute(
            self.scoped().where(
                AvailabilityBlock.id == block_id, AvailabilityBlock.master_id == master_id
            )
        )
        block: AvailabilityBlock | None = result.scalar_one_or_none()
        return block

    async def listed(self, master_id: uuid.UUID, since: datetime | None) -> list[AvailabilityBlock]:
        """The master's blocks by start; with `since`, only those that may still block
        time after it."""
        block = AvailabilityBlock
        statement = self.scoped().where(block.master_id == master_id)
        if since is not None:
            statement = statement.where(
                or_(
                    and_(block.rrule.is_(None), block.ends_at > since),
                    and_(
                        block.rrule.is_not(None),
                        or_(block.repeat_until.is_(None), block.repeat_until > since),
                    ),
                )
            )
        result = await self.session.execute(statement.order_by(block.starts_at, block.id))
        return list(result.scalars())


class OverrideRepository(TenantRepository[AvailabilityOverride]):
    model = AvailabilityOverride

    async def on(self, master_id: uuid.UUID, day: date) -> AvailabilityOverride | None:
        result = await self.session.execute(
            self.scoped().where(
                AvailabilityOverride.master_id == master_id, AvailabilityOverride.day == day
            )
        )
        row: AvailabilityOverride | None = result.scalar_one_or_none()
        return row

    async def between(
        self, master_id: uuid.UUID, first: date, last: date
    ) -> list[AvailabilityOverride]:
        result = await self.session.execute(
            self.scoped()
            .where(
                AvailabilityOverride.master_id == master_id,
                AvailabilityOverride.day.between(first, last),
            )
            .order_by(AvailabilityOverride.day)
        )
        return list(result.scalars())

    async def add_unique(self, row: AvailabilityOverride) -> bool:
        """Insert the override; False when the master already has one that day."""
        try:
            async with self.session.begin_nested():
                await self.add(row)
        except IntegrityError:
            return False
        return True


_RULE_COLUMNS = (
    Service.id,
    Service.duration_minutes,
    Service.buffer_before_minutes,
    Service.buffer_after_minutes,
    Service.slot_step_minutes,
    Service.min_notice_minutes,
)


def _rules(row: Any) -> ServiceRules:
    """From a row with the service's minute columns."""
    return ServiceRules.of(row)


# Built once (the public slot pages run it on every request, cached or not).
_SERVICE_ID: BindParameter[uuid.UUID] = bindparam("service_id")
_OFFER = (
    select(
        Master.id.label("master_id"),
        Master.timezone.label("timezone"),
        Master.working_hours,
        Business.timezone.label("business_timezone"),
        Business.opening_hours,
        Business.booking_horizon_days,
        *_RULE_COLUMNS,
    )
    .select_from(Master)
    .join(Business, Business.id == Master.business_id)
    .join(User, User.id == Master.user_id)
    .outerjoin(
        service_masters,
        and_(service_masters.c.master_id == Master.id, service_masters.c.service_id == _SERVICE_ID),
    )
    .outerjoin(
        Service,
        and_(
            Service.id == service_masters.c.service_id,
            Service.business_id == Master.business_id,
            Service.is_active.is_(True),
        ),
    )
    .where(
        Master.id == bindparam("master_id"),
        Master.is_active.is_(True),
        User.is_active.is_(True),
        Business.status == BusinessStatus.ACTIVE,
    )
)


class PublicScheduleRepository:
    """Who the public may book: active masters with active accounts, in active
    businesses, for the active services they deliver. The tenant comes from the master
    (or the business the caller resolved), as in specialists/repository.py."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def offer(
        self, master_id: uuid.UUID, service_id: uuid.UUID
    ) -> tuple[MasterHours, ServiceRules | None] | None:
        """The master's hours and the service's rules in one statement; None when the
        master is not public, no rules when the master does not offer the service."""
        row = (
            await self.session.execute(_OFFER, {"master_id": master_id, "service_id": service_id})
        ).first()
        if row is None:
            return None
        hours = MasterHours(
            master_id=row.master_id,
            timezone=row.timezone,
            working_hours=row.working_hours,
            business_timezone=row.business_timezone,
            opening_hours=row.opening_hours,
            horizon_days=row.booking_horizon_days,
        )
        return hours, (_rules(row) if row.id is not None else None)

    async def service_rules(self, business: Business, service_id: uuid.UUID) -> ServiceRules | None:
        """The rules of an active service of the business."""
        row = (
            await self.session.execute(
                select(*_RULE_COLUMNS).where(
                    Service.id == service_id,
                    Service.business_id == business.id,
                    Service.is_active.is_(True),
                )
            )
        ).first()
        return None if row is None else _rules(row)

    async def masters_of_service(
        self, business: Business, service_id: uuid.UUID
    ) -> list[MasterHours]:
        """The business's public masters who deliver the service, oldest first."""
        rows = await self.session.execute(
            select(Master.id, Master.timezone, Master.working_hours)
            .join(service_masters, service_masters.c.master_id == Master.id)
            .join(User, User.id == Master.user_id)
            .where(
                Master.business_id == business.id,
                service_masters.c.service_id == service_id,
                Master.is_active.is_(True),
                User.is_active.is_(True),
            )
            .order_by(Master.created_at, Master.id)
        )
        return [
            MasterHours(
                master_id=master_id,
                timezone=zone,
                working_hours=week,
                business_timezone=business.timezone,
                opening_hours=business.opening_hours,
                horizon_days=business.booking_horizon_days,
            )
            for master_id, zone, week in rows
        ]
