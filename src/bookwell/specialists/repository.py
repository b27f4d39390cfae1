"""Queries that find a specialist's business: the tenant is resolved here, and every
query on its rows then goes through the scoped repositories of staff/repository.py."""

from __future__ import annotations

import uuid

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bookwell.models import Business, BusinessRole, BusinessStatus, Master, Membership


class SpecialistDirectory:
    """Businesses are the tenants themselves, so these lookups are not tenant-scoped."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def solo_business_of(self, user_id: uuid.UUID) -> Business | None:
        """The one-person business the user owns (made when they registered)."""
        result = await self.session.execute(
            select(Business)
            .join(Membership, Membership.business_id == Business.id)
            .where(
                Business.is_solo.is_(True),
                Membership.user_id == user_id,
                Membership.role == BusinessRole.OWNER,
            )
            .order_by(Business.created_at)
            .limit(1)
        )
        return result.scalar_one_or_none()

    async def oldest_master_business_of(self, user_id: uuid.UUID) -> Business | None:
        """The business where the user first became a master, in any status."""
        result = await self.session.execute(
            select(Business)
            .join(Master, Master.business_id == Business.id)
            .where(Master.user_id == user_id)
            .order_by(Master.created_at, Master.id)
            .limit(1)
        )
        return result.scalar_one_or_none()

    async def active_business_of_master(self, master_id: uuid.UUID) -> Business | None:
        """The business of a master, if that business is active."""
        result = await self.session.execute(
            select(Business)
            .join(Master, Master.business_id == Business.id)
            .where(Master.id == master_id, Business.status == BusinessStatus.ACTIVE)
        )
        return result.scalar_one_or_none()

    async def subdomains_from(self, base: str) -> set[str]:
        """Taken subdomains equal to `base` or of the form `base-<anything>`."""
        result = await self.session.execute(
            select(Business.subdomain).where(
                or_(Business.subdomain == base, Business.subdomain.like(f"{base}-%"))
            )
        )
        return set(result.scalars())

    async def add_business_unique(self, business: Business) -> bool:
        """Insert the business; False when its subdomain was taken meanwhile."""
        try:
            async with self.session.begin_nested():
                self.session.add(business)
        except IntegrityError:
            return False
        return True
